"""``/mailings``: mailings (CRUD of drafts), the merge fields, a preview for one recipient,
start, retry of temporarily failed e-mails/faxes, and the items with their states and
reasons. Reading needs VIEW_RECORDS, writing MANAGE_EVENTS; all writes go through
``merkur.mailings.services``.

A Word template is sent base64-encoded in ``options.letters.template_base64`` (it is
checked and stored; the response names the stored file in ``options.letters.template``).
"""

import base64
import binascii
import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, WRITE_ERRORS
from merkur.core.api.pagination import PageQuery, page_schema, paginate
from merkur.core.api.schemas import BodySchema, Id, Ref, patch_schema, ref
from merkur.core.pagination import Ordering
from merkur.core.templating import TemplateProblem
from merkur.journal.models import ContactType
from merkur.mailings import fields as merge_fields
from merkur.mailings import services
from merkur.mailings.api.permissions import require_manage, require_view
from merkur.mailings.models import Channel, ItemState, Mailing, MailingStatus, MarketingEvent
from merkur.selections.api.common import user_out, visible_runs
from merkur.selections.models import SavedSelection

router = Router(tags=["Mailings"])
MAILING_ORDER = Ordering(("-created_at", "-id"))
ITEM_ORDER = Ordering(("id",))


class UserOut(Schema):
    id: int
    username: str
    name: str


class MailingIn(BodySchema):
    name: str = Field(..., max_length=200)
    run: Id | None = None
    selection: Id | None = None
    event: Id | None = None
    contact_type: Id | None = None
    channels: list[Channel] = Field(..., min_length=1)
    options: dict = Field(
        default_factory=dict,
        description="Per channel: `email` {subject, text, html, sender}, `letters` "
        "{template_base64 | template, one_file}, `pdf` {subject, body}, `labels` "
        "{format, start}, `fields` {name: text}.",
    )


MailingPatch = patch_schema(MailingIn, "MailingPatch", extra={"version": (int | None, None)})


class MailingOut(Schema):
    id: int
    name: str
    run: int | None
    selection: int | None
    event: Ref | None
    contact_type: Ref | None
    channels: list[str]
    options: dict
    status: MailingStatus
    job: int | None
    counts: dict[str, dict[str, int]]
    created_by: UserOut | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ItemOut(Schema):
    id: int
    channel: str
    member: int
    person: Ref | None
    company: int
    state: ItemState
    reason: str
    detail: str
    retryable: bool
    done_at: datetime.datetime | None
    contact: int | None


class ItemQuery(PageQuery):
    state: ItemState | None = None
    channel: Channel | None = None


class FieldOut(Schema):
    key: str
    label: str
    description: str
    example: str
    group: str


class EmailOut(Schema):
    subject: str
    text: str
    html: str


class PreviewOut(Schema):
    number: int
    fields: dict[str, str]
    email: EmailOut | None


class StartOut(Schema):
    job: int
    job_url: str


class RetryOut(StartOut):
    items: int


MailingPage = page_schema(MailingOut, "MailingPage")
ItemPage = page_schema(ItemOut, "ItemPage")


def counts_of(mailing: Mailing) -> dict[str, dict[str, int]]:
    from django.db.models import Count

    counts: dict[str, dict[str, int]] = {}
    rows = mailing.items.order_by().values_list("channel", "state").annotate(n=Count("pk"))
    for channel, state, count in rows:
        counts.setdefault(channel, {})[state] = count
    return counts


def mailing_out(mailing: Mailing) -> dict:
    return {
        "id": mailing.pk,
        "name": mailing.name,
        "run": mailing.run_id,
        "selection": mailing.selection_id,
        "event": ref(mailing.event),
        "contact_type": ref(mailing.contact_type),
        "channels": list(mailing.channels),
        "options": mailing.options or {},
        "status": mailing.status,
        "job": mailing.job_id,
        "counts": counts_of(mailing),
        "created_by": user_out(mailing.created_by),
        "version": mailing.version,
        "created_at": mailing.created_at,
        "updated_at": mailing.updated_at,
    }


def item_out(item) -> dict:
    return {
        "id": item.pk,
        "channel": item.channel,
        "member": item.member_id,
        "person": ref(item.person),
        "company": item.company_id,
        "state": item.state,
        "reason": item.reason,
        "detail": item.detail,
        "retryable": item.retryable,
        "done_at": item.done_at,
        "contact": item.contact_id,
    }


def _mailing(mailing_id: int) -> Mailing:
    return get_object_or_404(
        Mailing.objects.select_related("event", "contact_type", "created_by"), pk=mailing_id
    )


def resolve(data: dict, user) -> dict:
    """Ids → records (only runs and selections the user may see); an uploaded template
    stored. ``ValidationError`` naming the field."""
    errors = {}
    lookups = {
        "run": (visible_runs(user), _("No frozen run with this id.")),
        "selection": (
            SavedSelection.objects.visible_to(user),
            _("No saved selection with this id."),
        ),
        "event": (MarketingEvent.objects.all(), _("No marketing event with this id.")),
        "contact_type": (ContactType.objects.all(), _("No contact type with this id.")),
    }
    for key, (queryset, message) in lookups.items():
        if data.get(key) is not None:
            found = queryset.filter(pk=data[key]).first()
            if found is None:
                errors[key] = [message]
            data[key] = found
    if "channels" in data:
        data["channels"] = [str(channel) for channel in data["channels"]]
    letters = (data.get("options") or {}).get("letters")
    if isinstance(letters, dict) and letters.get("template_base64"):
        try:
            content = base64.b64decode(letters.pop("template_base64"), validate=True)
        except (binascii.Error, ValueError):
            errors["options"] = [_("template_base64 is not valid base64.")]
        else:
            try:
                letters["template"] = services.store_template(
                    content, free=(data.get("options") or {}).get("fields")
                )
            except ValidationError as error:
                errors["options"] = error.messages
    if errors:
        raise ValidationError(errors)
    return data


