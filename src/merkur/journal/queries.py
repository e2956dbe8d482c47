"""Reading the journal: list filters, sort orders and "my follow-ups" with deputies.

One place for the filters, used by the journal page, the API and exports. Every
filter is a condition on an indexed column of the contact row (or an EXISTS on
an indexed link table), so the list stays fast at millions of contacts.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Substr
from django.utils import timezone

from merkur.core.pagination import Ordering
from merkur.journal import deputies
from merkur.journal.models import Contact, ContactKind, ContactLink, ContactPerson, ContactType

SORTS = {
    "newest": Ordering(("-occurred_at", "-id")),
    "oldest": Ordering(("occurred_at", "id")),
    "due": Ordering(("follow_up_due", "id")),
    "subject": Ordering(("subject", "id")),
}
DEFAULT_SORT = "newest"


def sortable(queryset: QuerySet, sort: str) -> QuerySet:
    """The rows a sort order can page through: sorted by due date, only contacts with a
    follow-up (a missing due date has no place in the keyset)."""
    if sort == "due":
        return queryset.filter(follow_up_due__isnull=False)
    return queryset


class State:
    ALL = ""
    OPEN = "open"  # follow-up not done yet
    OVERDUE = "overdue"  # open and past due
    DONE = "done"
    NO_FOLLOW_UP = "none"


@dataclass
class ContactFilter:
    """What the journal can be narrowed by (all optional, combined with AND)."""

    q: str = ""  # words in subject and text
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None  # included
    kinds: list[int] = field(default_factory=list)
    kind_group: int | None = None
    types: list[int] = field(default_factory=list)
    type_group: int | None = None
    company: int | None = None
    person: int | None = None
    recorded_by: int | None = None
    owner: int | None = None  # follow-up owner
    state: str = State.ALL
    link: tuple[str, int] | None = None  # linked to this record

    def apply(self, queryset: QuerySet | None = None, *, now=None) -> QuerySet:
        qs = Contact.objects.all() if queryset is None else queryset
        now = now or timezone.now()
        if self.q:
            qs = qs.filter(search_text__words=self.q)
        if self.date_from:
            qs = qs.filter(occurred_at__gte=_start_of(self.date_from))
        if self.date_to:
            qs = qs.filter(occurred_at__lt=_start_of(self.date_to + datetime.timedelta(days=1)))
        kinds = _ids(self.kinds, self.kind_group, ContactKind)
        if kinds is not None:
            qs = qs.filter(kind_id__in=kinds)
        types = _ids(self.types, self.type_group, ContactType)
        if types is not None:
            qs = qs.filter(type_id__in=types)
        if self.company:
            qs = qs.filter(company_id=self.company)
        if self.person:
            qs = qs.filter(
                Exists(ContactPerson.objects.filter(contact=OuterRef("pk"), person_id=self.person))
            )
        if self.recorded_by:
            qs = qs.filter(recorded_by_id=self.recorded_by)
        if self.owner:
            qs = qs.filter(follow_up_owner_id=self.owner)
        if self.state == State.OPEN:
            qs = qs.open_follow_ups()
        elif self.state == State.OVERDUE:
            qs = qs.overdue(now)
        elif self.state == State.DONE:
            qs = qs.filter(follow_up_done_at__isnull=False)
        elif self.state == State.NO_FOLLOW_UP:
            qs = qs.filter(follow_up_owner__isnull=True)
        if self.link:
            kind, object_id = self.link
            qs = qs.filter(
                Exists(
                    ContactLink.objects.filter(
                        contact=OuterRef("pk"), kind=kind, object_id=object_id
                    )
                )
            )
        return qs

    def is_empty(self) -> bool:
        return self == ContactFilter()


TEXT_START = 300  # characters of a contact's text a list row reads (a report can be long)


def with_text_start(queryset: QuerySet, length: int = TEXT_START) -> QuerySet:
    """Leave the (possibly long) text and the search words unread; ``text_start`` holds
    the first ``length`` characters, enough for a list's preview or an excerpt."""
    return queryset.defer("text", "search_text").annotate(text_start=Substr("text", 1, length))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _ids(items: list[int], group: int | None, model) -> list[int] | None:
    """The chosen items, narrowed to (or, without items, all of) the chosen group.

    Resolved to ids here (master tables are small), so the contact query keeps
    to ``type_id IN (…)`` on its own index instead of joining.
    """
    if not items and not group:
        return None
    query = model.objects.all()
    if items:
        query = query.filter(pk__in=items)
    if group:
        query = query.filter(group_id=group)
    return list(query.values_list("pk", flat=True)) or [0]


def for_company(company_id: int) -> QuerySet:
    """A company's contacts: its own and those linked to it."""
    linked = ContactLink.objects.filter(kind="company", object_id=company_id).values("contact")
    return Contact.objects.filter(Q(company_id=company_id) | Q(pk__in=linked))


def for_person(person_id: int) -> QuerySet:
    """A person's contacts: those they took part in and those linked to them."""
    took_part = ContactPerson.objects.filter(person_id=person_id).values("contact")
    linked = ContactLink.objects.filter(kind="person", object_id=person_id).values("contact")
    return Contact.objects.filter(Q(pk__in=took_part) | Q(pk__in=linked))


# --- my follow-ups ------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUps:
    """A user's open follow-ups today: their own and those they handle as deputy."""

    contacts: QuerySet  # annotated with ``via_deputy`` (bool)
    redirected: dict[int, deputies.Resolution]  # absent owner → chain to this user
    cycles: list[tuple[int, ...]]


def follow_ups_for(
    user, *, due_only: bool = False, day: datetime.date | None = None, now=None
) -> FollowUps:
    """Open follow-ups ``user`` should see on ``day``, soonest due first.

    ``due_only``: only those due by the end of the day (what the login reminder shows).
    """
    day = day or deputies.today()
    away = deputies.absences_on(day)  # read once for both the redirections and the cycles
    redirected = deputies.redirected_to(user.pk, away=away)
    owners = [user.pk, *redirected]
    qs = Contact.objects.open_follow_ups().filter(follow_up_owner_id__in=owners)
    if due_only:
        qs = qs.filter(follow_up_due__lt=_start_of(day + datetime.timedelta(days=1)))
    qs = qs.annotate(
        via_deputy=Case(
            When(follow_up_owner_id=user.pk, then=Value(False)),
            default=Value(True),
        )
    ).order_by("follow_up_due", "id")
    cycles = [c for c in deputies.cycles(away=away) if user.pk in c]
    return FollowUps(contacts=qs, redirected=redirected, cycles=cycles)
