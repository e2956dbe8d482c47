"""Request and response schemas of the journal API: contacts, follow-ups, absences."""

import datetime
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator

from merkur.core.api.pagination import PageQuery, page_schema
from merkur.core.api.schemas import BodySchema, Id, InSchema, Ref
from merkur.journal.models import AbsenceReason
from merkur.journal.queries import SORTS, ContactFilter

VERSION_HELP = (
    "The version the change starts from; a stale one is refused with 409. "
    "Without it the change is written whatever happened meanwhile (last write wins)."
)
State = Literal["open", "overdue", "done", "none"]
FollowUpState = Literal["open", "overdue", "done"]
Sort = Literal[tuple(SORTS)]
Reason = Literal[tuple(AbsenceReason.values)]

# --- shared pieces -------------------------------------------------------------------------

# Dates far from now would overflow when shifted between time zones or by a day.
FIRST_YEAR, LAST_YEAR = 1000, 9998


def _plausible(value):
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(
            _("Give a date between the years %(first)d and %(last)d.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return value


Day = Annotated[datetime.date, AfterValidator(_plausible)]
Moment = Annotated[datetime.datetime, AfterValidator(_plausible)]


class UserRef(Schema):
    id: int
    username: str
    name: str = Field(..., description="Full name; the username if none is recorded.")


class GroupedRef(Ref):
    """An entry of a two-level master table (contact kind or type) with its group."""

    group: Ref


# --- contacts: input -----------------------------------------------------------------------


class FollowUpIn(BodySchema):
    owner: Id = Field(..., description="The user who follows up.")
    due: Moment = Field(
        ..., description="When it is due (without a time zone: the server's local time)."
    )


class LinkIn(BodySchema):
    kind: str = Field(..., description="A linkable kind: `company`, `person`, …")
    id: Id = Field(..., description="The id of the linked record.")


class ContactFields(BodySchema):
    occurred_at: Moment | None = Field(
        None, description="When the contact took place; default: now."
    )
    company: Id
    people: list[Id] = Field([], description="People of that company who took part.")
    kind: Id = Field(..., description="Contact kind (an item of `/master/contact-kinds`).")
    type: Id | None = Field(None, description="Contact type (`/master/contact-types`).")
    subject: str = Field(..., max_length=200)
    text: str = Field(
        "",
        description="HTML (paragraphs, lists, emphasis, links) or plain text; "
        "anything else (scripts, styles, event handlers) is removed.",
    )
    follow_up: FollowUpIn | None = Field(None, description="Who follows up, and when.")
    recurrence_rule: str = Field(
        "",
        max_length=300,
        description="An RFC 5545 RRULE, e.g. `FREQ=WEEKLY;INTERVAL=2;BYDAY=TU`; "
        "needs a follow-up (the series starts at its due date).",
    )


class ContactIn(ContactFields):
    links: list[LinkIn] = Field([], description="Records the contact is linked to.")


class ContactPatch(BodySchema):
    occurred_at: Moment | None = None
    company: Id | None = Field(None, description="Moving the contact checks its people too.")
    people: list[Id] | None = Field(None, description="Replaces the people.")
    kind: Id | None = None
    type: Id | None = None
    subject: str | None = Field(None, max_length=200)
    text: str | None = None
    follow_up: FollowUpIn | None = Field(None, description="`null` removes the follow-up.")
    recurrence_rule: str | None = Field(None, max_length=300, description='`""` ends it.')
    version: int | None = Field(None, description=VERSION_HELP)


# --- contacts: output ----------------------------------------------------------------------


class FollowUpOut(Schema):
    owner: UserRef
    due: datetime.datetime
    done_at: datetime.datetime | None
    done_by: UserRef | None
    skipped: bool = Field(..., description="This occurrence of a series was skipped.")
    state: FollowUpState


class RecurrenceOut(Schema):
    rule: str
    description: str = Field(..., description="The rule in plain language.")
    start: datetime.datetime | None
    next: list[datetime.datetime] = Field(
        ..., description="The next (at most 3) occurrences after this one."
    )


class LinkOut(Schema):
    link_id: int = Field(..., description="Id of the link itself (to remove it).")
    kind: str
    id: int = Field(..., description="Id of the linked record.")
    label: str


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    uploaded_by: UserRef
    uploaded_at: datetime.datetime
    download_url: str


class ContactSummaryOut(Schema):
    id: int
    occurred_at: datetime.datetime
    company: Ref
    people: list[Ref]
    kind: GroupedRef
    type: GroupedRef | None
    subject: str
    excerpt: str = Field(..., description="The start of the text, without markup.")
    recorded_by: UserRef
    follow_up: FollowUpOut | None
    recurring: bool
    version: int


class ContactOut(ContactSummaryOut):
    text: str = Field(..., description="The sanitised HTML.")
    text_plain: str
    recurrence: RecurrenceOut | None
    series: int | None = Field(..., description="The first contact of its series.")
    follows: int | None = Field(..., description="The contact whose follow-up this one was.")
    links: list[LinkOut]
    attachments: list[AttachmentOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


ContactPage = page_schema(ContactSummaryOut, "ContactPage")


class FollowUpActionOut(Schema):
    contact: ContactOut
    next_occurrence: int | None = Field(
        ..., description="The series' next occurrence, now the open follow-up (else null)."
    )


class ContactQuery(PageQuery):
    q: str = Field("", description="Words in subject and text.")
    date_from: Day | None = Field(None, description="From this day on.")
    date_to: Day | None = Field(None, description="Up to this day (included).")
    kind: list[Id] = Field([], description="Any of these contact kinds (repeatable).")
    kind_group: Id | None = Field(None, description="Kinds of this group.")
    type: list[Id] = Field([], description="Any of these contact types (repeatable).")
    type_group: Id | None = Field(None, description="Types of this group.")
    company: Id | None = None
    person: Id | None = Field(None, description="Took part in the contact.")
    recorded_by: Id | None = Field(None, description="User who recorded it.")
    owner: Id | None = Field(None, description="User who follows up.")
    state: State | None = Field(
        None,
        description="Follow-up: `open`, `overdue` (open and past due), `done`, `none` (without).",
    )
    link_kind: str | None = Field(None, description="Linked to a record of this kind …")
    link_id: Id | None = Field(None, description="… with this id (both or neither).")
    sort: Sort = Field(
        "newest",
        description="`newest`/`oldest` by date, `due` by follow-up due date "
        "(only contacts with a follow-up), `subject`.",
    )

    def to_filter(self) -> ContactFilter:
        link = (self.link_kind, self.link_id) if self.link_kind and self.link_id else None
        return ContactFilter(
            q=self.q.strip(),
            date_from=self.date_from,
            date_to=self.date_to,
            kinds=self.kind,
            kind_group=self.kind_group,
            types=self.type,
            type_group=self.type_group,
            company=self.company,
            person=self.person,
            recorded_by=self.recorded_by,
            owner=self.owner,
            state=self.state or "",
            link=link,
        )


# --- follow-ups ----------------------------------------------------------------------------

Scope = Literal["mine", "due", "deputy", "all"]


class FollowUpQuery(PageQuery):
    scope: Scope = Field(
        "mine",
        description="`mine`: every open follow-up the user handles today, their own and those "
        "of absent users they stand in for; `due`: of these, the ones due by the end of today; "
        "`deputy`: only those handled as deputy; `all`: every open follow-up of every user.",
    )
    user: Id | None = Field(
        None, description="Whose follow-ups (default: the caller's; others: administrators)."
    )


class FollowUpItemOut(ContactSummaryOut):
    owner: UserRef = Field(..., description="The follow-up's owner (stays recorded).")
    handled_by: UserRef = Field(..., description="Who handles it today (a deputy if redirected).")
    via_deputy: bool = Field(..., description="Handled by a deputy because the owner is away.")
    chain: list[UserRef] = Field(
        ..., description="Owner, deputy, deputy's deputy … when redirected; else empty."
    )
    overdue: bool


class FollowUpPage(page_schema(FollowUpItemOut, "FollowUpItems")):
    cycles: list[list[UserRef]] = Field(
        ...,
        description="Cycles of deputies (everybody on it away) that concern the list: "
        "their follow-ups stay with their owners.",
    )


# --- absences ------------------------------------------------------------------------------


class AbsenceFields(BodySchema):
    starts_on: Day
    ends_on: Day = Field(..., description="The last day of the absence (included).")
    reason: Reason = AbsenceReason.VACATION.value
    deputy: Id = Field(..., description="Who takes over the follow-ups meanwhile.")
    note: str = Field("", max_length=200)


class AbsenceIn(AbsenceFields):
    user: Id | None = Field(
        None, description="Who is away (default: the caller; others: administrators)."
    )


class AbsencePatch(BodySchema):
    starts_on: Day | None = None
    ends_on: Day | None = None
    reason: Reason | None = None
    deputy: Id | None = None
    note: str | None = Field(None, max_length=200)
    version: int | None = Field(None, description=VERSION_HELP)


class AbsenceOut(Schema):
    id: int
    user: UserRef
    starts_on: datetime.date
    ends_on: datetime.date
    reason: Reason
    reason_label: str
    deputy: UserRef
    note: str
    recorded_by: UserRef | None
    active: bool = Field(..., description="The absence covers today.")
    version: int


AbsencePage = page_schema(AbsenceOut, "AbsencePage")


class AbsenceQuery(PageQuery):
    user: Id | None = Field(
        None,
        description="Absences of this user. Administrators see everybody's; "
        "others see their own and those they are deputy in.",
    )
    active_on: Day | None = Field(None, description="Absences that cover this day.")


class CycleQuery(InSchema):
    date_from: Day | None = Field(None, alias="from", description="First day.")
    date_to: Day | None = Field(None, alias="to", description="Last day (included).")


class CycleOut(Schema):
    day: datetime.date = Field(..., description="The first day the cycle exists.")
    users: list[UserRef] = Field(..., description="The users on the cycle, in deputy order.")
