"""Checking business records sent to the API: one path for ``PUT`` and bulk import.

Every record kind has a body schema (what ``PUT`` takes; the record's key is in
the path) and an item schema (body plus key, what ``/business-import`` takes).
``prepare`` checks an item completely — types, ranges, currencies, and every
reference by number (company by customer/supplier number or id, article by
article number, batch by batch number …) — and collects *all* problems as
``{"field.path": [messages]}`` before anything is written. Lines are counted
from 1, like positions: ``lines.2.quantity`` is the second line's quantity.
The returned ``Write`` then calls the service that keeps the revenue aggregate
exact; what the service still refuses is reported under the same paths.
"""

import datetime
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DataError, models
from django.utils.translation import gettext as _
from pydantic import Field, StringConstraints
from pydantic import ValidationError as PydanticError

from merkur.business import currencies, rates, services
from merkur.business.models import (
    Article,
    ArticleCategory,
    ArticleInstance,
    Batch,
    Delivery,
    DeliveryLine,
    Division,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    ExchangeRate,
    Tracking,
)
from merkur.companies.models import Company, Person
from merkur.core.api.schemas import BodySchema, Id
from merkur.core.models import MasterData

MAX_LINES = 10_000
# Amounts are stored with 18 digits, 2 of them after the point.
MONEY_LIMIT = Decimal(10) ** 16

Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
CompanyNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)
]
Serial = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Quantity = Annotated[Decimal, Field(max_digits=18, decimal_places=3, allow_inf_nan=False)]
Price = Annotated[Decimal, Field(max_digits=18, decimal_places=4, allow_inf_nan=False)]
Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2, allow_inf_nan=False)]
Percent = Annotated[Decimal, Field(max_digits=5, decimal_places=2, allow_inf_nan=False)]
RateValue = Annotated[Decimal, Field(max_digits=20, decimal_places=10, allow_inf_nan=False)]
Currency = Annotated[
    str,
    Field(description="ISO 4217 code, e.g. `EUR`, `CHF`.", examples=["EUR"]),
]
# Business dates: far enough from the calendar's ends that month arithmetic is safe.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
Day = Annotated[datetime.date, Field(ge=FIRST_DAY, le=LAST_DAY)]
MasterRef = Annotated[
    Id | str, Field(description="The entry's id, or its name (case-insensitive).")
]

COMPANY_HELP = "The company's id; or give `{name}_number` instead."
NUMBER_HELP = "The company's customer/supplier number (instead of the id)."


# --- errors ---------------------------------------------------------------------------------


