"""``/contacts``: the journal — list with filters, record, read, change, delete; links,
follow-up actions and attachments of a contact.

All writes go through ``merkur.journal.services``; this module turns ids into
records, names errors as the request does (``follow_up.due``) and shapes the answers.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status, UploadedFile

from merkur.companies.models import Company, Person
from merkur.core import linkable
from merkur.core.api.auth import require_capability
from merkur.core.api.errors import (
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
    WRITE_ERRORS,
)
from merkur.core.api.pagination import paginate
from merkur.core.api.schemas import clean_values, ref, refs, resolve_ids
from merkur.core.roles import Capability
from merkur.core.users import display_name
from merkur.journal import queries, recurrence, richtext, services
from merkur.journal.access import can_delete_attachment, can_delete_contact
from merkur.journal.api.schemas import (
    AttachmentOut,
    ContactIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    ContactQuery,
    FollowUpActionOut,
    LinkIn,
    LinkOut,
)
from merkur.journal.models import (
    Contact,
    ContactAttachment,
    ContactKind,
    ContactLink,
    ContactType,
)
from merkur.journal.queries import SORTS

router = Router(tags=["Journal"])

EXCERPT_LENGTH = 200
UPCOMING = 3
# The service's field names → the request's (the follow-up is a nested object there).
FIELD_NAMES = {"follow_up_owner": "follow_up.owner", "follow_up_due": "follow_up.due"}


# --- records → response bodies -------------------------------------------------------------


def user_out(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": display_name(user)}


def _grouped(entry) -> dict | None:
    return None if entry is None else {**ref(entry), "group": ref(entry.group)}


def follow_up_out(contact: Contact, now=None) -> dict | None:
    if not contact.has_follow_up:
        return None
    state = contact.follow_up_state(now)
    return {
        "owner": user_out(contact.follow_up_owner),
        "due": contact.follow_up_due,
        "done_at": contact.follow_up_done_at,
        "done_by": user_out(contact.follow_up_done_by),
        "skipped": contact.follow_up_skipped,
        # A skipped occurrence is closed like a done one; ``skipped`` tells them apart.
        "state": "done" if state == "skipped" else state,
    }


def summary_out(contact: Contact) -> dict:
    """The fields of a list row (no full text, links or attachments)."""
    return {
        "id": contact.pk,
        "occurred_at": contact.occurred_at,
        "company": ref(contact.company),
        "people": refs(contact.people.all()),
        "kind": _grouped(contact.kind),
        "type": _grouped(contact.type),
        "subject": contact.subject,
        "excerpt": richtext.to_plain(_text_start(contact))[:EXCERPT_LENGTH],
        "recorded_by": user_out(contact.recorded_by),
        "follow_up": follow_up_out(contact),
        "recurring": contact.is_recurring,
        "version": contact.version,
    }


def _recurrence_out(contact: Contact) -> dict | None:
    if not contact.is_recurring:
        return None
    return {
        "rule": contact.recurrence_rule,
        "description": recurrence.describe(contact.recurrence_rule, contact.recurrence_start),
        "start": contact.recurrence_start,
        "next": contact.coming_occurrences(UPCOMING),
    }


def _links_out(contact: Contact) -> list[dict]:
    links = list(contact.links.all())
    labels: dict[tuple[str, int], str] = {}
    for key in {link.kind for link in links}:
        target = linkable.kind(key)
        if target is None:
            continue
        ids = [link.object_id for link in links if link.kind == key]
        for pk, record in target.model.objects.in_bulk(ids).items():
            labels[key, pk] = f"{target.label}: {record}"
    result = []
    for link in links:
        target = linkable.kind(link.kind)
        missing = f"{target.label if target else link.kind} {link.object_id}"
        result.append(
            {
                "link_id": link.pk,
                "kind": link.kind,
                "id": link.object_id,
                "label": labels.get((link.kind, link.object_id), missing),
            }
        )
    return result


def _link_out(contact: Contact, link: ContactLink) -> dict:
    return next(item for item in _links_out(contact) if item["link_id"] == link.pk)


def attachment_out(attachment: ContactAttachment) -> dict:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "uploaded_by": user_out(attachment.uploaded_by),
        "uploaded_at": attachment.uploaded_at,
        "download_url": reverse(
            "api-1:journal_attachment",
            kwargs={"contact_id": attachment.contact_id, "attachment_id": attachment.pk},
        ),
    }


def contact_out(contact: Contact) -> dict:
    plain = richtext.to_plain(contact.text)
    return {
        **summary_out(contact),
        "text": contact.text,
        "text_plain": plain,
        "recurrence": _recurrence_out(contact),
        "series": contact.series_id,
        "follows": contact.follows_id,
        "links": _links_out(contact),
        "attachments": [attachment_out(a) for a in contact.attachments.all()],
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def _text_start(contact: Contact) -> str:
    # List rows read only the start of the text (``queries.with_text_start``).
    return contact.text_start if hasattr(contact, "text_start") else contact.text


def with_details(queryset: QuerySet) -> QuerySet:
    """What a list row shows, in a fixed number of queries."""
    return queryset.select_related(
        "company",
        "kind__group",
        "type__group",
        "recorded_by",
        "follow_up_owner",
        "follow_up_done_by",
    ).prefetch_related(Prefetch("people", queryset=Person.objects.order_by("last_name", "id")))


def load_contact(pk: int) -> Contact:
    queryset = with_details(Contact.objects.all()).prefetch_related(
        "links", Prefetch("attachments", ContactAttachment.objects.select_related("uploaded_by"))
    )
    return get_object_or_404(queryset, pk=pk)


# --- access and input ----------------------------------------------------------------------


def contact_for(request: HttpRequest, contact_id: int, *, write: bool = False) -> Contact:
    """The contact if the caller may see it (``write``: change it); 403/404 otherwise."""
    require_capability(request, Capability.WRITE_JOURNAL if write else Capability.VIEW_JOURNAL)
    return get_object_or_404(Contact, pk=contact_id)


@contextmanager
def request_field_names() -> Iterator[None]:
    """Re-raise the services' field errors under the names the request used."""
    try:
        yield
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {FIELD_NAMES.get(field, field): msgs for field, msgs in error.message_dict.items()}
        ) from None


