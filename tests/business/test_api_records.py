"""The business data API: articles, exchange rates, documents, batches, deliveries, instances."""

# The shared fixtures are imported by name, which pyflakes reads as a redefinition.
# ruff: noqa: F811

from decimal import Decimal

import pytest

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
    errors_of,
    order_body,
    sales_api,
)

pytestmark = pytest.mark.django_db


def revenue_total() -> Decimal:
    return sum((row.amount for row in RevenueMonth.objects.all()), Decimal(0))


# --- articles -------------------------------------------------------------------------------


def test_article_put_creates_then_replaces_idempotently(sales_api, catalog):
    body = {"name": "Buchhaltung", "division": "anwendersoftware", "category": "Lizenz"}
    response = sales_api.put("/articles/A-300", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"] == "A-300"
    assert data["division"] == {"id": catalog["software"].pk, "name": "Anwendersoftware"}
    assert data["unit"] == "Stk" and data["tracking"] == "none" and data["is_active"] is True
    again = sales_api.put("/articles/A-300", body)
    assert again.status_code == 200
    assert Article.objects.filter(number="A-300").count() == 1
    moved = sales_api.put(
        "/articles/A-300", body | {"division": catalog["database"].pk, "unit": "Lizenz"}
    )
    assert moved.json()["division"]["name"] == "Datenbanksoftware"
    assert moved.json()["unit"] == "Lizenz"


def test_article_create_read_patch_and_list_filters(sales_api, catalog):
    created = sales_api.post(
        "/articles",
        {
            "number": "A-101",
            "name": "Office Paket Plus",
            "division": "Anwendersoftware",
            "category": "Lizenz",
            "tracking": "batch",
        },
    )
    assert created.status_code == 201, created.content
    taken = sales_api.post(
        "/articles",
        {"number": "A-101", "name": "x", "division": "Anwendersoftware", "category": "Lizenz"},
    )
    assert taken.status_code == 409
    assert "A-101" in taken.json()["detail"]
    assert sales_api.get("/articles/A-101").json()["tracking"] == "batch"
    assert sales_api.get("/articles/NOPE").status_code == 404
    patched = sales_api.patch("/articles/A-101", {"is_active": False})
    assert patched.status_code == 200, patched.content
    assert patched.json()["is_active"] is False
    assert patched.json()["name"] == "Office Paket Plus"
    assert sales_api.patch("/articles/NOPE", {"name": "x"}).status_code == 404

    def numbers(**params):
        response = sales_api.get("/articles", params)
        assert response.status_code == 200, response.content
        return [item["number"] for item in response.json()["items"]]

    assert numbers() == ["A-100", "A-101", "D-200", "HW-1"]
    assert numbers(q="A-1") == ["A-100", "A-101"]
    assert numbers(q="paket office") == ["A-100", "A-101"]
    assert numbers(division=catalog["database"].pk) == ["D-200", "HW-1"]
    assert numbers(active="false") == ["A-101"]
    assert numbers(tracking="serial") == ["HW-1"]
    page = sales_api.get("/articles", {"limit": 2}).json()
    assert page["count"] == 4 and page["next_cursor"]
    rest = sales_api.get("/articles", {"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [item["number"] for item in rest["items"]] == ["D-200", "HW-1"]


def test_article_bad_input_names_the_fields(sales_api, catalog):
    errors = errors_of(
        sales_api.put(
            "/articles/A-9",
            {"name": "", "division": "Unbekannt", "category": 999999, "tracking": "lot", "x": 1},
        )
    )
    # The types first; the references once the types fit.
    assert set(errors) == {"name", "tracking", "x"}
    assert errors["x"] == ["Unknown field."]
    errors = errors_of(
        sales_api.put("/articles/A-9", {"name": "N", "division": "Unbekannt", "category": 999999})
    )
    assert set(errors) == {"division", "category"}
    assert "Unbekannt" in errors["division"][0]
    assert "999999" in errors["category"][0]
    assert not Article.objects.filter(number="A-9").exists()
    too_long = errors_of(
        sales_api.put("/articles/" + "X" * 51, {"name": "x", "division": 1, "category": 1})
    )
    assert "number" in too_long
    assert errors_of(sales_api.patch("/articles/A-100", {"name": None})) == {
        "name": ["This field cannot be empty."]
    }
    assert set(errors_of(sales_api.patch("/articles/A-100", {"division": 0, "name": ""}))) == {
        "division",
        "name",
    }
    assert "colour" in errors_of(sales_api.patch("/articles/A-100", {"colour": "red"}))


def test_malformed_json_is_400_not_500(sales_api, catalog):
    response = sales_api.client.put(
        "/api/v1/articles/A-1",
        "{nope",
        content_type="application/json",
        headers=sales_api.headers,
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert errors_of(sales_api.put("/articles/A-1", [1, 2]))["__all__"]


# --- exchange rates -------------------------------------------------------------------------


def test_exchange_rates_set_list_and_delete(admin_api, catalog):
    response = admin_api.put("/exchange-rates/usd/2025-01-01", {"rate": "0.92"})
    assert response.status_code == 201, response.content
    assert response.json() == {
        "currency": "USD",
        "valid_from": "2025-01-01",
        "rate": "0.9200000000",
    }
    assert admin_api.put("/exchange-rates/USD/2025-01-01", {"rate": "0.93"}).status_code == 200
    admin_api.put("/exchange-rates/USD/2025-06-01", {"rate": "0.95"})
    listed = admin_api.get("/exchange-rates", {"currency": "usd"}).json()["items"]
    assert [(r["valid_from"], r["rate"]) for r in listed] == [
        ("2025-06-01", "0.9500000000"),
        ("2025-01-01", "0.9300000000"),
    ]
    in_range = admin_api.get("/exchange-rates", {"from": "2024-06-01", "to": "2025-03-01"})
    assert [(r["currency"], r["valid_from"]) for r in in_range.json()["items"]] == [
        ("USD", "2025-01-01")
    ]
    assert admin_api.delete("/exchange-rates/USD/2025-06-01").status_code == 204
    assert admin_api.delete("/exchange-rates/USD/2025-06-01").status_code == 404
    assert ExchangeRate.objects.filter(currency="USD").count() == 1


def test_exchange_rate_bad_input(admin_api, catalog):
    assert "currency" in errors_of(admin_api.put("/exchange-rates/EURO/2025-01-01", {"rate": 1}))
    assert "currency" in errors_of(admin_api.put("/exchange-rates/EUR/2025-01-01", {"rate": 1}))
    assert "valid_from" in errors_of(admin_api.put("/exchange-rates/USD/2025-13-01", {"rate": 1}))
    assert "rate" in errors_of(admin_api.put("/exchange-rates/USD/2025-01-01", {"rate": 0}))
    assert "rate" in errors_of(admin_api.put("/exchange-rates/USD/2025-01-01", {"rate": "x"}))
    assert admin_api.delete("/exchange-rates/USD/2025-13-01").status_code == 422


def test_deleting_a_rate_orders_need_is_refused_naming_currency_and_date(admin_api, catalog):
    put = admin_api.put("/documents/order/1", order_body(currency="CHF"))
    assert put.status_code == 201, put.content
    before = revenue_total()
    response = admin_api.delete("/exchange-rates/CHF/2024-01-01")
    assert response.status_code == 422
    assert "CHF" in response.json()["detail"] and "15.03.2025" in response.json()["detail"]
    assert ExchangeRate.objects.filter(currency="CHF").exists()
    assert revenue_total() == before


# --- documents ------------------------------------------------------------------------------


def test_document_put_is_idempotent_and_keeps_revenue(sales_api, catalog):
    response = sales_api.put("/documents/order/A-1001", order_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["company"]["number"] == "K-1001"
    assert data["total_net"] == "230.00"
    assert [(line["position"], line["article"], line["net_amount"]) for line in data["lines"]] == [
        (1, "A-100", "180.00"),
        (2, "D-200", "50.00"),
    ]
    assert revenue_total() == Decimal("230.00")
    again = sales_api.put("/documents/order/A-1001", order_body())
    assert again.status_code == 200
    assert again.json() == data  # nothing written: the same version
    assert Document.objects.filter(number="A-1001").count() == 1
    assert revenue_total() == Decimal("230.00")
    by_id = sales_api.put(
        "/documents/order/A-1001",
        order_body(company_number=None) | {"company": catalog["huber"].pk, "currency": "chf"},
    )
    assert by_id.status_code == 200, by_id.content
    assert by_id.json()["company"]["name"] == "Huber GmbH"
    assert by_id.json()["currency"] == "CHF"
    assert revenue_total() == Decimal("253.00")  # 230 CHF at 1.10


def test_document_read_list_filters_and_delete(sales_api, catalog):
    sales_api.put("/documents/offer/O-1", order_body(status="accepted"))
    sales_api.put(
        "/documents/order/A-1",
        order_body(
            offer_number="O-1", lines=[{"article": "A-100", "quantity": 1, "unit_price": 10}]
        ),
    )
    sales_api.put(
        "/documents/order/A-2",
        order_body(
            "K-1002",
            date="2024-12-31",
            lines=[{"article": "D-200", "quantity": 3, "unit_price": 5}],
        ),
    )
    sales_api.put("/documents/purchase/B-1", order_body("L-9", status="open"))
    order = sales_api.get("/documents/order/A-1").json()
    assert order["offer"]["number"] == "O-1"
    assert sales_api.get("/documents/offer/A-1").status_code == 404

    def numbers(**params):
        response = sales_api.get("/documents", params)
        assert response.status_code == 200, response.content
        return sorted(item["number"] for item in response.json()["items"])

    assert numbers() == ["A-1", "A-2", "B-1", "O-1"]
    assert numbers(kind="order") == ["A-1", "A-2"]
    assert numbers(company=catalog["huber"].pk) == ["A-2"]
    assert numbers(status="open") == ["B-1"]
    assert numbers(**{"from": "2025-01-01", "to": "2025-12-31", "kind": "order"}) == ["A-1"]
    assert numbers(article="D-200") == ["A-2", "B-1", "O-1"]
    assert numbers(division=catalog["software"].pk, kind="order") == ["A-1"]
    assert numbers(number="A") == ["A-1", "A-2"]
    assert sales_api.get("/documents", {"kind": "invoice"}).status_code == 422
    assert sales_api.delete("/documents/order/A-2").status_code == 204
    assert not Document.objects.filter(number="A-2").exists()
    assert revenue_total() == Decimal("10.00")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"company_number": "K-9999"}, "company_number"),
        ({"company_number": None}, "company"),
        ({"currency": "EURO"}, "currency"),
        ({"date": "2025-13-01"}, "date"),
        ({"date": "9999-12-31"}, "date"),
        ({"status": "paid"}, "status"),
        ({"offer_number": "O-404"}, "offer_number"),
        ({"person": 999999}, "person"),
        (
            {"lines": [{"article": "A-100", "quantity": 1}, {"article": "X-1", "quantity": 1}]},
            "lines.2.article",
        ),
        (
            {"lines": [{"article": "A-100", "quantity": 1}, {"article": "A-100", "quantity": -1}]},
            "lines.2.quantity",
        ),
        (
            {"lines": [{"article": "A-100", "quantity": 1, "discount_percent": 120}]},
            "lines.1.discount_percent",
        ),
        ({"lines": [{"article": "A-100", "quantity": "1.23456"}]}, "lines.1.quantity"),
        ({"lines": [{"article": "A-100", "quantity": "viele"}]}, "lines.1.quantity"),
        ({"lines": [{"article": "A-100", "quantity": 1, "color": "red"}]}, "lines.1.color"),
        (
            {
                "lines": [
                    {"article": "A-100", "quantity": 1, "position": 1},
                    {"article": "A-100", "quantity": 1, "position": 1},
                ]
            },
            "lines.2.position",
        ),
    ],
)
def test_document_bad_input_is_422_with_the_field_path(sales_api, catalog, change, field):
    response = sales_api.put("/documents/order/A-1", order_body() | change)
    errors = errors_of(response)
    assert field in errors, errors
    assert not Document.objects.exists()


def test_document_reports_every_problem_at_once(sales_api, catalog):
    body = order_body(
        company_number="K-9999",
        currency="EURO",
        lines=[
            {"article": "X-1", "quantity": 1},
            {"article": "A-100", "quantity": -2, "discount_percent": 120},
        ],
    )
    errors = errors_of(sales_api.put("/documents/order/A-1", body))
    assert set(errors) == {
        "company_number",
        "currency",
        "lines.1.article",
        "lines.2.quantity",
        "lines.2.discount_percent",
    }
    assert "K-9999" in errors["company_number"][0]
    assert "EURO" in errors["currency"][0]
    assert "X-1" in errors["lines.1.article"][0]


def test_document_in_a_currency_without_rate_names_currency_and_date(sales_api, catalog):
    errors = errors_of(sales_api.put("/documents/order/A-1", order_body(currency="USD")))
    assert "USD" in errors["currency"][0] and "15.03.2025" in errors["currency"][0]
    assert not Document.objects.exists()


def test_document_key_belongs_in_the_path(sales_api, catalog):
    errors = errors_of(sales_api.put("/documents/order/A-1", order_body() | {"number": "A-2"}))
    assert "number" in errors
    assert sales_api.put("/documents/invoice/A-1", order_body()).status_code == 422


# --- batches, deliveries, instances ---------------------------------------------------------


def test_batches_deliveries_and_instances(sales_api, catalog):
    sales_api.put("/documents/purchase/B-1", order_body("L-9"))
    batch = sales_api.put(
        "/articles/HW-1/batches/CH-7",
        {"supplier_number": "L-9", "received_on": "2025-07-01", "purchase_order_number": "B-1"},
    )
    assert batch.status_code == 201, batch.content
    assert batch.json()["supplier"]["number"] == "L-9"
    assert batch.json()["purchase_order"]["number"] == "B-1"
    assert (
        sales_api.put("/articles/HW-1/batches/CH-7", {"supplier_number": "L-9"}).status_code == 200
    )
    assert Batch.objects.count() == 1
    sales_api.put("/articles/A-100/batches/CH-8", {})
    assert sales_api.get("/articles/HW-1/batches/CH-7").json()["received_on"] is None
    assert [
        b["number"] for b in sales_api.get("/batches", {"article": "HW-1"}).json()["items"]
    ] == ["CH-7"]
    assert len(sales_api.get("/batches", {"supplier": catalog["supplier"].pk}).json()["items"]) == 1
    assert len(sales_api.get("/batches", {"number": "CH"}).json()["items"]) == 2

    sales_api.put("/documents/order/A-1", order_body())
    delivery = sales_api.put(
        "/deliveries/L-1",
        {
            "company_number": "K-1001",
            "order_number": "A-1",
            "date": "2025-07-05",
            "lines": [
                {"article": "HW-1", "quantity": 2, "batch": "CH-7", "serials": ["SN-9", "SN-10"]},
                {"article": "A-100", "quantity": 1},
            ],
        },
    )
    assert delivery.status_code == 201, delivery.content
    lines = delivery.json()["lines"]
    assert lines[0]["batch"] == "CH-7" and sorted(lines[0]["serials"]) == ["SN-10", "SN-9"]
    assert sales_api.get("/deliveries/L-1").json()["order"]["number"] == "A-1"
    for params in (
        {"company": catalog["muller"].pk},
        {"order": "A-1"},
        {"batch": "CH-7"},
        {"from": "2025-07-01", "to": "2025-07-31"},
    ):
        assert [d["number"] for d in sales_api.get("/deliveries", params).json()["items"]] == [
            "L-1"
        ], params
    assert sales_api.get("/deliveries", {"batch": "CH-8"}).json()["items"] == []

    instance = sales_api.put(
        "/articles/HW-1/instances/SN-11",
        {"batch": "CH-7", "produced_on": "2025-06-30", "production_run": "R-1"},
    )
    assert instance.status_code == 201, instance.content
    assert instance.json()["customer"] is None
    sn9 = sales_api.get("/articles/HW-1/instances/SN-9").json()
    assert sn9["customer"]["number"] == "K-1001" and sn9["delivery"] == "L-1"
    assert ArticleInstance.objects.count() == 3
    assert Delivery.objects.count() == 1


def test_delivery_and_instance_bad_input(sales_api, catalog):
    sales_api.put("/articles/HW-1/batches/CH-7", {})
    errors = errors_of(
        sales_api.put(
            "/deliveries/L-1",
            {
                "company_number": "K-0",
                "order_number": "A-404",
                "date": "2025-02-28",
                "lines": [
                    {"article": "HW-1", "quantity": -1, "batch": "CH-404"},
                    {"article": "A-100", "quantity": 1, "batch": "CH-7"},
                    {"article": "HW-1", "quantity": 2, "serials": ["SN-1", "SN-1"]},
                ],
            },
        )
    )
    assert set(errors) == {
        "company_number",
        "order_number",
        "lines.1.quantity",
        "lines.1.batch",
        "lines.2.batch",
        "lines.3.serials.2",
    }
    assert not Delivery.objects.exists()
    bad_date = {"company_number": "K-1001", "date": "2025-02-30"}
    assert set(errors_of(sales_api.put("/deliveries/L-1", bad_date))) == {"date"}
    errors = errors_of(
        sales_api.put("/articles/X-1/instances/SN-1", {"customer": 999999, "produced_on": "x"})
    )
    assert set(errors) == {"produced_on"}  # schema first; references only when the types fit
    errors = errors_of(sales_api.put("/articles/X-1/instances/SN-1", {"customer": 999999}))
    assert set(errors) == {"article", "customer"}
    errors = errors_of(sales_api.put("/articles/HW-1/instances/SN-1", {"batch": "CH-404"}))
    assert "CH-404" in errors["batch"][0]


def test_instances_list_filters_and_serial_range(sales_api, catalog):
    sales_api.put("/articles/HW-1/batches/CH-7", {})
    for serial in ("SN-8", "SN-9", "SN-10", "SN-11", "SN-100", "XY-10"):
        body = {"produced_on": "2025-05-01" if serial != "SN-8" else "2025-04-01"}
        if serial in ("SN-9", "SN-10"):
            body |= {"batch": "CH-7", "production_run": "R-2", "customer_number": "K-1002"}
        assert sales_api.put(f"/articles/HW-1/instances/{serial}", body).status_code == 201

    def serials(**params):
        response = sales_api.get("/article-instances", params)
        assert response.status_code == 200, response.content
        return sorted(item["serial_number"] for item in response.json()["items"])

    assert serials(serial_from="SN-9", serial_to="SN-11") == ["SN-10", "SN-11", "SN-9"]
    in_range = {"serial_from": "SN-1", "serial_to": "SN-1000", "limit": 2}
    first = sales_api.get("/article-instances", in_range).json()
    assert [i["serial_number"] for i in first["items"]] == ["SN-8", "SN-9"]
    rest = sales_api.get("/article-instances", in_range | {"cursor": first["next_cursor"]})
    assert [i["serial_number"] for i in rest.json()["items"]] == ["SN-10", "SN-11"]
    assert first["count"] == 5
    assert serials(serial_from="SN-11", serial_to="SN-9", article="HW-1") == [
        "SN-10",
        "SN-11",
        "SN-9",
    ]
    assert serials(batch="CH-7") == ["SN-10", "SN-9"]
    assert serials(customer=catalog["huber"].pk) == ["SN-10", "SN-9"]
    assert serials(production_run="R-2") == ["SN-10", "SN-9"]
    assert serials(produced_to="2025-04-30") == ["SN-8"]
    assert serials(produced_from="2025-05-01", article="A-100") == []
    assert "serial_from" in errors_of(
        sales_api.get("/article-instances", {"serial_from": "SN-1", "serial_to": "XY-5"})
    )
    assert "serial_to" in errors_of(sales_api.get("/article-instances", {"serial_from": "SN-1"}))


def test_bad_cursor_is_400(sales_api, catalog):
    for path in (
        "/articles",
        "/documents",
        "/batches",
        "/deliveries",
        "/article-instances",
        "/exchange-rates",
    ):
        response = sales_api.get(path, {"cursor": "garbage"})
        assert response.status_code == 400, path


def test_values_no_record_can_have_are_404_or_422_never_500(sales_api, admin_api, catalog):
    for path in (
        "/articles/A%00B",
        "/articles/A-100/batches/X%00",
        "/articles/A-100/instances/X%00",
        "/documents/order/A%00B",
        "/deliveries/A%00B",
    ):
        assert sales_api.get(path).status_code == 404, path
    assert sales_api.delete("/documents/order/A%00B").status_code == 404
    assert "number" in errors_of(sales_api.put("/documents/order/A%00B", order_body()))
    assert admin_api.delete("/exchange-rates/CHFX/2024-01-01").status_code == 404
    assert admin_api.delete("/exchange-rates/C%00F/2024-01-01").status_code == 404
    huge = order_body(
        lines=[{"article": "A-100", "quantity": "999999999999999", "unit_price": "99999999999999"}]
    )
    assert "lines.1.net_amount" in errors_of(sales_api.put("/documents/order/BIG", huge))
    many = order_body(
        lines=[{"article": "A-100", "quantity": "1", "net_amount": "9999999999999999.00"}] * 2
    )
    assert "lines" in errors_of(sales_api.put("/documents/order/BIG", many))
    assert sales_api.get("/companies/99999999999999999999999/revenue").status_code == 404
