"""The ABC analysis page: ranks, classes, totals, chart, pages and bad input."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from merkur.business import services
from merkur.business.models import Article, ArticleCategory, Division, DocumentStatus
from merkur.core.models import UserProfile
from tests.factories import make_company

pytestmark = pytest.mark.django_db
URL = "/business/abc-analysis/"


@pytest.fixture(autouse=True)
def empty_cache():
    # The page's overview is cached; the cache outlives each test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def setup(settings):
    settings.MERKUR_BASE_CURRENCY = "EUR"
    settings.MERKUR_ABC_THRESHOLDS = (80, 15)
    software = Division.objects.create(name="Anwendersoftware")
    hardware = Division.objects.create(name="Hardware")
    licence = ArticleCategory.objects.create(name="Lizenz")
    office = Article.objects.create(number="A", name="Office", division=software, category=licence)
    box = Article.objects.create(number="H", name="Box", division=hardware, category=licence)
    companies = []
    # Revenue 2025: 500, 300, 100, 60, 40 → total 1000; cumulative 50 %, 80 %, 90 %, 96 %, 100 %.
    for index, amount in enumerate([500, 300, 100, 60, 40]):
        company = make_company(name=f"Kunde {index}")
        companies.append(company)
        services.document_save(
            kind="order",
            number=f"A-{index}",
            data={
                "company": company,
                "date": datetime.date(2025, 6, 15),
                "currency": "EUR",
                "status": DocumentStatus.DONE,
            },
            lines=[{"article": office, "quantity": 1, "unit_price": amount}],
        )
    services.document_save(
        kind="order",
        number="H-1",
        data={
            "company": companies[4],
            "date": datetime.date(2025, 7, 1),
            "currency": "EUR",
            "status": DocumentStatus.DONE,
        },
        lines=[{"article": box, "quantity": 1, "unit_price": 1000}],
    )
    return {"companies": companies, "software": software, "hardware": hardware}


def test_url():
    assert reverse("business:abc") == URL


def test_classes_ranks_and_shares(readonly_client, readonly_user, setup):
    UserProfile.objects.filter(user=readonly_user).update(locale="de")  # German shares
    response = readonly_client.get(URL, {"year": 2025, "division": setup["software"].pk})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.name for r in rows] == ["Kunde 0", "Kunde 1", "Kunde 2", "Kunde 3", "Kunde 4"]
    assert [r.rank for r in rows] == [1, 2, 3, 4, 5]
    # Kunde 1 reaches exactly 80 %: still A.
    assert [r.abc for r in rows] == ["A", "A", "B", "B", "C"]
    assert [r.cumulative_share for r in rows] == [
        Decimal(x) for x in ("0.5", "0.8", "0.9", "0.96", "1")
    ]
    assert response.context["total"] == Decimal(1000)
    classes = {c.abc: (c.customers, c.revenue) for c in response.context["classes"]}
    assert classes == {"A": (2, Decimal(800)), "B": (2, Decimal(160)), "C": (1, Decimal(40))}
    page = response.content.decode()
    assert 'id="abc-chart"' in page and "<polyline" in page
    assert "80,0\xa0%" in page  # cumulative share, German format


def test_all_divisions_and_months(readonly_client, setup):
    response = readonly_client.get(URL, {"month_from": "2025-07", "month_to": "2025-12"})
    assert [r.name for r in response.context["rows"]] == ["Kunde 4"]
    response = readonly_client.get(URL, {"year": 2025})
    assert response.context["rows"][0].name == "Kunde 4"  # 40 + 1000
    assert response.context["count"] == 5


def test_paging_by_running_sum(readonly_client, setup, monkeypatch):
    from merkur.business.views import abc

    monkeypatch.setattr(abc, "PER_PAGE", 2)
    params = {"year": 2025, "division": setup["software"].pk}
    first = readonly_client.get(URL, params)
    assert [r.rank for r in first.context["rows"]] == [1, 2]
    assert first.context["previous_url"] is None
    second = readonly_client.get(first.context["next_url"])
    assert [r.rank for r in second.context["rows"]] == [3, 4]
    assert [r.abc for r in second.context["rows"]] == ["B", "B"]
    third = readonly_client.get(second.context["next_url"])
    assert [(r.rank, r.name, r.abc) for r in third.context["rows"]] == [(5, "Kunde 4", "C")]
    assert third.context["next_url"] is None
    back = readonly_client.get(third.context["previous_url"])
    assert [r.rank for r in back.context["rows"]] == [3, 4]
    back = readonly_client.get(back.context["previous_url"])
    assert [r.rank for r in back.context["rows"]] == [1, 2]
    assert back.context["previous_url"] is None
    # The classes and totals are those of the whole ranking on every page.
    assert third.context["total"] == Decimal(1000)
    assert [c.customers for c in third.context["classes"]] == [2, 2, 1]
    # Past the end: an empty page, not an error.
    response = readonly_client.get(URL, {**params, "after": "5000"})
    assert response.status_code == 200 and response.context["rows"] == []


def test_default_period_is_last_year(readonly_client, setup):
    response = readonly_client.get(URL)
    year = datetime.date.today().year - 1
    assert response.context["period"].start == datetime.date(year, 1, 1)


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "99999"},
        {"month_from": "2025-13", "month_to": "2025-12"},
        {"month_from": "2025-05"},
        {"month_from": "2025-06", "month_to": "2025-01"},
        {"year": "2025", "division": "nope"},
        {"year": "2025", "after": "-1"},
        {"year": "2025", "before": "1e999"},
    ],
)
def test_bad_input_is_a_message(readonly_client, setup, params):
    response = readonly_client.get(URL, params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "rows" not in response.context


def test_empty_period(readonly_client, setup):
    response = readonly_client.get(URL, {"year": 2010})
    assert response.status_code == 200
    assert 'id="abc-empty"' in response.content.decode()


def test_one_ranking_statement_per_page(readonly_client, setup, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from merkur.business.views import abc

    monkeypatch.setattr(abc, "PER_PAGE", 2)

    def ranking_statements(url: str, params=None) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = readonly_client.get(url, params)
        assert response.status_code == 200 and response.context["rows"]
        return [q["sql"] for q in queries if "business_revenuemonth" in q["sql"]]

    # Cold: the overview (class totals, curve) and the page, one ranking each, with no
    # per-company subquery.
    cold = ranking_statements(URL, {"year": 2025})
    assert len(cold) == 2 and not any("companies_company" in sql for sql in cold)
    # Then only the page: the overview is cached until revenue changes.
    first = readonly_client.get(URL, {"year": 2025})
    assert len(ranking_statements(first.context["next_url"])) == 1
    assert len(ranking_statements(URL, {"year": 2025})) == 1


def test_previous_page_before_the_end(readonly_client, setup, monkeypatch):
    from merkur.business.views import abc

    monkeypatch.setattr(abc, "PER_PAGE", 2)
    params = {"year": 2025, "division": setup["software"].pk}
    # A running sum beyond the total: the last page.
    response = readonly_client.get(URL, {**params, "before": "5000"})
    assert [r.rank for r in response.context["rows"]] == [4, 5]
    assert response.context["previous_url"] and response.context["next_url"] is None
    # Before the second customer's running sum: the first alone, no page before it.
    response = readonly_client.get(URL, {**params, "before": "800"})
    assert [r.rank for r in response.context["rows"]] == [1]
    assert response.context["previous_url"] is None


def test_curve_samples_every_nth_customer(readonly_client, setup, monkeypatch):
    from merkur.business.views import abc

    monkeypatch.setattr(abc, "CURVE_POINTS", 2)  # 5 customers: every 3rd, then the last
    response = readonly_client.get(URL, {"year": 2025, "division": setup["software"].pk})
    # Ranks 0, 3 (cumulative 90 %) and 5 (100 %) on a 600 × 240 chart.
    assert response.context["curve"] == "0.0,240.0 360.0,24.0 600.0,0.0"
