"""Response and query schemas of the business data API."""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from merkur.business.api.inputs import ArticleBody
from merkur.business.models import DocumentKind, DocumentStatus, Tracking
from merkur.core.api.pagination import PageQuery, page_schema
from merkur.core.api.schemas import Id, Ref, patch_schema

Kind = Literal[tuple(DocumentKind.values)]
Status = Literal[tuple(DocumentStatus.values)]
TrackingValue = Literal[tuple(Tracking.values)]


class CompanyRef(Ref):
    number: str = Field(..., description="Customer/supplier number ('' if none).")


class DocumentRef(Schema):
    id: int
    kind: Kind
    number: str


# --- articles and rates ---------------------------------------------------------------------


class ArticleOut(Schema):
    id: int
    number: str
    name: str
    division: Ref
    category: Ref
    unit: str
    is_active: bool
    tracking: TrackingValue
    version: int


ArticlePage = page_schema(ArticleOut, "ArticlePage")


class ArticleQuery(PageQuery):
    q: str = Field("", max_length=200, description="Start of the number, or words of the name.")
    division: list[Id] = Field([], description="Division ids (any of them).")
    category: list[Id] = Field([], description="Article category ids (any of them).")
    active: bool | None = None
    tracking: TrackingValue | None = None


ArticlePatch = patch_schema(ArticleBody, "ArticlePatch")


class RateOut(Schema):
    currency: str
    valid_from: datetime.date
    rate: Decimal


RatePage = page_schema(RateOut, "ExchangeRatePage")


class RateQuery(PageQuery):
    currency: str | None = Field(None, max_length=3, description="ISO 4217 code.")
    valid_from: datetime.date | None = Field(None, alias="from", description="Rates from this day.")
    valid_to: datetime.date | None = Field(None, alias="to", description="… until this day.")


# --- documents ------------------------------------------------------------------------------


class DocumentLineOut(Schema):
    position: int
    article: str = Field(..., description="The article number.")
    article_name: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    net_amount: Decimal


class DocumentSummaryOut(Schema):
    id: int
    kind: Kind
    number: str
    company: CompanyRef
    person: Ref | None
    date: datetime.date
    currency: str
    status: Status
    offer: DocumentRef | None
    total_net: Decimal
    version: int


class DocumentOut(DocumentSummaryOut):
    lines: list[DocumentLineOut]


DocumentPage = page_schema(DocumentSummaryOut, "DocumentPage")


class DocumentQuery(PageQuery):
    kind: Kind | None = None
    company: Id | None = Field(None, description="Company id.")
    status: Status | None = None
    date_from: datetime.date | None = Field(None, alias="from", description="Dated on or after.")
    date_to: datetime.date | None = Field(None, alias="to", description="Dated on or before.")
    article: str | None = Field(None, max_length=50, description="Has a line of this article.")
    division: Id | None = Field(None, description="Has a line of an article of this division.")
    number: str | None = Field(None, max_length=50, description="Start of the number.")


# --- stock ----------------------------------------------------------------------------------


class BatchOut(Schema):
    id: int
    article: str = Field(..., description="The article number.")
    number: str
    supplier: CompanyRef | None
    received_on: datetime.date | None
    purchase_order: DocumentRef | None


BatchPage = page_schema(BatchOut, "BatchPage")


class BatchQuery(PageQuery):
    article: str | None = Field(None, max_length=50, description="Article number.")
    supplier: Id | None = Field(None, description="Supplier company id.")
    number: str | None = Field(None, max_length=50, description="Start of the batch number.")


class DeliveryLineOut(Schema):
    position: int
    article: str
    quantity: Decimal
    batch: str | None
    serials: list[str]


class DeliverySummaryOut(Schema):
    id: int
    number: str
    company: CompanyRef
    order: DocumentRef | None
    date: datetime.date
    version: int


class DeliveryOut(DeliverySummaryOut):
    lines: list[DeliveryLineOut]


DeliveryPage = page_schema(DeliverySummaryOut, "DeliveryPage")


class DeliveryQuery(PageQuery):
    company: Id | None = Field(None, description="Customer company id.")
    order: str | None = Field(None, max_length=50, description="Sales order number.")
    date_from: datetime.date | None = Field(None, alias="from")
    date_to: datetime.date | None = Field(None, alias="to")
    batch: str | None = Field(None, max_length=50, description="Has a line of this batch number.")


class InstanceOut(Schema):
    id: int
    article: str
    serial_number: str
    batch: str | None
    produced_on: datetime.date | None
    production_run: str
    customer: CompanyRef | None
    delivery: str | None = Field(..., description="The delivery number it went out with.")


InstancePage = page_schema(InstanceOut, "ArticleInstancePage")


class InstanceQuery(PageQuery):
    article: str | None = Field(None, max_length=50, description="Article number.")
    customer: Id | None = Field(None, description="Customer company id.")
    batch: str | None = Field(None, max_length=50, description="Batch number.")
    serial_from: str | None = Field(
        None, max_length=60, description="First serial of a range, e.g. `SN-10000`."
    )
    serial_to: str | None = Field(None, max_length=60, description="Last one, e.g. `SN-10999`.")
    produced_from: datetime.date | None = None
    produced_to: datetime.date | None = None
    production_run: str | None = Field(None, max_length=50)
