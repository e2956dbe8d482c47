"""Who may do what on the business data API: every route × every role, and anonymous."""

# The shared fixtures are imported by name, which pyflakes reads as a redefinition.
# ruff: noqa: F811

import pytest

from merkur.business.models import Document, ExchangeRate
from merkur.core.roles import Role
from tests.api.conftest import ApiClient, token_key
from tests.business.test_api_helpers import D, catalog, order_body  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

READ, WRITE, RATES = "read", "write", "rates"
ALLOWED = {
    READ: {Role.ADMIN, Role.SALES, Role.MARKETING, Role.READ_ONLY},
    WRITE: {Role.ADMIN, Role.SALES, Role.MARKETING},
    RATES: {Role.ADMIN},
}


def routes(catalog) -> list[tuple[str, str, str, dict | None]]:
    company = catalog["muller"].pk
    article = {"name": "N", "division": "Anwendersoftware", "category": "Lizenz"}
    delivery = {"company_number": "K-1001", "date": "2025-05-01", "lines": []}
    return [
        (READ, "GET", "/articles", None),
        (READ, "GET", "/articles/A-100", None),
        (READ, "GET", "/articles/HW-1/batches/CH-1", None),
        (READ, "GET", "/articles/HW-1/instances/SN-1", None),
        (READ, "GET", "/batches", None),
        (READ, "GET", "/article-instances", None),
        (READ, "GET", "/documents", None),
        (READ, "GET", "/documents/order/A-1", None),
        (READ, "GET", "/deliveries", None),
        (READ, "GET", "/deliveries/L-1", None),
        (READ, "GET", "/exchange-rates", None),
        (READ, "GET", f"/companies/{company}/revenue", None),
        (READ, "GET", "/abc?year=2025", None),
        (WRITE, "POST", "/articles", article | {"number": "A-NEW"}),
        (WRITE, "PUT", "/articles/A-300", article),
        (WRITE, "PATCH", "/articles/A-100", {"name": "Office"}),
        (WRITE, "PUT", "/articles/HW-1/batches/CH-2", {}),
        (WRITE, "PUT", "/articles/HW-1/instances/SN-2", {}),
        (WRITE, "PUT", "/documents/order/A-2", order_body()),
        (WRITE, "DELETE", "/documents/order/A-1", None),
        (WRITE, "PUT", "/deliveries/L-2", delivery),
        (WRITE, "POST", "/business-import/articles", {"items": [article | {"number": "A-B"}]}),
        (RATES, "PUT", "/exchange-rates/USD/2025-01-01", {"rate": "0.9"}),
        (RATES, "DELETE", "/exchange-rates/GBP/2020-01-01", None),
        (RATES, "POST", "/business-import/rates", {"items": []}),
    ]


@pytest.fixture
def records(catalog, admin_user):
    from merkur.business import services

    services.document_save(
        kind="order",
        number="A-1",
        data={"company": catalog["muller"], "date": D(2025, 1, 2), "currency": "EUR"},
        lines=[{"article": catalog["office"], "quantity": 1, "unit_price": 10}],
    )
    batch, _ = services.batch_save(article=catalog["device"], number="CH-1", data={})
    services.delivery_save(
        number="L-1",
        data={"company": catalog["muller"], "date": D(2025, 1, 3)},
        lines=[{"article": catalog["device"], "quantity": 1, "batch": batch, "serials": ["SN-1"]}],
    )
    services.rate_set(currency="GBP", valid_from=D(2020, 1, 1), rate=1)
    return catalog


@pytest.mark.parametrize("role", [*Role.values, None])
def test_permission_matrix(users, records, role):
    api = ApiClient(token_key(users[role])) if role else ApiClient()
    for group, method, path, body in routes(records):
        response = api.request(method, path, body)
        if role is None:
            expected = {401}
        elif role in ALLOWED[group]:
            expected = {200, 201, 204}
        else:
            expected = {403}
        assert response.status_code in expected, (role, method, path, response.content)
    if role not in ALLOWED[WRITE]:
        assert Document.objects.filter(number="A-1").exists()
        assert not Document.objects.filter(number="A-2").exists()
    if role != Role.ADMIN:
        assert not ExchangeRate.objects.filter(currency="USD").exists()


def test_forbidden_write_is_403_even_with_a_bad_body(users, records):
    api = ApiClient(token_key(users[Role.READ_ONLY]))
    assert api.put("/documents/order/A-9", {"nonsense": True}).status_code == 403
    assert api.post("/business-import/documents", {"items": "x"}).status_code == 403
    sales = ApiClient(token_key(users[Role.SALES]))
    assert sales.put("/exchange-rates/USD/2025-01-01", {"rate": "x"}).status_code == 403
    assert sales.post("/business-import/rates", {"items": []}).status_code == 403
