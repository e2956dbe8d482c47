"""``/documents`` (offers, sales orders, purchase orders) and ``/deliveries``.

Both are addressed by number (``/documents/order/A-1001``) and written whole:
``PUT`` sends the record with all its lines and replaces what was there, keeping
the revenue aggregate exact in the same transaction.
"""

import datetime

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from merkur.business import services
from merkur.business.api import inputs, serialize
from merkur.business.api.common import PUT_HELP, body_doc, can_edit, can_view, key, put
from merkur.business.api.schemas import (
    CompanyRef,
    DeliveryOut,
    DeliveryPage,
    DeliveryQuery,
    DocumentOut,
    DocumentPage,
    DocumentQuery,
    Kind,
)
from merkur.business.models import Delivery, DeliveryLine, Document, DocumentLine
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from merkur.core.api.pagination import PageQuery, page_schema, paginate
from merkur.core.api.schemas import Ref, ref
from merkur.core.pagination import Ordering
from merkur.transfer.models import DocumentContact

router = Router(tags=["Documents"])
deliveries_router = Router(tags=["Stock"])

NEWEST_FIRST = Ordering(("-date", "-id"))
IN_LINK_ORDER = Ordering(("id",))


class ImportRef(Schema):
    id: int
    file_name: str
    created_at: datetime.datetime


class DocumentContactOut(Schema):
    id: int
    company: CompanyRef
    person: Ref | None
    source: ImportRef | None = Field(None, description="The import that made the link.")
    created_at: datetime.datetime


DocumentContactPage = page_schema(DocumentContactOut, "DocumentContactPage")


@router.get(
    "",
    response={200: DocumentPage, **LIST_ERRORS},
    summary="List offers, sales orders and purchase orders",
    description="Newest first. Lines are not included; read one document for them.",
)
def list_documents(request: HttpRequest, filters: Query[DocumentQuery]):
    can_view(request)
    queryset = Document.objects.all()
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.company:
        queryset = queryset.filter(company_id=filters.company)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.date_from:
        queryset = queryset.filter(date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(date__lte=filters.date_to)
    if filters.article:
        lines = DocumentLine.objects.filter(
            document=OuterRef("pk"), article__number=filters.article
        )
        queryset = queryset.filter(Exists(lines))
    if filters.division:
        lines = DocumentLine.objects.filter(
            document=OuterRef("pk"), article__division_id=filters.division
        )
        queryset = queryset.filter(Exists(lines))
    if filters.number:
        queryset = queryset.filter(number__startswith=filters.number)
    return paginate(
        serialize.documents(queryset),
        NEWEST_FIRST,
        page=filters,
        serialize=serialize.document_summary,
        count_queryset=queryset,
    )


def _document(kind: str, number: str) -> Document:
    return get_object_or_404(serialize.documents(lines=True), kind=kind, number=key(number))


@router.get(
    "/{kind}/{number}",
    response={200: DocumentOut, **READ_ERRORS},
    summary="Get a document with its lines",
)
def get_document(request: HttpRequest, kind: Kind, number: str):
    can_view(request)
    return serialize.document_out(_document(kind, number))


def _contact_out(contact: DocumentContact) -> dict:
    source = contact.source
    return {
        "id": contact.pk,
        "company": serialize.company_ref(contact.company),
        "person": ref(contact.person),
        "source": {"id": source.pk, "file_name": source.file_name, "created_at": source.created_at}
        if source is not None
        else None,
        "created_at": contact.created_at,
    }


@router.get(
    "/{kind}/{number}/contacts",
    response={200: DocumentContactPage, **LIST_ERRORS, 404: READ_ERRORS[404]},
    summary="List the contacts imports linked to a document",
    description="The companies and people an address import linked to the document (e.g. "
    "the buyers of a framework order), in the order they were linked; `person` is null for "
    "a company linked alone. Paged by cursor.",
)
def list_document_contacts(request: HttpRequest, kind: Kind, number: str, query: Query[PageQuery]):
    can_view(request)
    document = get_object_or_404(Document, kind=kind, number=key(number))
    contacts = DocumentContact.objects.filter(document=document)
    return paginate(
        contacts.select_related("company", "person", "source"),
        IN_LINK_ORDER,
        page=query,
        serialize=_contact_out,
        count_queryset=contacts,
    )


@router.put(
    "/{kind}/{number}",
    response={200: DocumentOut, 201: DocumentOut, **WRITE_ERRORS},
    summary="Create or replace a document with its lines",
    description=PUT_HELP
    + " A sales order in a foreign currency needs an exchange rate valid on its date.",
    openapi_extra=body_doc(inputs.DocumentBody),
)
def put_document(request: HttpRequest, kind: Kind, number: str):
    can_edit(request)
    document, created = put("documents", {"kind": kind, "number": number}, request)
    return Status(201 if created else 200, serialize.document_out(_document(kind, document.number)))


@router.delete(
    "/{kind}/{number}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a document",
    description="Its revenue leaves the figures; deliveries and batches keep their data "
    "but lose the link.",
)
def delete_document(request: HttpRequest, kind: Kind, number: str):
    can_edit(request)
    document = get_object_or_404(Document, kind=kind, number=key(number))
    services.document_delete(document=document)
    return Status(204, None)


# --- deliveries -----------------------------------------------------------------------------


@deliveries_router.get("", response={200: DeliveryPage, **LIST_ERRORS}, summary="List deliveries")
def list_deliveries(request: HttpRequest, filters: Query[DeliveryQuery]):
    can_view(request)
    queryset = Delivery.objects.all()
    if filters.company:
        queryset = queryset.filter(company_id=filters.company)
    if filters.order:
        queryset = queryset.filter(order__number=filters.order)
    if filters.date_from:
        queryset = queryset.filter(date__gte=filters.date_from)
    if filters.date_to:
        queryset = queryset.filter(date__lte=filters.date_to)
    if filters.batch:
        lines = DeliveryLine.objects.filter(delivery=OuterRef("pk"), batch__number=filters.batch)
        queryset = queryset.filter(Exists(lines))
    return paginate(
        serialize.deliveries(queryset),
        NEWEST_FIRST,
        page=filters,
        serialize=serialize.delivery_summary,
        count_queryset=queryset,
    )


def _delivery(number: str) -> Delivery:
    return get_object_or_404(serialize.deliveries(lines=True), number=key(number))


@deliveries_router.get(
    "/{number}",
    response={200: DeliveryOut, **READ_ERRORS},
    summary="Get a delivery with its lines and serial numbers",
)
def get_delivery(request: HttpRequest, number: str):
    can_view(request)
    return serialize.delivery_out(_delivery(number))


@deliveries_router.put(
    "/{number}",
    response={200: DeliveryOut, 201: DeliveryOut, **WRITE_ERRORS},
    summary="Create or replace a delivery with its lines",
    description=PUT_HELP
    + " The serial numbers of a line become article instances delivered to the customer.",
    openapi_extra=body_doc(inputs.DeliveryBody),
)
def put_delivery(request: HttpRequest, number: str):
    can_edit(request)
    delivery, created = put("deliveries", {"number": number}, request)
    return Status(201 if created else 200, serialize.delivery_out(_delivery(delivery.number)))
