"""Revenue, quantities and the ABC analysis, checked against figures worked out by hand."""

import datetime
from decimal import Decimal

import pytest

from merkur.business import figures, rates, services
from merkur.business.figures import Period
from merkur.business.models import Article, ArticleCategory, Division, DocumentStatus
from merkur.companies.models import Company
from tests.factories import make_company

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def setup(settings):
    settings.MERKUR_BASE_CURRENCY = "EUR"
    software = Division.objects.create(name="Anwendersoftware")
    database = Division.objects.create(name="Datenbanksoftware")
    licence = ArticleCategory.objects.create(name="Lizenz")
    service = ArticleCategory.objects.create(name="Dienstleistung")
    office = Article.objects.create(
        number="A-1", name="Office", division=software, category=licence
    )
    training = Article.objects.create(
        number="A-9", name="Schulung", division=software, category=service
    )
    db = Article.objects.create(number="D-1", name="DB", division=database, category=licence)
    services.rate_set(currency="CHF", valid_from=D(2025, 1, 1), rate=Decimal("1.10"))
    services.rate_set(currency="CHF", valid_from=D(2025, 7, 1), rate=Decimal("1.20"))
    return {
        "software": software,
        "database": database,
        "licence": licence,
        "office": office,
        "training": training,
        "db": db,
    }


def order(number, company, day, lines, currency="EUR", status=DocumentStatus.DONE):
    return services.document_save(
        kind="order",
        number=number,
        data={"company": company, "date": day, "currency": currency, "status": status},
        lines=lines,
    )[0]


def annotated(expression, company):
    return Company.objects.annotate(value=expression).get(pk=company.pk).value


def test_revenue_edges_currencies_discounts_and_cancellations(setup):
    c = make_company()
    order(
        "1", c, D(2024, 12, 31), [{"article": setup["office"], "quantity": 1, "unit_price": 1000}]
    )
    order(
        "2",
        c,
        D(2025, 1, 1),
        [{"article": setup["office"], "quantity": 2, "unit_price": 100, "discount_percent": 10}],
    )  # 180
    order(
        "3",
        c,
        D(2025, 6, 30),
        [{"article": setup["office"], "quantity": 1, "unit_price": 100}],
        currency="CHF",
    )  # 110
    order(
        "4",
        c,
        D(2025, 7, 1),
        [{"article": setup["office"], "quantity": 1, "unit_price": 100}],
        currency="CHF",
    )  # 120
    order("5", c, D(2025, 12, 31), [{"article": setup["db"], "quantity": 1, "unit_price": 50}])
    order(
        "6",
        c,
        D(2025, 5, 5),
        [{"article": setup["office"], "quantity": 9, "unit_price": 999}],
        status=DocumentStatus.CANCELLED,
    )
    services.document_save(
        kind="offer",
        number="7",
        data={"company": c, "date": D(2025, 5, 5), "currency": "EUR"},
        lines=[{"article": setup["office"], "quantity": 1, "unit_price": 5000}],
    )
    year = Period.year(2025)
    assert annotated(figures.revenue(year), c) == Decimal("460.00")
    assert annotated(figures.revenue(year, divisions=[setup["software"].pk]), c) == Decimal(
        "410.00"
    )
    # Not month-aligned: 15 Jan 2025 – 1 Jul 2025 takes the edges from the lines.
    assert annotated(figures.revenue(Period(D(2025, 1, 15), D(2025, 7, 1))), c) == Decimal("230.00")
    assert annotated(figures.revenue(Period(D(2025, 1, 1), D(2025, 1, 1))), c) == Decimal("180.00")
    # In CHF: each order at its own day's rate: 180/1.1 + 100 + 100 + 50/1.2
    expected = (
        (Decimal(180) / Decimal("1.1")).quantize(Decimal("0.01"))
        + 200
        + (Decimal(50) / Decimal("1.2")).quantize(Decimal("0.01"))
    )
    assert annotated(figures.revenue(year, currency="CHF"), c) == expected


