"""The ABC class as a value on each company: cached boundaries, the fragment on the
company page and the ``abc_class`` of ``/companies/{id}/revenue``."""

# The shared fixtures are imported by name, which pyflakes reads as a redefinition.
# ruff: noqa: F811

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse

from merkur.business import abc_cache, aggregates, figures, services
from merkur.business.figures import Period
from merkur.business.models import Article, ArticleCategory, Division, DocumentStatus
from merkur.business.views.abc_fragment import last_twelve_months, last_year
from merkur.companies.models import Company
from tests.business.test_api_helpers import sales_api  # noqa: F401 (fixture)
from tests.factories import make_company

pytestmark = pytest.mark.django_db

LAST_YEAR = datetime.date.today().year - 1


@pytest.fixture(autouse=True)
def empty_cache():
    # The cache outlives each test's database; start every test without boundaries.
    cache.clear()
    yield
    cache.clear()


def order(number, company, date, article, amount, status=DocumentStatus.DONE):
    services.document_save(
        kind="order",
        number=number,
        data={"company": company, "date": date, "currency": "EUR", "status": status},
        lines=[{"article": article, "quantity": 1, "unit_price": amount}],
    )


def build(settings, year: int) -> dict:
    """Revenue in ``year``: 500, 300, 100, 60, 40 (cumulative 50, 80, 90, 96, 100 %)
    → A, A, B, B, C; one customer without revenue; a hardware order in ``year`` + 1."""
    settings.MERKUR_BASE_CURRENCY = "EUR"
    settings.MERKUR_ABC_THRESHOLDS = (80, 15)
    software = Division.objects.create(name="Anwendersoftware")
    hardware = Division.objects.create(name="Hardware")
    licence = ArticleCategory.objects.create(name="Lizenz")
    office = Article.objects.create(number="A", name="Office", division=software, category=licence)
    box = Article.objects.create(number="H", name="Box", division=hardware, category=licence)
    companies = []
    for index, amount in enumerate([500, 300, 100, 60, 40]):
        company = make_company(name=f"Kunde {index}")
        companies.append(company)
        order(f"A-{index}", company, datetime.date(year, 6, 15), office, amount)
    order("H-1", companies[4], datetime.date(year, 7, 1), box, 1000)
    return {
        "companies": companies,
        "none": make_company(name="Ohne Umsatz"),
        "office": office,
        "software": software,
        "hardware": hardware,
    }


@pytest.fixture
def data(settings):
    return build(settings, 2024)


def classes(companies, period, divisions=None) -> list:
    return [abc_cache.company_abc(c.pk, period, divisions).abc_class for c in companies]


def test_classes_and_revenue(data):
    year = Period.year(2024)
    software = [data["software"].pk]
    # Software alone: Kunde 1 reaches exactly 80 % and is still A.
    assert classes(data["companies"], year, software) == ["A", "A", "B", "B", "C"]
    # All divisions: Kunde 4's hardware makes it the largest customer.
    # 1040, 500, 300 (77 % before it: A), 100, 60 of 2000.
    assert classes(data["companies"], year) == ["A", "A", "B", "C", "A"]
    result = abc_cache.company_abc(data["companies"][4].pk, year)
    assert (result.abc_class, result.revenue, result.period) == ("A", Decimal("1040.00"), year)
    empty = abc_cache.company_abc(data["none"].pk, year)
    assert (empty.abc_class, empty.revenue) == (None, Decimal(0))
    # The same classes as the annotation the lists and selections use.
    expected = dict(
        figures.with_abc_class(Company.objects.all(), year).values_list("pk", "abc_class")
    )
    for company in [*data["companies"], data["none"]]:
        assert abc_cache.company_abc(company.pk, year).abc_class == expected[company.pk]
    assert classes(data["companies"], Period.year(2023)) == [None] * 5
    with pytest.raises(Company.DoesNotExist):
        abc_cache.company_abc(999_999_999, year)


def test_tied_revenue_ranks_by_id(data):
    # Kunde 2's twin with the same revenue ranks after it (larger pk): the boundary
    # between A and B falls between the two (800 and 900 of 1100 before them).
    twin = make_company(name="Zwilling")
    order("T-1", twin, datetime.date(2024, 6, 15), data["office"], 100)
    software = [data["software"].pk]
    expected = dict(
        figures.with_abc_class(Company.objects.all(), Period.year(2024), divisions=software)
        .filter(abc_revenue__gt=0)
        .values_list("pk", "abc_class")
    )
    got = {pk: abc_cache.company_abc(pk, Period.year(2024), software).abc_class for pk in expected}
    assert got == expected
    assert (got[data["companies"][2].pk], got[twin.pk]) == ("A", "B")


