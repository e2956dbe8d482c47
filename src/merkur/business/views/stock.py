"""Stock and production: batches, deliveries, article instances, serial ranges."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from merkur.business import queries
from merkur.business.models import (
    Article,
    ArticleInstance,
    Batch,
    Delivery,
    DeliveryLine,
)
from merkur.business.views.forms import SerialRangeForm
from merkur.core.pagination import COUNT_CAP, capped_count
from merkur.core.roles import Capability
from merkur.core.views import capability_required

LIST_LIMIT = 100
SERIALS_LIMIT = 200


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(
        Batch.objects.select_related("article", "supplier", "purchase_order"), pk=pk
    )
    lines = list(
        DeliveryLine.objects.filter(batch=batch)
        .select_related("delivery__company")
        .annotate(serials=Count("instances"))
        .order_by("-delivery__date", "-delivery_id", "position")[: LIST_LIMIT + 1]
    )
    customers = (
        batch.delivery_lines.values("delivery__company_id", "delivery__company__name")
        .annotate(deliveries=Count("delivery", distinct=True))
        .order_by("delivery__company__name", "delivery__company_id")
    )
    instances = batch.instances.select_related("customer").order_by(
        "serial_prefix", "serial_value", "serial_number"
    )
    context = {
        "batch": batch,
        "lines": lines[:LIST_LIMIT],
        "lines_more": len(lines) > LIST_LIMIT,
        "customers": list(customers[: LIST_LIMIT + 1]),
        "instances": list(instances[:LIST_LIMIT]),
        "instance_count": capped_count(instances),
        "list_limit": LIST_LIMIT,
    }
    return render(request, "business/batch_detail.html", context)


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery.objects.select_related("company", "order"), pk=pk)
    lines = (
        delivery.lines.select_related("article", "batch")
        .prefetch_related(
            Prefetch(
                "instances",
                queryset=ArticleInstance.objects.order_by(
                    "serial_prefix", "serial_value", "serial_number"
                ).only("id", "serial_number", "delivery_line_id"),
            )
        )
        .order_by("position")
    )
    return render(
        request, "business/delivery_detail.html", {"delivery": delivery, "lines": list(lines)}
    )


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def instance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    instance = get_object_or_404(
        ArticleInstance.objects.select_related(
            "article", "batch__supplier", "customer", "delivery_line__delivery"
        ),
        pk=pk,
    )
    return render(request, "business/instance_detail.html", {"instance": instance})


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def serial_search(request: HttpRequest) -> HttpResponse:
    """Article instances in a serial range (e.g. SN-10000 … SN-10999), with their customers."""
    form = SerialRangeForm(request.GET or None)
    instances, count = None, None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        article_id = None
        if data.get("article"):
            article = Article.objects.filter(number=data["article"].strip()).first()
            if article is None:
                form.add_error("article", ValidationError(_unknown_article(data["article"])))
            else:
                article_id = article.pk
        if not form.errors:
            try:
                found = queries.serial_range(data["first"], data["last"], article_id=article_id)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                found = found.select_related("article", "batch", "customer")
                instances = list(found[:SERIALS_LIMIT])
                count = capped_count(found)
    context = {
        "form": form,
        "instances": instances,
        "count": count,
        "count_cap": COUNT_CAP,
        "limit": SERIALS_LIMIT,
    }
    return render(request, "business/serial_search.html", context)


def _unknown_article(number: str) -> str:
    return _("There is no article with the number “%(number)s”.") % {"number": number.strip()}
