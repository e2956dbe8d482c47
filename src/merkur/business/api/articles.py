"""``/articles`` with their batches and instances, ``/batches``, ``/article-instances``.

Articles, batches and instances are addressed by their numbers, as the ERP
knows them: ``/articles/{number}/batches/{batch}``.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError

from merkur.business import queries
from merkur.business.api import inputs, serialize
from merkur.business.api.common import (
    PUT_HELP,
    body_doc,
    can_edit,
    can_view,
    json_body,
    key,
    put,
)
from merkur.business.api.schemas import (
    ArticleOut,
    ArticlePage,
    ArticlePatch,
    ArticleQuery,
    BatchOut,
    BatchPage,
    BatchQuery,
    InstanceOut,
    InstancePage,
    InstanceQuery,
)
from merkur.business.models import Article, ArticleInstance, Batch
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ErrorOut
from merkur.core.api.pagination import paginate
from merkur.core.pagination import Ordering

router = Router(tags=["Articles"])
batches_router = Router(tags=["Stock"])
instances_router = Router(tags=["Stock"])

ARTICLE_ORDER = Ordering(("number", "id"))
BATCH_ORDER = Ordering(("number", "id"))
INSTANCE_ORDER = Ordering(("serial_number", "id"))
# Within a serial range all serials share the prefix: the numbers give the order.
RANGE_ORDER = Ordering(("serial_value", "id"))
PUT_RESPONSES = {**WRITE_ERRORS, 409: ErrorOut}


def _article(number: str) -> Article:
    return get_object_or_404(serialize.articles(), number=key(number))


# --- articles -------------------------------------------------------------------------------


@router.get("", response={200: ArticlePage, **LIST_ERRORS}, summary="List articles")
def list_articles(request: HttpRequest, filters: Query[ArticleQuery]):
    can_view(request)
    queryset = Article.objects.all()
    if q := filters.q.strip():
        words = Q()
        for word in q.split():
            words &= Q(name__icontains=word)
        queryset = queryset.filter(Q(number__istartswith=q) | words)
    if filters.division:
        queryset = queryset.filter(division_id__in=filters.division)
    if filters.category:
        queryset = queryset.filter(category_id__in=filters.category)
    if filters.active is not None:
        queryset = queryset.filter(is_active=filters.active)
    if filters.tracking:
        queryset = queryset.filter(tracking=filters.tracking)
    return paginate(
        serialize.articles(queryset),
        ARTICLE_ORDER,
        page=filters,
        serialize=serialize.article_out,
        count_queryset=queryset,
    )


@router.post(
    "",
    response={201: ArticleOut, **PUT_RESPONSES},
    summary="Create an article",
    description="409 if the number is taken; `PUT /articles/{number}` creates or replaces.",
    openapi_extra=body_doc(inputs.ArticleItem),
)
def create_article(request: HttpRequest):
    can_edit(request)
    raw = json_body(request)
    write = inputs.check_item("articles", raw)
    if write.existing is not None:
        raise HttpError(
            409,
            _("An article with number %(number)s exists already.")
            % {"number": write.existing.number},
        )
    article, _created = write.run()
    return Status(201, serialize.article_out(_article(article.number)))


@router.get("/{number}", response={200: ArticleOut, **READ_ERRORS}, summary="Get an article")
def get_article(request: HttpRequest, number: str):
    can_view(request)
    return serialize.article_out(_article(number))


@router.put(
    "/{number}",
    response={200: ArticleOut, 201: ArticleOut, **WRITE_ERRORS},
    summary="Create or replace an article",
    description=PUT_HELP + " Division and category by id or by name.",
    openapi_extra=body_doc(inputs.ArticleBody),
)
def put_article(request: HttpRequest, number: str):
    can_edit(request)
    article, created = put("articles", {"number": number}, request)
    return Status(201 if created else 200, serialize.article_out(_article(article.number)))


@router.patch(
    "/{number}",
    response={200: ArticleOut, **WRITE_ERRORS},
    summary="Change an article",
    description="Only the fields sent are changed.",
    openapi_extra=body_doc(ArticlePatch),
)
def update_article(request: HttpRequest, number: str):
    can_edit(request)
    article = _article(number)
    raw = json_body(request)
    changes = inputs.validate(ArticlePatch, raw).model_dump(exclude_unset=True)
    nulls = [name for name, value in changes.items() if value is None]
    if nulls:
        raise ValidationError({name: [_("This field cannot be empty.")] for name in nulls})
    current = {
        "number": article.number,
        "name": article.name,
        "division": article.division_id,
        "category": article.category_id,
        "unit": article.unit,
        "is_active": article.is_active,
        "tracking": article.tracking,
    }
    inputs.check_item("articles", current | changes).run()
    return serialize.article_out(_article(number))


# --- batches --------------------------------------------------------------------------------


@batches_router.get("", response={200: BatchPage, **LIST_ERRORS}, summary="List batches")
def list_batches(request: HttpRequest, filters: Query[BatchQuery]):
    can_view(request)
    queryset = Batch.objects.all()
    if filters.article:
        queryset = queryset.filter(article__number=filters.article)
    if filters.supplier:
        queryset = queryset.filter(supplier_id=filters.supplier)
    if filters.number:
        queryset = queryset.filter(number__startswith=filters.number)
    return paginate(
        serialize.batches(queryset),
        BATCH_ORDER,
        page=filters,
        serialize=serialize.batch_out,
        count_queryset=queryset,
    )


def _batch(number: str, batch: str) -> Batch:
    return get_object_or_404(serialize.batches(), article__number=key(number), number=key(batch))


@router.get(
    "/{number}/batches/{batch}",
    response={200: BatchOut, **READ_ERRORS},
    summary="Get a batch of an article",
)
def get_batch(request: HttpRequest, number: str, batch: str):
    can_view(request)
    return serialize.batch_out(_batch(number, batch))


@router.put(
    "/{number}/batches/{batch}",
    response={200: BatchOut, 201: BatchOut, **WRITE_ERRORS},
    summary="Create or replace a batch of an article",
    description=PUT_HELP,
    openapi_extra=body_doc(inputs.BatchBody),
)
def put_batch(request: HttpRequest, number: str, batch: str):
    can_edit(request)
    record, created = put("batches", {"article": number, "number": batch}, request)
    return Status(201 if created else 200, serialize.batch_out(_batch(number, record.number)))


# --- article instances ----------------------------------------------------------------------


@instances_router.get(
    "",
    response={200: InstancePage, **LIST_ERRORS},
    summary="List article instances",
    description="Sorted by serial number. `serial_from` and `serial_to` together select a "
    "serial range (same prefix, numbers compared as numbers: SN-9 comes before SN-10), "
    "sorted by that number.",
)
def list_article_instances(request: HttpRequest, filters: Query[InstanceQuery]):
    can_view(request)
    queryset = ArticleInstance.objects.all()
    if (filters.serial_from is None) != (filters.serial_to is None):
        missing = "serial_to" if filters.serial_to is None else "serial_from"
        raise ValidationError({missing: [_("A serial range needs both ends.")]})
    if filters.serial_from is not None:
        try:
            queryset = queries.serial_range(filters.serial_from, filters.serial_to)
        except ValidationError as error:
            raise ValidationError({"serial_from": error.messages}) from None
    if filters.article:
        queryset = queryset.filter(article__number=filters.article)
    if filters.customer:
        queryset = queryset.filter(customer_id=filters.customer)
    if filters.batch:
        queryset = queryset.filter(batch__number=filters.batch)
    if filters.produced_from:
        queryset = queryset.filter(produced_on__gte=filters.produced_from)
    if filters.produced_to:
        queryset = queryset.filter(produced_on__lte=filters.produced_to)
    if filters.production_run:
        queryset = queryset.filter(production_run=filters.production_run)
    return paginate(
        serialize.instances(queryset),
        INSTANCE_ORDER if filters.serial_from is None else RANGE_ORDER,
        page=filters,
        serialize=serialize.instance_out,
        count_queryset=queryset,
    )


def _instance(number: str, serial: str) -> ArticleInstance:
    return get_object_or_404(
        serialize.instances(), article__number=key(number), serial_number=key(serial)
    )


@router.get(
    "/{number}/instances/{serial}",
    response={200: InstanceOut, **READ_ERRORS},
    summary="Get an article instance by serial number",
)
def get_article_instance(request: HttpRequest, number: str, serial: str):
    can_view(request)
    return serialize.instance_out(_instance(number, serial))


@router.put(
    "/{number}/instances/{serial}",
    response={200: InstanceOut, 201: InstanceOut, **WRITE_ERRORS},
    summary="Create or replace an article instance",
    description=PUT_HELP,
    openapi_extra=body_doc(inputs.InstanceBody),
)
def put_article_instance(request: HttpRequest, number: str, serial: str):
    can_edit(request)
    record, created = put("instances", {"article": number, "serial_number": serial}, request)
    return Status(
        201 if created else 200, serialize.instance_out(_instance(number, record.serial_number))
    )
