"""``/events``: marketing events (CRUD) and their members (list, add, status, remove,
add from a frozen run). Reading needs VIEW_RECORDS, writing MANAGE_EVENTS; all writes
go through ``merkur.mailings.events.services``."""

import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from merkur.companies.models import Company, Person
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, WRITE_ERRORS
from merkur.core.api.pagination import PageQuery, page_schema, paginate
from merkur.core.api.schemas import BodySchema, Id, Ref, patch_schema, ref
from merkur.core.pagination import Ordering
from merkur.mailings.api.permissions import require_manage, require_view
from merkur.mailings.events import services
from merkur.mailings.models import EventKind, EventMember, MarketingEvent, MemberStatus
from merkur.selections.api.common import user_out, visible_runs

router = Router(tags=["Marketing events"])
EVENT_ORDER = Ordering(("-starts_on", "-id"))
MEMBER_ORDER = Ordering(("id",))


class UserOut(Schema):
    id: int
    username: str
    name: str


class EventIn(BodySchema):
    name: str = Field(..., max_length=200)
    kind: Id
    starts_on: datetime.date
    ends_on: datetime.date | None = None
    description: str = Field("", max_length=20_000)
    owner: Id | None = None


EventPatch = patch_schema(EventIn, "EventPatch", extra={"version": (int | None, None)})


class EventOut(Schema):
    id: int
    name: str
    kind: Ref
    starts_on: datetime.date
    ends_on: datetime.date | None
    description: str
    owner: UserOut | None
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class EventQuery(PageQuery):
    kind: Id | None = None
    owner: Id | None = None
    starts_from: datetime.date | None = None
    starts_to: datetime.date | None = None


class MemberOut(Schema):
    id: int
    company: Ref
    person: Ref | None
    address: int | None
    status: str
    status_changed_at: datetime.datetime
    source: str
    run: int | None
    added_at: datetime.datetime


class MemberQuery(PageQuery):
    status: MemberStatus | None = None


class MemberIn(BodySchema):
    company: Id
    person: Id | None = None
    status: MemberStatus = MemberStatus.PLANNED


class StatusIn(BodySchema):
    members: list[Id] = Field(..., min_length=1, max_length=10_000)
    status: MemberStatus


class RemoveIn(BodySchema):
    members: list[Id] = Field(..., min_length=1, max_length=10_000)


class FromRunIn(BodySchema):
    run: Id
    status: MemberStatus = MemberStatus.PLANNED


class CountOut(Schema):
    count: int


class AddOut(Schema):
    added: int
    skipped: int


EventPage = page_schema(EventOut, "EventPage")
MemberPage = page_schema(MemberOut, "MemberPage")


def event_out(event: MarketingEvent) -> dict:
    return {
        "id": event.pk,
        "name": event.name,
        "kind": ref(event.kind),
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "description": event.description,
        "owner": user_out(event.owner),
        "version": event.version,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }


def member_out(member: EventMember) -> dict:
    return {
        "id": member.pk,
        "company": ref(member.company),
        "person": ref(member.person),
        "address": member.address_id,
        "status": member.status,
        "status_changed_at": member.status_changed_at,
        "source": member.source,
        "run": member.run_id,
        "added_at": member.added_at,
    }


def _event(event_id: int) -> MarketingEvent:
    return get_object_or_404(MarketingEvent.objects.select_related("kind", "owner"), pk=event_id)


def _resolve(data: dict) -> dict:
    from django.contrib.auth import get_user_model

    errors = {}
    if "kind" in data:
        kind = EventKind.objects.filter(pk=data["kind"]).first()
        if kind is None:
            errors["kind"] = [_("No event kind with this id.")]
        data["kind"] = kind
    if data.get("owner") is not None:
        owner = get_user_model().objects.filter(pk=data["owner"], is_active=True).first()
        if owner is None:
            errors["owner"] = [_("No active user with this id.")]
        data["owner"] = owner
    elif "owner" in data:
        del data["owner"]
    if errors:
        raise ValidationError(errors)
    return data


