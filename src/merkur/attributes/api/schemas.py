"""Request and response schemas of the attributes API."""

import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema

from merkur.attributes.models import AttributeType
from merkur.core.api.pagination import PageQuery, page_schema
from merkur.core.api.schemas import BodySchema, patch_schema

VERSION_HELP = (
    "The version the change starts from; a stale one is refused with 409. "
    "Without it the change is written whatever happened meanwhile (last write wins)."
)
VALUE_HELP = (
    "By type: text; a whole number; a decimal as a JSON number or a string "
    '(the user\'s notation, e.g. "1.234,5"); an ISO date; true/false; '
    "a choice's id or label (a list of them for several choices); the id of the linked record."
)

# --- definitions ---------------------------------------------------------------------------


class ChoiceOut(Schema):
    id: int
    label: str
    sort_order: int
    is_active: bool


class ChoiceIn(BodySchema):
    label: str = Field(..., min_length=1, max_length=100)
    sort_order: int | None = Field(None, ge=0, le=2**31 - 1, description="Default: at the end.")


class ChoicePatch(BodySchema):
    label: str | None = Field(None, min_length=1, max_length=100)
    is_active: bool | None = Field(None, description="Deactivated choices stay on old values.")


class DefinitionFields(BodySchema):
    code: str = Field(..., max_length=50, description="Letters, digits, - and _; unique.")
    label: str = Field(..., max_length=100, description="Label (German).")
    label_en: str = Field("", max_length=100, description="Label (English).")
    help_text: str = Field("", max_length=300)
    type: AttributeType
    for_companies: bool = True
    for_people: bool = False
    multi_valued: bool = Field(False, description="Several values may be valid at once.")
    required: bool = False
    group: str = Field("", max_length=100, description="Group on the record page.")
    sort_order: int = Field(0, ge=0, le=2**31 - 1)
    is_active: bool = True
    unit: str = Field("", max_length=20, description='E.g. "m²", "CHF" (numbers only).')
    min_value: Decimal | None = Field(None, max_digits=20, decimal_places=6)
    max_value: Decimal | None = Field(None, max_digits=20, decimal_places=6)
    link_kind: str = Field("", max_length=30, description="Links to (type link): `company`, …")


class DefinitionIn(DefinitionFields):
    choices: list[str] = Field([], description="The choices' labels (choice types).")


DefinitionPatch = patch_schema(
    DefinitionFields,
    "AttributeDefinitionPatch",
    extra={"version": (int | None, Field(None, description=VERSION_HELP))},
)


class DefinitionOut(Schema):
    id: int
    code: str
    label: str
    label_en: str
    help_text: str
    type: AttributeType
    for_companies: bool
    for_people: bool
    multi_valued: bool
    required: bool
    group: str
    sort_order: int
    is_active: bool
    unit: str
    min_value: Decimal | None
    max_value: Decimal | None
    link_kind: str
    choices: list[ChoiceOut]
    in_use: bool = Field(..., description="Values exist: the type is fixed, no deletion.")
    version: int


DefinitionPage = page_schema(DefinitionOut, "AttributeDefinitionPage")


class DefinitionQuery(PageQuery):
    applies_to: Literal["companies", "people"] | None = None
    active: bool | None = Field(None, description="Only active (true) or inactive (false).")
    type: AttributeType | None = None


# --- values --------------------------------------------------------------------------------


class ValueOut(Schema):
    id: int
    value: Any = Field(
        ...,
        description="JSON-native: numbers (decimals as strings), ISO dates, booleans, "
        "`{id, label}` for a choice, `{kind, id, label}` for a link.",
    )
    display: str = Field(..., description="The value as people read it.")
    valid_from: datetime.date
    valid_to: datetime.date | None = Field(..., description="Empty: open end.")


class HistoryValueOut(ValueOut):
    created_at: datetime.datetime
    created_by: str | None


class AttributeRef(Schema):
    id: int
    code: str
    label: str
    type: AttributeType
    unit: str
    multi_valued: bool
    is_active: bool


class AttributeValuesOut(AttributeRef):
    values: list[ValueOut]


class AsOfOut(Schema):
    as_of: datetime.date
    attributes: list[AttributeValuesOut]


class TimelineOut(AttributeRef):
    values: list[HistoryValueOut] = Field(..., description="Every period, oldest first.")


class ValueIn(BodySchema):
    value: Any = Field(..., description=VALUE_HELP)
    valid_from: datetime.date | None = Field(None, description="Default: today.")
    valid_to: datetime.date | None = Field(None, description="Empty: until the next value.")


class ValuePatch(BodySchema):
    value: Any = Field(None, description="The corrected value; empty: unchanged.")
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    clear_valid_to: bool = Field(False, description="Make the period open-ended.")


class AsOfQuery(Schema):
    as_of: datetime.date | None = Field(None, description="Default: today.")
