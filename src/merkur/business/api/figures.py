"""Figures: ``/companies/{id}/revenue`` and the ABC analysis ``/abc``.

Both read ``merkur.business.figures`` — the same expressions the company page
and the selections use — so the API never computes a figure of its own.
"""

import base64
import binascii
import datetime
import json
import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from merkur.business import abc_cache, aggregates, currencies, rates
from merkur.business.api.common import can_view
from merkur.business.api.inputs import FIRST_DAY, LAST_DAY, Day
from merkur.business.api.schemas import CompanyRef
from merkur.business.api.serialize import company_ref
from merkur.business.figures import AbcThresholds, Period, abc_class, abc_ranking, revenue
from merkur.business.models import Division, DocumentLine
from merkur.companies.models import Company
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS
from merkur.core.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from merkur.core.api.schemas import Id, InSchema, Ref
from merkur.core.pagination import InvalidCursor

companies_router = Router(tags=["Figures"])
abc_router = Router(tags=["Figures"])

MAX_YEARS = 100
PERCENT = Decimal("0.01")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class RevenueQuery(InSchema):
    date_from: Day | None = Field(
        None, alias="from", description="First day; default: 1 January four years ago."
    )
    date_to: Day | None = Field(None, alias="to", description="Last day; default: today.")
    division: list[Id] = Field([], description="Only these divisions (ids).")
    category: list[Id] = Field([], description="Only these article categories (ids).")
    currency: str | None = Field(
        None, max_length=3, description="ISO 4217 code; default: the base currency."
    )
    abc_year: int | None = Field(
        None,
        ge=FIRST_DAY.year,
        le=LAST_DAY.year,
        description="Year of `abc_class`; default: last year.",
    )


class YearRevenue(Schema):
    year: int
    revenue: Decimal


class DivisionRevenue(Schema):
    division: Ref
    revenue: Decimal


class RevenueOut(Schema):
    company: CompanyRef
    currency: str
    date_from: datetime.date = Field(..., alias="from")
    date_to: datetime.date = Field(..., alias="to")
    total: Decimal
    years: list[YearRevenue]
    divisions: list[DivisionRevenue] = Field(
        ..., description="Divisions with revenue in the period (or those asked for)."
    )
    abc_year: int = Field(..., description="The year `abc_class` is for.")
    abc_class: str | None = Field(
        ...,
        description="The company's class in the ABC analysis of `abc_year` (as `/abc` with "
        "that year and the divisions asked for): A, B or C; null without revenue then.",
    )


def _period(date_from, date_to) -> Period:
    today = timezone.localdate()
    start = date_from or datetime.date(today.year - 4, 1, 1)
    end = date_to or today
    if start > end:
        raise ValidationError({"from": [_("The period starts after it ends.")]})
    if end.year - start.year >= MAX_YEARS:
        raise ValidationError(
            {"from": [_("A period can span at most %(n)s years.") % {"n": MAX_YEARS}]}
        )
    return Period(start, end)


def _currency(code: str | None) -> str:
    code = (code or rates.base_currency()).strip().upper()
    if not currencies.is_valid(code):
        raise ValidationError(
            {"currency": [_("“%(code)s” is not an ISO 4217 currency code.") % {"code": code}]}
        )
    return code


def _check_rates(company: Company, period: Period, currency: str) -> None:
    """``MissingRate`` (→ 422 naming currency and day) if a figure would need a missing rate."""
    lines = DocumentLine.objects.filter(
        document__company=company, document__date__range=(period.start, period.end)
    )
    aggregates.check_rates(lines)
    if currency != rates.base_currency():
        first = (
            aggregates.revenue_lines(lines)
            .order_by("document__date")
            .values_list("document__date", flat=True)
            .first()
        )
        if first is not None:
            rates.rate_on(currency, first)


@companies_router.get(
    "/{company_id}/revenue",
    response={200: RevenueOut, **READ_ERRORS, 422: LIST_ERRORS[422]},
    summary="Revenue of a company",
    description="Net revenue of the company's sales orders (not cancelled) in the period: "
    "total, per year and per division, in the base currency or converted at the rate "
    "valid on each order's date. A missing rate is a 422 naming currency and day. "
    "`abc_class` is the company's class in the ABC analysis of `abc_year` (default: last "
    "year) over the divisions asked for; period, categories and currency do not change it.",
    by_alias=True,
)
def company_revenue(request: HttpRequest, company_id: int, filters: Query[RevenueQuery]):
    can_view(request)
    company = get_object_or_404(Company, pk=company_id)
    period = _period(filters.date_from, filters.date_to)
    currency = _currency(filters.currency)
    _check_rates(company, period, currency)
    options = {"divisions": filters.division or None, "categories": filters.category or None}
    expressions = {"total": revenue(period, currency=currency, **options)}
    for year in range(period.start.year, period.end.year + 1):
        part = Period(
            max(period.start, datetime.date(year, 1, 1)),
            min(period.end, datetime.date(year, 12, 31)),
        )
        expressions[f"year_{year}"] = revenue(part, currency=currency, **options)
    divisions = Division.objects.order_by("sort_order", "name", "id")
    if filters.division:
        divisions = divisions.filter(pk__in=filters.division)
    divisions = list(divisions)
    for division in divisions:
        expressions[f"division_{division.pk}"] = revenue(
            period,
            currency=currency,
            divisions=[division.pk],
            categories=filters.category or None,
        )
    values = Company.objects.filter(pk=company.pk).annotate(**expressions).values(*expressions)[0]
    abc_year = filters.abc_year or timezone.localdate().year - 1
    abc = abc_cache.company_abc(company.pk, Period.year(abc_year), filters.division or None)
    return {
        "company": company_ref(company),
        "currency": currency,
        "from": period.start,
        "to": period.end,
        "total": values["total"],
        "years": [
            {"year": year, "revenue": values[f"year_{year}"]}
            for year in range(period.start.year, period.end.year + 1)
        ],
        "divisions": [
            {"division": {"id": d.pk, "name": d.name}, "revenue": values[f"division_{d.pk}"]}
            for d in divisions
            if filters.division or values[f"division_{d.pk}"]
        ],
        "abc_year": abc_year,
        "abc_class": abc.abc_class,
    }


