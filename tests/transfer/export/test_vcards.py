"""The vCard writers' address: one ADR of type work, its block as 3.0's LABEL property
or 4.0's LABEL parameter, none where the row has no address."""

import datetime
import uuid

import pytest
import vobject

from merkur.transfer.export.writers.vcards import (
    FIELDS,
    PERSON_FIELDS,
    VCard3Writer,
    VCard4Writer,
)

NAMESPACE = uuid.UUID(int=1)


def card(writer_class, **values):
    row = dict.fromkeys([*FIELDS, *PERSON_FIELDS, "person.language_code"])
    row.update(
        {
            "company.id": 1,
            "company.name": "Muster AG",
            "company.updated_at": datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        }
    )
    row.update(values)
    text = writer_class([], None, None).card(row, NAMESPACE)
    return vobject.readOne(text)


ADDRESS = {
    "address.street": "Hauptstraße 1",
    "address.street2": "Hinterhaus",
    "address.po_box": "12",
    "address.postal_code": "10115",
    "address.city": "Berlin",
    "address.region": "BE",
    "address.country_name": "Deutschland",
}


@pytest.mark.parametrize(("writer", "kind"), [(VCard3Writer, ["WORK"]), (VCard4Writer, ["work"])])
def test_the_address_is_one_work_adr(writer, kind):
    found = card(writer, **ADDRESS)
    adr = found.adr
    assert adr.params["TYPE"] == kind
    assert (adr.value.box, adr.value.extended, adr.value.street) == (
        "12",
        "Hinterhaus",
        "Hauptstraße 1",
    )
    assert (adr.value.code, adr.value.city, adr.value.region) == ("10115", "Berlin", "BE")
    assert adr.value.country == "Deutschland"
    assert "label" not in found.contents and "LABEL" not in adr.params


def test_a_3_0_block_is_a_label_property_of_type_work():
    found = card(VCard3Writer, **ADDRESS, **{"address.block": 'Muster AG\n"Haus" ^1'})
    assert found.label.value == 'Muster AG\n"Haus" ^1'
    assert found.label.params["TYPE"] == ["WORK"]
    assert "LABEL" not in found.adr.params


def test_a_4_0_block_is_the_adr_label_parameter():
    found = card(VCard4Writer, **ADDRESS, **{"address.block": 'Muster AG\n"Haus" ^1'})
    assert found.adr.params["LABEL"] == ["Muster AG^n^'Haus^' ^^1"]
    assert "label" not in found.contents


@pytest.mark.parametrize("writer", [VCard3Writer, VCard4Writer])
@pytest.mark.parametrize(
    "address",
    [{"address.city": "Berlin"}, {"address.street": "Weg 1"}, {"address.postal_code": "1"}],
)
def test_any_of_city_street_or_postal_code_makes_an_address(writer, address):
    assert card(writer, **address).adr.params["TYPE"][0].lower() == "work"


@pytest.mark.parametrize("writer", [VCard3Writer, VCard4Writer])
def test_no_address_without_city_street_or_postal_code(writer):
    found = card(writer, **{"address.region": "BE", "address.block": "Muster AG"})
    assert "adr" not in found.contents and "label" not in found.contents
