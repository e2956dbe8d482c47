"""The journal forms on their own: recurrence fields ↔ rules, records by name, filters."""

import datetime

import pytest
from django.http import QueryDict
from django.utils import timezone, translation

from merkur.journal import recurrence
from merkur.journal.forms import (
    ContactFilterForm,
    ContactForm,
    RecordField,
    recurrence_initial,
)
from merkur.journal.queries import State
from tests.factories import contact_master, make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _contact_form(**fields) -> ContactForm:
    kinds, _types = contact_master()
    company = make_company(name="Form AG")
    data = QueryDict(mutable=True)
    data.update(
        {
            "occurred_at": "2026-11-20T10:30",
            "company": str(company.pk),
            "kind": str(kinds["Telefonat"].pk),
            "subject": "Test",
            "rec_end": "never",
        }
    )
    for key, value in fields.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return ContactForm(data)


@pytest.mark.parametrize(
    ("fields", "rule", "text"),
    [
        ({"rec_frequency": "DAILY"}, "FREQ=DAILY", "daily"),
        (
            {"rec_frequency": "WEEKLY", "rec_interval": "2", "rec_weekdays": ["TU"]},
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
            "every 2 weeks on Tuesday",
        ),
        (
            {"rec_frequency": "WEEKLY", "rec_weekdays": ["MO", "TH"]},
            "FREQ=WEEKLY;BYDAY=MO,TH",
            "weekly on Monday and Thursday",
        ),
        (
            {"rec_frequency": "MONTHLY", "rec_monthly": "weekday", "rec_week_of_month": "-1",
             "rec_month_weekday": "FR", "rec_end": "count", "rec_count": "10"},
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=10",
            "monthly on the last Friday, 10 times",
        ),
        (
            {"rec_frequency": "MONTHLY", "rec_monthly": "day", "rec_month_day": "15"},
            "FREQ=MONTHLY;BYMONTHDAY=15",
            "monthly on the 15.",
        ),
        ({"rec_frequency": "QUARTERLY"}, "FREQ=MONTHLY;INTERVAL=3", "quarterly"),
        (
            {"rec_frequency": "YEARLY", "rec_end": "until", "rec_until": "2030-12-31"},
            "FREQ=YEARLY;UNTIL=20301231T235959",
            "yearly, until 12/31/2030",
        ),
    ],
)  # fmt: skip
def test_recurrence_fields_to_rule_to_text_and_back(fields, rule, text):
    form = _contact_form(**fields)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["recurrence_rule"] == rule
    assert recurrence.describe(rule) == text
    initial = recurrence_initial(rule)
    for key, value in fields.items():
        expected = int(value) if key in ("rec_interval", "rec_month_day", "rec_count") else value
        if key == "rec_until":
            expected = value
        assert initial[key] == expected, key


def test_upcoming_dates_of_a_rule():
    start = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))  # a Tuesday
    dates = recurrence.upcoming("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", start, start, limit=3)
    assert [d.date() for d in dates] == [
        datetime.date(2026, 12, 15),
        datetime.date(2026, 12, 29),
        datetime.date(2027, 1, 12),
    ]


def test_no_recurrence_gives_an_empty_rule():
    form = _contact_form()
    assert form.is_valid(), form.errors
    assert form.cleaned_data["recurrence_rule"] == ""
    assert form.contact_data()["recurrence_rule"] == ""


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rec_frequency": "MONTHLY", "rec_monthly": "day"}, "rec_month_day",
         "Enter the day of the month."),
        ({"rec_frequency": "MONTHLY", "rec_monthly": "weekday", "rec_month_weekday": "FR"},
         "rec_month_weekday", "Choose which weekday of the month."),
        ({"rec_frequency": "DAILY", "rec_end": "count"}, "rec_count", "Enter how many times."),
        ({"rec_frequency": "DAILY", "rec_end": "until"}, "rec_until", "Enter the last date."),
        ({"rec_frequency": "DAILY", "rec_interval": "0"}, "rec_interval", None),
        ({"rec_frequency": "DAILY", "rec_count": "5000", "rec_end": "count"}, "rec_count", None),
        ({"rec_frequency": "HOURLY"}, "rec_frequency", None),
        ({"rec_frequency": "QUARTERLY", "rec_interval": "400"}, "rec_interval",
         "This interval is too large."),
    ],
)  # fmt: skip
def test_incomplete_recurrence_is_refused(fields, field, message):
    form = _contact_form(**fields)
    assert not form.is_valid()
    assert field in form.errors
    if message:
        assert message in form.errors[field]


def test_recurrence_initial_of_nonsense_is_empty():
    assert recurrence_initial("") == {}
    assert recurrence_initial("FREQ=SOMETIMES") == {}


def test_record_field_resolves_names_ids_and_suggestions():
    alpha = make_company(name="Alphatech AG")
    make_company(name="Alphabet GmbH")
    field = RecordField(kind="company", required=False)
    assert field.clean(f"Alphatech AG (#{alpha.pk})") == alpha
    assert field.clean(str(alpha.pk)) == alpha
    assert field.clean("alphatech") == alpha
    assert field.clean("") is None
    with pytest.raises(Exception, match="Several records match"):
        field.clean("alpha")
    with pytest.raises(Exception, match="No Company matches"):
        field.clean("Omega")
    with pytest.raises(Exception, match="does not exist"):
        field.clean("Irgendwas (#999999999)")
    assert field.prepare_value(alpha) == f"Alphatech AG (#{alpha.pk})"


def test_record_field_refuses_archived_records_in_forms_but_filters_find_them():
    from merkur.companies import services

    company = make_company(name="Archiv AG")
    services.company_archive(company=company, by=None)
    with pytest.raises(Exception, match="does not exist or is archived"):
        RecordField(kind="company").clean(str(company.pk))
    assert RecordField(kind="company", active_only=False).clean(str(company.pk)) == company


def test_people_offered_are_those_of_the_chosen_company():
    contact_master()
    company, other = make_company(), make_company()
    mine = make_person(company)
    make_person(other)
    form = ContactForm(initial={"company": company})
    assert list(form.fields["people"].queryset) == [mine]
    assert list(ContactForm().fields["people"].queryset) == []


def test_filter_form_builds_the_filter():
    kinds, types = contact_master()
    company = make_company()
    form = ContactFilterForm(
        QueryDict(
            f"q=offerte&date_from=2026-01-01&date_to=2026-01-31&kind={kinds['Brief'].pk}"
            f"&type_group={types['Support'].group_id}&company={company.pk}&state=overdue"
        )
    )
    result = form.to_filter()
    assert result.q == "offerte" and result.state == State.OVERDUE
    assert result.date_from == datetime.date(2026, 1, 1)
    assert result.date_to == datetime.date(2026, 1, 31)
    assert result.kinds == [kinds["Brief"].pk] and result.type_group == types["Support"].group_id
    assert result.company == company.pk
    labels = dict(form.describe())
    assert labels["Follow-up"] == "Follow-up overdue"


def test_filter_form_ignores_only_the_bad_fields():
    form = ContactFilterForm(QueryDict("q=offerte&date_from=kaputt&state=nix"))
    result = form.to_filter()
    assert result.q == "offerte" and result.date_from is None and result.state == State.ALL
    assert set(form.errors) == {"date_from", "state"}
    assert ContactFilterForm(QueryDict("")).to_filter().is_empty()
