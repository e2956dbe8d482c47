"""Derived figures, one place each: revenue, quantities bought, ABC analysis.

Every function returns a queryset or an expression — never a Python loop over
rows — so the company page, the API, the ABC list and the selection tool all
compute the same figure in one SQL statement.

Revenue in the base currency is read from the maintained monthly aggregate
(``RevenueMonth``) for the whole months of a period and from the raw lines for
the days at its edges; in any other currency it is converted line by line at
the rates valid on each order's date, exactly as the issue asks.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Round

from merkur.business import aggregates, months, rates
from merkur.business.models import DocumentLine, ExchangeRate, RevenueMonth

ZERO = Value(Decimal(0), output_field=aggregates.MONEY)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # included

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @classmethod
    def of_months(cls, first: datetime.date, last: datetime.date) -> "Period":
        """From the first day of ``first``'s month to the last day of ``last``'s."""
        return cls(first.replace(day=1), months.month_end(last))

    def whole_months(self) -> tuple[datetime.date, datetime.date] | None:
        """First days of the first and last month lying wholly inside the period."""
        first = self.start if self.start.day == 1 else months.next_month(self.start)
        end_month = self.end.replace(day=1)
        last = (
            end_month
            if self.end == months.month_end(end_month)
            else months.previous_month(end_month)
        )
        return (first, last) if first <= last else None


def _line_filter(divisions, categories) -> Q:
    q = Q()
    if divisions:
        q &= Q(article__division_id__in=divisions)
    if categories:
        q &= Q(article__category_id__in=categories)
    return q


def _grouped_sum(queryset, company_ref: str, field: str) -> Coalesce:
    """``SUM(field)`` of ``queryset`` rows of the outer company, 0 when there are none."""
    total = (
        queryset.filter(**{company_ref: OuterRef("pk")})
        .order_by()
        .values(company_ref)
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=aggregates.MONEY), ZERO)


def _lines_in(period: Period, divisions, categories, ranges) -> models.QuerySet:
    dates = Q()
    for first, last in ranges:
        dates |= Q(document__date__range=(first, last))
    return DocumentLine.objects.filter(dates & _line_filter(divisions, categories))


def revenue(
    period: Period,
    *,
    divisions: list[int] | None = None,
    categories: list[int] | None = None,
    currency: str | None = None,
) -> models.Expression:
    """An expression for ``Company`` querysets: the company's revenue in ``period``.

    ``Company.objects.annotate(revenue=revenue(Period.year(2025), divisions=[3]))``

    In a currency other than the base, ``MissingRate`` is raised here
    (``check_target_rate``) when an order of the period falls on a day without a rate
    for it — a sum that silently left those orders out would be wrong. In the base
    currency every order with lines has its rate: it cannot be saved without one.
    """
    currency = (currency or rates.base_currency()).upper()
    if currency != rates.base_currency():
        check_target_rate(period, currency)
        lines = aggregates.revenue_lines(
            _lines_in(period, divisions, categories, [(period.start, period.end)])
        )
        # Rounded once: a document in the asked-for currency keeps its own amount;
        # others go through the base currency at their date's rates.
        converted = lines.annotate(
            target_amount=models.Case(
                models.When(document__currency=currency, then=F("net_amount")),
                default=Round(
                    models.ExpressionWrapper(
                        F("net_amount")
                        * aggregates.document_rate()
                        / aggregates.rate_on_document_date(currency),
                        output_field=aggregates.MONEY,
                    ),
                    2,
                ),
                output_field=aggregates.MONEY,
            )
        )
        return _grouped_sum(converted, "document__company_id", "target_amount")
    whole = period.whole_months()
    edges = [(period.start, period.end)]
    expression = None
    if whole:
        first, last = whole
        monthly = RevenueMonth.objects.filter(month__range=(first, last))
        if divisions:
            monthly = monthly.filter(division_id__in=divisions)
        if categories:
            monthly = monthly.filter(category_id__in=categories)
        expression = _grouped_sum(monthly, "company_id", "amount")
        edges = []
        if period.start < first:
            edges.append((period.start, first - datetime.timedelta(days=1)))
        if period.end > months.month_end(last):
            edges.append((months.month_end(last) + datetime.timedelta(days=1), period.end))
    if edges:
        lines = aggregates.revenue_lines(_lines_in(period, divisions, categories, edges))
        from_lines = _grouped_sum(lines, "document__company_id", "base_amount")
        expression = from_lines if expression is None else expression + from_lines
    return expression


def check_target_rate(period: Period, currency: str) -> None:
    """Raise ``MissingRate`` if an order of ``period`` falls before ``currency``'s first
    rate (a rate, once given, holds until the next one, so that is the only gap).

    Cheap: one look at the rates, and only if they start inside the period one query
    for the earliest order before them.
    """
    first_rate = (
        ExchangeRate.objects.filter(currency=currency)
        .order_by("valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    if first_rate is not None and first_rate <= period.start:
        return
    end = period.end if first_rate is None else min(period.end, first_rate - datetime.timedelta(1))
    missing = (
        aggregates.revenue_lines(
            DocumentLine.objects.filter(document__date__range=(period.start, end))
        )
        .order_by("document__date")
        .values_list("document__date", flat=True)
        .first()
    )
    if missing:
        raise rates.MissingRate(currency, missing)


def check_rates_for(period: Period, currency: str | None = None) -> None:
    """Raise ``MissingRate`` naming the first order date in ``period`` without a rate
    (for the documents' currencies, and for ``currency`` when it is not the base)."""
    lines = DocumentLine.objects.filter(document__date__range=(period.start, period.end))
    aggregates.check_rates(lines)
    currency = (currency or rates.base_currency()).upper()
    if currency != rates.base_currency():
        check_target_rate(period, currency)


def quantity_bought(
    period: Period,
    *,
    articles: list[int] | None = None,
    divisions: list[int] | None = None,
    categories: list[int] | None = None,
) -> models.Expression:
    """An expression for ``Company`` querysets: quantity ordered in ``period``
    (sales orders, not cancelled) of the given articles / divisions / categories."""
    lines = aggregates.revenue_lines(
        _lines_in(period, divisions, categories, [(period.start, period.end)])
    )
    if articles:
        lines = lines.filter(article_id__in=articles)
    total = (
        lines.filter(document__company_id=OuterRef("pk"))
        .order_by()
        .values("document__company_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(
        Subquery(total, output_field=models.DecimalField(max_digits=18, decimal_places=3)),
        Value(Decimal(0), output_field=models.DecimalField(max_digits=18, decimal_places=3)),
    )


# --- ABC analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AbcThresholds:
    a: Decimal = Decimal("0.80")  # A: the customers that make the first 80 % of revenue
    b: Decimal = Decimal("0.95")  # B: the next 15 %; C: the rest

    @classmethod
    def configured(cls) -> "AbcThresholds":
        a, b = settings.MERKUR_ABC_THRESHOLDS
        return cls(Decimal(a) / 100, Decimal(a + b) / 100)


def abc_ranking(period: Period, *, divisions: list[int] | None = None) -> models.QuerySet:
    """Customers with revenue in ``period``, largest first, with their cumulative revenue.

    Company rows annotated with ``revenue``, ``cumulative`` (running sum including
    the row) and ``total``; a window function does the running sum in the database.
    """
    from merkur.companies.models import Company

    order = [F("revenue").desc(), F("pk").asc()]
    return (
        Company.objects.annotate(revenue=revenue(period, divisions=divisions))
        .filter(revenue__gt=0)
        .annotate(
            cumulative=Window(Sum("revenue"), order_by=order),
            total=Window(Sum("revenue")),
        )
        .order_by(*order)
    )


def abc_class(
    revenue: Decimal, cumulative: Decimal, total: Decimal, thresholds: AbcThresholds
) -> str:
    """A customer is in A while the customers before it make less than 80 % of revenue:
    the one whose revenue reaches exactly 80 % is the last A."""
    before = (cumulative - revenue) / total
    if before < thresholds.a:
        return "A"
    if before < thresholds.b:
        return "B"
    return "C"


@dataclass(frozen=True)
class AbcBoundary:
    """The first customer of a class in the ranking: (revenue, pk); None if the class is empty."""

    revenue: Decimal
    pk: int


def abc_boundaries(
    period: Period,
    *,
    divisions: list[int] | None = None,
    thresholds: AbcThresholds | None = None,
) -> tuple[AbcBoundary | None, AbcBoundary | None]:
    """The first B and the first C customer of the ranking (two rows read from one query)."""
    thresholds = thresholds or AbcThresholds.configured()
    ranking = abc_ranking(period, divisions=divisions).annotate(
        before=models.ExpressionWrapper(
            F("cumulative") - F("revenue"), output_field=aggregates.MONEY
        )
    )
    first_b = ranking.filter(before__gte=F("total") * thresholds.a).values("revenue", "pk")
    first_c = ranking.filter(before__gte=F("total") * thresholds.b).values("revenue", "pk")
    found = [next(iter(rows[:1]), None) for rows in (first_b, first_c)]
    return tuple(AbcBoundary(row["revenue"], row["pk"]) if row else None for row in found)


def _ranked_before(boundary: AbcBoundary) -> Q:
    # Ranked before the boundary customer: more revenue, or as much and a smaller pk.
    return Q(abc_revenue__gt=boundary.revenue) | Q(abc_revenue=boundary.revenue, pk__lt=boundary.pk)


def with_abc_class(
    companies: models.QuerySet,
    period: Period,
    *,
    divisions: list[int] | None = None,
    thresholds: AbcThresholds | None = None,
) -> models.QuerySet:
    """``companies`` annotated with ``abc_revenue`` and ``abc_class`` ("A", "B", "C"; None
    without revenue in the period) — the class as a value on each company, for lists and
    the selection tool. The two class boundaries are found once; the class of each
    company is then a comparison of its own revenue with them, in SQL.
    """
    first_b, first_c = abc_boundaries(period, divisions=divisions, thresholds=thresholds)
    label = models.CharField(max_length=1)

    def value(text: str | None) -> models.Value:
        return models.Value(text, output_field=label)

    whens = [models.When(abc_revenue__lte=0, then=value(None))]
    default = "A"  # everybody is A while no boundary exists
    for boundary, inside, after in ((first_b, "A", "B"), (first_c, "B", "C")):
        if boundary is None:
            break
        whens.append(models.When(_ranked_before(boundary), then=value(inside)))
        default = after
    return companies.annotate(abc_revenue=revenue(period, divisions=divisions)).annotate(
        abc_class=models.Case(*whens, default=value(default), output_field=label)
    )
