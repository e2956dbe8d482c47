"""Recurring contacts: next occurrences (checked against dateutil), texts, series ends, DST."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from merkur.journal import recurrence, services
from merkur.journal.models import Contact
from merkur.journal.recurrence import Schedule
from tests.factories import make_company, make_contact

LOCAL = ZoneInfo(settings.TIME_ZONE)
WEEKDAYS = recurrence.WEEKDAYS
DATEUTIL_FREQ = {
    "DAILY": rrule.DAILY,
    "WEEKLY": rrule.WEEKLY,
    "MONTHLY": rrule.MONTHLY,
    "YEARLY": rrule.YEARLY,
}
DATEUTIL_DAY = dict(zip(WEEKDAYS, rrule.weekdays, strict=True))


# --- generated schedules ---------------------------------------------------------------------


@st.composite
def schedules(draw):
    frequency = draw(st.sampled_from(recurrence.FREQUENCIES))
    interval = draw(st.integers(1, 12))
    weekdays, week_of_month = (), None
    if frequency == "WEEKLY":
        weekdays = tuple(draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=3)))
    elif frequency == "MONTHLY" and draw(st.booleans()):
        weekdays = (draw(st.sampled_from(WEEKDAYS)),)
        week_of_month = draw(st.sampled_from([1, 2, 3, 4, -1]))
    end = draw(st.sampled_from(["none", "count", "until"]))
    count = draw(st.integers(1, 15)) if end == "count" else None
    until = draw(st.dates(datetime.date(2021, 1, 1), datetime.date(2034, 12, 31)))
    return Schedule(
        frequency=frequency,
        interval=interval,
        weekdays=weekdays,
        week_of_month=week_of_month,
        count=count,
        until=until if end == "until" else None,
    )


# Hours away from the night of a clock change: what happens there is tested on its own below.
starts = st.datetimes(
    min_value=datetime.datetime(2020, 1, 1, 6),
    max_value=datetime.datetime(2032, 12, 31, 20),
).filter(lambda moment: 6 <= moment.hour <= 20)


def independent_rrule(schedule: Schedule, start: datetime.datetime) -> rrule.rrule:
    """The same schedule built straight with dateutil's constructor, not from our RRULE text."""
    byweekday = None
    if schedule.week_of_month is not None:
        byweekday = DATEUTIL_DAY[schedule.weekdays[0]](schedule.week_of_month)
    elif schedule.weekdays:
        byweekday = [DATEUTIL_DAY[d] for d in schedule.weekdays]
    until = None
    if schedule.until:
        until = datetime.datetime.combine(schedule.until, datetime.time(23, 59, 59))
    return rrule.rrule(
        DATEUTIL_FREQ[schedule.frequency],
        dtstart=start,
        interval=schedule.interval,
        byweekday=byweekday,
        count=schedule.count,
        until=until,
    )


@hypothesis_settings(max_examples=150, deadline=None)
@given(schedule=schedules(), start=starts)
def test_next_after_is_always_later_and_matches_dateutil(schedule, start):
    rule = schedule.to_rule()
    aware_start = timezone.make_aware(start, LOCAL)
    expected = [o for o in independent_rrule(schedule, start).xafter(start, count=6, inc=False)]

    found = []
    previous = aware_start
    for _step in range(6):
        following = recurrence.next_after(rule, aware_start, previous)
        if following is None:
            break
        assert following > previous
        found.append(timezone.localtime(following, LOCAL).replace(tzinfo=None))
        previous = following

    assert found == expected


@given(schedule=schedules())
def test_every_generated_schedule_reads_back_the_same(schedule):
    rule = schedule.to_rule()
    assert recurrence.normalise(rule) == rule
    assert recurrence.normalise("rrule:" + rule.lower()) == rule


# --- in plain language -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "rule", "text"),
    [
        (
            Schedule("WEEKLY", interval=2, weekdays=("TU",)),
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            "every 2 weeks on Tuesday",
        ),
        (
            Schedule("MONTHLY", weekdays=("FR",), week_of_month=-1),
            "FREQ=MONTHLY;BYDAY=-1FR",
            "monthly on the last Friday",
        ),
        (Schedule("MONTHLY", interval=3), "FREQ=MONTHLY;INTERVAL=3", "quarterly"),
        (Schedule("YEARLY"), "FREQ=YEARLY", "yearly"),
        (
            Schedule("WEEKLY", weekdays=("MO", "WE"), count=10),
            "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10",
            "weekly on Monday and Wednesday, 10 times",
        ),
        (Schedule("DAILY", interval=3), "FREQ=DAILY;INTERVAL=3", "every 3 days"),
    ],
    ids=["every-2-weeks-tuesday", "last-friday", "quarterly", "yearly", "count", "days"],
)
def test_schedule_rule_and_description(schedule, rule, text):
    assert schedule.to_rule() == rule
    with translation.override("en"):
        assert recurrence.describe(rule) == text


def test_description_of_an_end_date_names_the_date():
    with translation.override("en"):
        text = recurrence.describe("FREQ=MONTHLY;UNTIL=20271231T235959")
    assert text.startswith("monthly, until ")
    assert "2027" in text


@pytest.mark.parametrize(
    "rule",
    ["", "FREQ=HOURLY", "FREQ=WEEKLY;INTERVAL=0", "FREQ=WEEKLY;COUNT=2;UNTIL=20300101", "X=1"],
)
def test_invalid_rules_are_refused_with_a_reason(rule):
    with pytest.raises(ValidationError) as raised:
        recurrence.parse(rule)
    assert raised.value.messages[0]


