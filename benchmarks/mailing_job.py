"""Benchmark: one mailing to 10,000 recipients through the whole background job.

    .venv/bin/python benchmarks/mailing_job.py \\
        [--database-url postgres://postgres@127.0.0.1:5432/merkur_mailing_bench] \\
        [--recipients 10000] [--reuse]

Unlike ``mailing_documents.py`` and ``mailing_email.py`` (one output each, on their
own), this runs the job ``mailings.run`` as the worker does, on PostgreSQL by default:
freezing the run's members, the items (one ``INSERT … SELECT`` per channel), the
set-based skips, DOCX letters in one file, PDF letters, labels (3474), the CSV data
source, and the e-mails — each committed as ``sending`` before it leaves, to an
aiosmtpd server in the parent process — and the journal contacts (Brief, E-Mail) on
company and person. The database is created, migrated and filled with ``merkur
generate`` (about 2.5 people a company); a run of all people is frozen and cut to
``--recipients``. The job runs in a child process, so its peak memory (max RSS) is its
own. Timed: each step the job takes and the whole job. Results go to the console and
to ``benchmarks/results/``. See docs/performance.md and docs/mailings.md.

Not part of the test suite.
"""

import argparse
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/merkur_mailing_bench"
CHANNELS = ["letters_docx", "letters_pdf", "labels", "datasource_csv", "email"]
# The sum of the per-output targets of the issue (DOCX 60, PDF 120, labels 20, e-mail 120).
TARGET_SECONDS = 320
TARGET_PEAK_MB = 500
BODY = (
    "{{ salutation_line }}\n\nwir laden {{ company_name }} herzlich zu unserer Hausmesse am "
    "{{ termin }} ein. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod "
    "tempor incididunt ut labore et dolore magna aliqua.\n\nMit freundlichen Grüßen\n\n"
    "{{ sender_name }}"
)
EMAIL = {
    "subject": "Einladung zur Hausmesse für {{ company_name }}",
    "text": "{{ salutation_line }}\n\nwir laden Sie herzlich ein.\n\n{{ sender_name }}",
    "html": "<p>{{ salutation_line }}</p><p>wir laden <b>{{ company_name }}</b> ein.</p>",
    "sender": "Merkur Demo AG <info@merkur.example>",
}


def main() -> None:
    args = _arguments()
    from companies_list import _environment, _fresh_database, _generate, _redacted
    from mailing_email import CountingHandler, free_port  # the sink of the e-mail benchmark

    _environment(args.database_url)
    if args.child:
        _child(args)
        return
    report: dict = {
        "database_url": _redacted(args.database_url),
        "recipients": args.recipients,
        "channels": CHANNELS,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "load_before": os.getloadavg(),
    }
    if not args.reuse:
        _fresh_database(args.database_url)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        report["generate"] = _generate(max(args.recipients * 2 // 5, 1000), 5000)
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = dict(
        os.environ,
        MERKUR_EMAIL_URL=f"smtp://127.0.0.1:{controller.port}",
        MERKUR_EMAIL_PER_MINUTE="0",
    )
    command = [
        sys.executable, __file__, "--child", "--database-url", args.database_url,
        "--recipients", str(args.recipients),
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    finally:
        controller.stop()
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        raise SystemExit("the job failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["messages_received"] = handler.messages
    result["ok"] = (
        result["seconds"] < TARGET_SECONDS
        and result["peak_rss_mb"] < TARGET_PEAK_MB
        and handler.messages == result["items"].get("sent", 0)
    )
    report["job"] = result
    report["load_after"] = os.getloadavg()
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    vendor = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    path = RESULTS / f"mailing_job-{vendor}-{args.recipients}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"Results written to {path.relative_to(ROOT)}")


def _child(args) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from docx import Document

    from merkur.jobs.services import run_inline
    from merkur.journal.catalog import seed_contact_master_data
    from merkur.mailings import running, services
    from merkur.mailings.models import Mailing
    from merkur.selections.models import SelectionRunMember
    from merkur.selections.runs import freeze

    user, _created = get_user_model().objects.get_or_create(
        username="bench", defaults={"first_name": "Max", "last_name": "Vertrieb"}
    )
    _kinds, types = seed_contact_master_data()
    run = freeze({"version": 1, "target": "people"}, by=user)
    cut = SelectionRunMember.objects.filter(run=run).order_by("pk")[args.recipients :]
    SelectionRunMember.objects.filter(pk__in=list(cut.values_list("pk", flat=True))).delete()
    run.count = run.members.count()
    run.save(update_fields=["count"])

    template = Document()
    for part in ("{{ address_block }}", "{{ date }}", *BODY.split("\n\n")):
        template.add_paragraph(part)
    buffer = io.BytesIO()
    template.save(buffer)
    free = {"termin": "12. Mai 2026"}
    stored = services.store_template(buffer.getvalue(), free=free)
    mailing = Mailing.objects.create(
        name="Einladung Hausmesse 2026",
        run=run,
        channels=CHANNELS,
        options={
            "fields": free,
            "letters": {"template": stored, "one_file": True},
            "pdf": {"subject": "Einladung zur Hausmesse", "body": BODY},
            "labels": {"format": "3474", "start": 5},
            "email": EMAIL,
        },
        contact_type=types["Akquise"],
        created_by=user,
    )

    # Each step the job takes, timed where the job calls it (``running.<step>``).
    steps: dict[str, float] = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            key = name if name != "produce_file" else f"file {args[1]}"
            began = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                steps[key] = round(steps.get(key, 0) + time.perf_counter() - began, 2)

        return wrapper

    for name in ("ensure_run", "create_items", "mark_skips", "produce_file", "send_emails"):
        setattr(running, name, timed(name, getattr(running, name)))
    started = time.perf_counter()
    summary = run_inline("mailings.run", {"mailing": mailing.pk}, user=user)
    seconds = time.perf_counter() - started
    from merkur.journal.models import Contact

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "members": run.count,
                "seconds": round(seconds, 2),
                "steps": steps,
                "items": summary["items"],
                "journal_contacts": Contact.objects.count(),
                "peak_rss_mb": round(peak),
            }
        )
    )


def _print(report: dict) -> None:
    job = report["job"]
    print(f"Mailing to {job['members']:,} recipients, channels {', '.join(CHANNELS)}")
    for step, seconds in job["steps"].items():
        print(f"  {step:28} {seconds:8.1f} s")
    print(
        f"  whole job                    {job['seconds']:8.1f} s (target < {TARGET_SECONDS} s), "
        f"peak {job['peak_rss_mb']} MB (< {TARGET_PEAK_MB})  {'ok' if job['ok'] else 'MISSED'}"
    )
    print(f"  items: {job['items']}; e-mails received: {job['messages_received']:,}")
    print(f"  journal contacts: {job['journal_contacts']:,}; load {report['load_after']}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="use the database as it is")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    main()
