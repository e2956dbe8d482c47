"""The journal's demo data: contacts through the services, follow-ups for the login, a deputy."""

import datetime
import random
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from merkur.companies.models import Company
from merkur.core.models import ChangeRecord
from merkur.journal import demo, recurrence
from merkur.journal.catalog import seed_contact_master_data
from merkur.journal.models import (
    Absence,
    Contact,
    ContactKind,
    ContactKindGroup,
    ContactPerson,
    ContactType,
    ContactTypeGroup,
)
from merkur.journal.queries import follow_ups_for

COMPANIES = 25


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """``merkur demo`` with 25 companies, once for this module, rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", companies=COMPANIES, stdout=StringIO(), stderr=StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.usefixtures("demo_loaded")


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _tree(group_model, item_model) -> dict[str, list[str]]:
    return {
        group.name: list(
            item_model.objects.filter(group=group)
            .order_by("sort_order")
            .values_list("name", flat=True)
        )
        for group in group_model.objects.order_by("sort_order")
    }


def test_master_data_is_the_standard_set(db):
    assert _tree(ContactKindGroup, ContactKind) == {
        "Schriftlich": ["Brief", "E-Mail", "Fax"],
        "Mündlich": ["Telefonat", "Besuch", "Messe"],
    }
    assert _tree(ContactTypeGroup, ContactType) == {
        "Verkauf": ["Akquise", "Offertbesprechung", "Konditionsvereinbarung"],
        "Service": ["Reklamation", "Support"],
        "Termin": ["Terminvereinbarung"],
    }


def test_every_company_has_two_to_eight_contacts(db):
    single = Contact.objects.filter(recurrence_rule="")
    for company in Company.objects.all():
        assert 2 <= single.filter(company=company).count() <= 8, company


def test_contacts_are_varied_and_realistic(db):
    contacts = Contact.objects.filter(recurrence_rule="")
    assert contacts.values("kind").distinct().count() >= 5
    assert contacts.values("type").distinct().count() >= 6  # the six types and none
    assert contacts.filter(text__contains="<ul>").exists()
    assert contacts.filter(text__regex=r"</p><p>").exists()
    assert contacts.exclude(text__contains="</p><p>").exists()  # short ones too
    oldest = timezone.now() - datetime.timedelta(days=731)
    assert not contacts.filter(occurred_at__lt=oldest).exists()
    recorders = set(contacts.values_list("recorded_by__username", flat=True))
    assert recorders == set(demo.WRITERS)


def test_people_of_a_contact_work_at_its_company(db):
    links = ContactPerson.objects.select_related("contact", "person")
    assert links.exists()
    assert all(link.person.company_id == link.contact.company_id for link in links)


def test_contacts_were_recorded_through_the_services(db):
    created = ChangeRecord.objects.filter(
        action=ChangeRecord.Action.CREATE, object_id__in=Contact.objects.values("pk")
    )
    assert created.count() >= Contact.objects.filter(series__isnull=True).count()
    sample = Contact.objects.order_by("pk").first()
    assert sample.search_text and sample.subject.split()[0].lower()[:3] in sample.search_text


def test_a_demo_user_has_follow_ups_due_today_overdue_and_later(db):
    vertrieb = _user("vertrieb")
    today = timezone.localdate()
    own = Contact.objects.open_follow_ups().filter(follow_up_owner=vertrieb)
    dues = [timezone.localtime(c.follow_up_due).date() for c in own]
    assert today in dues
    assert any(day < today for day in dues)
    assert any(day > today + datetime.timedelta(days=3) for day in dues)
    reminder = follow_ups_for(vertrieb, due_only=True)
    assert vertrieb.pk in set(reminder.contacts.values_list("follow_up_owner", flat=True))


def test_the_deputy_sees_redirected_follow_ups_at_login(db):
    marketing, vertrieb = _user("marketing"), _user("vertrieb")
    today = timezone.localdate()
    absence = Absence.objects.get(user=marketing)
    assert absence.deputy == vertrieb and absence.starts_on <= today <= absence.ends_on
    reminder = follow_ups_for(vertrieb, due_only=True)
    assert marketing.pk in reminder.redirected
    redirected = [c for c in reminder.contacts if c.via_deputy]
    assert redirected and all(c.follow_up_owner_id == marketing.pk for c in redirected)


def test_done_follow_ups_exist(db):
    done = Contact.objects.filter(follow_up_done_at__isnull=False, recurrence_rule="")
    assert done.count() >= 3
    assert all(c.follow_up_done_by_id == c.follow_up_owner_id for c in done)


def test_recurring_series(db):
    open_series = Contact.objects.open_follow_ups().exclude(recurrence_rule="")
    rules = set(open_series.values_list("recurrence_rule", flat=True))
    assert rules == {recurrence.normalise(rule) for rule, _title in demo.RECURRING}
    fortnightly = open_series.get(recurrence_rule__contains="INTERVAL=2;")
    assert fortnightly.follows is not None  # an earlier occurrence was done
    assert fortnightly.follow_up_due > timezone.now()
    assert "2" in recurrence.describe(fortnightly.recurrence_rule)


def test_loading_again_adds_nothing(db):
    before = (Contact.objects.count(), Absence.objects.count(), ChangeRecord.objects.count())
    assert demo.load_demo_journal(seed=2026, by=_user("admin")) == 0
    call_command("demo", companies=COMPANIES, stdout=StringIO(), stderr=StringIO())
    after = (Contact.objects.count(), Absence.objects.count(), ChangeRecord.objects.count())
    assert after == before


def test_the_plan_is_deterministic_with_the_seed(db):
    kinds, types = seed_contact_master_data()
    companies = demo._companies()
    writers = [_user(name) for name in demo.WRITERS]
    now = timezone.now()

    def plan(seed):
        entries = demo._plan(random.Random(seed), companies, kinds, types, writers, now)
        return [(d["subject"], d["text"], d["occurred_at"], d["company"].pk) for d, *_r in entries]

    assert plan(1) == plan(1)
    assert plan(1) != plan(2)