CONTACT_REFS = {
    "company": Company,
    "people": Person,
    "kind": ContactKind,
    "type": ContactType,
    "follow_up_owner": get_user_model(),
}


def _contact_data(payload, contact: Contact | None = None) -> tuple[dict, list | None]:
    """The contact's fields as the services take them, and its people (None: unchanged)."""
    sent = payload.model_fields_set
    data = payload.model_dump(exclude_unset=True, exclude={"links", "version", "follow_up"})
    if "follow_up" in sent:
        follow_up = payload.follow_up
        data["follow_up_owner"] = follow_up.owner if follow_up else None
        data["follow_up_due"] = follow_up.due if follow_up else None
    if contact is None and data.get("occurred_at") is None:
        data.pop("occurred_at", None)  # the model's default: now
    if "company" in data and data["company"] is None:
        raise ValidationError({"company": _("Choose a company.")})
    data = resolve_ids(clean_values(data, Contact), CONTACT_REFS, instance=contact)
    people = data.pop("people", None)
    return data, people


def _check_link_kind(kind: str, field: str) -> None:
    if linkable.kind(kind) is None:
        known = ", ".join(k.key for k in linkable.kinds())
        raise ValidationError(
            {
                field: _("Unknown kind of record: %(kind)s. Known kinds: %(known)s.")
                % {"kind": kind, "known": known}
            }
        )


# --- contacts ------------------------------------------------------------------------------


