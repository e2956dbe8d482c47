"""The ABC analysis of customers by revenue: list, class totals and Pareto curve.

Everything is computed in the database from ``figures.abc_ranking``: the
class sizes by filtering on the running sum, the page by rank, the curve by
every n-th rank — a few queries whatever the number of customers.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from merkur.business import figures, rates
from merkur.business.views.forms import AbcForm
from merkur.companies.models import Company
from merkur.companies.templatetags.company_tags import list_url
from merkur.core.roles import Capability
from merkur.core.views import capability_required

PER_PAGE = 50
CURVE_POINTS = 100
CHART_WIDTH, CHART_HEIGHT = 600, 240


@dataclass
class AbcRow:
    rank: int
    company_id: int
    name: str
    number: str
    revenue: Decimal
    cumulative: Decimal
    share: Decimal
    cumulative_share: Decimal
    abc: str


@dataclass
class ClassSummary:
    abc: str
    customers: int
    revenue: Decimal
    share: Decimal


def class_summaries(ranking, total: Decimal, count: int, thresholds) -> list[ClassSummary]:
    """Customers and revenue per class: A and A+B are prefixes of the ranking."""
    before = ranking.annotate(before=F("cumulative") - F("revenue"))
    a = before.filter(before__lt=thresholds.a * total).aggregate(n=Count("pk"), s=Sum("revenue"))
    ab = before.filter(before__lt=thresholds.b * total).aggregate(n=Count("pk"), s=Sum("revenue"))
    a_n, a_s = a["n"], a["s"] or Decimal(0)
    ab_n, ab_s = ab["n"], ab["s"] or Decimal(0)
    parts = [("A", a_n, a_s), ("B", ab_n - a_n, ab_s - a_s), ("C", count - ab_n, total - ab_s)]
    return [ClassSummary(k, n, s, s / total if total else Decimal(0)) for k, n, s in parts]


def curve(ranking, total: Decimal, count: int) -> str:
    """SVG polyline points of the Pareto curve: share of customers → share of revenue."""
    step = max(1, math.ceil(count / CURVE_POINTS))
    order = [F("revenue").desc(), F("pk").asc()]
    sampled = (
        ranking.annotate(rank=Window(RowNumber(), order_by=order))
        .annotate(bucket=F("rank") % step)
        .filter(bucket=0)
        .values_list("rank", "cumulative")
    )
    points = [(0, Decimal(0)), *sampled]
    if points[-1][0] != count:
        points.append((count, total))
    coords = []
    for rank, cumulative in points:
        x = CHART_WIDTH * rank / count
        y = CHART_HEIGHT * (1 - float(cumulative / total))
        coords.append(f"{x:.1f},{y:.1f}")
    return " ".join(coords)


def page_rows(ranking, data: dict, total: Decimal, thresholds) -> tuple[list, bool, bool]:
    """One page of the ranking after / before a running sum: (rows, has previous, has next)."""
    ranked = ranking.annotate(
        rank=Window(RowNumber(), order_by=[F("revenue").desc(), F("pk").asc()])
    ).values_list("rank", "pk", "name", "number", "revenue", "cumulative")
    if data.get("before") is not None:
        found = list(
            ranked.filter(cumulative__lt=data["before"]).order_by(
                F("revenue").asc(), F("pk").desc()
            )[: PER_PAGE + 1]
        )
        has_previous, has_next = len(found) > PER_PAGE, True
        found = list(reversed(found[:PER_PAGE]))
    else:
        if data.get("after") is not None:
            ranked = ranked.filter(cumulative__gt=data["after"])
        found = list(ranked[: PER_PAGE + 1])
        has_previous, has_next = data.get("after") is not None, len(found) > PER_PAGE
        found = found[:PER_PAGE]
    rows = [
        AbcRow(
            rank=rank,
            company_id=pk,
            name=name,
            number=number or "",
            revenue=revenue,
            cumulative=cumulative,
            share=revenue / total,
            cumulative_share=cumulative / total,
            abc=figures.abc_class(revenue, cumulative, total, thresholds),
        )
        for rank, pk, name, number, revenue, cumulative in found
    ]
    return rows, has_previous, has_next


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def abc_analysis(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    if not any(params.get(name) for name in ("year", "month_from", "month_to")):
        params["year"] = str(timezone.localdate().year - 1)  # the last whole year
    form = AbcForm(params)
    thresholds = figures.AbcThresholds.configured()
    context = {
        "form": form,
        "thresholds": thresholds,
        "currency": rates.base_currency(),
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "per_page": PER_PAGE,
    }
    if not form.is_valid():
        return render(request, "business/abc.html", context)
    data = form.cleaned_data
    period = data["period"]
    divisions = [data["division"].pk] if data.get("division") else None
    context["period"] = period
    try:
        ranking = figures.abc_ranking(period, divisions=divisions)
        totals = (
            Company.objects.annotate(revenue=figures.revenue(period, divisions=divisions))
            .filter(revenue__gt=0)
            .aggregate(count=Count("pk"), total=Sum("revenue"))
        )
    except rates.MissingRate as error:
        context["missing_rate"] = error.messages[0]
        return render(request, "business/abc.html", context)
    count, total = totals["count"], totals["total"] or Decimal(0)
    rows, has_previous, has_next = [], False, False
    if count:
        rows, has_previous, has_next = page_rows(ranking, data, total, thresholds)
        context["classes"] = class_summaries(ranking, total, count, thresholds)
        context["curve"] = curve(ranking, total, count)
        context["threshold_lines"] = [
            (label, CHART_HEIGHT * (1 - float(value)))
            for label, value in (("A", thresholds.a), ("B", thresholds.b))
        ]
    context.update(
        {
            "rows": rows,
            "count": count,
            "total": total,
            "previous_url": list_url(request, before=rows[0].cumulative, after=None)
            if rows and has_previous
            else None,
            "next_url": list_url(request, after=rows[-1].cumulative, before=None)
            if rows and has_next
            else None,
        }
    )
    return render(request, "business/abc.html", context)
