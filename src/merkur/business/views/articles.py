"""Article pages: the list and one article with its batches, buyers and orders."""

import datetime

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from merkur.business import aggregates
from merkur.business.figures import QUANTITY_PLACES, decimal_sum
from merkur.business.models import Article, Document, DocumentKind, DocumentLine
from merkur.business.views.forms import ArticleFilterForm
from merkur.companies.views.common import fetch_page
from merkur.core.pagination import COUNT_CAP, Ordering, capped_count
from merkur.core.roles import Capability
from merkur.core.views import capability_required

ARTICLE_ORDERING = Ordering(("number", "id"))
BUYERS_LIMIT = 20
ORDERS_LIMIT = 10
BATCHES_LIMIT = 50
YEARS = 5


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def article_list(request: HttpRequest) -> HttpResponse:
    form = ArticleFilterForm(request.GET)
    articles = Article.objects.select_related("division", "category")
    valid = form.is_valid()
    if valid:
        articles = form.apply(articles)
    page, notice = fetch_page(
        articles, ARTICLE_ORDERING, form.cleaned_data.get("cursor", "") if valid else ""
    )
    context = {
        "filter_form": form,
        "page": page,
        "count": capped_count(articles),
        "count_cap": COUNT_CAP,
        "notice": notice,
    }
    return render(request, "business/article_list.html", context)


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article.objects.select_related("division", "category"), pk=pk)
    today = timezone.localdate()
    since = datetime.date(today.year - YEARS + 1, 1, 1)
    buyers = (
        aggregates.revenue_lines(
            DocumentLine.objects.filter(article=article, document__date__range=(since, today))
        )
        .values("document__company_id", "document__company__name", "document__company__number")
        .annotate(
            quantity=decimal_sum("quantity", QUANTITY_PLACES),
            orders=Count("document_id", distinct=True),
        )
        .order_by("-quantity", "document__company__name")
    )
    buyers = list(buyers[: BUYERS_LIMIT + 1])
    orders = (
        Document.objects.filter(kind=DocumentKind.ORDER, lines__article=article)
        .select_related("company")
        .annotate(quantity=decimal_sum("lines__quantity", QUANTITY_PLACES))
        .order_by("-date", "-id")
    )
    batches = list(
        article.batches.select_related("supplier")
        .annotate(instance_count=Count("instances"))
        .order_by("-received_on", "-id")[: BATCHES_LIMIT + 1]
    )
    context = {
        "article": article,
        "since": since,
        "buyers": buyers[:BUYERS_LIMIT],
        "buyers_more": len(buyers) > BUYERS_LIMIT,
        "orders": list(orders[:ORDERS_LIMIT]),
        "batches": batches[:BATCHES_LIMIT],
        "batches_more": len(batches) > BATCHES_LIMIT,
        "instance_count": article.instances.count(),
    }
    return render(request, "business/article_detail.html", context)