def test_revenue_in_a_currency_without_rate_is_an_error_naming_it(setup):
    c = make_company()
    order("1", c, D(2025, 3, 1), [{"article": setup["office"], "quantity": 1, "unit_price": 10}])
    with pytest.raises(rates.MissingRate) as error:
        figures.check_rates_for(Period.year(2025), currency="USD")
    assert "USD" in str(error.value) and "01.03.2025" in str(error.value)


def test_quantity_bought_per_article_and_category(setup):
    c = make_company()
    order(
        "1",
        c,
        D(2025, 3, 1),
        [
            {"article": setup["office"], "quantity": 5, "unit_price": 10},
            {"article": setup["db"], "quantity": 1, "unit_price": 10},
            {"article": setup["training"], "quantity": 7, "unit_price": 10},
        ],
    )
    year = Period.year(2025)
    assert annotated(figures.quantity_bought(year, categories=[setup["licence"].pk]), c) == 6
    assert annotated(figures.quantity_bought(year, articles=[setup["office"].pk]), c) == 5
    assert annotated(figures.quantity_bought(Period.year(2024)), c) == 0


def test_abc_boundary_customer_exactly_at_80_percent_is_the_last_a(setup):
    revenue = [500, 300, 100, 50, 50]  # cumulative 50 %, 80 %, 90 %, 95 %, 100 %
    companies = [make_company() for _ in revenue]
    for n, (company, amount) in enumerate(zip(companies, revenue, strict=True)):
        order(
            str(n),
            company,
            D(2025, 4, 1),
            [{"article": setup["office"], "quantity": 1, "unit_price": amount}],
        )
    rows = list(figures.abc_ranking(Period.year(2025)))
    thresholds = figures.AbcThresholds()
    classes = {
        row.pk: figures.abc_class(row.revenue, row.cumulative, row.total, thresholds)
        for row in rows
    }
    assert [classes[c.pk] for c in companies] == ["A", "A", "B", "B", "C"]


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [
        ([500, 300, 100, 50, 50], ["A", "A", "B", "B", "C"]),  # exactly 80 % and 95 %
        ([900, 50, 50], ["A", "B", "C"]),  # one customer alone above 80 %
        ([100], ["A"]),
        ([100, 100, 100, 100, 100], ["A", "A", "A", "A", "B"]),  # ties: by id
    ],
)
def test_abc_class_as_a_value_on_each_company(setup, revenue, expected):
    companies = [make_company() for _ in revenue]
    idle = make_company()  # no revenue: no class
    for n, (company, amount) in enumerate(zip(companies, revenue, strict=True)):
        order(
            str(n),
            company,
            D(2025, 4, 1),
            [{"article": setup["office"], "quantity": 1, "unit_price": amount}],
        )
    annotated = figures.with_abc_class(Company.objects.all(), Period.year(2025))
    classes = dict(annotated.values_list("pk", "abc_class"))
    assert [classes[c.pk] for c in companies] == expected
    assert classes[idle.pk] is None
    # The same classes as the ranking's own rule.
    thresholds = figures.AbcThresholds()
    for row in figures.abc_ranking(Period.year(2025)):
        assert classes[row.pk] == figures.abc_class(
            row.revenue, row.cumulative, row.total, thresholds
        )
    # Usable as a filter, as the selection tool will.
    assert set(annotated.filter(abc_class="A").values_list("pk", flat=True)) == {
        c.pk for c, cls in zip(companies, expected, strict=True) if cls == "A"
    }


def test_revenue_in_a_currency_without_a_rate_on_an_order_day_cannot_be_asked(setup):
    c = make_company()
    order("1", c, D(2025, 3, 1), [{"article": setup["office"], "quantity": 1, "unit_price": 10}])
    # CHF has rates from 1 January 2025 only: an order of 2024 cannot be converted.
    order("0", c, D(2024, 6, 1), [{"article": setup["office"], "quantity": 1, "unit_price": 10}])
    assert annotated(figures.revenue(Period.year(2025), currency="CHF"), c) > 0
    with pytest.raises(rates.MissingRate) as error:
        figures.revenue(Period(D(2024, 1, 1), D(2025, 12, 31)), currency="CHF")
    assert "CHF" in str(error.value) and "01.06.2024" in str(error.value)
