import json

import pytest

from merkur.transfer.columns import (
    TARGETS,
    Assign,
    Mapping,
    MappingError,
    Split,
    header_key,
    known_header,
    split_person_name,
    split_postal_code_city,
    suggest_mapping,
)
from tests.transfer import samples


def _by_header(headers):
    return {headers[column]: target for column, target in suggest_mapping(headers).items()}


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Straße", "strasse"),
        ("STRASSE:", "strasse"),
        ("E-Mail-Adresse", "emailadresse"),
        ("Email Adresse", "emailadresse"),
        ("Telefon (geschäftlich)", "telefongeschaeftlich"),
        ("  Hausnr. ", "hausnr"),
        ("Address : work : street", "addressworkstreet"),
    ],
)
def test_headers_are_normalised_before_matching(header, key):
    assert header_key(header) == key


def test_outlook_german_export_is_mapped_to_the_business_fields():
    assert _by_header(samples.OUTLOOK_DE) == {
        "Anrede": "person.salutation",
        "Vorname": "person.first_name",
        "Nachname": "person.last_name",
        "Firma": "company.name",
        "Abteilung": "person.department",
        "Position": "person.functions",
        "Straße geschäftlich": "address.street",
        "Straße geschäftlich 2": "address.street2",
        "Ort geschäftlich": "address.city",
        "Region geschäftlich": "address.region",
        "Postleitzahl geschäftlich": "address.postal_code",
        "Land/Region geschäftlich": "address.country",
        "Telefon geschäftlich": "person.phone",
        "Telefon Firma": "company.phone",
        "Mobiltelefon": "person.mobile",
        "E-Mail-Adresse": "person.email",
        "Notizen": "person.notes",
        "Postfach geschäftlich": "address.po_box",
        "Webseite": "company.website",
    }


def test_outlook_english_export_is_mapped_to_the_business_fields():
    assert _by_header(samples.OUTLOOK_EN) == {
        "Title": "person.title",
        "First Name": "person.first_name",
        "Last Name": "person.last_name",
        "Company": "company.name",
        "Department": "person.department",
        "Job Title": "person.functions",
        "Business Street": "address.street",
        "Business Street 2": "address.street2",
        "Business City": "address.city",
        "Business State": "address.region",
        "Business Postal Code": "address.postal_code",
        "Business Country/Region": "address.country",
        "Business Phone": "person.phone",
        "Company Main Phone": "company.phone",
        "Mobile Phone": "person.mobile",
        "Business Address PO Box": "address.po_box",
        "E-mail Address": "person.email",
        "Notes": "person.notes",
        "Web Page": "company.website",
    }


def test_google_contacts_export_maps_values_not_labels():
    assert _by_header(samples.GOOGLE) == {
        "First Name": "person.first_name",
        "Last Name": "person.last_name",
        "Name Prefix": "person.salutation",
        "Organization Name": "company.name",
        "Organization Title": "person.functions",
        "Organization Department": "person.department",
        "Notes": "person.notes",
        "E-mail 1 - Value": "person.email",
        "Phone 1 - Value": "person.phone",
        "Phone 2 - Value": "person.mobile",
        "Address 1 - Street": "address.street",
        "Address 1 - City": "address.city",
        "Address 1 - PO Box": "address.po_box",
        "Address 1 - Region": "address.region",
        "Address 1 - Postal Code": "address.postal_code",
        "Address 1 - Country": "address.country",
        "Address 1 - Extended Address": "address.street2",
        "Website 1 - Value": "company.website",
    }


def test_old_google_export_leaves_the_redundant_full_name_unmapped():
    mapped = _by_header(samples.GOOGLE_OLD)
    assert "Name" not in mapped
    assert mapped["Given Name"] == "person.first_name"
    assert mapped["Family Name"] == "person.last_name"
    assert mapped["Organization 1 - Name"] == "company.name"
    assert mapped["Organization 1 - Title"] == "person.functions"
    assert mapped["E-mail 1 - Value"] == "person.email"
    assert mapped["Address 1 - Postal Code"] == "address.postal_code"


