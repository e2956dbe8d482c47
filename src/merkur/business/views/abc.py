"""The ABC analysis of customers by revenue: list, class totals and Pareto curve.

Both come from ``figures.abc_ranking``, which ranks every customer in one
statement — seconds at a million customers. The overview (how many, the total,
the class totals and the curve) is one such statement reading only the rows it
needs — every n-th customer for the curve and the last customer of A and of B,
whose rank and running sum are the class totals — and is cached with the
revenue stamps of ``abc_cache``, like the class boundaries. A page is one more:
the next customers after (or before) a running sum, with their names in a
small second query.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, Expression, F, IntegerField, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from merkur.business import abc_cache, aggregates, figures, rates
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


@dataclass
class Overview:
    count: int
    total: Decimal
    classes: list[ClassSummary]
    points: list[tuple[int, Decimal]]  # (rank, running sum) of every n-th customer


def _flag(condition: Q) -> Expression:
    return figures.windowed(condition, BooleanField())


def _class_summaries(rows: list[dict], total: Decimal, count: int) -> list[ClassSummary]:
    """Customers and revenue per class: A and A+B end at their last customers."""

    def prefix(flag: str) -> tuple[int, Decimal]:
        last = next((row for row in rows if row[flag]), None)
        return (last["rank"], last["cumulative"]) if last else (0, Decimal(0))

    a_n, a_s = prefix("last_a")
    ab_n, ab_s = prefix("last_b")
    parts = [("A", a_n, a_s), ("B", ab_n - a_n, ab_s - a_s), ("C", count - ab_n, total - ab_s)]
    return [ClassSummary(k, n, s, s / total if total else Decimal(0)) for k, n, s in parts]


def compute_overview(ranking, thresholds, points: int) -> Overview:
    """Size, total, class totals and curve samples of ``ranking``: one statement that
    reads only the customers on the curve and the last of A and of B."""
    money = aggregates.MONEY
    marked = (
        ranking.alias(
            before_row=figures.windowed(F("cumulative") - F("revenue"), money),
            a_limit=figures.windowed(F("total") * thresholds.a, money),
            b_limit=figures.windowed(F("total") * thresholds.b, money),
            # Every n-th customer, n = ceil(customers / points).
            curve_step=figures.windowed(
                F("rank") % ((F("customers") + points - 1) / points), IntegerField()
            ),
        )
        .annotate(
            on_curve=_flag(Q(curve_step=0)),
            # The last customer of a class: less than the limit before it, the limit
            # reached with it.
            last_a=_flag(Q(before_row__lt=F("a_limit"), cumulative__gte=F("a_limit"))),
            last_b=_flag(Q(before_row__lt=F("b_limit"), cumulative__gte=F("b_limit"))),
        )
        .filter(Q(on_curve=True) | Q(last_a=True) | Q(last_b=True))
    )
    rows = list(marked)
    if not rows:  # with customers, at least one is on the curve
        return Overview(0, Decimal(0), [], [])
    count, total = rows[0]["customers"], rows[0]["total"]
    return Overview(
        count=count,
        total=total,
        classes=_class_summaries(rows, total, count),
        points=[(row["rank"], row["cumulative"]) for row in rows if row["on_curve"]],
    )


def curve(overview: Overview) -> str:
    """SVG polyline points of the Pareto curve: share of customers → share of revenue."""
    count, total = overview.count, overview.total
    points = [(0, Decimal(0)), *overview.points]
    if points[-1][0] != count:
        points.append((count, total))
    coords = []
    for rank, cumulative in points:
        x = CHART_WIDTH * rank / count
        y = CHART_HEIGHT * (1 - float(cumulative / total))
        coords.append(f"{x:.1f},{y:.1f}")
    return " ".join(coords)


def page_rows(ranking, data: dict, overview: Overview, thresholds) -> tuple[list, bool, bool]:
    """One page of the ranking after / before a running sum: (rows, has previous, has next).

    Only the columns a page needs: the ranking's size and total (windows over all of
    it) come from the overview. The names are one query for the page's companies.
    """
    ranked = ranking.values("company_id", "revenue", "rank", "cumulative")
    if data.get("before") is not None:
        # The last ``PER_PAGE`` customers below ``before``, in ranking order (no reverse
        # sort of the ranking): those whose running sum ``PER_PAGE`` rows further down
        # reaches it, or that have fewer rows after them.
        before = data["before"]
        ranked = ranked.alias(
            ahead=figures.windowed(
                F("cumulative") + figures.revenue_sum(frame=figures.ranking_rows(1, PER_PAGE)),
                aggregates.MONEY,
            ),
            in_page=figures.windowed(
                Q(cumulative__lt=before)
                & (Q(rank__gt=overview.count - PER_PAGE) | Q(ahead__gte=before)),
                BooleanField(),
            ),
        ).filter(in_page=True)
    elif data.get("after") is not None:
        ranked = ranked.filter(cumulative__gt=data["after"])
    found = list(ranked[:PER_PAGE])
    has_previous = bool(found) and found[0]["rank"] > 1
    has_next = bool(found) and found[-1]["rank"] < overview.count
    names = Company.objects.in_bulk([row["company_id"] for row in found])
    total, page = overview.total, []
    for row in found:
        company = names[row["company_id"]]
        revenue, cumulative = row["revenue"], row["cumulative"]
        page.append(
            AbcRow(
                rank=row["rank"],
                company_id=company.pk,
                name=company.name,
                number=company.number or "",
                revenue=revenue,
                cumulative=cumulative,
                share=revenue / total,
                cumulative_share=cumulative / total,
                abc=figures.abc_class(revenue, cumulative, total, thresholds),
            )
        )
    return page, has_previous, has_next


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
        overview = abc_cache.cached(
            f"page-overview-{CURVE_POINTS}",
            period,
            divisions,
            thresholds,
            lambda: compute_overview(ranking, thresholds, CURVE_POINTS),
        )
        rows, has_previous, has_next = [], False, False
        if overview.count:
            rows, has_previous, has_next = page_rows(ranking, data, overview, thresholds)
    except rates.MissingRate as error:
        context["missing_rate"] = error.messages[0]
        return render(request, "business/abc.html", context)
    count, total = overview.count, overview.total
    if count:
        context["classes"] = overview.classes
        context["curve"] = curve(overview)
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