class Problems:
    """Field path → messages, collected over a whole item."""

    def __init__(self):
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        messages = self.by_field.setdefault(field, [])
        if message not in messages:
            messages.append(message)

    def merge(self, error: ValidationError, prefix: str = "", rename: dict | None = None) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                name = (rename or {}).get(field, field)
                path = prefix + name if name != NON_FIELD_ERRORS else name
                for message in messages:
                    self.add(path, message)
        else:
            for message in error.messages:
                self.add(NON_FIELD_ERRORS, message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


# Pydantic names the member of a union it tried (``("division", "str")``); not a field.
_TYPE_TAGS = {"int", "str", "float", "decimal", "bool", "none", "list", "dict"}


def _is_tag(part) -> bool:
    text = str(part)
    return text in _TYPE_TAGS or text.startswith("constrained-") or "[" in text


def _path(loc: tuple) -> str:
    """Pydantic's ``("lines", 1, "quantity")`` → ``lines.2.quantity`` (counted from 1)."""
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(str(part + 1))
        elif not _is_tag(part):
            parts.append(str(part))
    return ".".join(parts) or NON_FIELD_ERRORS


def _message(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return _("Unknown field.")
    if error["type"] == "missing":
        return _("This field is required.")
    if any(not isinstance(part, int) and _is_tag(part) for part in error["loc"]):
        # Only our id-or-name references are unions.
        return _("Give the entry's id (a whole number from 1) or its name.")
    return error["msg"]


def validate(schema: type[BodySchema], raw: Any):
    """``raw`` as ``schema``, or ``ValidationError`` naming every bad field."""
    if not isinstance(raw, dict):
        raise ValidationError({NON_FIELD_ERRORS: [_("Expected a JSON object.")]})
    try:
        return schema.model_validate(raw)
    except PydanticError as error:
        problems = Problems()
        for detail in error.errors():
            problems.add(_path(detail["loc"]), _message(detail))
        problems.raise_if_any()


# --- look-ups (each adds a problem and returns None when the reference is unknown) --------

# Within one bulk import of documents, deliveries, batches or instances, companies,
# articles and batches are only read: the import may remember them (``remembering``).
_memory: ContextVar[dict | None] = ContextVar("business_api_lookups", default=None)


@contextmanager
def remembering(kind: str):
    """Remember look-ups while importing ``kind`` (if it writes none of the remembered)."""
    token = _memory.set({} if kind in ("documents", "deliveries", "batches", "instances") else None)
    try:
        yield
    finally:
        _memory.reset(token)


def _remembered(key: tuple, load: Callable[[], Any]) -> Any:
    memory = _memory.get()
    if memory is None:
        return load()
    if key not in memory:
        memory[key] = load()
    return memory[key]


def _company(problems: Problems, field: str, pk: int | None, number: str | None, *, required):
    if pk is not None and number is not None:
        problems.add(
            f"{field}_number",
            _("Give either %(field)s or %(field)s_number, not both.") % {"field": field},
        )
        return None
    if pk is not None:
        company = _remembered(("company", pk), Company.objects.filter(pk=pk).first)
        if company is None:
            problems.add(field, _("There is no company with id %(id)s.") % {"id": pk})
        return company
    if number is not None:
        company = _remembered(
            ("company_number", number), Company.objects.filter(number=number).first
        )
        if company is None:
            problems.add(
                f"{field}_number",
                _("There is no company with customer/supplier number “%(number)s”.")
                % {"number": number},
            )
        return company
    if required:
        problems.add(field, _("Give the company's id or its %(field)s_number.") % {"field": field})
    return None


def _article(problems: Problems, field: str, number: str) -> Article | None:
    article = _remembered(("article", number), Article.objects.filter(number=number).first)
    if article is None:
        problems.add(field, _("There is no article with number “%(number)s”.") % {"number": number})
    return article


def _batch(problems: Problems, field: str, article: Article | None, number: str | None):
    if number is None or article is None:
        return None
    batch = _remembered(
        ("batch", article.pk, number), Batch.objects.filter(article=article, number=number).first
    )
    if batch is None:
        problems.add(
            field,
            _("Article %(article)s has no batch “%(number)s”.")
            % {"article": article.number, "number": number},
        )
    return batch


def _document(problems: Problems, field: str, kind: str, number: str | None):
    if number is None:
        return None
    document = Document.objects.filter(kind=kind, number=number).first()
    if document is None:
        problems.add(
            field,
            _("There is no %(kind)s with number “%(number)s”.")
            % {"kind": DocumentKind(kind).label, "number": number},
        )
    return document


def _master(problems: Problems, field: str, model: type[MasterData], value, current=None):
    if isinstance(value, int):
        entry = model.objects.filter(pk=value).first()
        missing = _("There is no entry with id %(id)s.") % {"id": value}
    else:
        entry = model.objects.filter(name__iexact=value.strip()).first()
        missing = _("There is no entry named “%(name)s”.") % {"name": value}
    if entry is None:
        problems.add(field, missing)
    elif not entry.is_active and entry.pk != current:
        problems.add(
            field, _("“%(name)s” is deactivated and cannot be chosen.") % {"name": entry.name}
        )
    return entry


def _currency(problems: Problems, field: str, code: str) -> str:
    code = code.strip().upper()
    if not currencies.is_valid(code):
        problems.add(field, _("“%(code)s” is not an ISO 4217 currency code.") % {"code": code})
    return code


@dataclass
class Write:
    """A checked item, ready to be written: ``run()`` → (record, created).

    ``unchanged``: the record exists exactly as sent, so writing it would change
    nothing (callers skip the write; the version stays).
    """

    run: Callable[[], tuple[models.Model, bool]]
    existing: models.Model | None  # the record before the write (None: it is new)
    unchanged: bool = False


def _same(existing, data: dict) -> bool:
    """Whether ``existing`` already has the field values of ``data`` (records by id)."""
    if existing is None:
        return False
    for name, value in data.items():
        if isinstance(value, models.Model) or (
            value is None and isinstance(existing._meta.get_field(name), models.ForeignKey)
        ):
            if getattr(existing, f"{name}_id") != (value.pk if value is not None else None):
                return False
        elif getattr(existing, name) != value:
            return False
    return True


def _service_call(call, problems: Problems, rename: dict | None = None):
    """Run a service; its ``ValidationError`` comes out with the request's field names."""
    try:
        return call()
    except (DataError, InvalidOperation):
        # The checks keep values in their columns; a sum or conversion may still overflow.
        problems.add(NON_FIELD_ERRORS, _("A value or sum is too large to be stored."))
        problems.raise_if_any()
        raise
    except ValidationError as error:
        if isinstance(error, rates.MissingRate):
            problems.add("currency", error.messages[0])
        else:
            problems.merge(error, rename=rename)
        problems.raise_if_any()
        raise


# --- articles -------------------------------------------------------------------------------


class ArticleBody(BodySchema):
    name: str = Field(..., min_length=1, max_length=200)
    division: MasterRef
    category: MasterRef
    unit: str = Field("Stk", max_length=20)
    is_active: bool = True
    tracking: Literal[tuple(Tracking.values)] = Field(
        Tracking.NONE.value, description="`none`, `batch` or `serial`."
    )


class ArticleItem(ArticleBody):
    number: Number


def prepare_article(item: ArticleItem) -> Write:
    problems = Problems()
    existing = Article.objects.filter(number=item.number).first()
    data = item.model_dump(exclude={"number"})
    data["division"] = _master(
        problems, "division", Division, item.division, existing and existing.division_id
    )
    data["category"] = _master(
        problems, "category", ArticleCategory, item.category, existing and existing.category_id
    )
    problems.raise_if_any()
    unchanged = _same(existing, data)

    def run():
        return _service_call(lambda: services.article_save(number=item.number, data=data), problems)

    return Write(run, existing, unchanged)


# --- exchange rates -------------------------------------------------------------------------


class RateBody(BodySchema):
    rate: RateValue = Field(..., description="Units of the base currency one unit buys.")


class RateItem(RateBody):
    currency: Currency
    valid_from: Day


def prepare_rate(item: RateItem) -> Write:
    problems = Problems()
    currency = _currency(problems, "currency", item.currency)
    if item.rate <= 0:
        problems.add("rate", _("The rate must be greater than zero."))
    problems.raise_if_any()
    existing = ExchangeRate.objects.filter(currency=currency, valid_from=item.valid_from).first()

    def run():
        entry = _service_call(
            lambda: services.rate_set(
                currency=currency, valid_from=item.valid_from, rate=item.rate
            ),
            problems,
        )
        entry.refresh_from_db()
        return entry, existing is None

    return Write(run, existing, existing is not None and existing.rate == item.rate)


# --- documents ------------------------------------------------------------------------------


class DocumentLineIn(BodySchema):
    position: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Default: the line's place in the list."
    )
    article: Number = Field(..., description="The article number.")
    quantity: Quantity
    unit_price: Price = Decimal(0)
    discount_percent: Percent = Field(Decimal(0), description="0 to 100.")
    net_amount: Money | None = Field(
        None, description="Default: quantity × unit price less the discount, to the cent."
    )


class DocumentBody(BodySchema):
    company: Id | None = Field(None, description=COMPANY_HELP.format(name="company"))
    company_number: CompanyNumber | None = Field(None, description=NUMBER_HELP)
    person: Id | None = Field(None, description="Contact person (a person of the company).")
    date: Day
    currency: Currency
    status: Literal[tuple(DocumentStatus.values)] = DocumentStatus.OPEN.value
    offer_number: Number | None = Field(
        None, description="Sales orders: the number of the offer the order came from."
    )
    lines: list[DocumentLineIn] = Field([], max_length=MAX_LINES)


class DocumentItem(DocumentBody):
    kind: Literal[tuple(DocumentKind.values)]
    number: Number


def _check_lines(problems: Problems, lines: list) -> None:
    positions: set[int] = set()
    for index, line in enumerate(lines, start=1):
        position = line.position or index
        if position in positions:
            problems.add(
                f"lines.{index}.position", _("Position %(n)s appears twice.") % {"n": position}
            )
        positions.add(position)
        if line.quantity < 0:
            problems.add(f"lines.{index}.quantity", _("The quantity cannot be negative."))


def prepare_document(item: DocumentItem) -> Write:
    problems = Problems()
    company = _company(problems, "company", item.company, item.company_number, required=True)
    currency = _currency(problems, "currency", item.currency)
    person = None
    if item.person is not None:
        person = Person.objects.filter(pk=item.person).first()
        if person is None:
            problems.add("person", _("There is no person with id %(id)s.") % {"id": item.person})
    offer = _document(problems, "offer_number", DocumentKind.OFFER, item.offer_number)
    if offer is not None and item.kind != DocumentKind.ORDER:
        problems.add("offer_number", _("Only a sales order can come from an offer."))
    _check_lines(problems, item.lines)
    lines, total = [], Decimal(0)
    for index, line in enumerate(item.lines, start=1):
        article = _article(problems, f"lines.{index}.article", line.article)
        if not 0 <= line.discount_percent <= 100:
            problems.add(
                f"lines.{index}.discount_percent",
                _("The discount must be between 0 and 100 %."),
            )
        amount = line.net_amount
        if amount is None:
            # Unrounded, only to check the size: rounding (``services.net_amount``) would
            # fail on the very numbers this check is there to refuse.
            amount = line.quantity * line.unit_price * (100 - line.discount_percent) / 100
        if abs(amount) >= MONEY_LIMIT:
            problems.add(f"lines.{index}.net_amount", _("The net amount is too large."))
        total += amount
        lines.append(line.model_dump() | {"article": article})
    if abs(total) >= MONEY_LIMIT:
        problems.add("lines", _("The net total of the lines is too large."))
    problems.raise_if_any()
    existing = Document.objects.filter(kind=item.kind, number=item.number).first()
    data = {
        "company": company,
        "person": person,
        "date": item.date,
        "currency": currency,
        "status": item.status,
        "offer": offer,
    }

    def run():
        return _service_call(
            lambda: services.document_save(
                kind=item.kind, number=item.number, data=data, lines=lines
            ),
            problems,
            rename={"offer": "offer_number"},
        )

    return Write(run, existing, _same(existing, data) and _same_lines(existing, lines))


def _same_lines(document: Document, lines: list[dict]) -> bool:
    stored = list(
        DocumentLine.objects.filter(document=document)
        .order_by("position")
        .values_list(
            "position", "article_id", "quantity", "unit_price", "discount_percent", "net_amount"
        )
    )
    sent = []
    for index, line in enumerate(lines, start=1):
        amount = line["net_amount"]
        if amount is None:
            amount = services.net_amount(
                line["quantity"], line["unit_price"], line["discount_percent"]
            )
        sent.append(
            (
                line["position"] or index,
                line["article"].pk,
                line["quantity"],
                line["unit_price"],
                line["discount_percent"],
                amount,
            )
        )
    return stored == sorted(sent)


# --- batches, deliveries, article instances -------------------------------------------------


class BatchBody(BodySchema):
    supplier: Id | None = Field(None, description=COMPANY_HELP.format(name="supplier"))
    supplier_number: CompanyNumber | None = Field(None, description=NUMBER_HELP)
    received_on: Day | None = None
    purchase_order_number: Number | None = Field(
        None, description="The purchase order the batch was received for."
    )


class BatchItem(BatchBody):
    article: Number = Field(..., description="The article number.")
    number: Number = Field(..., description="The batch number.")


def prepare_batch(item: BatchItem) -> Write:
    problems = Problems()
    article = _article(problems, "article", item.article)
    supplier = _company(problems, "supplier", item.supplier, item.supplier_number, required=False)
    order = _document(
        problems, "purchase_order_number", DocumentKind.PURCHASE, item.purchase_order_number
    )
    problems.raise_if_any()
    existing = Batch.objects.filter(article=article, number=item.number).first()
    data = {"supplier": supplier, "received_on": item.received_on, "purchase_order": order}

    def run():
        return _service_call(
            lambda: services.batch_save(article=article, number=item.number, data=data),
            problems,
            rename={"purchase_order": "purchase_order_number"},
        )

    return Write(run, existing, _same(existing, data))


class DeliveryLineIn(BodySchema):
    position: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Default: the line's place in the list."
    )
    article: Number = Field(..., description="The article number.")
    quantity: Quantity
    batch: Number | None = Field(None, description="A batch number of the article.")
    serials: list[Serial] = Field(
        [], max_length=MAX_LINES, description="Serial numbers of the pieces delivered."
    )


