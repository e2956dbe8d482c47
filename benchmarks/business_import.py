"""Scale benchmark for the ERP import of business data (issue 5).

    python benchmarks/business_import.py \
        --database-url postgres://postgres@127.0.0.1:5432/merkur_import_bench
    python benchmarks/business_import.py --reuse          # keep the companies, import again
    python benchmarks/business_import.py \
        --database-url sqlite:////tmp/merkur_import_bench.sqlite3 --companies 100000 --lines 1000000

Unless ``--reuse``, the database is DROPPED and created afresh, migrated and
filled with ``--companies`` generated companies (numbers ``G00000001`` …). Then:

1. ``rates.csv`` (CHF and USD, monthly, 6 years) and ``articles.csv`` (2,000
   articles over four divisions and three categories) are imported with
   ``merkur import-business-data``.
2. ``documents.csv`` is written: ``--lines`` sales-order lines, five per order
   on average, for random companies over 6 years, 10 % in CHF, 3 % cancelled.
3. The limit: PostgreSQL's own ``COPY`` of the same file into an unindexed
   table of text columns — no checks, no look-ups, nothing derived.
4. ``merkur import-business-data documents documents.csv`` in a child process:
   wall time, lines/s and the child's peak memory (max RSS).
5. The revenue aggregate is compared with the computation over the raw lines.
6. A second import of 1,000 changed orders (the nightly delta) into the full tables.

Results go to the console and ``benchmarks/results/business-import-*.json``.
See docs/performance.md. Not part of the test suite.
"""

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from companies_list import (  # the list benchmark's helpers
    RESULTS,
    ROOT,
    _database_info,
    _environment,
    _fresh_database,
    _generate,
    _machine,
    _redacted,
)

TARGET_LINES_PER_S = 100_000
TARGET_PEAK_MB = 500
DIVISIONS = ["Anwendersoftware", "Datenbanksoftware", "Hardware", "Dienstleistung"]
CATEGORIES = ["Lizenz", "Wartung", "Gerät"]
ARTICLES = 2_000
YEARS = 6
HEADER = (
    "kind;number;company_number;date;currency;status;"
    "position;article;quantity;unit_price;discount_percent\n"
)


def main() -> None:
    args = _arguments()
    _environment(args.database_url)
    if not args.reuse:
        _fresh_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    from merkur.companies.models import Company

    report: dict = {
        "machine": _machine(),
        "database_url": _redacted(args.database_url),
        "args": vars(args),
    }
    if args.reuse:
        report["generate"] = {"reused": True, "companies": Company.objects.count()}
        _clear_documents()
    else:
        call_command("migrate", verbosity=0)
        report["generate"] = _generate(args.companies, 10_000)
    companies = report["generate"]["companies"]
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    report["master"] = _master_files(work)
    path = work / "documents.csv"
    report["file"] = _write_documents(path, args.lines, companies, args.seed)
    report["database"] = _database_info()
    if report["database"]["vendor"] == "postgresql":
        report["copy"] = _raw_copy(path, args.lines)
    report["import"] = _import(path, args.lines)
    report["check"] = _check_aggregate()
    report["delta"] = _delta(work, companies, args.seed)
    report["machine"]["load_after"] = os.getloadavg()
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    vendor = report["database"]["vendor"]
    out = RESULTS / f"business-import-{vendor}-{args.lines}-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nResults written to {out.relative_to(ROOT)}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/merkur_import_bench"
    )
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--work-dir", default=str(Path(tempfile.gettempdir()) / "merkur-import"))
    parser.add_argument("--reuse", action="store_true", help="keep the generated companies")
    args = parser.parse_args()
    if args.companies < 1_000 or args.lines < 1_000:
        parser.error("--companies and --lines must be at least 1,000")
    return args


def _clear_documents() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        tables = ["business_revenuemonth", "business_documentline", "business_document"]
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def _command(*arguments: str) -> tuple[float, str]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "merkur.cli", "import-business-data", *arguments],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONPATH": str(ROOT / "src")},
    )
    seconds = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"import failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout.strip()