def test_boundaries_are_cached(data, django_assert_num_queries):
    year = Period.year(2024)
    customer = data["companies"][3]
    abc_cache.company_abc(customer.pk, year)  # cold: ranks everybody
    with django_assert_num_queries(1):  # warm: only the company's own revenue
        assert abc_cache.company_abc(customer.pk, year).abc_class == "C"
    with django_assert_num_queries(1):  # no revenue: no boundaries needed at all
        assert abc_cache.company_abc(data["none"].pk, Period.year(2023)).abc_class is None


def test_new_order_changes_the_class(data, django_capture_on_commit_callbacks):
    year = Period.year(2024)
    software = [data["software"].pk]
    assert classes(data["companies"], year, software) == ["A", "A", "B", "B", "C"]
    # Kunde 4 buys for 2000 more: total 3000, Kunde 4 68 %, Kunde 0 to 84.7 %.
    # Kunde 1's own revenue is unchanged, yet it drops to B: new boundaries.
    with django_capture_on_commit_callbacks(execute=True):
        order("A-9", data["companies"][4], datetime.date(2024, 11, 3), data["office"], 2000)
    assert classes(data["companies"], year, software) == ["A", "B", "B", "C", "A"]
    # Cancelling the order brings the old classes back.
    with django_capture_on_commit_callbacks(execute=True):
        order(
            "A-9",
            data["companies"][4],
            datetime.date(2024, 11, 3),
            data["office"],
            2000,
            status=DocumentStatus.CANCELLED,
        )
    assert classes(data["companies"], year, software) == ["A", "A", "B", "B", "C"]


def test_order_of_another_month_keeps_the_boundaries(data, django_assert_num_queries):
    year = Period.year(2024)
    customer = data["companies"][2]
    abc_cache.company_abc(customer.pk, year)
    order("A-10", customer, datetime.date(2025, 1, 2), data["office"], 5000)
    with django_assert_num_queries(1):
        assert abc_cache.company_abc(customer.pk, year).abc_class == "B"
    order("A-11", customer, datetime.date(2024, 12, 31), data["office"], 5000)
    with django_assert_num_queries(2):  # revenue + the ranking, recomputed
        assert abc_cache.company_abc(customer.pk, year).abc_class == "A"


def test_rebuild_and_refresh_invalidate(data, django_assert_num_queries):
    year = Period.year(2024)
    customer = data["companies"][0]
    abc_cache.company_abc(customer.pk, year)
    aggregates.rebuild()
    with django_assert_num_queries(2):
        abc_cache.company_abc(customer.pk, year)
    aggregates.refresh([customer.pk], datetime.date(2024, 3, 1), datetime.date(2024, 3, 31))
    with django_assert_num_queries(2):
        abc_cache.company_abc(customer.pk, year)
    aggregates.refresh([customer.pk], datetime.date(2025, 3, 1), datetime.date(2025, 3, 31))
    with django_assert_num_queries(1):
        abc_cache.company_abc(customer.pk, year)


def test_other_thresholds_and_divisions_are_other_entries(data, settings):
    year = Period.year(2024)
    software = [data["software"].pk]
    assert classes(data["companies"], year, software) == ["A", "A", "B", "B", "C"]
    settings.MERKUR_ABC_THRESHOLDS = (50, 40)
    assert classes(data["companies"], year, software) == ["A", "B", "B", "C", "C"]
    assert classes(data["companies"], year, [data["hardware"].pk]) == [None] * 4 + ["A"]


# --- the fragment on the company page ---------------------------------------------------


@pytest.fixture
def recent(settings):
    return build(settings, LAST_YEAR)


def test_periods():
    assert last_year(datetime.date(2026, 1, 10)) == Period.year(2025)
    assert last_twelve_months(datetime.date(2026, 11, 29)) == Period(
        datetime.date(2025, 11, 1), datetime.date(2026, 10, 31)
    )
    assert last_twelve_months(datetime.date(2026, 1, 1)) == Period.year(2025)


def test_company_page_loads_the_fragment(readonly_client, recent):
    customer = recent["companies"][4]
    page = readonly_client.get(reverse("companies:detail", args=[customer.pk])).content.decode()
    url = reverse("business:company_abc", args=[customer.pk])
    assert f'hx-get="{url}"' in page and 'hx-trigger="load"' in page