class DeliveryBody(BodySchema):
    company: Id | None = Field(None, description=COMPANY_HELP.format(name="company"))
    company_number: CompanyNumber | None = Field(None, description=NUMBER_HELP)
    order_number: Number | None = Field(None, description="The sales order delivered.")
    date: Day
    lines: list[DeliveryLineIn] = Field([], max_length=MAX_LINES)


class DeliveryItem(DeliveryBody):
    number: Number = Field(..., description="The delivery number.")


def prepare_delivery(item: DeliveryItem) -> Write:
    problems = Problems()
    company = _company(problems, "company", item.company, item.company_number, required=True)
    order = _document(problems, "order_number", DocumentKind.ORDER, item.order_number)
    _check_lines(problems, item.lines)
    lines = []
    for index, line in enumerate(item.lines, start=1):
        article = _article(problems, f"lines.{index}.article", line.article)
        batch = _batch(problems, f"lines.{index}.batch", article, line.batch)
        seen: set[str] = set()
        for number, serial in enumerate(line.serials, start=1):
            if serial in seen:
                problems.add(
                    f"lines.{index}.serials.{number}",
                    _("Serial number %(serial)s appears twice.") % {"serial": serial},
                )
            seen.add(serial)
        lines.append(
            {
                "position": line.position,
                "article": article,
                "quantity": line.quantity,
                "batch": batch,
                "serials": line.serials,
            }
        )
    problems.raise_if_any()
    existing = Delivery.objects.filter(number=item.number).first()
    data = {"company": company, "order": order, "date": item.date}

    def run():
        return _service_call(
            lambda: services.delivery_save(number=item.number, data=data, lines=lines),
            problems,
            rename={"order": "order_number"},
        )

    same = _same(existing, data) and _same_delivery_lines(existing, company, lines)
    return Write(run, existing, same)


