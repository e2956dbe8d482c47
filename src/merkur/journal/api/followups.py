"""``/follow-ups`` (mine, due, as deputy, all) and ``/absences`` with the deputy cycles.

Who handles a follow-up today is worked out from the absences when asked
(``merkur.journal.deputies``); these routes only show it, with the chain of
deputies that led there.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from merkur.core.api.auth import require_capability
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, WRITE_ERRORS
from merkur.core.api.pagination import paginate
from merkur.core.api.schemas import resolve_ids
from merkur.core.pagination import Ordering
from merkur.core.roles import Capability, has_capability
from merkur.journal import deputies, queries, services
from merkur.journal.api.contacts import request_field_names, summary_out, user_out, with_details
from merkur.journal.api.schemas import (
    AbsenceIn,
    AbsenceOut,
    AbsencePage,
    AbsencePatch,
    AbsenceQuery,
    CycleOut,
    CycleQuery,
    FollowUpPage,
    FollowUpQuery,
)
from merkur.journal.models import Absence, AbsenceReason, Contact

router = Router(tags=["Follow-ups and absences"])

User = get_user_model()
DUE_ORDER = Ordering(("follow_up_due", "id"))
ABSENCE_ORDER = Ordering(("-starts_on", "-id"))
DEFAULT_CYCLE_DAYS = 90
MAX_CYCLE_DAYS = 366


def _can_manage(request: HttpRequest) -> bool:
    return has_capability(request.auth, Capability.MANAGE_JOURNAL)


def _user_or_error(user_id: int, field: str = "user"):
    return resolve_ids({field: user_id}, {field: User})[field]


def _whose(request: HttpRequest, user_id: int | None):
    """The user a request is about: the caller, or (administrators only) the one asked for."""
    if user_id is None or user_id == request.auth.pk:
        return request.auth
    if not _can_manage(request):
        raise PermissionDenied
    return _user_or_error(user_id)


# --- follow-ups ----------------------------------------------------------------------------


class _Handlers:
    """Who handles each owner's follow-ups today, and the users to name in the answer."""

    def __init__(self, resolutions: dict[int, deputies.Resolution], cycles: list[tuple]):
        self.resolutions = resolutions
        ids = {pk for r in resolutions.values() for pk in r.chain}
        ids.update(pk for cycle in cycles for pk in cycle)
        self.users = User.objects.in_bulk(ids)
        self.cycles = [[user_out(self.users[pk]) for pk in cycle] for cycle in cycles]

    def resolution(self, owner_id: int) -> deputies.Resolution:
        found = self.resolutions.get(owner_id)
        if found is None or not found.redirected:
            return deputies.Resolution(owner_id, owner_id, (owner_id,))
        return found

    def item(self, contact: Contact, now: datetime.datetime) -> dict:
        resolution = self.resolution(contact.follow_up_owner_id)
        redirected = resolution.redirected
        handler = self.users[resolution.handler_id] if redirected else contact.follow_up_owner
        return {
            **summary_out(contact),
            "owner": user_out(contact.follow_up_owner),
            "handled_by": user_out(handler),
            "via_deputy": redirected,
            "chain": [user_out(self.users[pk]) for pk in resolution.chain] if redirected else [],
            "overdue": contact.follow_up_due < now,
        }


def _scoped(scope: str, user) -> tuple[QuerySet, _Handlers]:
    if scope == "all":
        day = deputies.today()
        away = deputies.absences_on(day)
        resolutions = {owner: deputies.resolve(owner, away) for owner in away}
        queryset = Contact.objects.open_follow_ups()
        return queryset, _Handlers(resolutions, deputies.cycles(away=away))
    found = queries.follow_ups_for(user, due_only=scope == "due")
    queryset = found.contacts
    if scope == "deputy":
        queryset = queryset.exclude(follow_up_owner_id=user.pk)
    return queryset, _Handlers(found.redirected, found.cycles)


@router.get(
    "/follow-ups",
    response={200: FollowUpPage, **LIST_ERRORS},
    summary="List open follow-ups",
    description="Soonest due first, paged by cursor. While a user is away their follow-ups "
    "are handled by their deputy (or the deputy's deputy …): such items have `via_deputy`, "
    "the `owner` stays recorded and `chain` shows how it got there. `cycles` lists cycles "
    "of deputies that keep follow-ups with their absent owners.",
)
def list_follow_ups(request: HttpRequest, filters: Query[FollowUpQuery]):
    require_capability(request, Capability.VIEW_JOURNAL)
    if filters.scope == "all" and filters.user is not None:
        raise ValidationError({"user": _("The scope “all” covers every user; leave out user.")})
    user = _whose(request, filters.user)
    queryset, handlers = _scoped(filters.scope, user)
    now = timezone.now()
    page = paginate(
        with_details(queryset),
        DUE_ORDER,
        page=filters,
        serialize=lambda contact: handlers.item(contact, now),
        count_queryset=queryset,
    )
    return {**page, "cycles": handlers.cycles}


# --- absences ------------------------------------------------------------------------------


def absence_out(absence: Absence) -> dict:
    today = deputies.today()
    return {
        "id": absence.pk,
        "user": user_out(absence.user),
        "starts_on": absence.starts_on,
        "ends_on": absence.ends_on,
        "reason": absence.reason,
        "reason_label": str(AbsenceReason(absence.reason).label),
        "deputy": user_out(absence.deputy),
        "note": absence.note,
        "recorded_by": user_out(absence.recorded_by),
        "active": absence.starts_on <= today <= absence.ends_on,
        "version": absence.version,
    }


def _absences() -> QuerySet:
    return Absence.objects.select_related("user", "deputy", "recorded_by")


