"""Journal pages of contacts: the list, one contact, recording and editing, follow-up
actions, attachments and links.

Every view checks the journal capabilities: VIEW_JOURNAL to read, WRITE_JOURNAL
to change; deleting a contact is for its recorder or MANAGE_JOURNAL.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from merkur.companies.forms.base import CONCURRENT_SAVE
from merkur.companies.models import Company, Person
from merkur.companies.views.common import conflict_rows, fetch_page, render_page_or_fragment
from merkur.core import linkable
from merkur.core.audit import history_of
from merkur.core.locking import EditConflict
from merkur.core.pagination import COUNT_CAP, capped_count
from merkur.core.roles import Capability
from merkur.core.views import capability_required, local_url
from merkur.journal import queries, recurrence, services
from merkur.journal.access import can_delete_attachment, can_delete_contact
from merkur.journal.forms import (
    AttachmentForm,
    ContactCreateForm,
    ContactEditForm,
    ContactFilterForm,
    ContactForm,
    LinkForm,
    apply_contact_errors,
    contact_initial,
    linked_record,
)
from merkur.journal.models import Contact, ContactAttachment, ContactLink
from merkur.journal.queries import SORTS

VIEW = Capability.VIEW_JOURNAL
WRITE = Capability.WRITE_JOURNAL
RELATED_LIMIT = 20  # occurrences, follow-ups and history rows on the detail page
HISTORY_LIMIT = 50
UPCOMING = 5


def _contact(pk: int) -> Contact:
    return get_object_or_404(
        Contact.objects.select_related(
            "company",
            "kind__group",
            "type__group",
            "recorded_by",
            "follow_up_owner",
            "follow_up_done_by",
            "follows",
            "series",
        ),
        pk=pk,
    )


def _attachments(user, contact: Contact) -> list[ContactAttachment]:
    attachments = list(contact.attachments.select_related("uploaded_by"))
    for attachment in attachments:
        attachment.contact = contact  # for the check below, without a query each
        attachment.deletable = can_delete_attachment(user, attachment)
    return attachments


def _back(request: HttpRequest, default: str) -> str:
    """Where an action returns to: a local ``next`` or the given page."""
    return local_url(request, request.POST.get("next") or request.GET.get("next"), default)


# --- the journal list ---------------------------------------------------------------------


@capability_required(VIEW)
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    form = ContactFilterForm(request.GET)
    sort = form.sort()
    rows = (
        queries.with_text_start(
            Contact.objects.select_related(
                "company", "kind", "type", "recorded_by", "follow_up_owner"
            )
        )
        .defer("company__search_text", "company__notes")
        .prefetch_related(
            Prefetch("people", queryset=Person.objects.only("id", "first_name", "last_name"))
        )
    )
    queryset = queries.sortable(form.to_filter().apply(rows), sort)
    page, notice = fetch_page(queryset, SORTS[sort], form.valid().get("cursor") or "")
    context = {
        "filter_form": form,
        "page": page,
        "count": capped_count(queryset),
        "count_cap": COUNT_CAP,
        "notice": notice,
        "sort": sort,
        "now": timezone.now(),
    }
    return render_page_or_fragment(
        request,
        page="journal/list.html",
        fragment="journal/partials/contact_table.html",
        context=context,
    )


# --- one contact --------------------------------------------------------------------------


def _links(contact: Contact) -> list[dict]:
    """The contact's links with their records (one query per kind of record)."""
    links = list(contact.links.all().order_by("kind", "id"))
    by_kind: dict[str, list[int]] = {}
    for link in links:
        by_kind.setdefault(link.kind, []).append(link.object_id)
    records = {}
    for key, ids in by_kind.items():
        target = linkable.kind(key)
        if target is not None:
            records[key] = target.model.objects.in_bulk(ids)
    result = []
    for link in links:
        target = linkable.kind(link.kind)
        record = records.get(link.kind, {}).get(link.object_id)
        url = getattr(record, "get_absolute_url", None)
        result.append(
            {
                "link": link,
                "label": target.label if target else link.kind,
                "record": record,
                "url": url() if callable(url) else "",
            }
        )
    return result