def _same_delivery_lines(delivery: Delivery, company: Company, lines: list[dict]) -> bool:
    stored = list(
        DeliveryLine.objects.filter(delivery=delivery)
        .order_by("position")
        .values_list("position", "article_id", "quantity", "batch_id")
    )
    sent = sorted(
        (
            line["position"] or index,
            line["article"].pk,
            line["quantity"],
            line["batch"].pk if line["batch"] else None,
        )
        for index, line in enumerate(lines, start=1)
    )
    if stored != sent:
        return False
    batch_of = {position: batch for position, _article, _quantity, batch in sent}
    delivered = set()
    instances = ArticleInstance.objects.filter(delivery_line__delivery=delivery).values_list(
        "delivery_line__position", "serial_number", "customer_id", "batch_id"
    )
    for position, serial, customer, batch in instances:
        line_batch = batch_of.get(position)
        if customer != company.pk or (line_batch is not None and batch != line_batch):
            return False  # sending the delivery again would put it back
        delivered.add((position, serial))
    wanted = {
        (line["position"] or index, serial)
        for index, line in enumerate(lines, start=1)
        for serial in line["serials"]
    }
    return delivered == wanted


class InstanceBody(BodySchema):
    batch: Number | None = Field(None, description="A batch number of the article.")
    produced_on: Day | None = None
    production_run: str = Field("", max_length=50)
    customer: Id | None = Field(None, description=COMPANY_HELP.format(name="customer"))
    customer_number: CompanyNumber | None = Field(None, description=NUMBER_HELP)