def _master_files(work: Path) -> dict:
    from merkur.business.models import ArticleCategory, Division

    for name in DIVISIONS:
        Division.objects.get_or_create(name=name)
    for name in CATEGORIES:
        ArticleCategory.objects.get_or_create(name=name)
    today = datetime.date.today()
    rates = ["currency;valid_from;rate"]
    for currency, base in (("CHF", 1.05), ("USD", 0.92)):
        for month in range(YEARS * 12 + 1):
            day = datetime.date(today.year - YEARS + month // 12, 1 + month % 12, 1)
            rates.append(f"{currency};{day};{base + (month % 7) / 100:.4f}")
    (work / "rates.csv").write_text("\n".join(rates) + "\n")
    articles = ["number;name;division;category;unit"]
    for number in range(ARTICLES):
        articles.append(
            f"ART-{number:05d};Artikel {number};{DIVISIONS[number % 4]};"
            f"{CATEGORIES[number % 3]};Stk"
        )
    (work / "articles.csv").write_text("\n".join(articles) + "\n")
    return {
        "rates": _command("rates", str(work / "rates.csv"))[0],
        "articles": _command("articles", str(work / "articles.csv"))[0],
    }


def _write_documents(path: Path, lines: int, companies: int, seed: int) -> dict:
    """Sales orders of 1–9 lines (5 on average) for random companies; not timed."""
    rng = random.Random(seed)
    started = time.monotonic()
    today = datetime.date.today()
    first = datetime.date(today.year - YEARS, 1, 1).toordinal()
    span = today.toordinal() - first
    written = orders = 0
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        while written < lines:
            orders += 1
            company = f"G{rng.randint(1, companies):08d}"
            day = datetime.date.fromordinal(first + rng.randrange(span))
            currency = "CHF" if rng.random() < 0.1 else "EUR"
            status = "cancelled" if rng.random() < 0.03 else "done"
            head = f"order;AU-{orders:09d};{company};{day};{currency};{status};"
            count = min(rng.randint(1, 9), lines - written)
            rows = []
            for position in range(1, count + 1):
                article = rng.randrange(ARTICLES)
                quantity = rng.choice((1, 1, 1, 2, 3, 5, 10, 25))
                price = 10 + (article * 7919) % 4990
                discount = rng.choice((0, 0, 0, 5, 10))
                rows.append(
                    f"{head}{position};ART-{article:05d};{quantity};{price}.00;{discount}\n"
                )
            out.write("".join(rows))
            written += count
    return {
        "lines": written,
        "orders": orders,
        "megabytes": round(path.stat().st_size / 2**20),
        "seconds_to_write": round(time.monotonic() - started, 1),
    }


def _raw_copy(path: Path, lines: int) -> dict:
    """The limit: the server's COPY of the file into a table with no index or check."""
    from django.db import connection

    columns = HEADER.strip().split(";")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_copy")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_raw_copy (" + ", ".join(f"{c} text" for c in columns) + ")"
        )
    connection.ensure_connection()
    started = time.monotonic()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(
            "COPY bench_raw_copy FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)"
        ) as copy,
        open(path, "rb") as source,
    ):
        while block := source.read(1 << 20):
            copy.write(block)
    connection.connection.commit()
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_copy")
    return {"seconds": round(seconds, 1), "lines_per_s": round(lines / seconds)}


def _import(path: Path, lines: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    seconds, output = _command("documents", str(path))
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "seconds": round(seconds, 1),
        "lines_per_s": round(lines / seconds),
        "peak_mb": round(max(peak_kb, before) / 1024),
        "output": output,
    }


def _check_aggregate() -> dict:
    """The aggregate after the import equals the computation over the raw lines (totals)."""
    from django.db.models import Sum

    from merkur.business import aggregates
    from merkur.business.models import RevenueMonth

    started = time.monotonic()
    stored = RevenueMonth.objects.aggregate(amount=Sum("amount"), quantity=Sum("quantity"))
    computed = aggregates.revenue_lines().aggregate(
        amount=Sum("base_amount"), quantity=Sum("quantity")
    )
    # SQLite sums its decimals as floating point: compare to the cent.
    equal = all(round(stored[name] or 0, 2) == round(computed[name] or 0, 2) for name in stored)
    if not equal:
        raise SystemExit(f"aggregate differs: stored {stored}, computed {computed}")
    return {
        "equal": equal,
        "amount": str(stored["amount"]),
        "rows": RevenueMonth.objects.count(),
        "seconds": round(time.monotonic() - started, 1),
    }


def _delta(work: Path, companies: int, seed: int) -> dict:
    """1,000 of the orders again with other quantities: a nightly delta into full tables."""
    rng = random.Random(seed + 1)
    path = work / "delta.csv"
    today = datetime.date.today()
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        for number in rng.sample(range(1, 1_001), 1_000):
            company = f"G{rng.randint(1, companies):08d}"
            out.write(
                f"order;AU-{number:09d};{company};{today};EUR;done;1;ART-00001;"
                f"{rng.randint(1, 9)};100.00;0\n"
            )
    seconds, output = _command("documents", str(path))
    return {"orders": 1_000, "seconds": round(seconds, 1), "output": output}


def _print(report: dict) -> None:
    print()
    print(f"Machine: {report['machine']['cpus']} CPUs, {report['machine']['memory']}")
    print(f"Database: {report['database']['vendor']} {report['database']['version'][:40]}")
    file = report["file"]
    print(f"File: {file['lines']:,} lines, {file['orders']:,} orders, {file['megabytes']} MB")
    if "copy" in report:
        copy = report["copy"]
        print(f"Raw COPY of the file (limit): {copy['seconds']} s, {copy['lines_per_s']:,} lines/s")
    result = report["import"]
    verdict = "OK" if result["lines_per_s"] >= TARGET_LINES_PER_S else "MISSED"
    print(
        f"Import: {result['seconds']} s, {result['lines_per_s']:,} lines/s "
        f"(target {TARGET_LINES_PER_S:,}: {verdict}), peak memory {result['peak_mb']} MB "
        f"(target < {TARGET_PEAK_MB}: {'OK' if result['peak_mb'] < TARGET_PEAK_MB else 'MISSED'})"
    )
    print(f"  {result['output']}")
    print(f"Aggregate equals the raw computation: {report['check']['equal']}")
    print(f"Delta of 1,000 changed orders: {report['delta']['seconds']} s")


if __name__ == "__main__":
    main()
