"""A company's addresses through the API: add, default flag, remove, change, share."""

import pytest

from merkur.addresses.models import Address
from merkur.companies import services
from merkur.companies.models import Company, CompanyAddress
from tests.factories import address_data, make_company, make_person

pytestmark = pytest.mark.django_db

DEPOT = {"street": "Lagerweg 5", "postal_code": "20095", "city": "Hamburg"}


def _add(api, company, **body):
    return api.post(f"/companies/{company.pk}/addresses", {"kind": "delivery", **body})


def test_list_shows_the_contact_address(readonly_api, company):
    links = readonly_api.get(f"/companies/{company.pk}/addresses").json()
    assert [(link["kind"], link["address"]["city"]) for link in links] == [("contact", "Berlin")]


def test_the_first_delivery_address_becomes_the_default(sales_api, company):
    response = _add(sales_api, company, address=DEPOT)
    assert response.status_code == 201, response.content
    assert response.json()["is_default"] is True
    assert response.json()["address"]["lines"] == ["Lagerweg 5", "20095 Hamburg"]


def test_a_new_default_takes_the_flag_over(sales_api, company):
    first = _add(sales_api, company, address=DEPOT).json()
    second = _add(sales_api, company, address={**DEPOT, "street": "Kai 1"}, is_default=True)
    assert second.json()["is_default"] is True
    assert CompanyAddress.objects.get(pk=first["id"]).is_default is False


def test_make_default_moves_the_flag(sales_api, company):
    first = _add(sales_api, company, address=DEPOT).json()
    second = _add(sales_api, company, address={**DEPOT, "street": "Kai 1"}).json()
    response = sales_api.post(f"/companies/{company.pk}/addresses/{second['id']}/default")
    assert response.status_code == 200
    defaults = company.address_links.filter(kind="delivery", is_default=True)
    assert list(defaults.values_list("pk", flat=True)) == [second["id"]]
    assert first["id"] != second["id"]


def test_kind_filter_lists_only_that_kind(readonly_api, company, admin_user):
    services.company_address_add(company=company, kind="billing", address=address_data(),
                                 by=admin_user)  # fmt: skip
    links = readonly_api.get(f"/companies/{company.pk}/addresses", {"kind": "billing"}).json()
    assert [link["kind"] for link in links] == ["billing"]


def test_removing_the_default_promotes_the_next(sales_api, company):
    first = _add(sales_api, company, address=DEPOT).json()
    second = _add(sales_api, company, address={**DEPOT, "street": "Kai 1"}).json()
    response = sales_api.delete(f"/companies/{company.pk}/addresses/{first['id']}")
    assert response.status_code == 204
    assert CompanyAddress.objects.get(pk=second["id"]).is_default is True


def test_the_contact_address_cannot_be_removed(sales_api, company):
    contact = company.contact_link()
    response = sales_api.delete(f"/companies/{company.pk}/addresses/{contact.pk}")
    assert response.status_code == 422
    assert response.json()["detail"]
    assert company.address_links.filter(kind="contact").exists()


def test_an_address_of_another_company_is_404(sales_api, company):
    other = make_company()
    link = other.contact_link()
    assert sales_api.delete(f"/companies/{company.pk}/addresses/{link.pk}").status_code == 404
    assert CompanyAddress.objects.filter(pk=link.pk).exists()


def test_an_existing_address_can_be_shared(sales_api, company):
    other = make_company()
    shared = other.contact_link().address
    response = _add(sales_api, company, address_id=shared.pk)
    assert response.status_code == 201
    assert response.json()["address"]["id"] == shared.pk


def test_an_employee_address_belongs_to_a_person_of_the_company(sales_api, company):
    person = make_person(company)
    response = _add(sales_api, company, kind="employee", address=DEPOT, person=person.pk)
    assert response.status_code == 201
    assert response.json()["person"]["id"] == person.pk


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"address": {**DEPOT, "postal_code": "2009"}}, "address.postal_code"),
        ({"address": {**DEPOT, "city": ""}}, "address.city"),
        ({}, "address"),
        ({"address": DEPOT, "address_id": 1}, "address"),
        ({"address_id": 999999}, "address_id"),
        ({"kind": "contact", "address": DEPOT}, "kind"),
        ({"kind": "home", "address": DEPOT}, "kind"),
        ({"kind": "employee", "address": DEPOT}, "person"),
        ({"kind": "employee", "address": DEPOT, "person": 999999}, "person"),
    ],
    ids=str,
)
def test_bad_address_input_is_a_field_error(sales_api, company, body, field):
    count = Address.objects.count()
    response = sales_api.post(f"/companies/{company.pk}/addresses", {"kind": "delivery", **body})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert Address.objects.count() == count


def test_changing_the_contact_address_moves_the_company(sales_api, company):
    address = company.contact_link().address
    response = sales_api.patch(
        f"/addresses/{address.pk}",
        {"street": "Marienplatz 1", "postal_code": "80331", "city": "München", "version": 1},
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert Company.objects.get(pk=company.pk).city == "München"


def test_a_bad_postal_code_on_change_is_a_field_error(sales_api, company):
    address = company.contact_link().address
    response = sales_api.patch(f"/addresses/{address.pk}", {"postal_code": "1"})
    assert response.status_code == 422
    assert "postal_code" in response.json()["errors"]
    assert Address.objects.get(pk=address.pk).postal_code == "10115"


def test_changing_an_address_from_a_stale_version_is_409(sales_api, company, admin_user):
    address = company.contact_link().address
    services.address_update(address=address, data={"street": "Erst 1"}, expected_version=1,
                            by=admin_user)  # fmt: skip
    response = sales_api.patch(f"/addresses/{address.pk}", {"street": "Zweit 2", "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert Address.objects.get(pk=address.pk).street == "Erst 1"


def test_get_address_shows_the_formatted_lines(readonly_api, company):
    address = company.contact_link().address
    body = readonly_api.get(f"/addresses/{address.pk}").json()
    assert body["lines"] == ["Hauptstrasse 1", "10115 Berlin"]
