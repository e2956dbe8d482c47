"""Revenue, quantities and the ABC analysis, checked against figures worked out by hand."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
        row["company_id"]: figures.abc_class(
            row["revenue"], row["cumulative"], row["total"], thresholds
        )
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
        assert classes[row["company_id"]] == figures.abc_class(
            row["revenue"], row["cumulative"], row["total"], thresholds
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


# --- the ranking: one rule, from the aggregate or from the lines ------------------------


def line(article, amount) -> dict:
    return {"article": article, "quantity": 1, "unit_price": amount}


def ranking(period, divisions=None, *, from_lines=False) -> list[dict]:
    if not from_lines:
        assert figures.exact_months(period), "a period of whole months reads the aggregate"
        return list(figures.abc_ranking(period, divisions=divisions))
    with mock.patch.object(figures, "exact_months", return_value=None):
        return list(figures.abc_ranking(period, divisions=divisions))


def expected_ranking(period, divisions=None) -> list[dict]:
    """The ranking worked out in Python from each company's ``figures.revenue``."""
    revenue = dict(
        Company.objects.annotate(value=figures.revenue(period, divisions=divisions))
        .filter(value__gt=0)
        .values_list("pk", "value")
    )
    order = sorted(revenue, key=lambda pk: (-revenue[pk], pk))
    total, cumulative, rows = sum(revenue.values()), Decimal(0), []
    for rank, pk in enumerate(order, 1):
        cumulative += revenue[pk]
        rows.append(
            {
                "company_id": pk,
                "revenue": revenue[pk],
                "rank": rank,
                "cumulative": cumulative,
                "total": total,
                "customers": len(order),
            }
        )
    return rows