@router.get("", response={200: EventPage, **LIST_ERRORS}, summary="List marketing events")
def list_events(request: HttpRequest, query: Query[EventQuery]):
    require_view(request)
    events = MarketingEvent.objects.select_related("kind", "owner")
    if query.kind:
        events = events.filter(kind_id=query.kind)
    if query.owner:
        events = events.filter(owner_id=query.owner)
    if query.starts_from:
        events = events.filter(starts_on__gte=query.starts_from)
    if query.starts_to:
        events = events.filter(starts_on__lte=query.starts_to)
    return paginate(events, EVENT_ORDER, page=query, serialize=event_out)


@router.post("", response={201: EventOut, **WRITE_ERRORS}, summary="Create a marketing event")
def create_event(request: HttpRequest, payload: EventIn):
    require_manage(request)
    event = services.event_create(data=_resolve(payload.model_dump()), by=request.auth)
    return Status(201, event_out(_event(event.pk)))


@router.get("/{int:event_id}", response={200: EventOut, **READ_ERRORS}, summary="Get an event")
def get_event(request: HttpRequest, event_id: int):
    require_view(request)
    return event_out(_event(event_id))


@router.patch(
    "/{int:event_id}", response={200: EventOut, **UPDATE_ERRORS}, summary="Change an event"
)
def update_event(request: HttpRequest, event_id: int, payload: EventPatch):
    require_manage(request)
    event = _event(event_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version", None)
    services.event_update(
        event=event, data=_resolve(data), expected_version=version, by=request.auth
    )
    return event_out(_event(event_id))


@router.delete("/{int:event_id}", response={204: None, **READ_ERRORS}, summary="Delete an event")
def delete_event(request: HttpRequest, event_id: int):
    require_manage(request)
    services.event_delete(event=_event(event_id), by=request.auth)
    return Status(204, None)


@router.get(
    "/{int:event_id}/members",
    response={200: MemberPage, **LIST_ERRORS, 404: READ_ERRORS[404]},
    summary="List the members of an event",
)
def list_event_members(request: HttpRequest, event_id: int, query: Query[MemberQuery]):
    require_view(request)
    members = _event(event_id).members.select_related("company", "person")
    if query.status:
        members = members.filter(status=query.status)
    return paginate(members, MEMBER_ORDER, page=query, serialize=member_out)


@router.post(
    "/{int:event_id}/members",
    response={201: MemberOut, **WRITE_ERRORS},
    summary="Add a company or a person by hand",
)
def add_event_member(request: HttpRequest, event_id: int, payload: MemberIn):
    require_manage(request)
    event = _event(event_id)
    company = Company.objects.filter(pk=payload.company).first()
    if company is None:
        raise ValidationError({"company": _("No company with this id.")})
    person = None
    if payload.person is not None:
        person = Person.objects.filter(pk=payload.person).first()
        if person is None:
            raise ValidationError({"person": _("No person with this id.")})
    member = services.member_add(
        event=event, company=company, person=person, status=payload.status, by=request.auth
    )
    return Status(201, member_out(member))


@router.post(
    "/{int:event_id}/members/status",
    response={200: CountOut, **WRITE_ERRORS},
    summary="Change the status of members",
    description="Members of other events are ignored; `count` is how many changed.",
)
def set_event_member_status(request: HttpRequest, event_id: int, payload: StatusIn):
    require_manage(request)
    count = services.members_set_status(
        event=_event(event_id), members=payload.members, status=payload.status, by=request.auth
    )
    return {"count": count}


@router.post(
    "/{int:event_id}/members/remove",
    response={200: CountOut, **WRITE_ERRORS},
    summary="Remove members",
)
def remove_event_members(request: HttpRequest, event_id: int, payload: RemoveIn):
    require_manage(request)
    count = services.members_remove(
        event=_event(event_id), members=payload.members, by=request.auth
    )
    return {"count": count}


@router.post(
    "/{int:event_id}/members/from-run",
    response={200: AddOut, **WRITE_ERRORS},
    summary="Add the members of a frozen selection run",
    description="One INSERT … SELECT; members already in the event are skipped.",
)
def add_event_members_from_run(request: HttpRequest, event_id: int, payload: FromRunIn):
    require_manage(request)
    event = _event(event_id)
    run = visible_runs(request.auth).filter(pk=payload.run).first()
    if run is None:
        raise ValidationError({"run": _("No frozen run with this id.")})
    result = services.members_add_from_run(
        event=event, run=run, status=payload.status, by=request.auth
    )
    return {"added": result.added, "skipped": result.skipped}
