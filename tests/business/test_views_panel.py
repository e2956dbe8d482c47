"""The business panel on the company page: figures, a bounded number of queries, missing rates."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from merkur.business import services
from merkur.business.models import DocumentStatus, ExchangeRate
from merkur.business.views.panel import company_figures
from merkur.core.models import UserProfile
from tests.business.test_views_pages import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(settings):
    return build(settings)


def test_revenue_per_year_and_division(data):
    year = datetime.date.today().year
    figures = company_figures(data["customer"])
    assert figures.divisions == ["Anwendersoftware", "Hardware"]
    rows = {row.year: row for row in figures.years}
    assert [row.year for row in figures.years] == list(range(year, year - 5, -1))
    assert rows[year].current and not rows[year - 1].current
    assert rows[year - 1].by_division == [Decimal("5400.00"), Decimal("2469.00")]
    assert rows[year - 1].total == Decimal("7869.00")
    assert rows[year].by_division == [Decimal("500.00"), Decimal(0)]  # the open order
    assert figures.total == Decimal("8369.00")
    assert figures.division_totals == [Decimal("5900.00"), Decimal("2469.00")]
    articles = {row["article__number"]: row["quantity"] for row in figures.articles}
    assert articles == {"AS-100": Decimal(7), "HW-200": Decimal(2)}
    assert [d.number for d in figures.open_documents] == ["AU-2"]
    assert [d.number for d in figures.deliveries] == ["LI-1"]
    assert figures.batches == []
    # The Swiss customer's francs are in euros at the rate of the order date.
    swiss = company_figures(data["swiss"])
    assert {row.year: row.total for row in swiss.years}[year - 1] == Decimal("2100.00")


def test_cancelled_orders_and_offers_do_not_count(data):
    year = datetime.date.today().year
    services.document_save(
        kind="order",
        number="AU-1",
        data={"status": DocumentStatus.CANCELLED},
        lines=[{"article": data["office"], "quantity": 6, "unit_price": 1000}],
    )
    figures = company_figures(data["customer"])
    assert {row.year: row.total for row in figures.years}[year - 1] == Decimal(0)
    assert "AS-100" in {row["article__number"] for row in figures.articles}  # from AU-2


def test_supplier_sees_batches(data):
    figures = company_figures(data["supplier"])
    assert [b.number for b in figures.batches] == ["CH-77"]
    assert not figures.has_revenue


def test_query_count_is_bounded(data, django_assert_max_num_queries):
    for n in range(30):
        services.document_save(
            kind="order",
            number=f"BIG-{n}",
            data={
                "company": data["customer"],
                "date": datetime.date(datetime.date.today().year - 2, 1 + n % 12, 1),
                "currency": "EUR",
                "status": DocumentStatus.OPEN,
            },
            lines=[{"article": data["office"], "quantity": 1, "unit_price": 10}],
        )
    with django_assert_max_num_queries(6):
        company_figures(data["customer"])


def test_company_page_shows_panel(sales_client, sales_user, data):
    UserProfile.objects.filter(user=sales_user).update(locale="de")  # German amounts
    response = sales_client.get(reverse("companies:detail", args=[data["customer"].pk]))
    page = response.content.decode()
    assert 'id="business"' in page
    assert "7.869,00\xa0€" in page
    assert reverse("business:document", args=[data["open_order"].pk]) in page
    assert reverse("business:delivery", args=[data["delivery"].pk]) in page
    assert reverse("business:article", args=[data["office"].pk]) in page
    page = sales_client.get(
        reverse("companies:detail", args=[data["supplier"].pk])
    ).content.decode()
    assert reverse("business:batch", args=[data["batch"].pk]) in page


def test_missing_rate_shows_message_not_500(readonly_client, data):
    # A rate removed behind the services' back: the panel names the gap.
    ExchangeRate.objects.filter(currency="CHF").delete()
    response = readonly_client.get(reverse("companies:detail", args=[data["swiss"].pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "business-missing-rate" in page
    assert "CHF" in page and "01.05." in page
    assert 'id="business-revenue"' not in page
