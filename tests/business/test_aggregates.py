"""The revenue aggregate always equals the figure computed from the raw lines."""

import contextlib
import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merkur.business import aggregates, rates, services
from merkur.business.models import (
    Article,
    ArticleCategory,
    Division,
    DocumentKind,
    DocumentStatus,
    RevenueMonth,
)
from tests.factories import make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(settings):
    settings.MERKUR_BASE_CURRENCY = "EUR"
    software = Division.objects.create(name="Anwendersoftware")
    database = Division.objects.create(name="Datenbanksoftware")
    licence = ArticleCategory.objects.create(name="Lizenz")
    maintenance = ArticleCategory.objects.create(name="Wartung")
    articles = [
        Article.objects.create(number="A-1", name="Office", division=software, category=licence),
        Article.objects.create(
            number="A-2", name="Pflege", division=software, category=maintenance
        ),
        Article.objects.create(number="D-1", name="DB", division=database, category=licence),
    ]
    companies = [make_company(), make_company()]
    services.rate_set(currency="CHF", valid_from=datetime.date(2020, 1, 1), rate=Decimal("1.05"))
    return articles, companies


def stored() -> dict:
    return {
        (r.company_id, r.month, r.division_id, r.category_id): (r.amount, r.quantity)
        for r in RevenueMonth.objects.all()
    }


def computed() -> dict:
    result = {}
    for item in aggregates.lines_by_month():
        month = item["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        key = (
            item["company_id"],
            month,
            item["division_id"],
            item["category_id"],
        )
        if item["amount"] or item["quantity"]:
            result[key] = (item["amount"], item["quantity"])
    return result


