"""The business figures of one company, for the panel on the company page.

A fixed number of queries whatever the company's size (at most seven): one
grouped query over the revenue aggregate for all years and divisions, one each
for open documents, deliveries, articles bought and batches supplied, and one
that checks the company's orders have exchange rates.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from merkur.business import aggregates, rates
from merkur.business.figures import MONEY_PLACES, QUANTITY_PLACES, decimal_sum
from merkur.business.models import (
    Batch,
    Delivery,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    RevenueMonth,
)

YEARS = 5
LIST_LIMIT = 10
DELIVERIES = 5
OPEN_STATUSES = {
    DocumentKind.OFFER: [DocumentStatus.OPEN],
    DocumentKind.ORDER: [DocumentStatus.OPEN, DocumentStatus.ACCEPTED],
}


@dataclass
class YearRow:
    year: int
    total: Decimal
    by_division: list[Decimal]
    current: bool = False


@dataclass
class CompanyFigures:
    currency: str
    first_year: int
    divisions: list[str] = field(default_factory=list)
    years: list[YearRow] = field(default_factory=list)
    division_totals: list[Decimal] = field(default_factory=list)
    total: Decimal = Decimal(0)
    missing_rate: str = ""
    open_documents: list = field(default_factory=list)
    open_more: bool = False
    deliveries: list = field(default_factory=list)
    articles: list = field(default_factory=list)
    batches: list = field(default_factory=list)
    batches_more: bool = False

    @property
    def has_revenue(self) -> bool:
        return any(row.total for row in self.years)


def revenue_table(company_id: int, first_year: int, last_year: int) -> tuple[list, list, list]:
    """(division names, year rows newest first, totals per division) from the aggregate."""
    rows = (
        RevenueMonth.objects.filter(
            company_id=company_id,
            month__gte=datetime.date(first_year, 1, 1),
            month__lte=datetime.date(last_year, 12, 1),
        )
        .annotate(year=ExtractYear("month"))
        .values("year", "division_id", "division__name")
        .annotate(amount=decimal_sum("amount", MONEY_PLACES))
        .order_by("division__name", "division_id")
    )
    divisions: dict[int, str] = {}
    amounts: dict[tuple[int, int], Decimal] = {}
    for row in rows:
        divisions.setdefault(row["division_id"], row["division__name"])
        amounts[(row["year"], row["division_id"])] = row["amount"]
    years = []
    for year in range(last_year, first_year - 1, -1):
        values = [amounts.get((year, d), Decimal(0)) for d in divisions]
        years.append(YearRow(year, sum(values, Decimal(0)), values, current=year == last_year))
    totals = [sum((r.by_division[i] for r in years), Decimal(0)) for i in range(len(divisions))]
    return list(divisions.values()), years, totals


def company_figures(company, today: datetime.date | None = None) -> CompanyFigures:
    today = today or timezone.localdate()
    first_year = today.year - YEARS + 1
    start = datetime.date(first_year, 1, 1)
    result = CompanyFigures(currency=rates.base_currency(), first_year=first_year)
    try:
        # The aggregate cannot hold an order without a rate, but a rate deleted
        # behind the services' back would make every figure silently wrong.
        aggregates.check_rates(
            DocumentLine.objects.filter(document__company=company, document__date__gte=start)
        )
    except rates.MissingRate as error:
        result.missing_rate = error.messages[0]
    else:
        result.divisions, result.years, result.division_totals = revenue_table(
            company.pk, first_year, today.year
        )
        result.total = sum((row.total for row in result.years), Decimal(0))
        articles = (
            aggregates.revenue_lines(
                DocumentLine.objects.filter(
                    document__company=company, document__date__range=(start, today)
                )
            )
            .values("article_id", "article__number", "article__name", "article__unit")
            .annotate(
                quantity=decimal_sum("quantity", QUANTITY_PLACES),
                revenue=decimal_sum("base_amount", MONEY_PLACES),
            )
            .order_by("-quantity", "article__number")
        )
        result.articles = list(articles[:LIST_LIMIT])
    open_q = Q()
    for kind, statuses in OPEN_STATUSES.items():
        open_q |= Q(kind=kind, status__in=statuses)
    documents = list(
        Document.objects.filter(open_q, company=company)
        .only("id", "kind", "number", "date", "currency", "status", "total_net")
        .order_by("-date", "-id")[: LIST_LIMIT + 1]
    )
    result.open_documents, result.open_more = documents[:LIST_LIMIT], len(documents) > LIST_LIMIT
    result.deliveries = list(
        Delivery.objects.filter(company=company)
        .select_related("order")
        .order_by("-date", "-id")[:DELIVERIES]
    )
    batches = list(
        Batch.objects.filter(supplier=company)
        .select_related("article")
        .order_by("-received_on", "-id")[: LIST_LIMIT + 1]
    )
    result.batches, result.batches_more = batches[:LIST_LIMIT], len(batches) > LIST_LIMIT
    return result
