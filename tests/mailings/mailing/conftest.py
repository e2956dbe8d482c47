"""Fixtures for the mailing tests: people in a frozen run, a mailing, an SMTP sink."""

import socket

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from merkur.mailings.models import Mailing
from merkur.selections.models import SelectionRun, SelectionRunMember
from tests.factories import contact_master, make_company, make_person


class Sink:
    """Collects the envelopes an in-process SMTP server received."""

    def __init__(self) -> None:
        self.envelopes = []
        self.refuse = ""

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.envelopes.append(envelope)
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.MERKUR_EMAIL_URL = f"smtp://127.0.0.1:{controller.port}"
    settings.MERKUR_EMAIL_PER_MINUTE = 0
    settings.DEFAULT_FROM_EMAIL = "Merkur <merkur@example.com>"
    controller.sink = sink
    yield controller
    controller.stop()


def make_run(people, *, by=None) -> SelectionRun:
    run = SelectionRun.objects.create(
        definition={}, target="people", address="contact", today=timezone.localdate(), by=by
    )
    SelectionRunMember.objects.bulk_create(
        SelectionRunMember(run=run, person=person, company_id=person.company_id)
        for person in people
    )
    run.count = len(people)
    run.save(update_fields=["count"])
    return run


@pytest.fixture
def people(db):
    company = make_company(name="Müller Maschinenbau GmbH")
    return [
        make_person(company, first_name="Anna", last_name="Ärger", email="anna@example.com"),
        make_person(company, first_name="Bernd", last_name="Brot", email="bernd@example.com"),
        make_person(company, first_name="Clara", last_name="Ohnemail", email=""),
        make_person(
            company,
            first_name="Dora",
            last_name="Widerspruch",
            email="dora@example.com",
            marketing_opt_out_at=timezone.now(),
        ),
    ]


EMAIL_OPTIONS = {
    "email": {
        "subject": "Einladung Hausmesse 2026",
        "text": "Guten Tag {{ first_name }} {{ last_name }},\nwir laden ein.",
        "html": "<p>Guten Tag {{ first_name }}</p>",
        "sender": "Vertrieb <vertrieb@example.com>",
    }
}


def make_mailing(run, *, by, channels=("email",), **fields) -> Mailing:
    _kinds, types = contact_master()
    data = {
        "name": "Einladung Hausmesse 2026",
        "run": run,
        "channels": list(channels),
        "options": EMAIL_OPTIONS,
        "contact_type": types["Akquise"],
        "created_by": by,
    }
    data.update(fields)
    return Mailing.objects.create(**data)
