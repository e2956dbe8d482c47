"""Scale benchmark: 10,000 personal e-mails rendered and sent to a local SMTP sink.

    python benchmarks/mailing_email.py [--count 10000]

Each recipient gets the subject, plain-text and HTML templates rendered in the
sandbox with their merge fields, a ``multipart/alternative`` message with a
personal unsubscribe link and the one-click headers, and the message sent over
one SMTP connection (throttle off) to an aiosmtpd server in this process, which
counts the messages and bytes and keeps nothing. Timed: the whole run (target
< 120 s) and the peak memory of the process, the sink included (target < 500 MB).
No database is needed. Results go to the console and ``benchmarks/results/*.json``;
see docs/performance.md and docs/mailings.md.

Not part of the test suite.
"""

import argparse
import json
import os
import platform
import resource
import socket
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
TARGET_SECONDS = 120
TARGET_PEAK_MB = 500

SUBJECT = "Einladung zur Hausmesse 2026 für {{ company.name }}"
TEXT = """{{ letter_salutation }},

wir laden Sie und Ihre Kolleginnen und Kollegen der {{ company.name }} herzlich
zu unserer Hausmesse am 12. März 2026 in Saarbrücken ein.
{% if person.title %}Als {{ person.title }} interessiert Sie sicher unser Vortrag.{% endif %}

Ihre Anschrift bei uns: {{ address.street }}, {{ address.postal_code }} {{ address.city }}

Mit freundlichen Grüßen
Merkur Demo AG
"""
HTML = """<!doctype html><html><body>
<p>{{ letter_salutation }},</p>
<p>wir laden Sie und Ihre Kolleginnen und Kollegen der <b>{{ company.name }}</b> herzlich
zu unserer Hausmesse am 12. März 2026 in Saarbrücken ein.</p>
{% if person.title %}<p>Als {{ person.title }} interessiert Sie sicher unser Vortrag.</p>{% endif %}
<table>{% for label, value in [("Straße", address.street), ("Ort", address.city)] %}
<tr><th>{{ label }}</th><td>{{ value }}</td></tr>{% endfor %}</table>
<p>Mit freundlichen Grüßen<br>Merkur Demo AG</p>
</body></html>
"""

FIRST = ["Jördis", "Jörg", "Ülrike", "Hans", "Anna", "Özlem", "Björn", "Marie"]
LAST = ["Größ", "Müller", "Schäfer", "Weiß", "Öztürk", "Bäcker", "Huber", "Meier"]


def setup_django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    data = tempfile.mkdtemp(prefix="merkur-mail-bench-")
    os.environ.setdefault("MERKUR_DATA_DIR", data)
    os.environ.setdefault("MERKUR_SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "merkur.settings")
    import django

    django.setup()


def recipients(count: int):
    for n in range(count):
        first, last = FIRST[n % len(FIRST)], LAST[(n // 8) % len(LAST)]
        yield n + 1, {
            "person": {
                "first_name": first,
                "last_name": last,
                "title": "Dr." if n % 5 == 0 else "",
                "email": f"person{n}@beispiel-{n % 97}.example",
            },
            "company": {"name": f"{last} & Söhne GmbH {n}"},
            "letter_salutation": f"Sehr geehrte{' Frau' if n % 2 else 'r Herr'} {last}",
            "address": {"street": f"Hauptstraße {n % 200 + 1}", "postal_code": "66111",
                        "city": "Saarbrücken"},
        }  # fmt: skip


class CountingHandler:
    def __init__(self):
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        self.bytes += len(envelope.original_content or b"")
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    setup_django()
    from aiosmtpd.controller import Controller

    from merkur.mailings.email import EmailTemplates, Sender, build_message
    from merkur.mailings.unsubscribe import unsubscribe_url

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    started = time.perf_counter()
    accepted = 0
    try:
        templates = EmailTemplates(subject=SUBJECT, text=TEXT, html=HTML)
        with Sender(f"smtp://127.0.0.1:{controller.port}", per_minute=0) as sender:
            for person_pk, fields in recipients(args.count):
                rendered = templates.render(fields)
                message = build_message(
                    to=(f"{fields['person']['first_name']} {fields['person']['last_name']}",
                        fields["person"]["email"]),
                    subject=rendered.subject,
                    text=rendered.text,
                    html=rendered.html,
                    sender="Merkur Demo AG <info@merkur.example>",
                    reply_to="vertrieb@merkur.example",
                    unsubscribe_url=unsubscribe_url(person_pk, 1),
                    headers={"X-Merkur-Mailing": "1"},
                )  # fmt: skip
                accepted += sender.send(message).accepted
            connections = sender.connections_opened
    finally:
        seconds = time.perf_counter() - started
        time.sleep(0.2)
        controller.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = {
        "benchmark": "mailing_email",
        "count": args.count,
        "accepted": accepted,
        "received": handler.messages,
        "megabytes_sent": round(handler.bytes / 1e6, 1),
        "smtp_connections": connections,
        "seconds": round(seconds, 1),
        "messages_per_second": round(args.count / seconds, 1),
        "peak_memory_mb": round(peak_mb),
        "target_seconds": TARGET_SECONDS,
        "target_peak_mb": TARGET_PEAK_MB,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "python": platform.python_version(),
        "at": datetime.now().isoformat(timespec="seconds"),
    }
    print(json.dumps(report, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"mailing_email-{args.count}-{stamp}.json").write_text(json.dumps(report, indent=2))
    ok = accepted == args.count and seconds < TARGET_SECONDS and peak_mb < TARGET_PEAK_MB
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
