"""A mapped row checked with the forms' rules: values cleaned, or every problem named."""

import datetime

import pytest
from django.utils import timezone, translation

from merkur.transfer.columns import Mapping
from merkur.transfer.importing.countries import country_code
from merkur.transfer.importing.options import ImportOptions
from merkur.transfer.importing.values import (
    RowChecker,
    clean_postal_code,
    parse_integer,
    parse_moment,
)
from merkur.transfer.sniff import Detection

BASE = {
    "company.name": "Müller Bau GmbH",
    "address.street": "Hauptstr. 12",
    "address.city": "München",
    "address.postal_code": "80331",
}


@pytest.fixture
def check(master):
    def _check(values: dict, **options):
        import_options = ImportOptions(
            detection=Detection("utf-8", ";"), mapping=Mapping(()), **options
        )
        values = {key: value for key, value in values.items() if value}  # as Mapping.apply
        labels = {key: key.split(".")[1].title() for key in values}
        checker = RowChecker(import_options, labels)
        return checker.check(values)

    return _check


def reasons(problems) -> dict[str, str]:
    return {problem.column: problem.reason for problem in problems}


def test_a_good_row_gives_its_values_and_derived_columns(check):
    row, problems = check(
        {
            **BASE,
            "person.salutation": "Herr",
            "person.title": "Dr.",
            "person.first_name": "Hans",
            "person.last_name": "Groß",
            "person.email": "Hans.Gross@Example.de",
            "person.phone": "089 1234567",
        }
    )
    assert problems == []
    assert row["c_name"] == "Müller Bau GmbH"
    assert row["a_country"] == "DE"
    assert row["p_phone"] == "+49 89 1234567"
    assert row["p_letter_salutation"] == "Sehr geehrter Herr Dr. Groß"
    assert row["k_name"] == "mueller bau"
    assert row["k_street"] == "hauptstrasse 12"
    assert row["k_person"] == "hans gross"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Deutschland", "DE"),
        ("germany", "DE"),
        ("DEU", "DE"),
        ("D", "DE"),
        ("Österreich", "AT"),
        ("Austria", "AT"),
        ("A", "AT"),
        ("Schweiz", "CH"),
        ("Suisse", "CH"),
        ("ch", "CH"),
        ("FL", "LI"),
        ("Liechtenstein", "LI"),
        ("Vereinigtes Königreich", "GB"),
        ("Niederlande", "NL"),
        ("Atlantis", None),
    ],
)
def test_countries_are_read_in_german_and_english_and_as_codes(written, code):
    assert country_code(written) == code


def test_an_unknown_country_is_refused_at_its_column(check):
    _row, problems = check({**BASE, "address.country": "Atlantis"})
    assert "Unknown country" in reasons(problems)["Country"]


def test_rows_without_a_country_take_the_default(check):
    row, _problems = check(
        {**BASE, "address.postal_code": "8001", "address.city": "Zürich"}, country="CH"
    )
    assert row["a_country"] == "CH"


@pytest.mark.parametrize(
    ("written", "country", "stored"),
    [
        ("1067", "DE", "01067"),  # Excel dropped the zero
        ("D-80331", "DE", "80331"),
        ("CH-8001", "CH", "8001"),
        ("1010", "AT", "1010"),
        ("sw1a 1aa", "GB", "SW1A 1AA"),
    ],
)
def test_postal_codes_are_cleaned_before_the_countrys_rules(written, country, stored):
    assert clean_postal_code(written, country) == stored


def test_a_postal_code_against_the_countrys_rules_is_refused(check):
    _row, problems = check({**BASE, "address.postal_code": "803310"})
    assert "is not a valid postal code in" in reasons(problems)["Postal_Code"]
    _row, problems = check({**BASE, "address.country": "CH", "address.postal_code": "80331"})
    assert "Switzerland" in reasons(problems)["Postal_Code"]


def test_a_bad_email_and_phone_are_refused_with_the_forms_messages(check):
    _row, problems = check(
        {
            **BASE,
            "person.last_name": "Muster",
            "person.email": "muster@",
            "person.phone": "12",
        }
    )
    found = reasons(problems)
    assert found["Email"] == "Enter a valid email address."
    assert "12 is not a valid phone number." in found["Phone"]


def test_phones_are_read_as_numbers_of_the_rows_country(check):
    row, problems = check(
        {
            "company.name": "Wiener Bau",
            "company.phone": "01 5131234",
            "address.street": "Graben 1",
            "address.city": "Wien",
            "address.postal_code": "1010",
            "address.country": "AT",
        }
    )
    assert problems == []
    assert row["c_phone"] == "+43 1 5131234"


def test_a_row_without_a_persons_name_gives_its_email_and_phone_to_the_company(check):
    row, problems = check({**BASE, "person.email": "info@mueller.de", "person.phone": "089 123456"})
    assert problems == []
    assert row["has_person"] is False
    assert row["c_email"] == "info@mueller.de"
    assert row["c_phone"] == "+49 89 123456"


def test_a_person_without_a_last_name_is_refused(check):
    _row, problems = check({**BASE, "person.first_name": "Hans", "person.department": "Einkauf"})
    assert "last name is missing" in reasons(problems)["Last name"]


def test_a_row_without_company_name_city_or_street_is_refused(check):
    _row, problems = check({"person.last_name": "Muster"})
    found = reasons(problems)
    assert "company name is missing" in found["Company name"]
    assert "city is missing" in found["City"]
    _row, problems = check({**BASE, "address.street": ""})
    assert reasons(problems) == {"Street and number": "This field is required in Germany."}


