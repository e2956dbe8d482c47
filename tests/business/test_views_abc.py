"""The ABC analysis page: ranks, classes, totals, chart, pages and bad input."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from merkur.business import services
from merkur.business.models import Article, ArticleCategory, Division, DocumentStatus
from merkur.core.models import UserProfile
from tests.factories import make_company

pytestmark = pytest.mark.django_db
URL = "/business/abc-analysis/"


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