line = st.fixed_dictionaries(
    {
        "article": st.integers(0, 2),
        "quantity": st.decimals(0, 500, places=3, allow_nan=False, allow_infinity=False),
        "unit_price": st.decimals(0, 10000, places=2, allow_nan=False, allow_infinity=False),
        "discount_percent": st.decimals(0, 100, places=2, allow_nan=False, allow_infinity=False),
    }
)
step = st.one_of(
    st.tuples(
        st.just("document"),
        st.sampled_from(["O-1", "O-2", "O-3"]),
        st.integers(0, 1),  # company
        st.dates(datetime.date(2024, 1, 1), datetime.date(2026, 12, 31)),
        st.sampled_from(["EUR", "CHF"]),
        st.sampled_from([DocumentStatus.OPEN, DocumentStatus.DONE, DocumentStatus.CANCELLED]),
        st.lists(line, max_size=4),
    ),
    st.tuples(
        st.just("rate"),
        st.dates(datetime.date(2024, 1, 1), datetime.date(2026, 12, 31)),
        st.decimals(Decimal("0.5"), Decimal("2"), places=4),
    ),
    st.tuples(st.just("delete"), st.sampled_from(["O-1", "O-2", "O-3"])),
    # an article moves to the other division and/or category
    st.tuples(st.just("move"), st.integers(0, 2), st.booleans(), st.booleans()),
    st.tuples(st.just("unrate"), st.integers(0, 5)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_aggregate_equals_lines_after_any_sequence_of_writes(catalog, steps):
    articles, companies = catalog
    RevenueMonth.objects.all().delete()
    from merkur.business.models import Document, ExchangeRate

    Document.objects.all().delete()
    ExchangeRate.objects.all().delete()
    ExchangeRate.objects.create(currency="CHF", valid_from=datetime.date(2020, 1, 1), rate=1.05)
    divisions = sorted({a.division for a in articles}, key=lambda d: d.pk)
    categories = sorted({a.category for a in articles}, key=lambda c: c.pk)
    for article, division, category in zip(articles, [0, 0, 1], [0, 1, 0], strict=True):
        services.article_save(
            number=article.number,
            data={"division": divisions[division], "category": categories[category]},
        )
    for item in steps:
        if item[0] == "rate":
            services.rate_set(currency="CHF", valid_from=item[1], rate=item[2])
        elif item[0] == "delete":
            document = Document.objects.filter(kind=DocumentKind.ORDER, number=item[1]).first()
            if document:
                services.document_delete(document=document)
        elif item[0] == "move":
            article = Article.objects.get(pk=articles[item[1]].pk)
            data = {}
            if item[2]:
                data["division"] = next(d for d in divisions if d.pk != article.division_id)
            if item[3]:
                data["category"] = next(c for c in categories if c.pk != article.category_id)
            services.article_save(number=article.number, data=data)
        elif item[0] == "unrate":
            entries = list(ExchangeRate.objects.order_by("valid_from"))
            if not entries:
                continue
            entry = entries[item[1] % len(entries)]
            kept = entry.pk
            try:
                services.rate_delete(entry=entry)
            except rates.MissingRate:
                # Refused: orders would be left without a rate; nothing changed.
                assert ExchangeRate.objects.filter(pk=kept).exists()
        else:
            _kind, number, company, day, currency, status, lines = item
            # A CHF order after its rate was deleted is refused (and changes nothing).
            with contextlib.suppress(rates.MissingRate):
                services.document_save(
                    kind=DocumentKind.ORDER,
                    number=number,
                    data={
                        "company": companies[company],
                        "date": day,
                        "currency": currency,
                        "status": status,
                    },
                    lines=[
                        {**ln, "article": Article.objects.get(pk=articles[ln["article"]].pk)}
                        for ln in lines
                    ],
                )
        assert stored() == computed()
    before = stored()
    aggregates.rebuild()
    assert stored() == before


def test_missing_rate_names_currency_and_day(catalog):
    articles, companies = catalog
    with pytest.raises(rates.MissingRate) as error:
        services.document_save(
            kind=DocumentKind.ORDER,
            number="X-1",
            data={
                "company": companies[0],
                "date": datetime.date(2025, 3, 4),
                "currency": "USD",
                "status": DocumentStatus.OPEN,
            },
            lines=[{"article": articles[0], "quantity": 1, "unit_price": 10}],
        )
    assert "USD" in str(error.value) and "04.03.2025" in str(error.value)


def test_rebuild_reproduces_the_maintained_aggregate(catalog):
    articles, companies = catalog
    for n, (currency, day) in enumerate(
        [("EUR", datetime.date(2025, 1, 31)), ("CHF", datetime.date(2025, 2, 1))]
    ):
        services.document_save(
            kind=DocumentKind.ORDER,
            number=f"R-{n}",
            data={"company": companies[0], "date": day, "currency": currency},
            lines=[
                {
                    "article": articles[0],
                    "quantity": 3,
                    "unit_price": "33.33",
                    "discount_percent": 10,
                }
            ],
        )
    before = stored()
    aggregates.rebuild()
    assert stored() == before
    # 3 × 33.33 less 10 % = 89.99; in CHF at 1.05 = 94.49 (half up)
    assert sorted(amount for amount, _q in before.values()) == [Decimal("89.99"), Decimal("94.49")]


def test_rebuild_command(catalog, capsys, monkeypatch):
    from django.core import management

    from merkur import cli

    articles, companies = catalog
    services.document_save(
        kind=DocumentKind.ORDER,
        number="C-1",
        data={"company": companies[1], "date": datetime.date(2025, 5, 1), "currency": "EUR"},
        lines=[{"article": articles[2], "quantity": 1, "unit_price": 7}],
    )
    RevenueMonth.objects.all().delete()
    # ``merkur rebuild-aggregates`` names the command module ``rebuild_aggregates``.
    called = []
    monkeypatch.setattr(management, "execute_from_command_line", called.append)
    cli.main(["merkur", "rebuild-aggregates"])
    assert called == [["merkur", "rebuild_aggregates"]]
    management.call_command("rebuild_aggregates")
    assert "1 rows" in capsys.readouterr().out
    assert stored() == computed()