class InstanceItem(InstanceBody):
    article: Number = Field(..., description="The article number.")
    serial_number: Serial


def prepare_instance(item: InstanceItem) -> Write:
    problems = Problems()
    article = _article(problems, "article", item.article)
    batch = _batch(problems, "batch", article, item.batch)
    customer = _company(problems, "customer", item.customer, item.customer_number, required=False)
    problems.raise_if_any()
    existing = ArticleInstance.objects.filter(
        article=article, serial_number=item.serial_number
    ).first()
    data = {
        "batch": batch,
        "produced_on": item.produced_on,
        "production_run": item.production_run,
        "customer": customer,
    }

    def run():
        return _service_call(
            lambda: services.instance_save(
                article=article, serial_number=item.serial_number, data=data
            ),
            problems,
        )

    return Write(run, existing, _same(existing, data))


@dataclass(frozen=True)
class Kind:
    """A record kind as the API writes it: schemas, key fields and the checker."""

    body: type[BodySchema]
    item: type[BodySchema]
    keys: tuple[str, ...]
    prepare: Callable[[Any], Write]


KINDS = {
    "articles": Kind(ArticleBody, ArticleItem, ("number",), prepare_article),
    "documents": Kind(DocumentBody, DocumentItem, ("kind", "number"), prepare_document),
    "batches": Kind(BatchBody, BatchItem, ("article", "number"), prepare_batch),
    "deliveries": Kind(DeliveryBody, DeliveryItem, ("number",), prepare_delivery),
    "instances": Kind(InstanceBody, InstanceItem, ("article", "serial_number"), prepare_instance),
    "rates": Kind(RateBody, RateItem, ("currency", "valid_from"), prepare_rate),
}


def check_item(kind: str, raw: Any) -> Write:
    """A bulk item (body with its key fields) checked; ``ValidationError`` if bad."""
    spec = KINDS[kind]
    return spec.prepare(validate(spec.item, raw))


def check_put(kind: str, keys: dict, raw: Any) -> Write:
    """A ``PUT`` body with the key from the path, checked as a bulk item would be."""
    spec = KINDS[kind]
    if isinstance(raw, dict):
        given = [name for name in spec.keys if name in raw]
        if given:
            raise ValidationError(
                {name: [_("This is given by the path, not the body.")] for name in given}
            )
        raw = raw | keys
    return spec.prepare(validate(spec.item, raw))