def _recurrence(contact: Contact) -> dict:
    if not contact.is_recurring:
        return {}
    return {
        "text": recurrence.describe(contact.recurrence_rule, contact.recurrence_start),
        "upcoming": contact.coming_occurrences(UPCOMING, including_open=True),
    }


@capability_required(VIEW)
@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "journal/contact_detail.html", _detail_context(request, _contact(pk)))


def _detail_context(request: HttpRequest, contact: Contact, **extra) -> dict:
    now = timezone.now()
    people = list(contact.people.select_related("title").order_by("sort_name", "id"))
    series = []
    if contact.series_id:
        series = list(
            Contact.objects.filter(series_id=contact.series_id)
            .exclude(pk=contact.pk)
            .select_related("follow_up_owner", "follow_up_done_by")
            .only(
                "id",
                "occurred_at",
                "subject",
                "follow_up_owner",
                "follow_up_due",
                "follow_up_done_at",
                "follow_up_done_by",
                "follow_up_skipped",
            )
            .order_by("-occurred_at", "-id")[:RELATED_LIMIT]
        )
    history = list(history_of(contact).order_by("-at", "-id")[:HISTORY_LIMIT])
    return {
        "contact": contact,
        "people": people,
        "links": _links(contact),
        "attachments": _attachments(request.user, contact),
        "state": contact.follow_up_state(now),
        "recurrence": _recurrence(contact),
        "series": series,
        "followed_by": list(
            contact.followed_by.only("id", "occurred_at", "subject").order_by("occurred_at")[
                :RELATED_LIMIT
            ]
        ),
        "history": history,
        "can_delete": can_delete_contact(request.user, contact),
        "has_email": any(p.email for p in people),
        "link_form": extra.pop("link_form", None) or LinkForm(),
        "attachment_form": AttachmentForm(),
        "now": now,
        **extra,
    }


# --- recording, editing, deleting ---------------------------------------------------------


def _upload_errors(files) -> list[str]:
    """Per file, why it cannot be attached (checked before anything is saved)."""
    errors = []
    for upload in files:
        try:
            services.check_upload(upload)
        except ValidationError as error:
            for message in error.messages:
                errors.append(message if upload.name in message else f"{upload.name}: {message}")
    return errors


def _prefill(request: HttpRequest) -> dict:
    """``?company=<id>&person=<id>`` from the company and person pages."""
    initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
    company_id, person_id = request.GET.get("company", ""), request.GET.get("person", "")
    person = None
    if person_id.isdigit() and len(person_id) <= 18:
        person = Person.objects.active().select_related("company").filter(pk=person_id).first()
    company = None
    if company_id.isdigit() and len(company_id) <= 18:
        company = Company.objects.active().filter(pk=company_id).first()
    if person is not None and (company is None or person.company_id == company.pk):
        company = person.company
        initial["people"] = [person.pk]
    # From a record page (an order, a batch …): the contact is linked to it, and the
    # record's company (customer or supplier) is the contact's company.
    link_id = request.GET.get("link_id", "")
    if link_id.isdigit() and len(link_id) <= 18:
        record = linked_record(request.GET.get("link_kind"), int(link_id))
        if record is not None:
            initial["link_kind"], initial["link_id"] = request.GET["link_kind"], record.pk
            owner = getattr(record, "company", None) or getattr(record, "customer", None)
            if company is None and isinstance(owner, Company) and owner.archived_at is None:
                company = owner
    if company is not None:
        initial["company"] = company
    return initial


