"""``parse_value``: every type's good inputs (de, de-ch, en notations) and bad ones."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from merkur.attributes import services
from merkur.attributes.models import AttributeChoice
from merkur.attributes.values import parse_value
from tests.factories import make_attribute, make_company, make_person

pytestmark = pytest.mark.django_db


def _bad(definition, raw, language="de"):
    with translation.override(language), pytest.raises(ValidationError) as caught:
        parse_value(definition, raw)
    assert set(caught.value.message_dict) == {"value"}
    assert caught.value.message_dict["value"]
    return caught.value.message_dict["value"]


@pytest.mark.parametrize(
    ("language", "raw", "expected"),
    [
        ("de", "1.234", 1234),
        ("de", "42", 42),
        ("de-ch", "1'234", 1234),
        ("en", "1,234", 1234),
        ("en", 7, 7),
        ("de", "-3", -3),
    ],
)
def test_integer_in_each_notation(language, raw, expected):
    definition = make_attribute(type="integer")
    with translation.override(language):
        assert parse_value(definition, raw) == expected


@pytest.mark.parametrize(
    ("language", "raw", "expected"),
    [
        ("de", "1.234,5", Decimal("1234.5")),
        ("de", "0,25", Decimal("0.25")),
        ("de-ch", "1'234.5", Decimal("1234.5")),
        ("en", "1,234.5", Decimal("1234.5")),
        ("en", Decimal("3.75"), Decimal("3.75")),
        ("en", 2.5, Decimal("2.5")),
    ],
)
def test_decimal_in_each_notation(language, raw, expected):
    definition = make_attribute(code="potenzial", type="decimal", unit="EUR")
    with translation.override(language):
        assert parse_value(definition, raw) == expected


@pytest.mark.parametrize(
    ("language", "raw"),
    [("de", "2025-03-01"), ("de", "01.03.2025"), ("de", "1.3.2025"), ("en", "2025-03-01")],
)
def test_dates_iso_and_german(language, raw):
    definition = make_attribute(code="stichtag", type="date")
    with translation.override(language):
        assert parse_value(definition, raw) == datetime.date(2025, 3, 1)
    assert parse_value(definition, datetime.date(2025, 3, 1)) == datetime.date(2025, 3, 1)


@pytest.mark.parametrize(("raw", "expected"), [(True, True), ("false", False), ("true", True)])
def test_boolean(raw, expected):
    definition = make_attribute(code="iso", type="boolean")
    assert parse_value(definition, raw) is expected


def test_text_and_long_text():
    line = make_attribute(code="kurz", type="text")
    long = make_attribute(code="lang", type="long_text")
    assert parse_value(line, "  Hallo  ") == "Hallo"
    assert parse_value(long, "Zeile 1\nZeile 2") == "Zeile 1\nZeile 2"


def test_choice_by_id_label_or_object():
    status = make_attribute(code="status", type="choice", choices=["Neukunde", "Stammkunde"])
    stamm = status.choices.get(label="Stammkunde")
    assert parse_value(status, stamm.pk) == stamm
    assert parse_value(status, str(stamm.pk)) == stamm
    assert parse_value(status, "stammkunde") == stamm
    assert parse_value(status, stamm) == stamm


def test_multi_choice_gives_distinct_choices():
    topics = make_attribute(code="themen", type="multi_choice", choices=["CRM", "ERP", "BI"])
    crm, erp = topics.choices.get(label="CRM"), topics.choices.get(label="ERP")
    assert parse_value(topics, [crm.pk, "ERP", crm]) == [crm, erp]
    assert parse_value(topics, "CRM") == [crm]


def test_link_to_an_existing_record():
    company = make_company()
    person = make_person(company)
    contact = make_attribute(code="betreuer", type="link", link_kind="person")
    partner = make_attribute(code="partner", type="link", link_kind="company")
    assert parse_value(contact, person.pk) == person.pk
    assert parse_value(contact, str(person.pk)) == person.pk
    assert parse_value(partner, company) == company.pk


# --- bad inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["abc", "1,5", True, False, "12abc", ""])
def test_integer_rejects(raw):
    _bad(make_attribute(type="integer"), raw)


@pytest.mark.parametrize("raw", ["abc", True, "1.2.3", None, "1e400"])
def test_decimal_rejects(raw):
    _bad(make_attribute(code="potenzial", type="decimal"), raw)


def test_min_and_max_are_respected():
    definition = make_attribute(type="integer", min_value=Decimal(1), max_value=Decimal(100))
    assert parse_value(definition, "1") == 1
    assert parse_value(definition, "100") == 100
    _bad(definition, "0")
    _bad(definition, "101")
    share = make_attribute(code="anteil", type="decimal", min_value=0, max_value=Decimal("0.5"))
    _bad(share, "0,6")
    _bad(share, "-0,1")


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "31.02.2025",
        "2025-13-01",
        "2025-02-30",
        5,
        ["2025-01-01"],
    ],
)
def test_date_rejects(raw):
    _bad(make_attribute(code="stichtag", type="date"), raw)


@pytest.mark.parametrize("raw", ["vielleicht", "", None])
def test_boolean_rejects(raw):
    _bad(make_attribute(code="iso", type="boolean"), raw)


def test_single_line_text_rejects_several_lines_and_empty():
    line = make_attribute(code="kurz", type="text")
    _bad(line, "Zeile 1\nZeile 2")
    _bad(line, "")
    _bad(line, "x" * 1001)
    _bad(make_attribute(code="lang", type="long_text"), "")


def test_choice_rejects_deactivated_other_attributes_and_unknown():
    status = make_attribute(code="status", type="choice", choices=["Neukunde", "Ruhend"])
    other = make_attribute(code="region", type="choice", choices=["Nord"])
    dormant = status.choices.get(label="Ruhend")
    services.choice_update(choice=dormant, is_active=False, by=None)
    _bad(status, dormant.pk)
    _bad(status, "Ruhend")
    _bad(status, other.choices.get().pk)  # a choice of another attribute
    _bad(status, other.choices.get())
    _bad(status, "Unbekannt")
    _bad(status, 999_999)
    assert AttributeChoice.objects.filter(pk=dormant.pk).exists()  # kept for history


def test_multi_choice_rejects_one_bad_item_and_empty():
    topics = make_attribute(code="themen", type="multi_choice", choices=["CRM", "ERP"])
    _bad(topics, ["CRM", "Blockchain"])
    _bad(topics, [])


@pytest.mark.parametrize("raw", [999_999, "abc", None, "", 1.5j])
def test_link_rejects_unknown_or_malformed_ids(raw):
    make_person(make_company())
    _bad(make_attribute(code="betreuer", type="link", link_kind="person"), raw)


def test_link_rejects_a_record_of_another_kind():
    company = make_company()
    person = make_person(company)
    partner = make_attribute(code="partner", type="link", link_kind="company")
    unused = max(company.pk, person.pk) + 1000
    _bad(partner, unused)


def test_value_set_reports_the_bad_value_on_the_value_field():
    definition, company = make_attribute(type="integer"), make_company()
    with pytest.raises(ValidationError) as caught:
        services.value_set(
            definition=definition, record=company, value="abc",
            valid_from=datetime.date(2025, 1, 1), by=None,
        )  # fmt: skip
    assert "value" in caught.value.message_dict


def test_messages_are_translated():
    definition = make_attribute(type="integer")
    german = _bad(definition, "abc", "de")
    english = _bad(definition, "abc", "en")
    assert german != english


@pytest.mark.parametrize(
    ("locale", "value", "shown"),
    [
        ("de", 1945, "1945"),
        ("de", 12000, "12.000"),
        ("de-ch", 12000, "12'000"),
        ("en", 12000, "12,000"),
    ],
)
def test_whole_numbers_are_grouped_only_beyond_four_digits(db, locale, value, shown):
    from django.utils import translation

    from merkur.attributes.models import AttributeValue
    from merkur.attributes.services import display
    from tests.factories import make_attribute

    definition = make_attribute("jahr")
    with translation.override(locale):
        assert display(AttributeValue(definition=definition, value_integer=value)) == shown