amounts = st.lists(
    st.tuples(
        st.integers(0, 5),  # customer
        st.integers(1, 12),  # month
        st.sampled_from(["office", "training", "db"]),
        # Quarters: exact in binary, so SQLite's float sums tie exactly as decimals do.
        st.integers(-400, 4000).map(lambda quarters: Decimal(quarters) / 4),
    ),
    max_size=14,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(orders=amounts)
def test_ranking_from_the_aggregate_equals_the_ranking_from_the_lines(setup, orders):
    with transaction.atomic():
        companies = [make_company() for _ in range(6)]
        for n, (customer, month, article, amount) in enumerate(orders):
            order(
                f"H-{n}",
                companies[customer],
                D(2025, month, 1 + n % 28),
                [line(setup[article], amount)],
            )
        for period in (Period.year(2025), Period.of_months(D(2025, 3, 1), D(2025, 8, 1))):
            for divisions in (None, [setup["software"].pk]):
                expected = expected_ranking(period, divisions)
                assert ranking(period, divisions) == expected
                assert ranking(period, divisions, from_lines=True) == expected
                with mock.patch.object(figures, "exact_months", return_value=None):
                    from_lines = figures.abc_boundaries(period, divisions=divisions)
                assert figures.abc_boundaries(period, divisions=divisions) == from_lines
        transaction.set_rollback(True)


def test_ranking_of_a_period_with_part_months_reads_the_lines(setup):
    first, second, third = make_company(), make_company(), make_company()
    office = setup["office"]
    for number, company, day, amount in [
        ("1", first, D(2025, 1, 14), 1000),  # the day before the period
        ("2", first, D(2025, 1, 15), 100),
        ("3", second, D(2025, 3, 3), 300),
        ("4", third, D(2025, 7, 1), 50),
        ("5", third, D(2025, 7, 2), 1000),  # the day after
    ]:
        order(number, company, day, [line(office, amount)])
    period = Period(D(2025, 1, 15), D(2025, 7, 1))
    assert figures.exact_months(period) is None
    rows = list(figures.abc_ranking(period))
    assert [(r["company_id"], r["revenue"], r["rank"], r["cumulative"]) for r in rows] == [
        (second.pk, Decimal("300.00"), 1, Decimal("300.00")),
        (first.pk, Decimal("100.00"), 2, Decimal("400.00")),
        (third.pk, Decimal("50.00"), 3, Decimal("450.00")),
    ]
    assert {(r["total"], r["customers"]) for r in rows} == {(Decimal("450.00"), 3)}
    assert rows == expected_ranking(period)
    # 400 of 450 before the third: 88.9 %, the first B; 95 % is never reached: no C.
    assert figures.abc_boundaries(period) == (figures.AbcBoundary(Decimal(50), third.pk), None)


def test_ranking_ties_go_to_the_smaller_company_id(setup):
    companies = [make_company() for _ in range(4)]
    for n, (company, amount) in enumerate(zip(companies, [50, 100, 100, 50], strict=True)):
        order(
            str(n),
            company,
            D(2025, 5, 5),
            [{"article": setup["db"], "quantity": 1, "unit_price": amount}],
        )
    c0, c1, c2, c3 = (c.pk for c in companies)
    for from_lines in (False, True):
        rows = ranking(Period.year(2025), from_lines=from_lines)
        assert [(r["company_id"], r["rank"]) for r in rows] == [(c1, 1), (c2, 2), (c0, 3), (c3, 4)]
    # 100 + 100 + 50 = 250 of 300 before the last: 83 % → the last one is the first B;
    # 95 % is never reached before a customer: no C.
    assert figures.abc_boundaries(Period.year(2025)) == (
        figures.AbcBoundary(Decimal("50.00"), c3),
        None,
    )


def test_boundaries_customer_exactly_at_80_percent_is_the_last_a(setup):
    revenue = [500, 300, 100, 50, 50]  # cumulative 50 %, 80 %, 90 %, 95 %, 100 %
    companies = [make_company() for _ in revenue]
    for n, (company, amount) in enumerate(zip(companies, revenue, strict=True)):
        order(
            str(n),
            company,
            D(2025, 4, 1),
            [{"article": setup["office"], "quantity": 1, "unit_price": amount}],
        )
    first_b, first_c = figures.abc_boundaries(Period.year(2025))
    # The second customer reaches exactly 80 %: the third is the first B; the fifth has
    # exactly 95 % before it: the first C.
    assert first_b == figures.AbcBoundary(Decimal("100.00"), companies[2].pk)
    assert first_c == figures.AbcBoundary(Decimal("50.00"), companies[4].pk)
    same = figures.AbcThresholds(Decimal("0.8"), Decimal("0.8"))
    assert figures.abc_boundaries(Period.year(2025), thresholds=same) == (first_b, first_b)
    everybody_a = figures.AbcThresholds(Decimal("1"), Decimal("1"))
    assert figures.abc_boundaries(Period.year(2025), thresholds=everybody_a) == (None, None)


def test_ranking_by_division(setup):
    software, database = make_company(), make_company()
    order(
        "1",
        software,
        D(2025, 2, 2),
        [{"article": setup["office"], "quantity": 1, "unit_price": 70}],
    )
    order(
        "2",
        database,
        D(2025, 2, 3),
        [
            line(setup["db"], 90),
            line(setup["training"], 20),
        ],
    )
    year = Period.year(2025)
    for from_lines in (False, True):
        rows = ranking(year, [setup["software"].pk], from_lines=from_lines)
        assert [(r["company_id"], r["revenue"]) for r in rows] == [
            (software.pk, Decimal("70.00")),
            (database.pk, Decimal("20.00")),
        ]
        rows = ranking(year, [setup["database"].pk], from_lines=from_lines)
        assert [(r["company_id"], r["revenue"]) for r in rows] == [(database.pk, Decimal("90.00"))]
        both = ranking(year, [setup["software"].pk, setup["database"].pk], from_lines=from_lines)
        assert both == ranking(year, from_lines=from_lines)
        assert [r["company_id"] for r in both] == [database.pk, software.pk]


@pytest.mark.parametrize("from_lines", [False, True])
def test_revenue_by_company_is_exact_to_the_cent_at_a_threshold(setup, from_lines):
    """168,765.20 + 52,252.64 is 221,017.84 — not 221,017.84000000003 (SQLite's floats) —
    so "at most 221,017.84" holds, from the aggregate and from the lines."""
    company = make_company()
    order("1", company, D(2025, 6, 30), [line(setup["office"], Decimal("52252.64"))])
    order("2", company, D(2025, 12, 31), [line(setup["db"], Decimal("168765.20"))])
    # Whole months are read from the aggregate; a period starting on the 2nd, from the lines.
    period = Period(D(2025, 1, 2) if from_lines else D(2025, 1, 1), D(2025, 12, 31))
    assert (figures.exact_months(period) is None) == from_lines
    rows = figures.revenue_by_company(period, categories=[setup["licence"].pk])
    total = Decimal("221017.84")
    assert rows.filter(revenue__lte=total, revenue__gte=total).count() == 1
    assert [row["revenue"] for row in rows] == [total]