@capability_required(WRITE)
def contact_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ContactCreateForm(request.POST, request.FILES)
        if form.is_valid():
            files = form.cleaned_data.get("attachments") or []
            for message in _upload_errors(files):
                form.add_error("attachments", message)
        if form.is_valid():
            try:
                with transaction.atomic():
                    link = form.link()
                    contact = services.contact_create(
                        data=form.contact_data(),
                        by=request.user,
                        people=form.people(),
                        links=[link] if link else [],
                    )
                    for upload in files:
                        services.attachment_add(contact=contact, upload=upload, by=request.user)
            except ValidationError as error:
                apply_contact_errors(error, form)
            except IntegrityError:
                form.add_error(None, CONCURRENT_SAVE)
            else:
                messages.success(
                    request, _("Contact “%(subject)s” recorded.") % {"subject": contact}
                )
                return redirect(contact)
    else:
        form = ContactCreateForm(initial=_prefill(request))
    company = form.initial.get("company")
    context = {
        "form": form,
        "contact": None,
        "multipart": True,
        "back_url": company.get_absolute_url() if company else reverse("journal:list"),
    }
    return render(request, "journal/contact_form.html", context)


@capability_required(WRITE)
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(pk)
    conflict = None
    if request.method == "POST":
        form = ContactEditForm(request.POST, contact=contact)
        if form.is_valid():
            try:
                services.contact_update(
                    contact=contact,
                    data=form.contact_data(),
                    expected_version=form.cleaned_data["version"],
                    by=request.user,
                    people=form.people(),
                )
            except EditConflict as error:
                conflict = conflict_rows(error)
                form.refresh_version(error.current.version)
            except ValidationError as error:
                apply_contact_errors(error, form)
            except IntegrityError:
                form.add_error(None, CONCURRENT_SAVE)
            else:
                messages.success(
                    request, _("Changes to “%(subject)s” saved.") % {"subject": contact}
                )
                return redirect(contact)
    else:
        form = ContactEditForm(initial=contact_initial(contact), contact=contact)
    return render(
        request,
        "journal/contact_form.html",
        {"form": form, "contact": contact, "conflict": conflict},
    )


@capability_required(WRITE)
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(pk)
    if not can_delete_contact(request.user, contact):
        raise PermissionDenied
    if request.method == "POST":
        services.contact_delete(contact=contact, by=request.user)
        messages.success(request, _("Contact “%(subject)s” deleted.") % {"subject": contact})
        return redirect(contact.company)
    return render(request, "journal/contact_confirm_delete.html", {"contact": contact})


@capability_required(WRITE)
@require_GET
def contact_people(request: HttpRequest) -> HttpResponse:
    """htmx: the people checkboxes for the company just chosen in the form."""
    data = request.GET.copy()
    form = ContactForm(data)
    company = form.company
    keep = [
        str(p.pk) for p in form.fields["people"].queryset if company and p.company_id == company.pk
    ]
    data.setlist("people", [v for v in data.getlist("people") if v in keep])
    form = ContactForm(data)
    return render(request, "journal/partials/contact_people.html", {"form": form})


# --- follow-up actions --------------------------------------------------------------------


def _follow_up_action(request: HttpRequest, pk: int, action, done_message: str) -> HttpResponse:
    contact = _contact(pk)
    try:
        following = action(contact=contact, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done_message)
        if following is not None:
            messages.info(
                request,
                _("Next occurrence due %(due)s.")
                % {"due": timezone.localtime(following.follow_up_due).strftime("%d.%m.%Y %H:%M")},
            )
    return redirect(_back(request, contact.get_absolute_url()))


@capability_required(WRITE)
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    return _follow_up_action(request, pk, services.follow_up_done, _("Follow-up marked as done."))


@capability_required(WRITE)
@require_POST
def follow_up_skip(request: HttpRequest, pk: int) -> HttpResponse:
    return _follow_up_action(request, pk, services.follow_up_skip, _("Occurrence skipped."))


def _next_initial(contact: Contact, user) -> dict:
    now = timezone.localtime().replace(second=0, microsecond=0)
    # The next follow-up a week on at nine — a starting point the user adjusts.
    due = (now + datetime.timedelta(days=7)).replace(hour=9, minute=0)
    return {
        "occurred_at": now,
        "company": contact.company,
        "people": list(contact.people.all()),
        "kind": contact.kind_id,
        "type": contact.type_id,
        "subject": contact.subject,
        "follow_up_owner": user.pk if user.is_active else None,
        "follow_up_due": due,
    }


