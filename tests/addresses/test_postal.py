import pytest
from django.core.exceptions import ValidationError

from merkur.addresses import postal
from merkur.addresses.models import Address

RECIPIENT = ["Muster AG", "Frau Dr. Erika Muster"]


def _lines(**fields) -> list[str]:
    return Address(street="Hauptstrasse 1", **fields).lines(recipient=RECIPIENT)


def test_domestic_address_has_no_country_line_and_keeps_the_city_as_entered():
    assert _lines(postal_code="66111", city="Saarbrücken", country="DE") == [
        *RECIPIENT,
        "Hauptstrasse 1",
        "66111 Saarbrücken",
    ]


@pytest.mark.parametrize(
    ("country", "postal_code", "city", "place_line", "country_line"),
    [
        ("AT", "1010", "Wien", "1010 WIEN", "ÖSTERREICH"),
        ("CH", "8001", "Zürich", "CH-8001 Zürich", "SCHWEIZ"),
        ("LI", "9490", "Vaduz", "FL-9490 VADUZ", "LIECHTENSTEIN"),
        ("FR", "75001", "Paris", "75001 PARIS", "FRANKREICH"),
    ],
)
def test_foreign_address_ends_with_place_and_country_in_german(
    country, postal_code, city, place_line, country_line
):
    lines = _lines(postal_code=postal_code, city=city, country=country)
    assert lines[:2] == RECIPIENT
    assert lines[-2:] == [place_line, country_line]


def test_italian_address_needs_a_province():
    with pytest.raises(ValidationError) as error:
        postal.validate(Address(postal_code="00184", city="Roma", country="IT"))
    assert "region" in error.value.message_dict


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [("DE", "6611"), ("DE", "661111"), ("AT", "10100"), ("CH", "80011"), ("LI", "8001")],
)
def test_postal_code_of_the_wrong_shape_is_refused(country, postal_code):
    with pytest.raises(ValidationError) as error:
        postal.validate(Address(postal_code=postal_code, city="X", country=country))
    assert "postal_code" in error.value.message_dict


@pytest.mark.parametrize(
    ("country", "postal_code"),
    [("DE", "01067"), ("AT", "6020"), ("CH", "3600"), ("LI", "9490"), ("FR", "75001")],
)
def test_postal_code_of_the_right_shape_passes(country, postal_code):
    postal.validate(Address(street="Weg 1", postal_code=postal_code, city="X", country=country))


def test_a_po_box_alone_is_enough_for_the_street():
    postal.validate(Address(po_box="1234", postal_code="10115", city="Berlin", country="DE"))