@router.get(
    "",
    response={200: ContactPage, **LIST_ERRORS},
    summary="List contacts",
    description="The journal across all companies: filtered (all filters combine), sorted "
    "and paged by cursor. The count stops at a cap on large journals.",
)
def list_contacts(request: HttpRequest, filters: Query[ContactQuery]):
    require_capability(request, Capability.VIEW_JOURNAL)
    if bool(filters.link_kind) != bool(filters.link_id):
        missing = "link_id" if filters.link_kind else "link_kind"
        raise ValidationError({missing: _("Give both link_kind and link_id, or neither.")})
    if filters.link_kind:
        _check_link_kind(filters.link_kind, "link_kind")
    queryset = queries.sortable(filters.to_filter().apply(), filters.sort)
    return paginate(
        queries.with_text_start(with_details(queryset)),
        SORTS[filters.sort],
        page=filters,
        serialize=summary_out,
        count_queryset=queryset,
    )


@router.post(
    "",
    response={201: ContactOut, **WRITE_ERRORS},
    summary="Record a contact",
    description="The caller is recorded as its author. The text is sanitised; the answer "
    "holds the stored text and its plain form. A recurring contact (`recurrence_rule`) needs "
    "a follow-up: the series starts at its due date.",
)
def create_contact(request: HttpRequest, payload: ContactIn):
    require_capability(request, Capability.WRITE_JOURNAL)
    for link in payload.links:
        _check_link_kind(link.kind, "links")
    with request_field_names():
        data, people = _contact_data(payload)
        contact = services.contact_create(
            data=data,
            people=people or [],
            links=[(link.kind, link.id) for link in payload.links],
            by=request.auth,
        )
    return Status(201, contact_out(load_contact(contact.pk)))


@router.get(
    "/{contact_id}",
    response={200: ContactOut, **READ_ERRORS},
    summary="Get a contact",
    description="With its follow-up, recurrence (rule in plain language and the next "
    "occurrences), links and attachments.",
)
def get_contact(request: HttpRequest, contact_id: int):
    contact = contact_for(request, contact_id)
    return contact_out(load_contact(contact.pk))


@router.patch(
    "/{contact_id}",
    response={200: ContactOut, **UPDATE_ERRORS},
    summary="Change a contact",
    description="Only the fields sent are changed; `people` replaces the people, "
    "`follow_up: null` removes the follow-up. Send `version` to refuse a stale edit "
    "(409 with what changed meanwhile). Links and attachments have their own routes.",
)
def update_contact(request: HttpRequest, contact_id: int, payload: ContactPatch):
    contact = contact_for(request, contact_id, write=True)
    with request_field_names():
        data, people = _contact_data(payload, contact)
        services.contact_update(
            contact=contact,
            data=data,
            people=people,
            expected_version=payload.version,
            by=request.auth,
        )
    return contact_out(load_contact(contact.pk))


@router.delete(
    "/{contact_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a contact",
    description="Only who recorded it, or an administrator (manage journal), may delete a "
    "contact; its attachments go with it.",
)
def delete_contact(request: HttpRequest, contact_id: int):
    contact = contact_for(request, contact_id, write=True)
    if not can_delete_contact(request.auth, contact):
        raise PermissionDenied
    services.contact_delete(contact=contact, by=request.auth)
    return Status(204, None)


# --- follow-up actions ---------------------------------------------------------------------


def _action_out(contact: Contact, following: Contact | None) -> dict:
    return {
        "contact": contact_out(load_contact(contact.pk)),
        "next_occurrence": following.pk if following else None,
    }


@router.post(
    "/{contact_id}/follow-up/done",
    response={200: FollowUpActionOut, **WRITE_ERRORS},
    summary="Mark a follow-up done",
    description="Records who and when. For a recurring contact the next occurrence is "
    "created as a new open follow-up; its id is returned. 422 if there is no open follow-up.",
)
def follow_up_done(request: HttpRequest, contact_id: int):
    contact = contact_for(request, contact_id, write=True)
    following = services.follow_up_done(contact=contact, by=request.auth)
    return _action_out(contact, following)


