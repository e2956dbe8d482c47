import pytest
from django.db import IntegrityError, transaction

from merkur.companies import services
from merkur.companies.models import CompanyAddress
from tests.factories import address_data, make_company

pytestmark = pytest.mark.django_db
Kind = CompanyAddress.Kind


def test_new_company_has_exactly_one_contact_address():
    company = make_company()
    assert company.address_links.filter(kind=Kind.CONTACT).count() == 1
    assert company.city == "Berlin"


def test_database_refuses_a_second_contact_address():
    company = make_company()
    other = make_company().contact_link().address
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyAddress.objects.create(company=company, address=other, kind=Kind.CONTACT)


def test_first_delivery_address_becomes_default():
    company = make_company()
    link = services.company_address_add(
        company=company,
        kind=Kind.DELIVERY,
        address=address_data(city="Hamburg", postal_code="20095"),
        by=None,
    )
    assert link.is_default


def test_second_default_delivery_address_moves_the_flag():
    company = make_company()
    first = services.company_address_add(
        company=company, kind=Kind.DELIVERY, address=address_data(), by=None
    )
    second = services.company_address_add(
        company=company,
        kind=Kind.DELIVERY,
        address=address_data(city="Köln", postal_code="50667"),
        by=None,
    )
    services.company_address_set_default(link=second, by=None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_database_refuses_two_default_billing_addresses():
    company = make_company()
    services.company_address_add(
        company=company, kind=Kind.BILLING, address=address_data(), by=None
    )
    other = make_company().contact_link().address
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyAddress.objects.create(
            company=company, address=other, kind=Kind.BILLING, is_default=True
        )


def test_removing_the_default_promotes_the_next():
    company = make_company()
    first = services.company_address_add(
        company=company, kind=Kind.BILLING, address=address_data(), by=None
    )
    second = services.company_address_add(
        company=company,
        kind=Kind.BILLING,
        address=address_data(city="Bonn", postal_code="53111"),
        by=None,
    )
    services.company_address_remove(link=first, by=None)
    second.refresh_from_db()
    assert second.is_default


def test_invalid_postal_code_is_refused_with_a_field_error():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        make_company(address={"postal_code": "1234", "country": "DE"})
    assert "postal_code" in error.value.message_dict


def test_swiss_address_is_formatted_with_country_line():
    company = make_company(address={"postal_code": "8001", "city": "Zürich", "country": "CH"})
    lines = company.contact_link().address.lines(recipient=["", company.name])
    assert lines[-1] == "SCHWEIZ"
    assert any("8001 Zürich" in line for line in lines)
