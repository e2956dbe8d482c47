"""Request and response schemas of the selections API."""

import datetime
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, create_model, model_validator

from merkur.core.api.errors import ErrorOut
from merkur.core.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageQuery, page_schema
from merkur.core.api.schemas import BodySchema, Id, InSchema, Ref
from merkur.selections import recipients

VERSION_HELP = (
    "The version the change starts from; a stale one is refused with 409. "
    "Without it the change is written whatever happened meanwhile (last write wins)."
)
DEFINITION_HELP = (
    "A selection definition, format version 1 (`docs/selection-definition.schema.json`): "
    '`{"version": 1, "target": "people", "where": {"and": [{"criterion": …, "op": …, '
    '"value": …}]}}`. The criteria are listed by `GET /selections/catalog`.'
)
TODAY_HELP = (
    "The day relative periods are counted from (“last year” on 2026-06-15 is 2025); default: today."
)

Target = Literal["people", "companies"]
AddressKind = Literal[tuple(recipients.ADDRESS_KINDS)]
Sort = Literal[tuple(recipients.SORTS)]
Dedupe = Literal[(*recipients.DEDUPES, "none")]
Purpose = Literal[tuple(recipients.PURPOSES)]


def _plausible(value: datetime.date) -> datetime.date:
    # Periods and dates of the format lie between 1900 and 2999.
    if not 1900 <= value.year <= 2999:
        raise ValueError(_("The date must lie between 1900 and 2999."))
    return value


Day = Annotated[datetime.date, AfterValidator(_plausible)]


class ErrorPathOut(ErrorOut):
    """A refused definition: ``path`` names the node (``where.and.2.value``, items from 1)."""

    path: str | None = Field(
        None, description="The node of the definition the error is about, e.g. `where.and.2.op`."
    )


# --- catalog ---------------------------------------------------------------------------------


class KeyLabel(Schema):
    key: str
    label: str


class OperatorOut(Schema):
    op: str
    label: str
    value_kind: str = Field(
        ...,
        description="The value picker: `none` (no value), `text`, `texts`, `number`, "
        "`number_range`, `date`, `date_range`, `text_range`, `countries`, `currency`, "
        "`period`, `ids`, `id`, `scalar(s)`, `scalar_range` or `records` (ids of `value_model`).",
    )
    value_model: str | None = Field(
        None, description="For `records`: the model the ids are of (`companies.Industry`)."
    )


class ParamOut(Schema):
    name: str
    kind: str
    model: str | None = None
    required: bool


class CriterionOut(Schema):
    key: str
    area: str
    area_label: str
    subject: Literal["company", "person"] = Field(
        ..., description="What the criterion is about; the compiler translates to the target."
    )
    label: str
    operators: list[OperatorOut]
    params: list[ParamOut]


class CatalogOut(Schema):
    version: int = Field(..., description="The current definition format version.")
    targets: list[str]
    addresses: list[str]
    max_depth: int = Field(..., description="How deep groups may nest.")
    max_nodes: int = Field(..., description="How many groups and conditions a definition has.")
    areas: list[KeyLabel]
    relative_periods: list[KeyLabel]
    criteria: list[CriterionOut]


# --- saved selections --------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    username: str
    name: str


class SelectionIn(BodySchema):
    name: str = Field(..., max_length=200)
    description: str = ""
    shared: bool = Field(False, description="Shared selections are visible to every user.")
    definition: dict[str, Any] = Field(..., description=DEFINITION_HELP)


class SelectionPatch(BodySchema):
    name: str | None = Field(None, max_length=200)
    description: str | None = None
    shared: bool | None = None
    definition: dict[str, Any] | None = Field(None, description=DEFINITION_HELP)
    version: int | None = Field(None, description=VERSION_HELP)


class SelectionSummaryOut(Schema):
    id: int
    name: str
    description: str
    owner: UserRef
    shared: bool
    target: Target
    version: int
    updated_at: datetime.datetime


class SelectionOut(SelectionSummaryOut):
    definition: dict[str, Any] = Field(..., description="As stored (checked, normalised).")
    references: list[Ref] = Field(..., description="Saved selections this one uses.")
    referenced_by: list[Ref] = Field(
        ..., description="Saved selections visible to the caller that use this one."
    )
    can_change: bool = Field(..., description="The caller owns it and may save selections.")
    created_at: datetime.datetime