def test_salutations_are_read_as_the_master_tables_entries_with_common_synonyms(check):
    for written in ("Herr", "herr", "Hr.", "Mr.", "Mr"):
        row, problems = check({**BASE, "person.salutation": written, "person.last_name": "X"})
        assert problems == [], written
        assert row["p_salutation"].name == "Herr"
    row, _problems = check({**BASE, "person.salutation": "Mrs.", "person.last_name": "X"})
    assert row["p_salutation"].name == "Frau"


def test_an_entry_missing_in_a_master_table_is_refused_naming_the_table(check):
    _row, problems = check({**BASE, "person.last_name": "X", "person.title": "Kammersänger"})
    assert "master table “titles”" in reasons(problems)["Title"]


def test_functions_are_split_and_looked_up(check, master):
    row, problems = check(
        {**BASE, "person.last_name": "X", "person.functions": "Einkäufer, Geschäftsführer"}
    )
    assert problems == []
    assert row["p_functions"] == [
        master.functions["Einkäufer"].pk,
        master.functions["Geschäftsführer"].pk,
    ]
    _row, problems = check({**BASE, "person.last_name": "X", "person.functions": "Hausmeister"})
    assert "Functions" in reasons(problems)


def test_a_web_address_gets_its_scheme_as_in_the_form(check):
    row, _problems = check({**BASE, "company.website": "www.mueller-bau.de"})
    assert row["c_website"] == "https://www.mueller-bau.de"
    _row, problems = check({**BASE, "company.website": "nicht eine adresse"})
    assert "Website" in reasons(problems)


def test_too_long_values_are_refused_with_the_models_limits(check):
    _row, problems = check({**BASE, "company.number": "1" * 31})
    assert "at most 30 characters" in reasons(problems)["Number"]


@pytest.mark.parametrize(
    ("target", "model", "field"),
    [
        ("company.name", "companies.Company", "name"),
        ("company.vat_id", "companies.Company", "vat_id"),
        ("address.street", "addresses.Address", "street"),
        ("address.region", "addresses.Address", "region"),
        ("person.last_name", "companies.Person", "last_name"),
        ("person.department", "companies.Person", "department"),
    ],
)
def test_the_length_limit_is_the_models_to_the_character(check, target, model, field):
    """Lengths are checked with ``len`` first; the validators word the message."""
    from django.apps import apps

    limit = apps.get_model(model)._meta.get_field(field).max_length
    values = {**BASE, "person.last_name": "Muster"}
    row, problems = check({**values, target: "x" * limit})
    assert problems == [] and row is not None
    _row, problems = check({**values, target: "x" * (limit + 1)})
    assert [problem.value for problem in problems] == ["x" * (limit + 1)]
    assert f"at most {limit} characters" in problems[0].reason


@pytest.mark.parametrize(
    ("text", "number_format", "number"),
    [("1.200", "de", 1200), ("1'200", "ch", 1200), ("1,200", "en", 1200), ("15", "de", 15)],
)
def test_whole_numbers_are_read_in_the_files_format(text, number_format, number):
    assert parse_integer(text, number_format) == number


def test_employees_that_are_no_number_are_refused(check):
    _row, problems = check({**BASE, "company.employees": "viele"})
    assert reasons(problems)["Employees"] == "This is not a whole number."


def test_consent_is_a_date_in_the_files_format_or_yes_or_no():
    day = parse_moment("31.12.2025", "dmy")
    assert timezone.localtime(day).date() == datetime.date(2025, 12, 31)
    assert parse_moment("2025-12-31", "dmy").date() == datetime.date(2025, 12, 31)
    assert timezone.localtime(parse_moment("12/31/2025", "mdy")).date() == datetime.date(
        2025, 12, 31
    )
    assert parse_moment("nein", "dmy") is None
    assert parse_moment("", "dmy") is None
    assert parse_moment("ja", "dmy") is not None
    with pytest.raises(ValueError):
        parse_moment("31.02.2025", "dmy")


def test_a_bad_consent_date_is_refused_with_an_example(check):
    _row, problems = check({**BASE, "person.last_name": "X", "person.marketing_consent_at": "bald"})
    assert "31.12.2026" in reasons(problems)["Marketing_Consent_At"]


def test_messages_are_in_the_users_language(check):
    with translation.override("de"):
        _row, problems = check({**BASE, "company.email": "kaputt@"})
    assert reasons(problems)["Email"] == "Bitte gültige E-Mail-Adresse eingeben."


@pytest.mark.parametrize(
    ("values", "salutation", "title"),
    [
        ({"person.title": "Mr."}, "Herr", None),  # Outlook in English: "Title" is Mr./Ms.
        ({"person.salutation": "Dr."}, None, "Dr."),  # Apple's "Prefix"
        ({"person.salutation": "Frau Prof. Dr."}, "Frau", "Prof. Dr."),
        ({"person.salutation": "Herr", "person.title": "Dipl.-Ing."}, "Herr", "Dipl.-Ing."),
    ],
)
def test_salutation_and_title_are_found_whichever_column_they_came_in(
    check, values, salutation, title
):
    row, problems = check({**BASE, "person.last_name": "X", **values})
    assert problems == []
    assert (row["p_salutation"].name if row["p_salutation"] else None) == salutation
    assert (row["p_title"].name if row["p_title"] else None) == title


def test_row_decisions_with_other_digits_are_malformed():
    from merkur.transfer.importing.options import OptionsError, _row_decisions

    with pytest.raises(OptionsError):
        _row_decisions({"²": "skip"})