def test_apple_contacts_csv_is_mapped():
    assert _by_header(samples.APPLE) == {
        "First": "person.first_name",
        "Last": "person.last_name",
        "Prefix": "person.salutation",
        "Organization": "company.name",
        "Department": "person.department",
        "Job Title": "person.functions",
        "Address (work) street": "address.street",
        "Address (work) city": "address.city",
        "Address (work) state": "address.region",
        "Address (work) ZIP": "address.postal_code",
        "Address (work) country": "address.country",
        "Phone (work)": "person.phone",
        "Phone (mobile)": "person.mobile",
        "Email (work)": "person.email",
        "URL (work)": "company.website",
        "Note": "person.notes",
    }


def test_address_dealer_list_is_mapped_with_house_number_apart():
    assert _by_header(samples.DEALER) == {
        "Kd.-Nr.": "company.number",
        "Name 1": "company.name",
        "Name 2": "company.name2",
        "Str.": "address.street",
        "Hausnr.": "address.house_number",
        "PLZ": "address.postal_code",
        "Ort": "address.city",
        "Land": "address.country",
        "Telefon": "person.phone",
        "E-Mail": "person.email",
        "Internet": "company.website",
        "Anrede": "person.salutation",
        "Titel": "person.title",
        "Vorname": "person.first_name",
        "Nachname": "person.last_name",
        "Funktion": "person.functions",
        "Abteilung": "person.department",
    }


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Name", "Straße", "PLZ", "Ort"], {0: "company.name"}),
        (["Firma", "Name", "Ort"], {0: "company.name", 1: "person.full_name"}),
        (["Firma", "Name", "Vorname"], {0: "company.name", 2: "person.first_name"}),
    ],
)
def test_a_bare_name_column_goes_to_the_company_first_then_the_person(headers, expected):
    suggestion = suggest_mapping(headers)
    assert {c: t for c, t in suggestion.items() if c in expected or headers[c] == "Name"} == (
        expected
    )


def test_each_target_gets_one_column_the_best_ranked():
    assert suggest_mapping(["Telefon privat", "Telefon geschäftlich", "Telefon"]) == {
        1: "person.phone"
    }


def test_unknown_headers_are_not_mapped():
    assert suggest_mapping(["Branche", "Umsatz", "", "Spalte 7"]) == {}


def test_every_alias_names_its_own_target():
    for target in TARGETS:
        for alias in target.aliases:
            if header_key(alias) != "name":
                assert known_header(alias) == target.key, alias


def test_street_and_house_number_are_joined_street_first():
    mapping = Mapping.from_columns({0: "address.house_number", 1: "address.street"})
    assert mapping.apply(["12a", "Hauptstraße"]) == {"address.street": "Hauptstraße 12a"}


def test_a_missing_house_number_leaves_the_street_alone():
    mapping = Mapping.from_columns({0: "address.street", 1: "address.house_number"})
    assert mapping.apply(["Hauptstraße 5", " "]) == {"address.street": "Hauptstraße 5"}


def test_full_name_column_is_split_into_first_and_last_name():
    mapping = Mapping.from_columns({0: "company.name", 1: "person.full_name"})
    assert mapping.apply(["Müller GmbH", "Müller-Lüdenscheidt, Hans Peter"]) == {
        "company.name": "Müller GmbH",
        "person.last_name": "Müller-Lüdenscheidt",
        "person.first_name": "Hans Peter",
    }


def test_an_own_first_name_column_wins_over_the_split_name():
    mapping = Mapping.from_columns({0: "person.full_name", 1: "person.first_name"})
    assert mapping.apply(["Erika Mustermann", "Erika Maria"]) == {
        "person.first_name": "Erika Maria",
        "person.last_name": "Mustermann",
    }


