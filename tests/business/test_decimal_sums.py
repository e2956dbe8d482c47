"""Sums of decimals are exact to their places at a threshold, on SQLite too.

SQLite sums decimals as floating point: 0.1 + 0.2 is 0.30000000000000004 there, so
"at most 0.3" would leave out a company that bought exactly 0.3 and the ABC class
of a customer whose revenue ties a boundary would come out wrong. Every sum that a
threshold, a boundary or a page's total compares is ``figures.decimal_sum`` (money
to the cent, quantities to the field's places). The amounts below are split over
two months or two lines, so the database adds them up itself.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from merkur.business import abc_cache, figures, services
from merkur.business.figures import Period
from merkur.business.models import Article, ArticleCategory, Division, DocumentLine
from merkur.companies.models import Company
from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import parse
from tests.factories import make_company

pytestmark = pytest.mark.django_db
D = datetime.date
YEAR = Period.year(2025)
WHOLE_YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def office(settings):
    settings.MERKUR_BASE_CURRENCY = "EUR"
    settings.MERKUR_ABC_THRESHOLDS = (80, 15)
    cache.clear()  # no boundaries cached by an earlier test
    software = Division.objects.create(name="Anwendersoftware")
    licence = ArticleCategory.objects.create(name="Lizenz")
    return Article.objects.create(number="A-1", name="Office", division=software, category=licence)


def buy(company, day, article, quantity, unit_price=1) -> None:
    services.document_save(
        kind="order",
        number=f"{company.pk}-{day:%m%d}-{quantity}",
        data={"company": company, "date": day, "currency": "EUR", "status": "done"},
        lines=[{"article": article, "quantity": quantity, "unit_price": unit_price}],
    )


def tenths(office) -> Company:
    """0.1 bought in March and 0.2 in May: 0.3, for 0.10 + 0.20 = 0.30."""
    company = make_company()
    buy(company, D(2025, 3, 3), office, Decimal("0.1"))
    buy(company, D(2025, 5, 5), office, Decimal("0.2"))
    return company


def companies_with(condition: dict) -> set[int]:
    definition = parse({"version": 1, "target": "companies", "where": condition})
    return set(
        compile_definition(definition, Context(today=D(2026, 1, 10))).values_list("pk", flat=True)
    )


def test_decimal_sum_rounds_to_its_places(office):
    company = tenths(office)
    lines = DocumentLine.objects.filter(document__company=company).values("document__company_id")
    summed = lines.annotate(quantity=figures.decimal_sum("quantity", 3))
    assert [row["quantity"] for row in summed.filter(quantity=Decimal("0.3"))] == [Decimal("0.3")]
    assert not summed.filter(quantity__gt=Decimal("0.3")).exists()
    money = lines.annotate(amount=figures.decimal_sum("net_amount", 2))
    assert money.filter(amount__lte=Decimal("0.30"), amount__gte=Decimal("0.30")).exists()


@pytest.mark.parametrize("articles", [False, True])  # the monthly aggregate, the lines
@pytest.mark.parametrize(
    ("op", "value"),
    [("lte", "0.3"), ("gte", "0.3"), ("between", ["0.3", "0.3"]), ("lt", "0.30001")],
)
def test_quantity_criterion_at_exactly_the_sum(office, articles, op, value):
    company = tenths(office)
    params = {"period": WHOLE_YEAR}
    if articles:
        params["articles"] = [office.pk]
    condition = {"criterion": "business.quantity", "op": op, "value": value, "params": params}
    assert company.pk in companies_with(condition)


@pytest.mark.parametrize("op", ["gt", "lt"])
def test_quantity_criterion_excludes_exactly_the_sum(office, op):
    company = tenths(office)
    condition = {
        "criterion": "business.quantity",
        "op": op,
        "value": "0.3",
        "params": {"period": WHOLE_YEAR, "articles": [office.pk]},
    }
    assert company.pk not in companies_with(condition)


def test_quantity_bought_at_exactly_the_sum(office):
    company = tenths(office)
    bought = Company.objects.annotate(bought=figures.quantity_bought(YEAR))
    assert bought.filter(pk=company.pk, bought=Decimal("0.3")).exists()
    assert bought.get(pk=company.pk).bought == Decimal("0.300")


@pytest.mark.parametrize(
    "period",
    [
        YEAR,  # whole months: the aggregate
        Period(D(2025, 1, 2), D(2025, 12, 31)),  # the aggregate and the lines of January
        Period(D(2025, 3, 3), D(2025, 5, 5)),  # the lines of the edges only
    ],
)
def test_revenue_at_exactly_the_sum(office, period):
    company = tenths(office)
    revenue = Company.objects.annotate(revenue=figures.revenue(period))
    assert revenue.filter(pk=company.pk, revenue=Decimal("0.30")).exists()


def test_revenue_in_another_currency_at_exactly_the_sum(office):
    services.rate_set(currency="CHF", valid_from=D(2024, 1, 1), rate=Decimal("0.5"))
    company = tenths(office)
    # 0.10 and 0.20 EUR at 0.5 EUR per CHF: 0.20 + 0.40 CHF.
    revenue = Company.objects.annotate(revenue=figures.revenue(YEAR, currency="CHF"))
    assert revenue.filter(pk=company.pk, revenue=Decimal("0.60")).exists()
    condition = {
        "criterion": "business.revenue",
        "op": "lte",
        "value": "0.6",
        "params": {"period": WHOLE_YEAR, "currency": "CHF"},
    }
    assert company.pk in companies_with(condition)


def test_abc_class_of_a_customer_at_a_boundary(office):
    """2.00 and 0.30 (= 0.10 + 0.20): 2.00 of 2.30 (87 %) lie before the second, the
    first B; its own revenue ties the boundary, so it is B, not A."""
    big = make_company()
    buy(big, D(2025, 4, 4), office, 1, unit_price=2)
    small = tenths(office)
    first_b, first_c = figures.abc_boundaries(YEAR)
    assert first_b == figures.AbcBoundary(Decimal("0.30"), small.pk) and first_c is None
    classes = dict(
        figures.with_abc_class(Company.objects.all(), YEAR).values_list("pk", "abc_class")
    )
    assert classes[big.pk] == "A" and classes[small.pk] == "B"
    assert abc_cache.company_abc(small.pk, YEAR).abc_class == "B"


def test_abc_ranking_sums_to_the_cent(office):
    """The running sum and the total compare exactly: keyset paging goes on after a
    cumulative read from the page before, and never shows a row twice."""
    for _ in range(3):
        tenths(office)
    ranking = figures.abc_ranking(YEAR)
    rows = list(ranking)
    assert [row["revenue"] for row in rows] == [Decimal("0.30")] * 3
    assert [row["cumulative"] for row in rows] == [
        Decimal("0.30"),
        Decimal("0.60"),
        Decimal("0.90"),
    ]
    assert {row["total"] for row in rows} == {Decimal("0.90")}
    after = ranking.filter(cumulative__gt=rows[0]["cumulative"])
    assert [row["company_id"] for row in after] == [row["company_id"] for row in rows[1:]]
    assert ranking.filter(total=Decimal("0.90"), cumulative__lte=Decimal("0.90")).count() == 3