SelectionPage = page_schema(SelectionSummaryOut, "SelectionPage")


class SelectionQuery(PageQuery):
    target: Target | None = None
    mine: bool = Field(False, description="Only the caller's own selections.")
    q: str | None = Field(None, max_length=200, description="Part of the name.")


# --- validate, count, run ----------------------------------------------------------------------


class DefinitionIn(BodySchema):
    definition: dict[str, Any] = Field(..., description=DEFINITION_HELP)


class ValidOut(Schema):
    valid: bool
    target: Target
    address: AddressKind
    conditions: int = Field(..., description="Number of conditions in the tree.")
    definition: dict[str, Any] = Field(..., description="The definition as it would be stored.")


class SourceIn(BodySchema):
    definition: dict[str, Any] | None = Field(None, description=DEFINITION_HELP)
    selection: Id | None = Field(None, description="A saved selection, instead of `definition`.")
    today: Day | None = Field(None, description=TODAY_HELP)

    @model_validator(mode="after")
    def _one_source(self):
        if (self.definition is None) == (self.selection is None):
            raise ValueError(_("Give either a definition or a saved selection's id."))
        return self


class CountIn(SourceIn):
    exact: bool = Field(
        False, description="Count every match; otherwise the count stops at a cap (fast)."
    )


class CountOut(Schema):
    target: Target
    today: datetime.date
    count: int
    count_exact: bool = Field(..., description="False: there are more than `count`.")


class RunIn(SourceIn):
    address: AddressKind | None = Field(
        None, description="For companies: the address kind; default: the definition's."
    )
    sort: Sort = "postal_code"
    dedupe: Dedupe = Field(
        "person",
        description="One row per `person`, per `address`, per `company` (one letter per "
        "company), or `none`.",
    )
    purpose: Purpose = Field(
        "marketing",
        description="`marketing` leaves out people who objected to marketing; "
        "`non_marketing` (invoices, recalls) keeps them.",
    )
    cursor: str | None = Field(None, description="`next_cursor` of the page before.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _recipient_fields() -> dict:
    fields: dict = {}
    for column in recipients.COLUMNS:
        kind = int if column.endswith("_pk") else str
        fields[column] = (kind | None, None)
    fields["lines"] = (
        list[str],
        Field(..., description="The address block, formatted by its country's rules."),
    )
    return fields


RecipientOut = create_model("RecipientOut", __base__=Schema, **_recipient_fields())


class RecipientPage(Schema):
    items: list[RecipientOut]
    next_cursor: str | None = None
    previous_cursor: str | None = None
    count: int = Field(..., description="Number of recipients, at most the cap.")
    count_exact: bool


class RunResultOut(RecipientPage):
    target: Target
    today: datetime.date


# --- frozen runs -------------------------------------------------------------------------------


class FreezeIn(BodySchema):
    today: Day | None = Field(None, description=TODAY_HELP)


class RunOut(Schema):
    id: int
    selection: Ref | None = Field(None, description="The saved selection run, if it still exists.")
    definition: dict[str, Any] = Field(..., description="The definition as it was run.")
    target: Target
    address: AddressKind
    run_at: datetime.datetime
    by: UserRef | None
    today: datetime.date = Field(..., description="The day that fixed the relative periods.")
    count: int


RunPage = page_schema(RunOut, "SelectionRunPage")


class MembersQuery(InSchema):
    sort: Sort = "postal_code"
    purpose: Purpose = Field(
        "non_marketing",
        description="`non_marketing` lists every member; `marketing` leaves out people who "
        "objected to marketing since (as a mailing from the run does).",
    )
    cursor: str | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class CompareQuery(InSchema):
    sort: Sort = "postal_code"
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows of each list.")


class CompareOut(Schema):
    earlier: int
    later: int
    new_count: int = Field(..., description="Members of the later run not in the earlier one.")
    dropped_count: int = Field(..., description="Members of the earlier run not in the later.")
    new: list[RecipientOut] = Field(..., description="The first of the new members.")
    dropped: list[RecipientOut] = Field(..., description="The first of those who dropped out.")
