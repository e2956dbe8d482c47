"""``/companies/{id}/revenue`` and ``/abc``: the figures of ``merkur.business.figures``."""

# The shared fixtures are imported by name, which pyflakes reads as a redefinition.
# ruff: noqa: F811

from decimal import Decimal

import pytest

from merkur.business.models import ExchangeRate
from tests.business.test_api_helpers import (  # noqa: F401 (fixtures)
    catalog,
    errors_of,
    order_body,
    sales_api,
)
from tests.factories import make_company

pytestmark = pytest.mark.django_db


def put_order(api, number, company_number, date, lines, currency="EUR", status="done"):
    body = order_body(company_number, date=date, lines=lines, currency=currency, status=status)
    response = api.put(f"/documents/order/{number}", body)
    assert response.status_code == 201, response.content


def line(article, price, quantity=1):
    return {"article": article, "quantity": quantity, "unit_price": price}


@pytest.fixture
def orders(sales_api, catalog):
    put_order(sales_api, "1", "K-1001", "2024-12-31", [line("A-100", 1000)])
    put_order(sales_api, "2", "K-1001", "2025-01-01", [line("A-100", 100), line("D-200", 50)])
    put_order(sales_api, "3", "K-1001", "2025-06-30", [line("D-200", 100)], currency="CHF")
    put_order(sales_api, "4", "K-1001", "2025-07-01", [line("A-100", 999)], status="cancelled")
    put_order(sales_api, "5", "K-1002", "2025-03-01", [line("A-100", 40)])
    return catalog


def test_company_revenue_total_per_year_and_division(sales_api, orders):
    muller = orders["muller"]
    response = sales_api.get(
        f"/companies/{muller.pk}/revenue", {"from": "2024-01-01", "to": "2025-12-31"}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["currency"] == "EUR"
    assert (data["from"], data["to"]) == ("2024-01-01", "2025-12-31")
    assert Decimal(data["total"]) == Decimal("1260.00")  # 1000 + 150 + 110 CHF→EUR
    assert [(y["year"], Decimal(y["revenue"])) for y in data["years"]] == [
        (2024, Decimal("1000.00")),
        (2025, Decimal("260.00")),
    ]
    assert {d["division"]["name"]: Decimal(d["revenue"]) for d in data["divisions"]} == {
        "Anwendersoftware": Decimal("1100.00"),
        "Datenbanksoftware": Decimal("160.00"),
    }


def test_company_revenue_filters_and_currency(sales_api, orders):
    muller = orders["muller"]
    url = f"/companies/{muller.pk}/revenue"
    edge = sales_api.get(url, {"from": "2025-01-01", "to": "2025-06-29"}).json()
    assert Decimal(edge["total"]) == Decimal("150.00")
    software = sales_api.get(
        url, {"from": "2025-01-01", "to": "2025-12-31", "division": orders["software"].pk}
    ).json()
    assert Decimal(software["total"]) == Decimal("100.00")
    assert [d["division"]["name"] for d in software["divisions"]] == ["Anwendersoftware"]
    chf = sales_api.get(url, {"from": "2025-01-01", "to": "2025-12-31", "currency": "chf"})
    assert chf.status_code == 200, chf.content
    assert chf.json()["currency"] == "CHF"
    # 150 EUR / 1.10 = 136.36 CHF, and the CHF order's 100 CHF.
    assert Decimal(chf.json()["total"]) == Decimal("236.36")


def test_company_revenue_missing_rate_and_bad_input(sales_api, orders):
    url = f"/companies/{orders['muller'].pk}/revenue"
    missing = sales_api.get(url, {"from": "2025-01-01", "to": "2025-12-31", "currency": "USD"})
    assert missing.status_code == 422
    assert "USD" in missing.json()["detail"] and "01.01.2025" in missing.json()["detail"]
    assert "currency" in errors_of(sales_api.get(url, {"currency": "EURO"}))
    assert "from" in errors_of(sales_api.get(url, {"from": "2025-12-31", "to": "2025-01-01"}))
    assert "from" in errors_of(sales_api.get(url, {"from": "0001-01-01", "to": "2025-01-01"}))
    assert sales_api.get(url, {"from": "2025-13-01"}).status_code == 422
    assert "to" in errors_of(sales_api.get(url, {"to": "9999-12-31"}))
    assert sales_api.get("/companies/999999/revenue").status_code == 404
    empty = sales_api.get(f"/companies/{make_company().pk}/revenue").json()
    assert Decimal(empty["total"]) == 0 and empty["divisions"] == []
    assert ExchangeRate.objects.count() == 1


def test_abc_analysis_ranks_and_pages(sales_api, orders):
    extra = make_company(name="Klein AG", number="K-1003")
    put_order(sales_api, "6", extra.number, "2025-05-05", [line("A-100", 10)])
    response = sales_api.get("/abc", {"year": 2025, "limit": 2})
    assert response.status_code == 200, response.content
    data = response.json()
    # Müller 260 (150 + 110), Huber 40, Klein 10: total 310.
    assert Decimal(data["total"]) == Decimal("310.00")
    assert data["count"] == 3 and data["currency"] == "EUR"
    first = data["items"]
    assert [(r["rank"], r["company"]["number"], r["class"]) for r in first] == [
        (1, "K-1001", "A"),
        (2, "K-1002", "B"),
    ]
    assert Decimal(first[0]["cumulative_percent"]) == Decimal("83.87")
    assert data["next_cursor"] and data["previous_cursor"] is None
    rest = sales_api.get("/abc", {"year": 2025, "limit": 2, "cursor": data["next_cursor"]})
    rows = rest.json()["items"]
    assert [(r["rank"], r["company"]["number"], r["class"]) for r in rows] == [(3, "K-1003", "C")]
    assert Decimal(rows[0]["cumulative_percent"]) == Decimal("100.00")
    assert rest.json()["next_cursor"] is None and rest.json()["previous_cursor"]
    months = sales_api.get("/abc", {"from": "2025-01", "to": "2025-03"}).json()
    assert (months["from"], months["to"]) == ("2025-01-01", "2025-03-31")
    assert [r["company"]["number"] for r in months["items"]] == ["K-1001", "K-1002"]
    database = sales_api.get("/abc", {"year": 2025, "division": orders["database"].pk}).json()
    assert [r["company"]["number"] for r in database["items"]] == ["K-1001"]


def test_abc_bad_input(sales_api, orders):
    assert "year" in errors_of(sales_api.get("/abc"))
    assert "year" in errors_of(sales_api.get("/abc", {"year": 2025, "from": "2025-01"}))
    assert "from" in errors_of(sales_api.get("/abc", {"from": "2025-13", "to": "2025-12"}))
    assert "to" in errors_of(sales_api.get("/abc", {"from": "2025-01", "to": "2025-1-5"}))
    assert "from" in errors_of(sales_api.get("/abc", {"from": "2025-06", "to": "2025-01"}))
    assert sales_api.get("/abc", {"year": 2025, "cursor": "garbage"}).status_code == 400
    assert sales_api.get("/abc", {"year": 2025, "limit": 500}).status_code == 422
    assert sales_api.get("/abc", {"year": 9999}).status_code == 422
    assert "to" in errors_of(sales_api.get("/abc", {"from": "2025-01", "to": "9999-12"}))