def test_postal_code_and_city_in_one_column_are_split():
    mapping = Mapping.from_columns({0: "address.postal_code_city"})
    assert mapping.apply(["D-01067 Dresden"]) == {
        "address.postal_code": "01067",
        "address.city": "Dresden",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Müller, Hans", ("Hans", "Müller")),
        ("Hans Müller", ("Hans", "Müller")),
        ("Hans-Peter von der Heide", ("Hans-Peter", "von der Heide")),
        ("Erika  Maria   Mustermann", ("Erika Maria", "Mustermann")),
        ("Mustermann", ("", "Mustermann")),
        ("von Weizsäcker, Richard", ("Richard", "von Weizsäcker")),
    ],
)
def test_person_names_are_split(text, expected):
    parts = split_person_name(text)
    assert (parts["person.first_name"], parts["person.last_name"]) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12345 Berlin", {"address.postal_code": "12345", "address.city": "Berlin"}),
        ("CH-8001 Zürich", {"address.postal_code": "8001", "address.city": "Zürich"}),
        ("A - 1010 Wien", {"address.postal_code": "1010", "address.city": "Wien"}),
        ("1012 AB Amsterdam", {"address.postal_code": "1012 AB", "address.city": "Amsterdam"}),
        ("Berlin", {"address.city": "Berlin"}),
    ],
)
def test_postal_code_and_city_are_split(text, expected):
    assert split_postal_code_city(text) == expected


def test_a_mapping_survives_a_json_round_trip():
    headers = samples.DEALER
    mapping = Mapping.from_columns(suggest_mapping(headers), headers)
    again = Mapping.from_dict(json.loads(json.dumps(mapping.to_dict())))
    assert again == mapping
    assert Assign("address.street", (3, 4)) in again.rules


def test_a_custom_separator_is_kept():
    mapping = Mapping((Assign("person.notes", (0, 1), " / "),))
    assert Mapping.from_dict(mapping.to_dict()).apply(["a", "b"]) == {"person.notes": "a / b"}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"version": 99, "rules": []},
        {"version": 1},
        {"version": 1, "rules": ["x"]},
        {"version": 1, "rules": [{"target": "company.secret", "sources": [0]}]},
        {"version": 1, "rules": [{"target": "company.name", "sources": []}]},
        {"version": 1, "rules": [{"target": "company.name", "sources": [-1]}]},
        {"version": 1, "rules": [{"target": "company.name", "sources": [True]}]},
        {"version": 1, "rules": [{"target": "person.full_name", "sources": [0]}]},
        {"version": 1, "rules": [{"split": "eval", "source": 0}]},
        {"version": 1, "rules": [{"split": "person_name", "source": "0"}]},
        {"version": 1, "headers": "Firma", "rules": []},
    ],
)
def test_a_malformed_saved_mapping_is_refused_with_a_message(data):
    with pytest.raises(MappingError) as error:
        Mapping.from_dict(data)
    assert str(error.value)


def test_from_columns_refuses_an_unknown_target():
    with pytest.raises(MappingError, match=r"company\.secret"):
        Mapping.from_columns({0: "company.secret"})


def test_a_profile_finds_its_columns_in_a_reordered_file():
    old = ["Firma", "PLZ", "Ort", "Ansprechpartner"]
    mapping = Mapping.from_columns(suggest_mapping(old), old)
    moved = mapping.rebind(["ort", "Bemerkung", "Ansprechpartner", "FIRMA", "PLZ"])
    assert moved.apply(["Bonn", "x", "Hans Meier", "Meier AG", "53111"]) == {
        "company.name": "Meier AG",
        "address.postal_code": "53111",
        "address.city": "Bonn",
        "person.first_name": "Hans",
        "person.last_name": "Meier",
    }
    assert Split("person_name", 2) in moved.rules


def test_a_profile_names_the_columns_a_file_lacks():
    old = ["Firma", "PLZ", "Ort"]
    mapping = Mapping.from_columns(suggest_mapping(old), old)
    with pytest.raises(MappingError, match='"PLZ"'):
        mapping.rebind(["Firma", "Ort"])


def test_rows_shorter_than_the_mapping_give_empty_values():
    mapping = Mapping.from_columns({0: "company.name", 5: "address.city"})
    assert mapping.apply(["Meier AG"]) == {"company.name": "Meier AG"}