def test_fragment_shows_class_revenue_and_links(readonly_client, recent):
    today = datetime.date.today()
    url = reverse("business:company_abc", args=[recent["companies"][4].pk])
    response = readonly_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    rows = {row.key: row for row in response.context["rows"]}
    assert (rows["year"].abc_class, rows["year"].revenue) == ("A", Decimal("1040.00"))
    assert rows["year"].url == f"/business/abc-analysis/?year={LAST_YEAR}"
    months = last_twelve_months(today)
    expected = (
        figures.with_abc_class(Company.objects.filter(pk=recent["companies"][4].pk), months)
        .values_list("abc_class", flat=True)
        .get()
    )
    assert rows["months"].abc_class == expected
    assert rows["months"].url == (
        f"/business/abc-analysis/?month_from={months.start:%Y-%m}&month_to={months.end:%Y-%m}"
    )
    page = response.content.decode()
    assert 'data-abc-class="A"' in page and "€1,040.00" in page
    assert f"?year={LAST_YEAR}" in page and "month_from=" in page
    assert "Last 12 months (" in page
    # The linked ABC page understands the parameters.
    assert readonly_client.get(rows["months"].url).context["period"] == months

    page = readonly_client.get(
        reverse("business:company_abc", args=[recent["none"].pk])
    ).content.decode()
    assert "no revenue" in page and 'data-abc-class="A"' not in page


def test_fragment_permissions(client, readonly_client, recent):
    url = reverse("business:company_abc", args=[recent["companies"][0].pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    assert readonly_client.get(url).status_code == 200
    assert readonly_client.post(url).status_code == 405
    unknown = reverse("business:company_abc", args=[999_999_999])
    assert readonly_client.get(unknown).status_code == 404


# --- the API ----------------------------------------------------------------------------


def test_api_revenue_has_abc_class(sales_api, recent):
    customer = recent["companies"][3]
    data = sales_api.get(f"/companies/{customer.pk}/revenue").json()
    assert (data["abc_year"], data["abc_class"]) == (LAST_YEAR, "C")
    software = recent["software"].pk
    data = sales_api.get(f"/companies/{customer.pk}/revenue", {"division": software}).json()
    assert data["abc_class"] == "B"
    data = sales_api.get(f"/companies/{customer.pk}/revenue", {"abc_year": LAST_YEAR - 1}).json()
    assert (data["abc_year"], data["abc_class"]) == (LAST_YEAR - 1, None)
    none = sales_api.get(f"/companies/{recent['none'].pk}/revenue").json()
    assert none["abc_class"] is None
    bad = sales_api.get(f"/companies/{customer.pk}/revenue", {"abc_year": "x"})
    assert bad.status_code == 422
    assert sales_api.get(f"/companies/{customer.pk}/revenue", {"abc_year": 0}).status_code == 422


def test_api_documents_abc_class(sales_api):
    schema = sales_api.client.get("/api/v1/openapi.json").json()
    operation = next(op["get"] for path, op in schema["paths"].items() if path.endswith("/revenue"))
    assert "abc_class" in operation["description"]
    assert "abc_year" in {p["name"] for p in operation["parameters"]}


def test_boundaries_from_the_aggregate_equal_those_from_the_lines(data):
    # Ties, a customer netting to zero and one with negative revenue (a credit) on top.
    office = data["office"]
    for index, amount in enumerate([300, 300, 60, 1, 0, 7]):
        order(f"X-{index}", make_company(), datetime.date(2024, 2 + index, 10), office, amount)
    credit = make_company(name="Gutschrift")
    order("X-neg", credit, datetime.date(2024, 3, 1), office, -50)
    software, hardware = data["software"].pk, data["hardware"].pk
    periods = [
        Period.year(2024),
        Period.of_months(datetime.date(2024, 2, 1), datetime.date(2024, 6, 1)),
        Period.year(2023),  # nobody: no boundaries
    ]
    threshold_sets = [
        figures.AbcThresholds(),
        figures.AbcThresholds(Decimal("0.5"), Decimal("0.6")),
        figures.AbcThresholds(Decimal("0.99"), Decimal("0.999")),
        figures.AbcThresholds(Decimal("0"), Decimal("0")),
    ]
    for period in periods:
        assert figures.exact_months(period)  # read from the aggregate
        for divisions in ([], [software], [hardware], [software, hardware]):
            for thresholds in threshold_sets:
                options = {"divisions": divisions or None, "thresholds": thresholds}
                fast = figures.abc_boundaries(period, **options)
                with mock.patch.object(figures, "exact_months", return_value=None):
                    from_lines = figures.abc_boundaries(period, **options)
                assert fast == from_lines, (period, divisions, thresholds)
    assert abc_cache.company_abc(credit.pk, Period.year(2024)).abc_class is None


def test_other_periods_use_figures(data):
    # Days at the edges: the boundaries come from ``figures.abc_boundaries``.
    period = Period(datetime.date(2024, 6, 10), datetime.date(2024, 6, 20))
    assert figures.exact_months(period) is None
    expected = dict(
        figures.with_abc_class(Company.objects.all(), period).values_list("pk", "abc_class")
    )
    for company in data["companies"]:
        assert abc_cache.company_abc(company.pk, period).abc_class == expected[company.pk]
    assert [expected[c.pk] for c in data["companies"]] == ["A", "A", "B", "B", "C"]
