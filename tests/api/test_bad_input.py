"""Bad input never ends in a 500: 4xx with the offending field named in ``errors``."""

import pytest

from merkur.companies.models import Company
from tests.factories import make_industry

pytestmark = pytest.mark.django_db

ADDRESS = {"street": "Hauptstrasse 1", "postal_code": "10115", "city": "Berlin", "country": "DE"}


def company(**changes) -> dict:
    """A valid body with ``changes``; ``address_x`` changes the contact address, ``...`` drops."""
    body = {"name": "Neu GmbH", "contact_address": dict(ADDRESS)}
    for key, value in changes.items():
        target = body
        if key.startswith("address_"):
            target, key = body["contact_address"], key.removeprefix("address_")
        if value is ...:
            target.pop(key)
        else:
            target[key] = value
    return body


# (request body, expected status, field named in the errors)
COMPANY_CREATE_CASES = [
    (company(name=...), 422, "name"),
    (company(name=""), 422, "name"),
    (company(name="   \x00"), 422, "name"),
    (company(name=5), 422, "name"),
    (company(name="x" * 201), 422, "name"),
    (company(contact_address=...), 422, "contact_address"),
    (company(address_postal_code="ABC12"), 422, "contact_address.postal_code"),
    (company(address_country="AT", address_postal_code="10115"), 422,
     "contact_address.postal_code"),
    (company(address_country="XX"), 422, "contact_address.country"),
    (company(address_city=...), 422, "contact_address.city"),
    (company(roles=["emperor"]), 422, "roles"),
    (company(roles="customer"), 422, "roles"),
    (company(industries=[999999]), 422, "industries"),
    (company(industries=["x"]), 422, "industries"),
    (company(industries=[2**70]), 422, "industries"),
    (company(sales_rep=999999), 422, "sales_rep"),
    (company(employees="many"), 422, "employees"),
    (company(employees=-3), 422, "employees"),
    (company(email="not-an-address"), 422, "email"),
    (company(website="not a url"), 422, "website"),
    (company(phone="12"), 422, "phone"),
    (company(nmae="Tippfehler"), 422, "nmae"),
    ([1, 2], 422, "body"),
    ("just a string", 422, "body"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "field"), COMPANY_CREATE_CASES, ids=str)
def test_bad_company_input_is_a_field_error(sales_api, body, status, field):
    response = sales_api.post("/companies", body)
    assert response.status_code == status, response.content
    assert field in response.json()["errors"], response.json()
    assert not Company.objects.exists()


def test_a_deactivated_industry_cannot_be_chosen(sales_api):
    industry = make_industry()
    industry.is_active = False
    industry.save()
    response = sales_api.post("/companies", company(industries=[industry.pk]))
    assert response.status_code == 422
    assert "industries" in response.json()["errors"]


def test_malformed_json_is_400(sales_api):
    response = sales_api.post("/companies", raw='{"name": "Neu GmbH",')
    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_an_empty_body_is_a_field_error(sales_api):
    response = sales_api.post("/companies", raw="")
    assert response.status_code == 422
    assert response.json()["errors"]


def test_a_duplicate_customer_number_is_refused(sales_api):
    assert sales_api.post("/companies", company(number="K-1")).status_code == 201
    response = sales_api.post("/companies", company(number="K-1"))
    assert response.status_code == 422
    assert "number" in response.json()["errors"]
    assert Company.objects.filter(number="K-1").count() == 1


# (PATCH body, field named in the errors)
COMPANY_PATCH_CASES = [
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"roles": ["emperor"]}, "roles"),
    ({"company_class": 999999}, "company_class"),
    ({"employees": 1.5}, "employees"),
    ({"version": "one"}, "version"),
    ({"contact_address": ADDRESS}, "contact_address"),
]


@pytest.mark.parametrize(("body", "field"), COMPANY_PATCH_CASES, ids=str)
def test_bad_company_patch_is_a_field_error(sales_api, body, field):
    from tests.factories import make_company

    target = make_company(name="Alt GmbH")
    response = sales_api.patch(f"/companies/{target.pk}", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    target.refresh_from_db()
    assert (target.name, target.version) == ("Alt GmbH", 1)


@pytest.mark.parametrize("path", ["/companies/abc", "/people/abc", "/addresses/1.5"])
def test_a_non_numeric_id_is_not_a_server_error(readonly_api, path):
    assert readonly_api.get(path).status_code in (404, 422)


def test_an_id_beyond_the_column_range_is_404(readonly_api):
    assert readonly_api.get(f"/companies/{2**70}").status_code == 404