def test_last_friday_of_the_month():
    start = timezone.make_aware(datetime.datetime(2026, 1, 30, 10, 0), LOCAL)  # last Friday
    found = recurrence.upcoming("FREQ=MONTHLY;BYDAY=-1FR", start, start, limit=4)
    assert [d.date() for d in found] == [
        datetime.date(2026, 2, 27),
        datetime.date(2026, 3, 27),
        datetime.date(2026, 4, 24),
        datetime.date(2026, 5, 29),
    ]


def test_quarterly_and_yearly():
    start = timezone.make_aware(datetime.datetime(2026, 1, 15, 8, 30), LOCAL)
    quarterly = recurrence.upcoming("FREQ=MONTHLY;INTERVAL=3", start, start, limit=3)
    assert [d.date() for d in quarterly] == [
        datetime.date(2026, 4, 15),
        datetime.date(2026, 7, 15),
        datetime.date(2026, 10, 15),
    ]
    yearly = recurrence.next_after("FREQ=YEARLY", start, start)
    assert timezone.localtime(yearly, LOCAL).replace(tzinfo=None) == datetime.datetime(
        2027, 1, 15, 8, 30
    )


def test_weekly_0900_stays_0900_local_across_the_end_of_summer_time():
    start = timezone.make_aware(datetime.datetime(2026, 10, 20, 9, 0), LOCAL)  # Tuesday, CEST
    following = recurrence.next_after("FREQ=WEEKLY", start, start)  # after 25 October: CET
    local = timezone.localtime(following, LOCAL)
    assert (local.date(), local.hour, local.minute) == (datetime.date(2026, 10, 27), 9, 0)
    assert start.utcoffset() == datetime.timedelta(hours=2)
    assert local.utcoffset() == datetime.timedelta(hours=1)
    utc = datetime.UTC
    assert following.astimezone(utc) - start.astimezone(utc) == datetime.timedelta(days=7, hours=1)


# --- series in the journal -------------------------------------------------------------------


def recurring(sales_user, rule, start):
    return make_contact(
        make_company(),
        by=sales_user,
        follow_up_owner=sales_user,
        follow_up_due=start,
        recurrence_rule=rule,
        recurrence_start=start,
    )


@pytest.mark.django_db
def test_count_ends_the_series(sales_user):
    start = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0), LOCAL)
    contact = recurring(sales_user, "FREQ=WEEKLY;COUNT=3", start)

    second = services.follow_up_done(contact=contact, by=sales_user)
    third = services.follow_up_done(contact=second, by=sales_user)
    after_last = services.follow_up_done(contact=third, by=sales_user)

    assert after_last is None
    assert [c.follow_up_due for c in (contact, second, third)] == [
        start,
        start + datetime.timedelta(days=7),
        start + datetime.timedelta(days=14),
    ]
    series = Contact.objects.filter(series=contact)
    assert series.count() == 3
    assert not series.open_follow_ups().exists()
    assert third.follows_id == second.pk and second.follows_id == contact.pk


@pytest.mark.django_db
def test_until_ends_the_series(sales_user):
    start = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0), LOCAL)
    contact = recurring(sales_user, "FREQ=DAILY;UNTIL=20261202T235959", start)
    second = services.follow_up_done(contact=contact, by=sales_user)
    assert second.follow_up_due == start + datetime.timedelta(days=1)
    assert services.follow_up_done(contact=second, by=sales_user) is None


@pytest.mark.django_db
def test_skip_marks_the_occurrence_skipped_and_creates_the_next(sales_user):
    start = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0), LOCAL)  # a Tuesday
    contact = recurring(sales_user, "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", start)

    following = services.follow_up_skip(contact=contact, by=sales_user)

    contact.refresh_from_db()
    assert contact.follow_up_skipped
    assert contact.follow_up_done_at is not None
    assert contact.follow_up_done_by == sales_user
    assert following.is_open
    assert not following.follow_up_skipped
    assert following.follow_up_due == start + datetime.timedelta(days=14)
    assert following.series_id == contact.pk
    assert following.follow_up_owner == sales_user
    with pytest.raises(ValidationError):
        services.follow_up_skip(contact=contact, by=sales_user)  # already done


@pytest.mark.django_db
def test_a_single_contact_cannot_be_skipped(sales_user):
    contact = make_contact(
        make_company(),
        by=sales_user,
        follow_up_owner=sales_user,
        follow_up_due=timezone.now(),
    )
    with pytest.raises(ValidationError):
        services.follow_up_skip(contact=contact, by=sales_user)
    contact.refresh_from_db()
    assert contact.is_open


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # would search to the year 9999
        "FREQ=DAILY;BYSETPOS=5",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=WEEKLY;BYDAY=2TU",
        "FREQ=MONTHLY;BYDAY=TU;BYMONTHDAY=3",
        "FREQ=YEARLY;BYMONTH=13",
    ],
)
def test_rules_that_cannot_fire_or_that_the_form_cannot_show_are_refused_quickly(rule):
    import time

    started = time.monotonic()
    with pytest.raises(ValidationError):
        recurrence.parse(rule)
    assert time.monotonic() - started < 2


def test_a_utc_until_is_read_as_that_local_day():
    assert recurrence.normalise("FREQ=WEEKLY;UNTIL=20271231T235959Z") == (
        "FREQ=WEEKLY;UNTIL=20271231T235959"
    )
