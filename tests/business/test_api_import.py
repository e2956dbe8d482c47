"""``POST /business-import/{kind}``: all or nothing, every bad item listed, dry run."""

# The shared fixtures are imported by name, which pyflakes reads as a redefinition.
# ruff: noqa: F811

from decimal import Decimal

import pytest

from merkur.business.api import bulk
from merkur.business.models import (
    Article,
    ArticleInstance,
    Batch,
    Delivery,
    Document,
    ExchangeRate,
    RevenueMonth,
)
from tests.business.test_api_helpers import (  # noqa: F401 (fixtures)
    admin_api,
    catalog,
    order_body,
    sales_api,
)

pytestmark = pytest.mark.django_db


def order(number, **changes) -> dict:
    return {"kind": "order", "number": number} | order_body(**changes)


def revenue_total() -> Decimal:
    return sum((row.amount for row in RevenueMonth.objects.all()), Decimal(0))


def test_import_documents_then_again_unchanged_then_updated(sales_api, catalog):
    items = [order("A-1"), order("A-2", company_number="K-1002"), order("A-3", currency="CHF")]
    response = sales_api.post("/business-import/documents", {"items": items})
    assert response.status_code == 200, response.content
    assert response.json() == {
        "detail": "",
        "dry_run": False,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "errors": [],
    }
    assert revenue_total() == Decimal("713.00")  # 230 + 230 + 253
    items[1]["status"] = "cancelled"
    again = sales_api.post("/business-import/documents", {"items": items}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 2)
    assert Document.objects.count() == 3
    assert revenue_total() == Decimal("483.00")


def test_one_bad_item_among_good_ones_writes_nothing_and_every_bad_item_is_listed(
    sales_api, catalog
):
    items = [
        order("A-1"),
        order("A-2", company_number="K-9999"),
        order("A-3"),
        order(
            "A-4",
            currency="EURO",
            date="2025-13-01",
        ),
        order(
            "A-5",
            lines=[
                {"article": "A-100", "quantity": 1, "discount_percent": 120},
                {"article": "NOPE", "quantity": -1},
            ],
        ),
        "not an object",
        {"kind": "order"},
        order("A-8", currency="USD"),  # no USD rate on the order date
    ]
    response = sales_api.post("/business-import/documents", {"items": items})
    assert response.status_code == 422, response.content
    data = response.json()
    assert (data["created"], data["updated"]) == (0, 0)
    assert "6 of 8" in data["detail"]
    found = {(error["index"], error["field"]) for error in data["errors"]}
    assert found == {
        (1, "company_number"),
        (3, "date"),  # the types first: currency is checked once the date is a date
        (4, "lines.1.discount_percent"),
        (4, "lines.2.article"),
        (4, "lines.2.quantity"),
        (5, "__all__"),
        (6, "number"),
        (6, "date"),
        (6, "currency"),
        (7, "currency"),
    }
    assert all(error["message"] for error in data["errors"])
    assert not Document.objects.exists()
    assert not RevenueMonth.objects.exists()


def test_later_items_may_refer_to_earlier_ones(sales_api, catalog):
    items = [
        {"kind": "offer", "number": "O-1"} | order_body(status="accepted"),
        order("A-1", offer_number="O-1"),
    ]
    response = sales_api.post("/business-import/documents", {"items": items})
    assert response.status_code == 200, response.content
    assert Document.objects.get(number="A-1").offer.number == "O-1"


def test_dry_run_counts_and_writes_nothing(sales_api, catalog):
    sales_api.put("/documents/order/A-1", order_body())
    before = revenue_total()
    items = [order("A-1"), order("A-2"), order("A-3", status="open")]
    response = sales_api.post("/business-import/documents", {"items": items, "dry_run": True})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["dry_run"], data["created"], data["unchanged"]) == (True, 2, 1)
    assert Document.objects.count() == 1
    assert revenue_total() == before
    bad = sales_api.post(
        "/business-import/documents", {"items": [order("A-9", currency="EURO")], "dry_run": True}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "currency"


def test_import_every_kind(admin_api, catalog):
    def post(kind, items):
        response = admin_api.post(f"/business-import/{kind}", {"items": items})
        assert response.status_code == 200, (kind, response.content)
        return response.json()

    assert (
        post(
            "articles",
            [
                {
                    "number": "A-7",
                    "name": "Neu",
                    "division": "Anwendersoftware",
                    "category": "Lizenz",
                }
            ],
        )["created"]
        == 1
    )
    assert (
        post("rates", [{"currency": "USD", "valid_from": "2025-01-01", "rate": "0.9"}])["created"]
        == 1
    )
    assert (
        post("rates", [{"currency": "USD", "valid_from": "2025-01-01", "rate": "0.9"}])["unchanged"]
        == 1
    )
    assert (
        post("batches", [{"article": "HW-1", "number": "CH-1", "supplier_number": "L-9"}])[
            "created"
        ]
        == 1
    )
    delivery = {
        "number": "L-1",
        "company_number": "K-1001",
        "date": "2025-05-01",
        "lines": [{"article": "HW-1", "quantity": 1, "batch": "CH-1", "serials": ["SN-1"]}],
    }
    assert post("deliveries", [delivery])["created"] == 1
    assert post("deliveries", [delivery])["unchanged"] == 1
    instance = [{"article": "HW-1", "serial_number": "SN-2", "batch": "CH-1"}]
    assert post("instances", instance)["created"] == 1
    assert post("instances", instance)["unchanged"] == 1
    assert post("instances", [instance[0] | {"production_run": "R-1"}])["updated"] == 1
    moved = delivery | {"company_number": "K-1002"}
    assert post("deliveries", [moved])["updated"] == 1
    assert post("deliveries", [moved])["unchanged"] == 1
    # An instance given to another customer meanwhile: the delivery puts it back.
    admin_api.put("/articles/HW-1/instances/SN-1", {"batch": "CH-1", "customer_number": "K-1001"})
    assert post("deliveries", [moved])["updated"] == 1
    batch = {"article": "HW-1", "number": "CH-1", "supplier_number": "L-9"}
    assert post("batches", [batch])["unchanged"] == 1
    article = {"number": "A-7", "name": "Neu", "division": "Anwendersoftware"}
    assert post("articles", [article | {"category": catalog["licence"].pk}])["unchanged"] == 1
    assert Article.objects.filter(number="A-7").exists()
    assert ExchangeRate.objects.filter(currency="USD").count() == 1
    assert Batch.objects.get().supplier == catalog["supplier"]
    assert Delivery.objects.count() == 1
    assert ArticleInstance.objects.get(serial_number="SN-1").customer == catalog["huber"]


def test_import_limits_and_malformed_requests(admin_api, catalog, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_ITEMS", 2)
    too_many = admin_api.post("/business-import/articles", {"items": [{}, {}, {}]})
    assert too_many.status_code == 413
    assert "2" in too_many.json()["detail"]
    assert admin_api.post("/business-import/invoices", {"items": []}).status_code == 422
    no_items = admin_api.post("/business-import/articles", {"dry_run": True})
    assert no_items.status_code == 422
    assert "items" in no_items.json()["errors"]
    not_json = admin_api.post("/business-import/articles", raw="[")
    assert not_json.status_code == 400
    assert admin_api.post("/business-import/articles", {"items": []}).json()["created"] == 0


def test_a_body_over_the_upload_limit_is_413(admin_api, catalog, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    items = [order(f"A-{i}") for i in range(5000)]
    response = admin_api.post("/business-import/documents", {"items": items})
    assert response.status_code == 413
    assert "1 MB" in response.json()["detail"]
    assert not Document.objects.exists()
