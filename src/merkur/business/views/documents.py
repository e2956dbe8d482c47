"""Offers, sales orders and purchase orders: the list by kind and one document."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from merkur.business.models import Delivery, Document, DocumentKind, DocumentLine
from merkur.business.views.forms import DocumentFilterForm
from merkur.companies.models import Company
from merkur.companies.views.common import fetch_page
from merkur.core.pagination import COUNT_CAP, Ordering, capped_count
from merkur.core.roles import Capability, has_capability
from merkur.core.views import capability_required
from merkur.transfer.models import AddressImport, DocumentContact

DOCUMENT_ORDERING = Ordering(("-date", "-id"))
CONTACT_ORDERING = Ordering(("id",))
RELATED_LIMIT = 50


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def document_list(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    kind = params.get("kind", "")
    if kind not in DocumentKind.values:
        kind = params["kind"] = DocumentKind.ORDER
    form = DocumentFilterForm(params)
    valid = form.is_valid()
    documents = Document.objects.filter(kind=kind).select_related("company")
    company = None
    if valid:
        documents = form.apply(documents)
        if form.cleaned_data.get("company"):
            company = Company.objects.filter(pk=form.cleaned_data["company"]).first()
    else:
        documents = documents.none()
    page, notice = fetch_page(
        documents, DOCUMENT_ORDERING, form.cleaned_data.get("cursor", "") if valid else ""
    )
    context = {
        "filter_form": form,
        "kind": kind,
        "kinds": DocumentKind.choices,
        "company": company,
        "page": page,
        "count": capped_count(documents),
        "count_cap": COUNT_CAP,
        "notice": notice,
    }
    return render(request, "business/document_list.html", context)


@require_GET
@capability_required(Capability.VIEW_RECORDS)
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(
        Document.objects.select_related("company", "person", "offer").prefetch_related(
            Prefetch(
                "lines",
                queryset=DocumentLine.objects.select_related(
                    "article__division", "article__category"
                ).order_by("position"),
            )
        ),
        pk=pk,
    )
    orders = deliveries = batches = []
    if document.kind == DocumentKind.OFFER:
        orders = list(document.orders.order_by("-date", "-id")[:RELATED_LIMIT])
    if document.kind == DocumentKind.ORDER:
        deliveries = list(
            Delivery.objects.filter(order=document).order_by("-date", "-id")[:RELATED_LIMIT]
        )
    if document.kind == DocumentKind.PURCHASE:
        batches = list(
            document.batches.select_related("article").order_by("number")[:RELATED_LIMIT]
        )
    context = {
        "document": document,
        "lines": list(document.lines.all()),
        "orders": orders,
        "deliveries": deliveries,
        "batches": batches,
        **_import_contacts(request, document),
    }
    return render(request, "business/document_detail.html", context)


def _import_contacts(request: HttpRequest, document: Document) -> dict:
    """The companies and people imports linked to the document, a page at a time.

    An order can have thousands (the buyers of a framework order), hence the
    cursor (``?cursor=``, the page's only list) and the capped count. The import
    is linked for those who may open it (its uploader, administrators).
    """
    contacts = DocumentContact.objects.filter(document=document)
    count = capped_count(contacts)
    if not count.value:
        return {"contact_count": count}
    page, notice = fetch_page(
        contacts.select_related("company", "person", "source"),
        CONTACT_ORDERING,
        request.GET.get("cursor", ""),
    )
    sources = {contact.source_id for contact in page.items} - {None}
    openable = set()
    if sources and has_capability(request.user, Capability.EDIT_RECORDS):
        openable = set(
            AddressImport.objects.visible_to(request.user)
            .filter(pk__in=sources)
            .values_list("pk", flat=True)
        )
    return {
        "contact_count": count,
        "contact_page": page,
        "contact_notice": notice,
        "contact_rows": [(contact, contact.source_id in openable) for contact in page.items],
        "count_cap": COUNT_CAP,
    }
