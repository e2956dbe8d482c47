"""The journal services on their own: the rules every entry path (forms, API, demo) shares."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from merkur.journal import queries, services
from tests.factories import make_absence, make_company, make_contact, make_person

pytestmark = pytest.mark.django_db


def test_contact_with_follow_up_and_deputy(users, sales_user, marketing_user, admin_user):
    company = make_company()
    person = make_person(company)
    due = timezone.now() - datetime.timedelta(hours=1)
    contact = make_contact(
        company,
        by=sales_user,
        people=[person],
        text="<p>Hallo<script>alert(1)</script></p>",
        follow_up_owner=sales_user,
        follow_up_due=due,
    )
    assert "<script" not in contact.text
    assert list(queries.follow_ups_for(marketing_user).contacts) == []
    today = timezone.localdate()
    make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    mine = queries.follow_ups_for(marketing_user, due_only=True)
    assert [(c.pk, c.via_deputy) for c in mine.contacts] == [(contact.pk, True)]
    services.follow_up_done(contact=contact, by=marketing_user)
    assert list(queries.follow_ups_for(marketing_user).contacts) == []


def test_recurring_contact_creates_next_occurrence(sales_user):
    company = make_company()
    start = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))  # a Tuesday
    contact = make_contact(
        company,
        by=sales_user,
        follow_up_owner=sales_user,
        follow_up_due=start,
        recurrence_rule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
    )
    following = services.follow_up_done(contact=contact, by=sales_user)
    assert timezone.localtime(following.follow_up_due) == timezone.make_aware(
        datetime.datetime(2026, 12, 15, 9, 0)
    )
    assert following.series_id == contact.pk


@pytest.mark.parametrize(
    ("field", "changes", "message"),
    [
        ("deputy", {"deputy": "self"}, "Choose somebody else as deputy."),
        ("ends_on", {"ends_on": -1}, "The absence cannot end before it starts."),
    ],
)
def test_absence_rules_speak_plainly(sales_user, marketing_user, field, changes, message):
    today = timezone.localdate()
    data = {"user": sales_user, "deputy": marketing_user, "starts_on": today, "ends_on": today}
    if changes.get("deputy") == "self":
        data["deputy"] = sales_user
    if "ends_on" in changes:
        data["ends_on"] = today + datetime.timedelta(days=changes["ends_on"])
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.absence_create(data=data, by=sales_user)
    assert error.value.message_dict[field] == [message]


def test_deleting_an_absence_is_recorded(sales_user, marketing_user):
    today = timezone.localdate()
    absence = make_absence(sales_user, marketing_user, starts_on=today, ends_on=today)
    services.absence_delete(absence=absence, by=sales_user)
    assert not type(absence).objects.exists()
