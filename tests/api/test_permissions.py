"""Who may do what through the API: one table of (endpoint, method, capability) × role."""

import pytest

from merkur.companies import services
from merkur.core.roles import ROLE_CAPABILITIES, Capability, Role
from tests.api.conftest import ApiClient
from tests.factories import address_data, make_company, make_industry, make_person

pytestmark = pytest.mark.django_db

VIEW, EDIT, MASTER = Capability.VIEW_RECORDS, Capability.EDIT_RECORDS, Capability.MANAGE_MASTER_DATA
NEW_ADDRESS = {"street": "Lagerweg 5", "postal_code": "20095", "city": "Hamburg"}

# (method, path, body, capability needed, status on success). Ids in {braces}
# come from the ``records`` fixture; bodies may use them too.
ENDPOINTS = [
    ("GET", "/me", None, None, 200),
    ("GET", "/companies", None, VIEW, 200),
    ("POST", "/companies", {"name": "Neu GmbH", "contact_address": NEW_ADDRESS}, EDIT, 201),
    ("GET", "/companies/{company}", None, VIEW, 200),
    ("PATCH", "/companies/{company}", {"notes": "Rückruf"}, EDIT, 200),
    ("DELETE", "/companies/{company}", None, EDIT, 200),
    ("POST", "/companies/{company}/restore", None, EDIT, 200),
    ("GET", "/companies/{company}/addresses", None, VIEW, 200),
    ("POST", "/companies/{company}/addresses", {"kind": "billing", "address": NEW_ADDRESS},
     EDIT, 201),
    ("POST", "/companies/{company}/addresses/{delivery}/default", None, EDIT, 200),
    ("DELETE", "/companies/{company}/addresses/{delivery}", None, EDIT, 204),
    ("GET", "/addresses/{address}", None, VIEW, 200),
    ("PATCH", "/addresses/{address}", {"street": "Neue Strasse 2"}, EDIT, 200),
    ("GET", "/people", None, VIEW, 200),
    ("POST", "/people", {"company": "{company}", "last_name": "Neumann"}, EDIT, 201),
    ("GET", "/people/{person}", None, VIEW, 200),
    ("PATCH", "/people/{person}", {"department": "Einkauf"}, EDIT, 200),
    ("DELETE", "/people/{person}", None, EDIT, 200),
    ("POST", "/people/{person}/restore", None, EDIT, 200),
    ("POST", "/people/{person}/move", {"company": "{other}"}, EDIT, 200),
    ("GET", "/master", None, VIEW, 200),
    ("GET", "/master/industries", None, VIEW, 200),
    ("POST", "/master/industries", {"name": "Bergbau"}, MASTER, 201),
    ("GET", "/master/industries/{industry}", None, VIEW, 200),
    ("PATCH", "/master/industries/{industry}", {"name": "Tiefbau"}, MASTER, 200),
    ("DELETE", "/master/industries/{industry}", None, MASTER, 204),
    ("GET", "/master/sales-reps", None, VIEW, 200),
    ("POST", "/master/sales-reps", {"name": "Anna Aussendienst"}, MASTER, 201),
]  # fmt: skip


@pytest.fixture
def records(admin_user) -> dict:
    company = make_company(by=admin_user)
    link = services.company_address_add(
        company=company, kind="delivery", address=address_data(street="Hof 1"), by=admin_user
    )
    return {
        "company": company.pk,
        "other": make_company(by=admin_user).pk,
        "delivery": link.pk,
        "address": company.contact_link().address_id,
        "person": make_person(company, by=admin_user).pk,
        "industry": make_industry("Unbenutzt").pk,
    }


def _fill(value, ids: dict):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _expected(role: str | None, capability: str | None, success: int) -> int:
    if role is None:
        return 401
    if capability is None or capability in ROLE_CAPABILITIES[role]:
        return success
    return 403


@pytest.mark.parametrize("role", [*Role.values, None], ids=[*Role.values, "anonymous"])
@pytest.mark.parametrize(
    ("method", "path", "body", "capability", "success"),
    ENDPOINTS,
    ids=[f"{method} {path}" for method, path, *_ in ENDPOINTS],
)
def test_permission_matrix(api_as, records, role, method, path, body, capability, success):
    client = api_as(role) if role else ApiClient()
    response = client.request(method, path.format(**records), _fill(body, records))
    assert response.status_code == _expected(role, capability, success), response.content
    if response.status_code >= 400:
        assert "detail" in response.json()
