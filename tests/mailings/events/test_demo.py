"""The demo's events: kinds and two events with members, loaded once."""

import pytest

from merkur.mailings.demo import load_demo_events
from merkur.mailings.models import EventKind, MarketingEvent
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def test_demo_events_once(admin_user):
    for n in range(3):
        make_person(make_company(name=f"Demo {n}"))
    load_demo_events(by=admin_user)
    load_demo_events(by=admin_user)
    assert EventKind.objects.count() == 5
    assert MarketingEvent.objects.count() == 2
    assert all(event.members.exists() for event in MarketingEvent.objects.all())
