"""Benchmark: export a million companies as CSV and XLSX (rows/s, peak memory).

    python benchmarks/address_export.py \
        --database-url postgres://postgres@127.0.0.1:5432/merkur_business_bench
    python benchmarks/address_export.py \
        --database-url sqlite:////tmp/merkur_export_bench.sqlite3 --generate 100000

The PostgreSQL database is only read: the benchmark's session is READ ONLY, so an
export that tried to write would fail. With ``--generate N`` (SQLite only) the
database file is made afresh with ``merkur generate`` (the helpers of
``companies_list.py``). Each format runs in a process of its own, so the peak
memory (``resource.getrusage`` maxrss) is that format's alone. The export is the
real one (``runner.prepare`` → ``Export.save``), with the company list's default
export columns: number, name (2 lines), contact address, phone, e-mail, industries
(several per company) and sales representative. Targets: CSV ≥ 100,000 rows/s,
XLSX ≥ 20,000 rows/s, peak memory < 500 MB. Results go to the console and to
``benchmarks/results/address_export-*.json``.

On PostgreSQL a CSV is written by the database (``COPY``, see
``merkur/transfer/export/copying.py``); ``--python`` measures the Python writer
instead (the result says which wrote it: ``copied``).

Not part of the test suite.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from companies_list import (
    RESULTS,
    ROOT,
    _database_info,
    _environment,
    _fresh_database,
    _generate,
    _machine,
    _redacted,
)

TARGETS = {"csv": 100_000, "xlsx": 20_000}
MEMORY_LIMIT_MB = 500
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/merkur_business_bench"


def main() -> None:
    args = _arguments()
    if args.case:
        _run_case(args)
        return
    url = args.database_url
    if args.generate:
        _setup_sqlite(url, args.generate)
    report = {
        "machine": _machine(),
        "database_url": _redacted(url),
        "args": vars(args),
        "cases": {},
    }
    for fmt in args.formats.split(","):
        report["cases"][fmt] = _subprocess(url, fmt, args.limit, args.sort, args.python)
        _print_case(fmt, report["cases"][fmt])
    report["database"] = report["cases"][next(iter(report["cases"]))].pop("database", {})
    report["machine"]["load_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    vendor = report["database"].get("vendor", "db")
    rows = max(case["rows"] for case in report["cases"].values())
    path = RESULTS / f"address_export-{vendor}-{rows}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nload average before {report['machine']['load_before']}, after "
          f"{report['machine']['load_after']}")  # fmt: skip
    print(f"Results written to {path.relative_to(ROOT)}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--formats", default="csv,xlsx", help="comma-separated (csv,xlsx,jsonl…)")
    parser.add_argument("--limit", type=int, default=None, help="export only the first N rows")
    parser.add_argument(
        "--generate",
        type=int,
        default=None,
        help="SQLite only: make the file afresh with N companies",
    )
    parser.add_argument(
        "--sort", default="name", help="name (the list's order, default) or id (entry order)"
    )
    parser.add_argument(
        "--python", action="store_true", help="CSV by Python's csv module, not PostgreSQL's COPY"
    )
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one format, in a child process
    args = parser.parse_args()
    if args.generate and not args.database_url.startswith("sqlite"):
        parser.error("--generate makes a SQLite file; the PostgreSQL database is never written")
    return args


def _setup_sqlite(url: str, companies: int) -> None:
    _environment(url)
    _fresh_database(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"Generated: {_generate(companies, 10_000)}", file=sys.stderr)


def _subprocess(url: str, fmt: str, limit: int | None, sort: str, python: bool) -> dict:
    command = [sys.executable, __file__, "--database-url", url, "--case", fmt, "--sort", sort]
    if limit:
        command += ["--limit", str(limit)]
    if python:
        command.append("--python")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{fmt} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _run_case(args) -> None:
    """One format in this (fresh) process: prints one JSON line."""
    _environment(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from merkur.transfer.export import runner, sources

    if args.python:
        settings.MERKUR_EXPORT_COPY = False

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    export = runner.prepare(
        source="companies",
        params={},
        options={"format": args.case, "sort": args.sort},
        user=sources.OPERATOR,
    )
    total = export.count(args.limit)
    if args.limit:
        total = min(total, args.limit)
        export.scope.queryset = export.scope.queryset[: args.limit]
    folder = Path(tempfile.mkdtemp(prefix="merkur-export-bench-"))
    target = folder / export.file_name
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 100_000 == 0:
            seconds = time.perf_counter() - started
            print(f"  {args.case}: {done:>9,} / {total:,} ({done / seconds:,.0f} rows/s)",
                  file=sys.stderr, flush=True)  # fmt: skip

    export.save(target, progress=progress)
    seconds = time.perf_counter() - started
    size = target.stat().st_size
    target.unlink()
    folder.rmdir()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "format": args.case,
        "rows": export.done,
        "sort": args.sort,
        "copied": export.copied,
        "seconds": round(seconds, 2),
        "rows_per_s": round(export.done / seconds),
        "target_rows_per_s": TARGETS.get(args.case),
        "file_mb": round(size / 1024 / 1024, 1),
        "peak_rss_mb": round(peak_mb),
        "memory_limit_mb": MEMORY_LIMIT_MB,
        "columns": [column.key for column in export.columns],
        "database": _database_info(),
    }
    print(json.dumps(result))


def _print_case(fmt: str, case: dict) -> None:
    target = case.get("target_rows_per_s")
    verdict = ""
    if target:
        ok = case["rows_per_s"] >= target and case["peak_rss_mb"] < MEMORY_LIMIT_MB
        verdict = "  target met" if ok else "  TARGET MISSED"
    print(
        f"{fmt:>5}{' (COPY)' if case.get('copied') else ''}: {case['rows']:>9,} rows in "
        f"{case['seconds']:>7.1f} s = "
        f"{case['rows_per_s']:>8,} rows/s (target {target or '–':,}), "
        f"peak {case['peak_rss_mb']:,} MB, file {case['file_mb']:,} MB{verdict}"
    )


if __name__ == "__main__":
    main()
