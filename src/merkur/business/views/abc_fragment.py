"""The company's ABC class on its page: a fragment htmx loads after the page.

The class boundaries of a period rank every customer; cold, that takes seconds
at a million customers, so the company page never waits for it — this fragment
does, and ``abc_cache`` keeps the boundaries until the revenue of the period
changes.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from merkur.business import abc_cache, months, rates
from merkur.business.figures import Period
from merkur.companies.models import Company
from merkur.core.roles import Capability
from merkur.core.views import capability_required


@dataclass
class AbcPeriodRow:
    key: str  # "year" or "months": for tests and styling
    period: Period
    abc_class: str | None
    revenue: Decimal
    url: str  # the ABC analysis of the period


def last_year(today: datetime.date) -> Period:
    return Period.year(today.year - 1)


def last_twelve_months(today: datetime.date) -> Period:
    """The twelve whole months before the current one."""
    last = months.previous_month(today.replace(day=1))
    first = last.replace(year=last.year - 1)
    return Period.of_months(months.next_month(first), last)


def analysis_url(period: Period) -> str:
    """The ABC page of ``period``: by year when it is one, else by its months."""
    if period == Period.year(period.start.year):
        query = {"year": period.start.year}
    else:
        query = {"month_from": f"{period.start:%Y-%m}", "month_to": f"{period.end:%Y-%m}"}
    return f"{reverse('business:abc')}?{urlencode(query)}"


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def company_abc_class(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for key, period in (("year", last_year(today)), ("months", last_twelve_months(today))):
        try:
            found = abc_cache.company_abc(pk, period)
        except Company.DoesNotExist:
            raise Http404 from None
        rows.append(AbcPeriodRow(key, period, found.abc_class, found.revenue, analysis_url(period)))
    return render(
        request,
        "business/partials/abc_class.html",
        {"rows": rows, "currency": rates.base_currency()},
    )