# --- ABC analysis ---------------------------------------------------------------------------


class AbcQuery(InSchema):
    year: int | None = Field(
        None, ge=FIRST_DAY.year, le=LAST_DAY.year, description="A calendar year."
    )
    month_from: str | None = Field(
        None, alias="from", description="First month, `YYYY-MM` (instead of `year`)."
    )
    month_to: str | None = Field(None, alias="to", description="Last month, `YYYY-MM`.")
    division: list[Id] = Field([], description="Only revenue of these divisions (ids).")
    cursor: str | None = Field(None, description="`next_cursor` or `previous_cursor`.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page.")


class AbcRow(Schema):
    rank: int
    company: CompanyRef
    revenue: Decimal
    share_percent: Decimal
    cumulative: Decimal
    cumulative_percent: Decimal
    abc_class: str = Field(..., alias="class", description="A, B or C.")


class AbcPage(Schema):
    items: list[AbcRow]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    count: int
    count_exact: bool
    date_from: datetime.date = Field(..., alias="from")
    date_to: datetime.date = Field(..., alias="to")
    currency: str
    total: Decimal = Field(..., description="Revenue of all ranked customers.")
    thresholds: list[Decimal] = Field(..., description="Cumulative percent ending A and B.")


def _month(value: str, field: str) -> datetime.date:
    match = _MONTH.match(value.strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if FIRST_DAY.year <= year <= LAST_DAY.year and 1 <= month <= 12:
            return datetime.date(year, month, 1)
    raise ValidationError({field: [_("Give a month as YYYY-MM, e.g. 2025-03.")]})


def _abc_period(filters: AbcQuery) -> Period:
    if filters.year is not None:
        if filters.month_from or filters.month_to:
            raise ValidationError({"year": [_("Give either a year or from/to, not both.")]})
        return Period.year(filters.year)
    if not (filters.month_from and filters.month_to):
        raise ValidationError({"year": [_("Give a year, or the months from and to.")]})
    start = _month(filters.month_from, "from")
    last = _month(filters.month_to, "to")
    if start > last:
        raise ValidationError({"from": [_("The period starts after it ends.")]})
    return Period.of_months(start, last)


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = data["o"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidCursor("malformed cursor") from None
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset < 2**62:
        raise InvalidCursor("cursor does not fit this list")
    return offset


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _percent(part: Decimal, total: Decimal) -> Decimal:
    return (part * 100 / total).quantize(PERCENT, rounding=ROUND_HALF_UP)


@abc_router.get(
    "",
    response={200: AbcPage, **LIST_ERRORS},
    summary="ABC analysis of customers by revenue",
    description="Customers with revenue in the year (or whole months `from`–`to`), largest "
    "first, with cumulative share and class: A while the customers before make less than "
    "the A threshold (80 %), B up to the B threshold (95 %), C the rest. Base currency.",
    by_alias=True,
)
def abc_analysis(request: HttpRequest, filters: Query[AbcQuery]):
    can_view(request)
    period = _abc_period(filters)
    thresholds = AbcThresholds.configured()
    offset = _offset(filters.cursor)
    ranking = abc_ranking(period, divisions=filters.division or None)
    rows = list(ranking[offset : offset + filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    # Every row carries the ranking's size and total.
    first = rows[0] if rows else None
    if first is None and offset:  # past the end: read them from the first row
        first = next(iter(ranking[:1]), None)
    count, total = (first["customers"], first["total"]) if first else (0, Decimal(0))
    companies = Company.objects.in_bulk([row["company_id"] for row in rows])
    return {
        "items": [
            {
                "rank": row["rank"],
                "company": company_ref(companies[row["company_id"]]),
                "revenue": row["revenue"],
                "share_percent": _percent(row["revenue"], total),
                "cumulative": row["cumulative"],
                "cumulative_percent": _percent(row["cumulative"], total),
                "class": abc_class(row["revenue"], row["cumulative"], total, thresholds),
            }
            for row in rows
        ],
        "next_cursor": _cursor(offset + filters.limit) if more else None,
        "previous_cursor": _cursor(max(offset - filters.limit, 0)) if offset else None,
        "count": count,
        "count_exact": True,
        "from": period.start,
        "to": period.end,
        "currency": rates.base_currency(),
        "total": total,
        "thresholds": [thresholds.a * 100, thresholds.b * 100],
    }
