"""Request and response schemas of the companies, people and addresses API."""

import datetime
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator

from merkur.attributes.api.filters import AttributeFilterQuery
from merkur.companies.models import CompanyAddress, CompanyRole
from merkur.companies.models.person import PersonLanguage
from merkur.companies.queries import COMPANY_SORTS, PERSON_SORTS, CompanyFilter, PersonFilter
from merkur.core.api.pagination import PageQuery, page_schema
from merkur.core.api.schemas import BodySchema, Id, Ref, patch_schema

Archived = Literal["no", "yes", "only"]
ARCHIVED_HELP = "`no` (default): current ones; `yes`: archived ones too; `only`: archived only."
VERSION_HELP = (
    "The version the change starts from; a stale one is refused with 409. "
    "Without it the change is written whatever happened meanwhile (last write wins)."
)

# --- addresses -----------------------------------------------------------------------------


class AddressIn(BodySchema):
    street: str = Field("", description="Street and number.")
    street2: str = Field("", description="Address addition.")
    po_box: str = ""
    postal_code: str = Field("", description="Checked against the country's format.")
    city: str
    region: str = Field("", description="Region, canton or province, where the country needs it.")
    country: str = Field("DE", description="ISO 3166 code, e.g. DE, AT, CH.")

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if isinstance(value, str) else value


AddressPatch = patch_schema(
    AddressIn,
    "AddressPatch",
    extra={"version": (int | None, Field(None, description=VERSION_HELP))},
)


class AddressOut(Schema):
    id: int
    street: str
    street2: str
    po_box: str
    postal_code: str
    city: str
    region: str
    country: str
    lines: list[str] = Field(..., description="The address block by the country's postal rules.")
    version: int


class AddressLinkIn(BodySchema):
    kind: Literal["delivery", "billing", "employee"]
    address: AddressIn | None = Field(None, description="A new address …")
    address_id: Id | None = Field(None, description="… or the id of an existing (shared) one.")
    is_default: bool = Field(False, description="Make it the default of its kind.")
    label: str = ""
    person: Id | None = Field(None, description="The person of an employee address.")


class AddressLinkOut(Schema):
    id: int
    kind: CompanyAddress.Kind
    is_default: bool
    label: str
    person: Ref | None
    address: AddressOut


# --- companies -----------------------------------------------------------------------------


class CompanyFields(BodySchema):
    name: str
    name2: str = ""
    number: str = Field("", description="Customer/supplier number; unique when given.")
    legal_form: Id | None = None
    roles: list[CompanyRole] = []
    phone: str = ""
    fax: str = ""
    email: str = ""
    website: str = ""
    vat_id: str = ""
    employees: int | None = None
    notes: str = ""
    company_class: Id | None = None
    sales_rep: Id | None = None
    industries: list[Id] = []
    interest_areas: list[Id] = []


class CompanyIn(CompanyFields):
    contact_address: AddressIn


CompanyPatch = patch_schema(
    CompanyFields,
    "CompanyPatch",
    extra={"version": (int | None, Field(None, description=VERSION_HELP))},
)


class CompanyOut(Schema):
    id: int
    name: str
    name2: str
    number: str
    legal_form: Ref | None
    roles: list[CompanyRole]
    phone: str
    fax: str
    email: str
    website: str
    vat_id: str
    employees: int | None
    notes: str
    company_class: Ref | None
    sales_rep: Ref | None
    industries: list[Ref]
    interest_areas: list[Ref]
    contact_address: AddressOut | None
    country: str
    postal_code: str
    city: str
    archived_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


CompanyPage = page_schema(CompanyOut, "CompanyPage")


class CompanyQuery(PageQuery, AttributeFilterQuery):
    q: str = Field("", description="Names, number, city, people's names and e-mails.")
    role: list[CompanyRole] = Field([], description="Any of these roles (repeatable).")
    industry: list[Id] = Field([], description="Any of these industries (repeatable).")
    interest_area: list[Id] = Field([], description="Any of these interest areas (repeatable).")
    company_class: Id | None = None
    sales_rep: Id | None = None
    country: str = ""
    postal_code: str = Field("", description="Prefix: 66 finds 66000–66999.")
    city: str = Field("", description="Prefix, case-insensitive.")
    function: Id | None = Field(None, description="Has a person with this function.")
    archived: Archived = Field("no", description=ARCHIVED_HELP)
    sort: Literal[tuple(COMPANY_SORTS)] = "name"  # type: ignore[valid-type]

    def to_filter(self) -> CompanyFilter:
        return CompanyFilter(
            q=self.q,
            roles=[str(role) for role in self.role],
            industries=self.industry,
            interest_areas=self.interest_area,
            company_class=self.company_class,
            sales_rep=self.sales_rep,
            country=self.country,
            postal_code=self.postal_code,
            city=self.city,
            function=self.function,
            archived=self.archived,
        )


# --- people --------------------------------------------------------------------------------


class PersonFields(BodySchema):
    salutation: Id | None = None
    title: Id | None = None
    first_name: str = ""
    last_name: str
    letter_salutation: str = Field(
        "", description="Own letter salutation; generated from salutation, title and name if empty."
    )
    letter_salutation_custom: bool = Field(
        False, description="Keep `letter_salutation` as given (implied when only it is sent)."
    )
    functions: list[Id] = []
    person_codes: list[Id] = []
    department: str = ""
    language: PersonLanguage = PersonLanguage.GERMAN
    email: str = ""
    phone: str = ""
    mobile: str = ""
    fax: str = ""
    marketing_consent_at: datetime.datetime | None = None
    marketing_opt_out_at: datetime.datetime | None = Field(
        None, description="Objection to marketing since (empty: no objection)."
    )
    notes: str = ""


class PersonIn(PersonFields):
    company: Id


PersonPatch = patch_schema(
    PersonFields,
    "PersonPatch",
    extra={"version": (int | None, Field(None, description=VERSION_HELP))},
)


class PersonMoveIn(BodySchema):
    company: Id = Field(..., description="The company the person moves to.")


class PersonOut(Schema):
    id: int
    company: Ref
    salutation: Ref | None
    title: Ref | None
    first_name: str
    last_name: str
    full_name: str
    letter_salutation: str
    letter_salutation_custom: bool
    functions: list[Ref]
    person_codes: list[Ref]
    department: str
    language: PersonLanguage
    email: str
    phone: str
    mobile: str
    fax: str
    marketing_consent_at: datetime.datetime | None
    marketing_opt_out_at: datetime.datetime | None
    notes: str
    archived_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


PersonPage = page_schema(PersonOut, "PersonPage")


class PersonQuery(PageQuery, AttributeFilterQuery):
    q: str = Field("", description="First and last name, e-mail.")
    company: Id | None = None
    function: list[Id] = Field([], description="Any of these functions (repeatable).")
    person_code: list[Id] = Field([], description="Any of these person codes (repeatable).")
    country: str = Field("", description="Country of the company.")
    postal_code: str = Field("", description="Postal code prefix of the company.")
    city: str = Field("", description="City prefix of the company.")
    opted_out: bool | None = Field(None, description="Objected to marketing (true) or not.")
    archived: Archived = Field("no", description=ARCHIVED_HELP)
    sort: Literal[tuple(PERSON_SORTS)] = "name"  # type: ignore[valid-type]

    def to_filter(self) -> PersonFilter:
        return PersonFilter(
            q=self.q,
            company=self.company,
            functions=self.function,
            person_codes=self.person_code,
            country=self.country,
            postal_code=self.postal_code,
            city=self.city,
            opted_out=self.opted_out,
            archived=self.archived,
        )
