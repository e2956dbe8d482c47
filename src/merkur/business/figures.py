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
from django.db.models import Count, F, OuterRef, Q, RowRange, Subquery, Sum, Value, Window
from django.db.models.functions import Coalesce, Lag, Round, RowNumber

from merkur.business import aggregates, months, rates
from merkur.business.models import QUANTITY, DocumentLine, ExchangeRate, RevenueMonth

ZERO = Value(Decimal(0), output_field=aggregates.MONEY)
MONEY_PLACES = aggregates.MONEY.decimal_places
QUANTITY_PLACES = QUANTITY["decimal_places"]
QUANTITY_FIELD = models.DecimalField(**QUANTITY)


def to_places(expression, places: int) -> Round:
    """``expression`` (a decimal) rounded to ``places``, as a decimal of that many places.

    SQLite computes decimals as floating point (0.1 + 0.2 is 0.30000000000000004 there,
    168,765.20 + 52,252.64 is 221,017.84000000003), and a threshold of exactly the sum
    must match; on PostgreSQL the figure is exact already and rounding changes nothing.
    """
    output = models.DecimalField(max_digits=18, decimal_places=places)
    return Round(expression, places, output_field=output)


def decimal_sum(field: str, places: int) -> Round:
    """``SUM(field)`` to ``places`` (``to_places``): money to the cent (``MONEY_PLACES``),
    quantities to the field's places (``QUANTITY_PLACES``). For every sum that a
    threshold, a boundary or a displayed total compares."""
    return to_places(Sum(field), places)


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
        .annotate(total=decimal_sum(field, MONEY_PLACES))
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
        if expression is None:
            return from_lines
        # Two sums, each to the cent; their sum is one again (floating point on SQLite).
        expression = to_places(expression + from_lines, MONEY_PLACES)
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
        .annotate(total=decimal_sum("quantity", QUANTITY_PLACES))
        .values("total")
    )
    return Coalesce(
        Subquery(total, output_field=QUANTITY_FIELD),
        Value(Decimal(0), output_field=QUANTITY_FIELD),
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


class _Over(Window):
    """A window over the groups of a grouped query.

    Its own columns (``company_id``) are grouped already; without this, Django puts
    a window that ``values()`` leaves out into the GROUP BY (5.2), which the
    databases refuse.
    """

    def get_group_by_cols(self):
        return []


class _SumOver(models.Func):
    """``SUM`` as a window over the groups of a grouped query: ``SUM(SUM(amount)) OVER (…)``.

    Django's ``Sum`` refuses an aggregate inside it; a window over the grouped rows
    lets the database sum each customer's revenue once and rank the sums in the
    same statement.
    """

    function = "SUM"
    window_compatible = True


class _Windowed(models.ExpressionWrapper):
    """Arithmetic or a condition on ranking windows: computed after grouping, so there
    is nothing to group by (Django would otherwise group by the expression itself)."""

    def get_group_by_cols(self):
        return []


def windowed(expression, output_field: models.Field) -> models.Expression:
    """``expression`` over ``abc_ranking``'s window columns, for ``annotate`` and filters:
    ``windowed(F("total") * share, MONEY)``, ``windowed(Q(cumulative__gt=x), BooleanField())``."""
    return _Windowed(expression, output_field=output_field)


def along_ranking(expression, *, frame=None) -> Window:
    """A window function over ``abc_ranking``'s rows in ranking order — the ranking rule,
    in one place: more revenue first, equal revenue by the smaller company id."""
    return _Over(expression, order_by=[F("revenue").desc(), F("company_id").asc()], frame=frame)


def revenue_sum(*, frame=None) -> models.Expression:
    """The sum of ``revenue`` over ``abc_ranking``'s rows: all of them without ``frame``,
    up to the row with ``frame=ranking_rows()``, or over any other ``RowRange``; to the
    cent, as ``decimal_sum`` (pages go on after a running sum read from the last one)."""
    total = _SumOver(F("revenue"), output_field=aggregates.MONEY)
    window = _Over(total) if frame is None else along_ranking(total, frame=frame)
    return windowed(to_places(window, MONEY_PLACES), aggregates.MONEY)


def ranking_rows(start: int | None = None, end: int | None = 0) -> RowRange:
    """Rows ``start`` to ``end`` relative to the current one (None: unbounded)."""
    return RowRange(start=start, end=end)


def exact_months(period: Period) -> tuple[datetime.date, datetime.date] | None:
    """First days of the first and last month when ``period`` is made of whole months only."""
    whole = period.whole_months()
    if whole and whole[0] == period.start and months.month_end(whole[1]) == period.end:
        return whole
    return None


def _customer_revenue(period: Period, divisions, categories=None) -> tuple[models.QuerySet, Round]:
    """Rows grouped by ``company_id`` and the expression of their revenue in ``period``
    (to the cent: ``decimal_sum``).

    Whole months are read from the aggregate (one row per company, month, division and
    category); any other period from the raw lines, as ``revenue`` does for its edges.
    """
    whole = exact_months(period)
    if whole:
        rows = RevenueMonth.objects.filter(month__range=whole)
        if divisions:
            rows = rows.filter(division_id__in=divisions)
        if categories:
            rows = rows.filter(category_id__in=categories)
        return rows.values("company_id"), decimal_sum("amount", MONEY_PLACES)
    lines = aggregates.revenue_lines(
        _lines_in(period, divisions, categories, [(period.start, period.end)])
    )
    return lines.values(company_id=F("document__company_id")), decimal_sum(
        "base_amount", MONEY_PLACES
    )


def revenue_by_company(
    period: Period,
    *,
    divisions: list[int] | None = None,
    categories: list[int] | None = None,
) -> models.QuerySet:
    """Base-currency revenue of every company that had any in ``period``: rows of
    ``company_id`` and ``revenue``, summed once per company by grouping.

    The form for many companies at once (lists, the selections' thresholds): a grouped
    scan instead of ``revenue``'s subquery per company. Companies without revenue
    have no row.
    """
    rows, amount = _customer_revenue(period, divisions, categories)
    return rows.annotate(revenue=amount).order_by()


def abc_ranking(period: Period, *, divisions: list[int] | None = None) -> models.QuerySet:
    """Customers with revenue in ``period`` (base currency), largest first: one statement.

    Dicts of ``company_id``, ``revenue``, ``rank`` (1, 2, …), ``cumulative`` (running
    sum including the row), ``total`` and ``customers`` (how many are ranked). Each
    customer's revenue is summed once by grouping — from the aggregate for periods
    of whole months, from the lines otherwise — and window functions over the
    groups do the running sum, so a million customers take seconds, not the
    minutes of a per-company subquery. Filters on the window columns (keyset
    paging by ``cumulative``) run after the ranking; ``along_ranking``,
    ``revenue_sum`` and ``windowed`` build further columns.
    """
    rows, amount = _customer_revenue(period, divisions)
    return (
        rows.annotate(revenue=amount)
        .filter(revenue__gt=0)
        .annotate(
            rank=along_ranking(RowNumber()),
            cumulative=revenue_sum(frame=ranking_rows()),
            total=revenue_sum(),
            customers=_Over(Count("*")),
        )
        .order_by(F("revenue").desc(), F("company_id").asc())
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
    """The first B and the first C customer of the ranking, from one ranking statement.

    The first customer of a class is the one with at least the class's share of the
    revenue before it while the customer ranked just above had less (or there is
    none): ``before`` grows strictly down the ranking, so that is one row per class.
    """
    thresholds = thresholds or AbcThresholds.configured()
    # Helpers as aliases: computed only inside the conditions that use them.
    ranking = abc_ranking(period, divisions=divisions).alias(
        before=windowed(F("cumulative") - F("revenue"), aggregates.MONEY),
        # The previous customer's ``before``; NULL for the first one.
        previous_before=windowed(
            F("cumulative") - F("revenue") - along_ranking(Lag("revenue")), aggregates.MONEY
        ),
        b_from=windowed(F("total") * thresholds.a, aggregates.MONEY),
        c_from=windowed(F("total") * thresholds.b, aggregates.MONEY),
    )

    def first_of(limit: str) -> Q:
        return Q(before__gte=F(limit)) & (
            Q(previous_before__isnull=True) | Q(previous_before__lt=F(limit))
        )

    rows = [
        (row["revenue"], row["company_id"], row["is_c"])
        for row in ranking.filter(first_of("b_from") | first_of("c_from")).annotate(
            # Decided in SQL, as the filter was (SQLite compares floats).
            is_c=windowed(Q(before__gte=F("c_from")), models.BooleanField())
        )
    ]
    # At most two rows, the first B above the first C; one row when they are the same
    # customer or there is no C. The first C implies a first B (the B share is larger).
    found = [AbcBoundary(revenue, pk) for revenue, pk, _is_c in rows]
    if not found:
        return None, None
    if len(found) == 2:
        return found[0], found[1]
    return found[0], found[0] if rows[0][2] else None


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
