"""The forms behind the company pages: filters, master choices, service errors, versions."""

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from merkur.companies.forms import (
    AddressForm,
    CompanyEditForm,
    CompanyFilterForm,
    CompanyForm,
    PersonFilterForm,
    apply_service_errors,
)
from merkur.companies.models import Function, Industry, SalesRep
from merkur.companies.queries import CompanyFilter, PersonFilter
from tests.factories import make_company

pytestmark = pytest.mark.django_db


def query(text: str) -> QueryDict:
    return QueryDict(text)


def test_empty_company_filter_is_the_default_filter_sorted_by_name():
    form = CompanyFilterForm(query(""))
    assert form.to_filter() == CompanyFilter()
    assert form.sort() == "name"


def test_company_filter_parameters_become_a_company_filter():
    software = Industry.objects.create(name="Software")
    rep = SalesRep.objects.create(name="Huber")
    buyer = Function.objects.create(name="Einkäufer")
    form = CompanyFilterForm(
        query(
            f"q=M%C3%BCller&role=customer&role=bank&industry={software.pk}&sales_rep={rep.pk}"
            f"&function={buyer.pk}&country=at&postal_code=66&city=Wien&archived=only&sort=-city"
        )
    )
    assert form.to_filter() == CompanyFilter(
        q="Müller",
        roles=["customer", "bank"],
        industries=[software.pk],
        sales_rep=rep.pk,
        function=buyer.pk,
        country="AT",
        postal_code="66",
        city="Wien",
        archived="only",
    )
    assert form.sort() == "-city"


def test_bad_company_filter_values_are_errors_and_left_out():
    form = CompanyFilterForm(query("role=emperor&country=XX&sort=salary&city=Bonn"))
    assert set(form.errors) == {"role", "country", "sort"}
    assert form.to_filter() == CompanyFilter(city="Bonn")
    assert form.sort() == "name"


def test_person_filter_parameters_become_a_person_filter():
    company = make_company()
    buyer = Function.objects.create(name="Einkäufer")
    form = PersonFilterForm(query(f"company={company.pk}&function={buyer.pk}&opted_out=no"))
    assert form.to_filter() == PersonFilter(
        company=company.pk, functions=[buyer.pk], opted_out=False
    )


def test_company_form_offers_inactive_entries_only_when_on_the_record():
    used = Industry.objects.create(name="Bergbau")
    unused = Industry.objects.create(name="Fischerei", is_active=False)
    company = make_company(industries=[used])
    used.is_active = False
    used.save()
    assert list(CompanyEditForm(company=company).fields["industries"].queryset) == [used]
    assert unused not in CompanyForm().fields["industries"].queryset
    assert used not in CompanyForm().fields["industries"].queryset


def test_company_form_focuses_the_name_first():
    form = CompanyEditForm(company=make_company())
    assert form.fields["name"].widget.attrs.get("autofocus")
    assert not form.fields["version"].widget.attrs.get("autofocus")


def test_service_errors_land_on_the_form_that_has_the_field():
    company_form = CompanyForm(query("name=X&roles=customer"))
    address_form = AddressForm(
        query(
            "address-street=Markt 1&address-city=Bonn&address-postal_code=53111&address-country=DE"
        ),
        prefix="address",
    )
    assert company_form.is_valid() and address_form.is_valid()
    error = ValidationError(
        {"phone": ["bad phone"], "postal_code": ["bad code"], "__all__": ["whole"], "x": ["?"]}
    )
    apply_service_errors(error, company_form, address_form)
    assert company_form.errors["phone"] == ["bad phone"]
    assert address_form.errors["postal_code"] == ["bad code"]
    assert company_form.non_field_errors() == ["whole", "?"]


def test_a_plain_service_error_becomes_a_form_error():
    form = CompanyForm(query("name=X&roles=customer"))
    form.is_valid()
    apply_service_errors(ValidationError("Nope"), form)
    assert form.non_field_errors() == ["Nope"]


def test_refresh_version_keeps_the_input_and_takes_the_new_version():
    company = make_company()
    form = CompanyEditForm(query("name=Mine&roles=customer&version=1"), company=company)
    assert form.is_valid()
    form.refresh_version(5)
    assert form.is_valid()
    assert form.cleaned_data["version"] == 5 and form.cleaned_data["name"] == "Mine"


def test_address_form_checks_the_postal_rules_of_the_country():
    form = AddressForm(query("city=Wien&postal_code=12345&country=AT"))
    assert not form.is_valid()
    assert "postal_code" in form.errors


def test_address_form_accepts_a_swiss_address():
    form = AddressForm(query("street=Limmatquai 1&city=Z%C3%BCrich&postal_code=8001&country=CH"))
    assert form.is_valid(), form.errors
