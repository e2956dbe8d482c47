"""Shared data of the marketing-event tests: kinds, an event, a small world of records."""

import datetime

import pytest

from merkur.mailings.events import services
from merkur.mailings.models import EventKind
from tests.factories import make_company, make_person


@pytest.fixture
def user_locale():
    return "en"


@pytest.fixture
def kind(db):
    return EventKind.objects.create(name="Messe")


@pytest.fixture
def event(kind, marketing_user):
    return services.event_create(
        data={
            "name": "Hausmesse 2026",
            "kind": kind,
            "starts_on": datetime.date(2026, 5, 4),
            "ends_on": datetime.date(2026, 5, 6),
        },
        by=marketing_user,
    )


@pytest.fixture
def world(db):
    berlin = make_company(name="Berlin AG")
    wien = make_company(name="Wien AG", address={"country": "AT", "postal_code": "1010"})
    return {
        "berlin": berlin,
        "wien": wien,
        "anna": make_person(berlin, last_name="Albers"),
        "bert": make_person(berlin, last_name="Brandt"),
        "carl": make_person(wien, last_name="Conrad"),
    }