def _visible(request: HttpRequest) -> QuerySet:
    """Administrators see every absence; others their own and those they stand in for."""
    if _can_manage(request):
        return _absences()
    me = request.auth.pk
    return _absences().filter(Q(user_id=me) | Q(deputy_id=me))


def _absence_for(request: HttpRequest, absence_id: int, *, write: bool = False) -> Absence:
    """The absence if the caller may see it (404 otherwise, as on the pages) and, with
    ``write``, change it (403 for the deputy, who sees it but does not own it).

    Every user records their own absences, so viewing the journal is enough."""
    require_capability(request, Capability.VIEW_JOURNAL)
    absence = get_object_or_404(_visible(request), pk=absence_id)
    if write and absence.user_id != request.auth.pk and not _can_manage(request):
        raise PermissionDenied
    return absence


def _absence_data(payload, user, absence: Absence | None = None) -> dict:
    data = payload.model_dump(exclude_unset=True, exclude={"version", "user"})
    if "note" in data and data["note"] is None:
        data["note"] = ""
    _check_period_and_deputy(data, user, absence)
    return resolve_ids(data, {"deputy": User})


def _check_period_and_deputy(data: dict, user, absence: Absence | None) -> None:
    """Name the field for what the table's constraints would refuse with a general message."""
    errors = {}
    deputy = data.get("deputy", absence.deputy_id if absence else None)
    if deputy is not None and deputy == user.pk:
        errors["deputy"] = _("Choose somebody else as deputy.")
    starts_on = data.get("starts_on", absence.starts_on if absence else None)
    ends_on = data.get("ends_on", absence.ends_on if absence else None)
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The absence ends before it starts.")
    if errors:
        raise ValidationError(errors)


@router.get(
    "/absences",
    response={200: AbsencePage, **LIST_ERRORS},
    summary="List absences",
    description="Latest first. Administrators (manage journal) see everybody's absences; "
    "other users their own and those in which they are the deputy.",
)
def list_absences(request: HttpRequest, filters: Query[AbsenceQuery]):
    require_capability(request, Capability.VIEW_JOURNAL)
    queryset = _visible(request)
    if filters.user is not None:
        queryset = queryset.filter(user_id=filters.user)
    if filters.active_on is not None:
        queryset = queryset.filter(starts_on__lte=filters.active_on, ends_on__gte=filters.active_on)
    return paginate(queryset, ABSENCE_ORDER, page=filters, serialize=absence_out)


@router.post(
    "/absences",
    response={201: AbsenceOut, **WRITE_ERRORS},
    summary="Record an absence",
    description="For the caller, or (administrators only) for another `user`. While it "
    "lasts the user's open follow-ups show up for the deputy. Overlapping absences of the "
    "same user are refused (422).",
)
def create_absence(request: HttpRequest, payload: AbsenceIn):
    require_capability(request, Capability.VIEW_JOURNAL)
    user = _whose(request, payload.user)
    data = {**_absence_data(payload, user), "user": user}
    absence = services.absence_create(data=data, by=request.auth)
    return Status(201, absence_out(get_object_or_404(_absences(), pk=absence.pk)))


@router.get(
    "/absences/cycles",
    response={200: list[CycleOut], **LIST_ERRORS},
    summary="Find cycles of deputies",
    description="Days in the period on which everybody on a chain of deputies is away "
    "(A stands in for B, B for A): their follow-ups then stay with the owners. Each cycle "
    f"is listed once, on its first day. Default period: today and {DEFAULT_CYCLE_DAYS} days "
    f"on; at most {MAX_CYCLE_DAYS} days.",
)
def list_deputy_cycles(request: HttpRequest, period: Query[CycleQuery]):
    require_capability(request, Capability.VIEW_JOURNAL)
    start = period.date_from or deputies.today()
    end = period.date_to or start + datetime.timedelta(days=DEFAULT_CYCLE_DAYS)
    if end < start:
        raise ValidationError({"to": _("The period ends before it starts.")})
    if (end - start).days >= MAX_CYCLE_DAYS:
        raise ValidationError(
            {"to": _("The period is at most %(days)d days long.") % {"days": MAX_CYCLE_DAYS}}
        )
    found = deputies.cycles_between(start, end)
    users = User.objects.in_bulk({pk for _day, cycle in found for pk in cycle})
    return [{"day": day, "users": [user_out(users[pk]) for pk in cycle]} for day, cycle in found]


@router.get(
    "/absences/{absence_id}",
    response={200: AbsenceOut, **READ_ERRORS},
    summary="Get an absence",
)
def get_absence(request: HttpRequest, absence_id: int):
    return absence_out(_absence_for(request, absence_id))


@router.patch(
    "/absences/{absence_id}",
    response={200: AbsenceOut, **UPDATE_ERRORS},
    summary="Change an absence",
    description="Only the fields sent are changed (the user stays). Send `version` to refuse "
    "a stale edit (409). The absent user or an administrator may change it.",
)
def update_absence(request: HttpRequest, absence_id: int, payload: AbsencePatch):
    absence = _absence_for(request, absence_id, write=True)
    with request_field_names():
        services.absence_update(
            absence=absence,
            data=_absence_data(payload, absence.user, absence),
            expected_version=payload.version,
            by=request.auth,
        )
    return absence_out(get_object_or_404(_absences(), pk=absence.pk))


@router.delete(
    "/absences/{absence_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an absence",
    description="The follow-ups return to their owner at once. The absent user or an "
    "administrator may delete it.",
)
def delete_absence(request: HttpRequest, absence_id: int):
    absence = _absence_for(request, absence_id, write=True)
    services.absence_delete(absence=absence, by=request.auth)
    return Status(204, None)
