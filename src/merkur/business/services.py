"""Writing business data: every import row and API call goes through here.

Each write keeps the revenue aggregate exact in the same transaction
(``merkur.business.aggregates``) and raises ``ValidationError`` with field
messages for anything the database would refuse or that would be wrong.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.business import aggregates, currencies, rates
from merkur.business.models import (
    Article,
    ArticleInstance,
    Batch,
    Delivery,
    DeliveryLine,
    Document,
    DocumentKind,
    DocumentLine,
    ExchangeRate,
)

HUNDRED = Decimal(100)


def net_amount(quantity: Decimal, unit_price: Decimal, discount_percent: Decimal) -> Decimal:
    """Quantity × price less the discount, rounded to the cent (half up)."""
    gross = quantity * unit_price
    return (gross * (HUNDRED - discount_percent) / HUNDRED).quantize(
        rates.CENT, rounding=ROUND_HALF_UP
    )


def _check_currency(code: str, field: str = "currency") -> str:
    code = (code or "").strip().upper()
    if not currencies.is_valid(code):
        raise ValidationError(
            {field: _("“%(code)s” is not an ISO 4217 currency code.") % {"code": code}}
        )
    return code


def _line_objects(document: Document, lines: list[dict]) -> list[DocumentLine]:
    result, errors, positions = [], {}, set()
    for index, data in enumerate(lines, start=1):
        position = data.get("position") or index
        if position in positions:
            errors[f"lines.{index}.position"] = _("Position %(n)s appears twice.") % {"n": position}
        positions.add(position)
        quantity = Decimal(data["quantity"])
        price = Decimal(data.get("unit_price", 0))
        discount = Decimal(data.get("discount_percent", 0) or 0)
        if quantity < 0:
            errors[f"lines.{index}.quantity"] = _("The quantity cannot be negative.")
        if not 0 <= discount <= 100:
            errors[f"lines.{index}.discount_percent"] = _(
                "The discount must be between 0 and 100 %."
            )
        amount = data.get("net_amount")
        amount = net_amount(quantity, price, discount) if amount in (None, "") else Decimal(amount)
        result.append(
            DocumentLine(
                document=document,
                position=position,
                article=data["article"],
                quantity=quantity,
                unit_price=price,
                discount_percent=discount,
                net_amount=amount,
            )
        )
    if errors:
        raise ValidationError(errors)
    return result


@transaction.atomic
def document_save(
    *, kind: str, number: str, data: dict, lines: list[dict]
) -> tuple[Document, bool]:
    """Create or replace the document ``kind``/``number`` with its lines (idempotent).

    Returns (document, created). Re-sending the same document updates it: its
    old share of the revenue aggregate is taken out, the new one put in.
    """
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": _("Unknown document kind: %(kind)s") % {"kind": kind}})
    document = Document.objects.select_for_update().filter(kind=kind, number=number).first()
    created = document is None
    if created:
        document = Document(kind=kind, number=number)
    else:
        aggregates.apply(document, -1)
    for name in ("company", "person", "date", "currency", "status", "offer"):
        if name in data:
            setattr(document, name, data[name])
    document.currency = _check_currency(document.currency)
    if document.person_id and document.person.company_id != document.company_id:
        raise ValidationError(
            {
                "person": _("%(person)s does not work at %(company)s.")
                % {"person": document.person, "company": document.company}
            }
        )
    if document.offer_id and (
        document.kind != DocumentKind.ORDER or document.offer.kind != DocumentKind.OFFER
    ):
        raise ValidationError({"offer": _("Only a sales order can come from an offer.")})
    new_lines = _line_objects(document, lines)
    document.total_net = sum((line.net_amount for line in new_lines), Decimal(0))
    if not created:
        document.version += 1
    document.full_clean(
        exclude=["offer"] if document.offer_id is None else None, validate_unique=False
    )
    document.save()
    DocumentLine.objects.filter(document=document).delete()
    DocumentLine.objects.bulk_create(new_lines)
    aggregates.apply(document, 1)
    return document, created


@transaction.atomic
def document_delete(*, document: Document) -> None:
    document = Document.objects.select_for_update().get(pk=document.pk)
    aggregates.apply(document, -1)
    document.delete()


@transaction.atomic
def rate_set(*, currency: str, valid_from: datetime.date, rate: Decimal) -> ExchangeRate:
    """Add or change a rate; the revenue of the orders it applies to is recomputed."""
    currency = _check_currency(currency)
    if currency == rates.base_currency():
        raise ValidationError(
            {
                "currency": _("%(code)s is the base currency; its rate is always 1.")
                % {"code": currency}
            }
        )
    rate = Decimal(rate)
    if rate <= 0:
        raise ValidationError({"rate": _("The rate must be greater than zero.")})
    entry, _created = ExchangeRate.objects.update_or_create(
        currency=currency, valid_from=valid_from, defaults={"rate": rate}
    )
    _refresh_for_rate(currency, valid_from)
    return entry


@transaction.atomic
def rate_delete(*, entry: ExchangeRate) -> None:
    """Remove a rate; refused (``MissingRate``) if orders would be left without one."""
    affected = aggregates.documents_affected_by_rate(entry.currency, entry.valid_from)
    span = _span(affected)
    entry.delete()
    if span:
        aggregates.refresh(*span)


def _span(documents) -> tuple[list[int], datetime.date, datetime.date] | None:
    """The companies and the first and last day of some documents (None if there are none)."""
    companies = list(documents.values_list("company_id", flat=True).distinct())
    if not companies:
        return None
    first = documents.order_by("date").values_list("date", flat=True).first()
    last = documents.order_by("-date").values_list("date", flat=True).first()
    return companies, first, last


def _refresh_for_rate(currency: str, valid_from: datetime.date) -> None:
    span = _span(aggregates.documents_affected_by_rate(currency, valid_from))
    if span:
        aggregates.refresh(*span)


def article_save(*, number: str, data: dict) -> tuple[Article, bool]:
    article = Article.objects.filter(number=number).first()
    created = article is None
    if created:
        article = Article(number=number)
    old_division, old_category = article.division_id, article.category_id
    for name, value in data.items():
        setattr(article, name, value)
    if not created:
        # Callers write only real changes: a user's form over it sees the new version.
        article.version += 1
        article.updated_at = timezone.now()
    article.full_clean(validate_unique=False)
    with transaction.atomic():
        article.save()
        if not created and (old_division, old_category) != (
            article.division_id,
            article.category_id,
        ):
            # The article's revenue moves to its new division/category.
            _refresh_for_article(article)
    return article, created


def _refresh_for_article(article: Article) -> None:
    span = _span(Document.objects.filter(lines__article=article).distinct())
    if span:
        aggregates.refresh(*span)


# --- stock and production -----------------------------------------------------------------


def batch_save(*, article: Article, number: str, data: dict) -> tuple[Batch, bool]:
    """Create or update the batch ``number`` of ``article`` (idempotent)."""
    batch = Batch.objects.filter(article=article, number=number).first()
    created = batch is None
    if created:
        batch = Batch(article=article, number=number)
    for name, value in data.items():
        setattr(batch, name, value)
    if batch.purchase_order_id and batch.purchase_order.kind != DocumentKind.PURCHASE:
        raise ValidationError({"purchase_order": _("This is not a purchase order.")})
    batch.full_clean(validate_unique=False)
    batch.save()
    return batch, created


@transaction.atomic
def delivery_save(*, number: str, data: dict, lines: list[dict]) -> tuple[Delivery, bool]:
    """Create or replace the delivery ``number`` with its lines (idempotent).

    A line is ``{"article", "quantity", "batch" (optional), "serials" (optional list)}``;
    serial numbers become (or update) article instances delivered to the customer.
    """
    delivery = Delivery.objects.select_for_update().filter(number=number).first()
    created = delivery is None
    if created:
        delivery = Delivery(number=number)
    else:
        delivery.version += 1
    for name in ("company", "order", "date"):
        if name in data:
            setattr(delivery, name, data[name])
    if delivery.order_id and delivery.order.kind != DocumentKind.ORDER:
        raise ValidationError({"order": _("A delivery belongs to a sales order.")})
    delivery.full_clean(validate_unique=False)
    delivery.save()
    # Instances of the old lines are no longer known to be at this customer.
    ArticleInstance.objects.filter(delivery_line__delivery=delivery).update(
        customer=None, delivery_line=None
    )
    DeliveryLine.objects.filter(delivery=delivery).delete()
    errors = {}
    for index, data_line in enumerate(lines, start=1):
        article, batch = data_line["article"], data_line.get("batch")
        quantity = Decimal(data_line["quantity"])
        if quantity < 0:
            errors[f"lines.{index}.quantity"] = _("The quantity cannot be negative.")
            continue
        if batch is not None and batch.article_id != article.pk:
            errors[f"lines.{index}.batch"] = _("Batch %(batch)s is not a batch of %(article)s.") % {
                "batch": batch,
                "article": article,
            }
            continue
        line = DeliveryLine.objects.create(
            delivery=delivery,
            position=data_line.get("position") or index,
            article=article,
            quantity=quantity,
            batch=batch,
        )
        for serial in data_line.get("serials", []):
            instance_save(
                article=article,
                serial_number=serial,
                data={"customer": delivery.company, "delivery_line": line}
                | ({"batch": batch} if batch else {}),
            )
    if errors:
        raise ValidationError(errors)
    return delivery, created


def instance_save(
    *, article: Article, serial_number: str, data: dict
) -> tuple[ArticleInstance, bool]:
    """Create or update the article instance with ``serial_number`` (unique per article)."""
    serial_number = (serial_number or "").strip()
    if not serial_number:
        raise ValidationError({"serial_number": _("A serial number is required.")})
    instance = ArticleInstance.objects.filter(article=article, serial_number=serial_number).first()
    created = instance is None
    if created:
        instance = ArticleInstance(article=article, serial_number=serial_number)
    for name, value in data.items():
        setattr(instance, name, value)
    if instance.batch_id and instance.batch.article_id != article.pk:
        raise ValidationError(
            {
                "batch": _("Batch %(batch)s is not a batch of %(article)s.")
                % {"batch": instance.batch, "article": article}
            }
        )
    instance.full_clean(validate_unique=False)
    instance.save()
    return instance, created
