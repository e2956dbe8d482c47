"""Benchmark: the documents of a mailing to 10,000 recipients (seconds, peak memory).

A database of its own (SQLite by default, or ``--database-url postgres://…``) is
created, migrated and filled with ``merkur generate`` (helpers of
``companies_list.py``); then each output runs in a process of its own, so that the peak
memory (max RSS) is that output's: reading the recipients and their merge fields
(``merge_rows``) and writing DOCX letters in one file, PDF letters, address labels
(3474), the CSV and the XLSX data source. Targets: DOCX < 60 s, PDF < 120 s, labels
< 20 s, each < 500 MB. Results go to the console and to ``benchmarks/results/``.

    .venv/bin/python benchmarks/mailing_documents.py [--recipients 10000] [--reuse]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results"
OUTPUTS = ("docx", "pdf", "labels", "csv", "xlsx")
TARGETS = {"docx": 60, "pdf": 120, "labels": 20, "csv": 60, "xlsx": 60}
MEMORY_MB = 500
BODY = (
    "{{ salutation_line }}\n\nwir laden {{ company_name }} herzlich zu unserer Hausmesse am "
    "{{ termin }} ein. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
    "tempor incididunt ut labore et dolore magna aliqua.\n\nUt enim ad minim veniam, quis "
    "nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.\n\n"
    "Mit freundlichen Grüßen\n\n{{ sender_name }}"
)


def main() -> None:
    args = _arguments()
    if args.worker:
        _worker(args)
        return
    from companies_list import _environment, _fresh_database, _generate, _redacted

    _environment(args.database_url)
    report: dict = {"database_url": _redacted(args.database_url), "recipients": args.recipients}
    if not args.reuse:
        _fresh_database(args.database_url)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        # generate makes about 2–3 people per company: enough people for the recipients.
        report["generate"] = _generate(max(args.recipients // 2, 1000), 5000)
    work = Path(tempfile.mkdtemp(prefix="merkur-mailing-bench-"))
    report["outputs"] = {}
    for output in OUTPUTS:
        command = [
            sys.executable, __file__, "--worker", output, "--database-url", args.database_url,
            "--recipients", str(args.recipients), "--dir", str(work),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            raise SystemExit(f"{output} failed")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["target_s"] = TARGETS[output]
        result["ok"] = result["seconds"] < TARGETS[output] and result["peak_rss_mb"] < MEMORY_MB
        report["outputs"][output] = result
        print(
            f"{output:7} {result['count']:>7,} in {result['seconds']:7.1f} s "
            f"(target {TARGETS[output]} s), peak {result['peak_rss_mb']:5.0f} MB, "
            f"{result['bytes'] / 1e6:7.1f} MB file  {'ok' if result['ok'] else 'MISSED'}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    vendor = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    path = (
        RESULTS
        / f"mailing_documents-{vendor}-{args.recipients}-{datetime.now():%Y%m%d-%H%M%S}.json"
    )
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"Results written to {path.relative_to(ROOT)}")


def _worker(args) -> None:
    from companies_list import _environment

    _environment(args.database_url)
    import django

    django.setup()
    import datetime as dt

    from docx import Document

    from merkur.mailings import fields
    from merkur.mailings.documents import datasource, labels
    from merkur.mailings.documents.docx import DocxLetter
    from merkur.mailings.documents.pdf import PdfLetter
    from merkur.selections.compiler import compile_definition
    from merkur.selections.definition import parse
    from merkur.selections.recipients import recipients

    work = Path(args.dir)
    free = {"termin": "12. Mai 2026"}
    known = fields.catalogue(free)
    started = time.perf_counter()
    keys = None
    if args.worker == "docx":
        template = Document()
        for line in BODY.replace("{{ salutation_line }}", "{{ address_block }}\n\n{{ date }}\n\n"
                                 "{{ salutation_line }}").split("\n\n"):  # fmt: skip
            template.add_paragraph(line)
        template.save(work / "vorlage.docx")
        maker = DocxLetter(work / "vorlage.docx", known=known)
        keys = maker.fields
    elif args.worker == "pdf":
        maker = PdfLetter(BODY, subject="Einladung zur Hausmesse", known=known)
        keys = maker.fields
    people = compile_definition(parse({"version": 1, "target": "people"}))
    rows = recipients(people, purpose="non_marketing")[: args.recipients]
    records = fields.merge_rows(
        rows.iterator(chunk_size=2000), sender=fields.Sender(name="Max Vertrieb"), free=free,
        as_of=dt.date(2026, 3, 12), locale="de", keys=keys,
    )  # fmt: skip
    target = work / f"out.{args.worker}"
    if args.worker == "docx":
        count = maker.write_combined(records, target)
    elif args.worker == "pdf":
        count = maker.write(records, target)
    elif args.worker == "labels":
        target = work / "labels.pdf"
        count = labels.write_labels(records, target, layout="3474", start=5)
    elif args.worker == "csv":
        count = datasource.write_csv(records, target, free=free)
    else:
        count = datasource.write_xlsx(records, target, free=free)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"count": count, "seconds": round(seconds, 2), "peak_rss_mb": round(peak),
                      "bytes": target.stat().st_size}))  # fmt: skip


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="sqlite:////tmp/merkur_mailing_docs.sqlite3")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="use the database as it is")
    parser.add_argument("--worker", choices=OUTPUTS, help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
