"""Writes on marketing events and their members: atomic, each recorded in the history.

Members from a frozen selection run are copied with one ``INSERT … SELECT`` (a run of
a million never passes through Python); those already members are skipped. The
SELECT is the ORM's SQL with its parameters — nothing typed by a user is put into the
statement text. Bulk changes of members are one ``UPDATE``/``DELETE`` each and leave
one change record on the event saying how many members changed.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.addresses.models import Address
from merkur.companies.models import Company, CompanyAddress, Person
from merkur.core.audit import diff, record_change, snapshot
from merkur.core.locking import lock_for_update
from merkur.core.models import ChangeRecord
from merkur.mailings.models import (
    EventMember,
    MarketingEvent,
    MemberSource,
    MemberStatus,
)
from merkur.selections.models import SelectionRun, SelectionRunMember

Action = ChangeRecord.Action
EVENT_FIELDS = ("name", "kind", "starts_on", "ends_on", "description", "owner")
# The member columns the INSERT … SELECT fills, in this order.
INSERT_COLUMNS = (
    "event",
    "company",
    "person",
    "address",
    "status",
    "status_changed_at",
    "source",
    "run",
    "added_by",
    "added_at",
)
BATCH = 5_000


@dataclass(frozen=True)
class AddResult:
    """How many records became members, and how many were members already (or gone)."""

    added: int
    skipped: int


def _user(by):
    return by if by is not None and getattr(by, "is_authenticated", False) and by.pk else None


def _check_status(status: str) -> str:
    if status not in MemberStatus.values:
        raise ValidationError(
            {
                "status": _("Choose one of these statuses: %(names)s.")
                % {"names": ", ".join(MemberStatus.values)}
            }
        )
    return status


# --- events ---------------------------------------------------------------------------------


def _check_event(event: MarketingEvent) -> None:
    event.name = (event.name or "").strip()
    errors = {}
    if event.kind_id and not event.kind.is_active and not event.pk:
        errors["kind"] = [_("This kind is no longer in use.")]
    try:
        event.full_clean(exclude=["owner"] if event.owner_id else None)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_create(*, data: dict, by) -> MarketingEvent:
    """A new event from ``data`` (fields of ``EVENT_FIELDS``; the owner defaults to ``by``)."""
    event = MarketingEvent(**{name: data[name] for name in EVENT_FIELDS if name in data})
    if not event.owner_id:
        event.owner = by
    _check_event(event)
    event.save()
    record_change(
        obj=event, action=Action.CREATE, user=by, changes=diff({}, snapshot(event, EVENT_FIELDS))
    )
    return event


@transaction.atomic
def event_update(
    *, event: MarketingEvent, data: dict, expected_version: int | None, by
) -> MarketingEvent:
    """Change the fields in ``data``; a stale ``expected_version`` is an ``EditConflict``."""
    event = lock_for_update(MarketingEvent, event.pk, expected_version)
    before = snapshot(event, EVENT_FIELDS)
    old_kind = event.kind_id
    for name in EVENT_FIELDS:
        if name in data:
            setattr(event, name, data[name])
    if event.kind_id != old_kind and not event.kind.is_active:
        raise ValidationError({"kind": _("This kind is no longer in use.")})
    _check_event(event)
    changes = diff(before, snapshot(event, EVENT_FIELDS))
    if not changes:
        return event
    event.version += 1
    event.updated_at = timezone.now()
    event.save()
    record_change(obj=event, action=Action.UPDATE, user=by, changes=changes)
    return event


@transaction.atomic
def event_delete(*, event: MarketingEvent, by) -> None:
    """Delete the event with its members."""
    event = lock_for_update(MarketingEvent, event.pk, None)
    record_change(
        obj=event,
        action=Action.DELETE,
        user=by,
        changes={"name": [event.name, None], "members": [event.members.count(), None]},
    )
    event.delete()


def _record_members(event: MarketingEvent, by, what: str, count: int) -> None:
    """One change record on the event for a change of many members."""
    if count:
        record_change(obj=event, action=Action.UPDATE, user=by, changes={what: [None, count]})


# --- members from a frozen run --------------------------------------------------------------


def _run_select(event: MarketingEvent, run: SelectionRun, status: str, by) -> tuple[str, tuple]:
    """The SELECT of the new member rows: the run's members not yet in the event whose
    company (and person) still exist, with the frozen address if it still exists."""
    now = timezone.now()
    members = SelectionRunMember.objects.filter(run=run).filter(
        Exists(Company.objects.filter(pk=OuterRef("company_id")))
    )
    present = EventMember.objects.filter(event=event, company_id=OuterRef("company_id"))
    if run.target == "people":
        members = members.filter(Exists(Person.objects.filter(pk=OuterRef("person_id"))))
        present = present.filter(person_id=OuterRef("person_id"))
        person = F("person_id")
    else:
        present = present.filter(person__isnull=True)
        person = _null()
    members = members.filter(~Exists(present))
    columns = {
        "m_event": Value(event.pk, output_field=BigIntegerField()),
        "m_company": F("company_id"),
        "m_person": person,
        "m_address": Subquery(Address.objects.filter(pk=OuterRef("address_id")).values("pk")[:1]),
        "m_status": Value(status, output_field=CharField()),
        "m_status_changed_at": Value(now, output_field=DateTimeField()),
        "m_source": Value(MemberSource.RUN, output_field=CharField()),
        "m_run": Value(run.pk, output_field=BigIntegerField()),
        "m_added_by": Value(by.pk, output_field=BigIntegerField()) if by else _null(),
        "m_added_at": Value(now, output_field=DateTimeField()),
    }
    return members.order_by().values(**columns).query.sql_with_params()


def _null():
    # A bare NULL in a subquery is text to PostgreSQL; the columns are bigints.
    return Cast(Value(None), BigIntegerField())


@transaction.atomic
def members_add_from_run(
    *, event: MarketingEvent, run: SelectionRun, status: str = MemberStatus.PLANNED, by
) -> AddResult:
    """Make the members of a frozen run members of ``event`` with ``status``, in one
    ``INSERT … SELECT``. People runs add person members, company runs company members;
    records already members (and records deleted since the run) are skipped."""
    _check_status(status)
    event = lock_for_update(MarketingEvent, event.pk, None)
    by = _user(by)
    select, params = _run_select(event, run, status, by)
    table = connection.ops.quote_name(EventMember._meta.db_table)
    targets = ", ".join(
        connection.ops.quote_name(EventMember._meta.get_field(name).column)
        for name in INSERT_COLUMNS
    )
    sources = ", ".join(
        "picked." + connection.ops.quote_name(f"m_{name}") for name in INSERT_COLUMNS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({targets}) SELECT {sources} FROM ({select}) picked", params
        )
        added = max(cursor.rowcount, 0)
    _record_members(event, by, "members added from a selection run", added)
    return AddResult(added=added, skipped=max(run.count - added, 0))


# --- members by hand and from imports -------------------------------------------------------


def _contact_address_id(company_id: int) -> int | None:
    return (
        CompanyAddress.objects.filter(company_id=company_id, kind="contact")
        .values_list("address_id", flat=True)
        .first()
    )


@transaction.atomic
def member_add(
    *,
    event: MarketingEvent,
    company: Company,
    person: Person | None = None,
    address: Address | None = None,
    status: str = MemberStatus.PLANNED,
    by,
) -> EventMember:
    """Add one company (``person`` None) or one person at it by hand.

    Without ``address`` the company's contact address is taken. A record that is a
    member already is refused with a message.
    """
    _check_status(status)
    if person is not None and person.company_id != company.pk:
        raise ValidationError({"person": _("This person does not work at this company.")})
    event = lock_for_update(MarketingEvent, event.pk, None)
    member = EventMember(
        event=event,
        company=company,
        person=person,
        address_id=address.pk if address is not None else _contact_address_id(company.pk),
        status=status,
        source=MemberSource.MANUAL,
        added_by=_user(by),
    )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        who = person if person is not None else company
        raise ValidationError(
            {
                "person" if person is not None else "company": _(
                    "“%(name)s” is a member of this event already."
                )
                % {"name": who}
            },
            code="duplicate",
        ) from None
    _record_members(event, _user(by), "members added by hand", 1)
    return member


Pairs = Iterable[tuple[int, int | None]]


@transaction.atomic
def add_members(
    event: MarketingEvent,
    rows: Pairs,
    status: str = MemberStatus.PLANNED,
    source: str = MemberSource.IMPORT,
    *,
    by=None,
) -> int:
    """Add (company id, person id or None) pairs as members in batches; pairs already
    members are skipped. Returns how many were added. Used by the address import."""
    _check_status(status)
    if source not in MemberSource.values:
        raise ValidationError({"source": _("Unknown source.")})
    event = lock_for_update(MarketingEvent, event.pk, None)
    by = _user(by)
    before = EventMember.objects.filter(event=event).count()
    now = timezone.now()
    batch: list[EventMember] = []

    def flush() -> None:
        EventMember.objects.bulk_create(batch, ignore_conflicts=True)
        batch.clear()

    for company_id, person_id in rows:
        batch.append(
            EventMember(
                event=event,
                company_id=company_id,
                person_id=person_id,
                address_id=_contact_address_id(company_id) if person_id is None else None,
                status=status,
                status_changed_at=now,
                source=source,
                added_by=by,
                added_at=now,
            )
        )
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    added = EventMember.objects.filter(event=event).count() - before
    _record_members(event, by, "members added by import", added)
    return added


# --- status and removal ---------------------------------------------------------------------


def _members(event: MarketingEvent, members: QuerySet | Iterable[int]) -> QuerySet:
    """The event's members among ``members`` (ids or a queryset); others are ignored."""
    queryset = EventMember.objects.filter(event=event)
    if isinstance(members, QuerySet):
        return queryset.filter(pk__in=members.filter(event=event).values("pk"))
    return queryset.filter(pk__in=list(members))


@transaction.atomic
def members_set_status(
    *, event: MarketingEvent, members: QuerySet | Iterable[int], status: str, by
) -> int:
    """Give ``members`` of ``event`` the status; returns how many changed (members that
    have it already keep their ``status_changed_at``)."""
    _check_status(status)
    event = lock_for_update(MarketingEvent, event.pk, None)
    changed = (
        _members(event, members)
        .filter(~Q(status=status))
        .update(status=status, status_changed_at=timezone.now())
    )
    _record_members(event, _user(by), f"status → {MemberStatus(status).label}", changed)
    return changed


@transaction.atomic
def members_remove(*, event: MarketingEvent, members: QuerySet | Iterable[int], by) -> int:
    """Remove ``members`` from ``event``; returns how many were removed."""
    event = lock_for_update(MarketingEvent, event.pk, None)
    removed, _detail = _members(event, members).delete()
    _record_members(event, _user(by), "members removed", removed)
    return removed