@capability_required(WRITE)
def follow_up_next(request: HttpRequest, pk: int) -> HttpResponse:
    """Done, and the next contact recorded in the same step (prefilled from this one)."""
    contact = _contact(pk)
    if not contact.is_open:
        messages.error(request, _("This contact has no open follow-up."))
        return redirect(contact)
    if request.method == "POST":
        form = ContactForm(request.POST, fixed_company=contact.company)
        if form.is_valid():
            try:
                created, _occurrence = services.follow_up_done_and_next(
                    contact=contact,
                    data=form.contact_data(),
                    by=request.user,
                    people=form.people(),
                )
            except ValidationError as error:
                apply_contact_errors(error, form)
            else:
                messages.success(
                    request,
                    _("Follow-up done; contact “%(subject)s” recorded.") % {"subject": created},
                )
                return redirect(created)
    else:
        form = ContactForm(
            initial=_next_initial(contact, request.user), fixed_company=contact.company
        )
    return render(request, "journal/follow_up_next.html", {"form": form, "contact": contact})


# --- attachments --------------------------------------------------------------------------


@capability_required(VIEW)
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(ContactAttachment, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The file of this attachment is missing.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@capability_required(WRITE)
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(pk)
    form = AttachmentForm(request.POST, request.FILES)
    back = contact.get_absolute_url() + "#attachments"
    if not form.is_valid():
        for message in form.errors.get("files", []):
            messages.error(request, message)
        return redirect(back)
    added = []
    for upload in form.cleaned_data["files"]:
        try:
            services.attachment_add(contact=contact, upload=upload, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(
                    request, message if upload.name in message else f"{upload.name}: {message}"
                )
        else:
            added.append(upload.name)
    if added:
        messages.success(request, _("Attached: %(names)s") % {"names": ", ".join(added)})
    return redirect(back)


@capability_required(WRITE)
@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(ContactAttachment.objects.select_related("contact"), pk=pk)
    if not can_delete_attachment(request.user, attachment):
        raise PermissionDenied
    services.attachment_delete(attachment=attachment, by=request.user)
    messages.success(request, _("Attachment “%(name)s” removed.") % {"name": attachment.name})
    return redirect(attachment.contact.get_absolute_url() + "#attachments")


# --- links --------------------------------------------------------------------------------


@capability_required(WRITE)
@require_POST
def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact(pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        target = form.cleaned_data["target"]
        try:
            services.link_add(
                contact=contact,
                kind=form.cleaned_data["kind"],
                object_id=target.pk,
                by=request.user,
            )
        except ValidationError as error:
            apply_contact_errors(error, form)
        else:
            messages.success(request, _("Linked to %(record)s.") % {"record": target})
            return redirect(contact.get_absolute_url() + "#links")
    context = _detail_context(request, contact, link_form=form)
    return render(request, "journal/contact_detail.html", context, status=400)


@capability_required(WRITE)
@require_POST
def link_remove(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(ContactLink.objects.select_related("contact__company"), pk=pk)
    services.link_remove(link=link, by=request.user)
    messages.success(request, _("Link removed."))
    return redirect(reverse("journal:contact", args=[link.contact_id]) + "#links")


urlpatterns = [
    path("", contact_list, name="list"),
    path("new/", contact_create, name="contact_create"),
    path("new/people/", contact_people, name="contact_people"),
    path("<int:pk>/", contact_detail, name="contact"),
    path("<int:pk>/edit/", contact_edit, name="contact_edit"),
    path("<int:pk>/delete/", contact_delete, name="contact_delete"),
    path("<int:pk>/done/", follow_up_done, name="follow_up_done"),
    path("<int:pk>/next/", follow_up_next, name="follow_up_next"),
    path("<int:pk>/skip/", follow_up_skip, name="follow_up_skip"),
    path("<int:pk>/attachments/", attachment_add, name="attachment_add"),
    path("<int:pk>/links/", link_add, name="link_add"),
    path("attachments/<int:pk>/", attachment_download, name="attachment"),
    path("attachments/<int:pk>/delete/", attachment_delete, name="attachment_delete"),
    path("links/<int:pk>/delete/", link_remove, name="link_remove"),
]