@router.post(
    "/{contact_id}/follow-up/skip",
    response={200: FollowUpActionOut, **WRITE_ERRORS},
    summary="Skip an occurrence of a recurring contact",
    description="Closes this occurrence as skipped; the next one becomes the open follow-up "
    "(its id is returned). 422 for a contact that does not recur.",
)
def follow_up_skip(request: HttpRequest, contact_id: int):
    contact = contact_for(request, contact_id, write=True)
    following = services.follow_up_skip(contact=contact, by=request.auth)
    return _action_out(contact, following)


# --- links ---------------------------------------------------------------------------------


@router.post(
    "/{contact_id}/links",
    response={201: LinkOut, **WRITE_ERRORS},
    summary="Link a contact to a record",
    description="Any registered linkable kind (`company`, `person`, …). Linking the same "
    "record twice keeps one link.",
)
def add_contact_link(request: HttpRequest, contact_id: int, payload: LinkIn):
    contact = contact_for(request, contact_id, write=True)
    _check_link_kind(payload.kind, "kind")
    try:
        link = services.link_add(
            contact=contact, kind=payload.kind, object_id=payload.id, by=request.auth
        )
    except ValidationError as error:
        # The service names the contact's ``links``; here the record's id was wrong.
        raise ValidationError({"id": error.messages}) from None
    return Status(201, _link_out(contact, link))


@router.delete(
    "/{contact_id}/links/{link_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a link of a contact",
    description="`link_id` is the link's own id (`links[].link_id` of the contact).",
)
def remove_contact_link(request: HttpRequest, contact_id: int, link_id: int):
    contact = contact_for(request, contact_id, write=True)
    link = get_object_or_404(ContactLink.objects.select_related("contact"), pk=link_id)
    if link.contact_id != contact.pk:
        raise Http404
    services.link_remove(link=link, by=request.auth)
    return Status(204, None)


# --- attachments ---------------------------------------------------------------------------


def _attachment_for(contact: Contact, attachment_id: int) -> ContactAttachment:
    return get_object_or_404(
        ContactAttachment.objects.select_related("contact", "uploaded_by"),
        pk=attachment_id,
        contact=contact,
    )


@router.post(
    "/{contact_id}/attachments",
    response={201: AttachmentOut, **WRITE_ERRORS},
    summary="Attach a file to a contact",
    description="Multipart upload in the field `file`. The size limit and the allowed "
    "file types are configured (`MERKUR_ATTACHMENT_MAX_MB`, `MERKUR_ATTACHMENT_TYPES`); "
    "a file whose content does not match its type is refused (422).",
)
def add_contact_attachment(request: HttpRequest, contact_id: int, file: File[UploadedFile]):
    contact = contact_for(request, contact_id, write=True)
    try:
        services.check_upload(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    attachment = services.attachment_add(contact=contact, upload=file, by=request.auth)
    return Status(201, attachment_out(_attachment_for(contact, attachment.pk)))


@router.get(
    "/{contact_id}/attachments/{attachment_id}",
    response=READ_ERRORS,
    summary="Download an attachment",
    description="The file itself, with its original name.",
    url_name="journal_attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_contact_attachment(request: HttpRequest, contact_id: int, attachment_id: int):
    contact = contact_for(request, contact_id)
    attachment = _attachment_for(contact, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.delete(
    "/{contact_id}/attachments/{attachment_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an attachment",
    description="Whoever uploaded it, whoever may delete the contact, or an administrator.",
)
def delete_contact_attachment(request: HttpRequest, contact_id: int, attachment_id: int):
    contact = contact_for(request, contact_id, write=True)
    attachment = _attachment_for(contact, attachment_id)
    if not can_delete_attachment(request.auth, attachment):
        raise PermissionDenied
    services.attachment_delete(attachment=attachment, by=request.auth)
    return Status(204, None)