@router.get("", response={200: MailingPage, **LIST_ERRORS}, summary="List mailings")
def list_mailings(request: HttpRequest, query: Query[PageQuery]):
    require_view(request)
    mailings = Mailing.objects.select_related("event", "contact_type", "created_by")
    return paginate(mailings, MAILING_ORDER, page=query, serialize=mailing_out)


@router.post("", response={201: MailingOut, **WRITE_ERRORS}, summary="Create a draft mailing")
def create_mailing(request: HttpRequest, payload: MailingIn):
    require_manage(request)
    data = resolve(payload.model_dump(), request.auth)
    mailing = services.mailing_create(data=data, by=request.auth)
    return Status(201, mailing_out(_mailing(mailing.pk)))


@router.get("/fields", response={200: list[FieldOut], **LIST_ERRORS}, summary="Merge fields")
def list_fields(request: HttpRequest):
    require_view(request)
    return [
        {
            "key": field.key,
            "label": field.label(),
            "description": str(field.description),
            "example": field.example,
            "group": field.group,
        }
        for field in merge_fields.catalogue().values()
    ]


@router.get("/{int:mailing_id}", response={200: MailingOut, **READ_ERRORS}, summary="Get one")
def get_mailing(request: HttpRequest, mailing_id: int):
    require_view(request)
    return mailing_out(_mailing(mailing_id))


@router.patch(
    "/{int:mailing_id}", response={200: MailingOut, **UPDATE_ERRORS}, summary="Change a draft"
)
def update_mailing(request: HttpRequest, mailing_id: int, payload: MailingPatch):
    require_manage(request)
    mailing = _mailing(mailing_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    services.mailing_update(
        mailing=mailing,
        data=resolve(data, request.auth),
        expected_version=version,
        by=request.auth,
    )
    return mailing_out(_mailing(mailing_id))


@router.delete("/{int:mailing_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a draft")
def delete_mailing(request: HttpRequest, mailing_id: int):
    require_manage(request)
    services.mailing_delete(mailing=_mailing(mailing_id), by=request.auth)
    return Status(204, None)


@router.get(
    "/{int:mailing_id}/preview",
    response={200: PreviewOut, **WRITE_ERRORS},
    summary="Merge fields and e-mail of one recipient",
    description="`number`: the recipient's position (1-based) in the letters' order.",
)
def preview_mailing(request: HttpRequest, mailing_id: int, number: int = 1):
    require_view(request)
    mailing = _mailing(mailing_id)
    preview = services.preview_fields(mailing, number, by=request.auth)
    if preview is None:
        raise ValidationError({"number": [_("There is no recipient with this number.")]})
    email = None
    if Channel.EMAIL in mailing.channels:
        try:
            rendered = services.preview_email(mailing, preview)
        except TemplateProblem as problem:
            raise ValidationError({"options": [str(problem)]}) from None
        email = {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}
    return {"number": preview.number, "fields": preview.fields, "email": email}


@router.post(
    "/{int:mailing_id}/start",
    response={202: StartOut, **WRITE_ERRORS},
    summary="Start a draft mailing (a background job)",
)
def start_mailing(request: HttpRequest, mailing_id: int):
    require_manage(request)
    job = services.mailing_start(mailing=_mailing(mailing_id), by=request.auth)
    return Status(202, {"job": job.pk, "job_url": f"/api/v1/jobs/{job.pk}"})


@router.post(
    "/{int:mailing_id}/retry",
    response={202: RetryOut, **WRITE_ERRORS},
    summary="Send the temporarily failed e-mails/faxes of a mailing again",
    description="Items refused only for now (SMTP 4xx, connection trouble) go back to "
    "pending and the job runs again; permanently refused items and items whose outcome "
    "is unknown are never sent again. 422 if the mailing is not done/failed, its job "
    "still runs, or nothing can be retried.",
)
def retry_mailing(request: HttpRequest, mailing_id: int):
    require_manage(request)
    job, count = services.retry_failed(mailing=_mailing(mailing_id), by=request.auth)
    return Status(202, {"job": job.pk, "job_url": f"/api/v1/jobs/{job.pk}", "items": count})


@router.get(
    "/{int:mailing_id}/items",
    response={200: ItemPage, **LIST_ERRORS, 404: READ_ERRORS[404]},
    summary="The items of a mailing (per recipient and channel)",
)
def list_items(request: HttpRequest, mailing_id: int, query: Query[ItemQuery]):
    require_view(request)
    items = _mailing(mailing_id).items.select_related("person")
    if query.state:
        items = items.filter(state=query.state)
    if query.channel:
        items = items.filter(channel=query.channel)
    return paginate(items, ITEM_ORDER, page=query, serialize=item_out)
