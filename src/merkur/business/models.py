"""The business data behind the CRM (Datenbasis): articles, sales documents,
exchange rates, batches, deliveries, article instances — and the maintained
revenue aggregate the figures are read from.

Merkur is not an ERP: these rows arrive from an ERP by import and API and are
read by the company page, the selections and the ABC analysis.
"""

import re

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from merkur.core.models import MasterData, VersionedModel

MONEY = {"max_digits": 18, "decimal_places": 2}
PRICE = {"max_digits": 18, "decimal_places": 4}
QUANTITY = {"max_digits": 18, "decimal_places": 3}
RATE = {"max_digits": 20, "decimal_places": 10}


class Division(MasterData):
    """Sparte: Anwendersoftware, Datenbanksoftware, Hardware, Dienstleistung …"""

    class Meta(MasterData.Meta):
        verbose_name = _("division")
        verbose_name_plural = _("divisions")


class ArticleCategory(MasterData):
    """Artikelkategorie: Lizenz, Wartung, Gerät …"""

    class Meta(MasterData.Meta):
        verbose_name = _("article category")
        verbose_name_plural = _("article categories")


class _NumberQuerySet(models.QuerySet):
    """``search(typed)`` for the record pickers: numbers starting with what was typed."""

    search_field = "number"

    def search(self, typed: str):
        typed = (typed or "").strip()
        if not typed:
            return self.none()
        return self.filter(**{f"{self.search_field}__istartswith": typed})


class ArticleQuerySet(_NumberQuerySet):
    def search(self, typed: str):
        typed = (typed or "").strip()
        if not typed:
            return self.none()
        return self.filter(Q(number__istartswith=typed) | Q(name__icontains=typed))


class SerialQuerySet(_NumberQuerySet):
    search_field = "serial_number"


class Tracking(models.TextChoices):
    NONE = "none", _("not tracked")
    BATCH = "batch", _("by batch")
    SERIAL = "serial", _("by serial number")


class Article(VersionedModel):
    number = models.CharField(_("article number"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    division = models.ForeignKey(
        Division, models.PROTECT, related_name="articles", verbose_name=_("division")
    )
    category = models.ForeignKey(
        ArticleCategory, models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    unit = models.CharField(_("unit"), max_length=20, default="Stk")
    is_active = models.BooleanField(_("active"), default=True)
    tracking = models.CharField(
        _("tracking"), max_length=10, choices=Tracking, default=Tracking.NONE
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tracking__in=Tracking.values), name="article_tracking_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("business:article", args=[self.pk])


class ExchangeRate(models.Model):
    """``rate`` units of the base currency buy one unit of ``currency``, from ``valid_from`` on."""

    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateField(_("valid from"))
    rate = models.DecimalField(_("rate"), **RATE)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="rate_unique_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.valid_from}: {self.rate}"


class DocumentKind(models.TextChoices):
    OFFER = "offer", _("Offer")
    ORDER = "order", _("Sales order")
    PURCHASE = "purchase", _("Purchase order")


class DocumentStatus(models.TextChoices):
    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class Document(VersionedModel):
    """An offer, sales order or purchase order with its lines, in one currency."""

    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind)
    number = models.CharField(_("number"), max_length=50)
    company = models.ForeignKey(
        "companies.Company", models.PROTECT, related_name="documents", verbose_name=_("company")
    )
    person = models.ForeignKey(
        "companies.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        verbose_name=_("contact person"),
    )
    date = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus, default=DocumentStatus.OPEN
    )
    offer = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("from offer"),
    )
    # The sum of the lines' net amounts, kept by the services.
    total_net = models.DecimalField(_("net total"), default=0, **MONEY)

    objects = _NumberQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="document_unique_number"),
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="document_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DocumentStatus.values), name="document_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "kind", "-date"], name="document_company"),
            models.Index(fields=["kind", "status", "-date"], name="document_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("business:document", args=[self.pk])

    @property
    def link_kind(self) -> str:
        """The key of this document's kind in the linkable registry (journal links)."""
        return {
            DocumentKind.ORDER: "sales_order",
            DocumentKind.OFFER: "offer",
            DocumentKind.PURCHASE: "purchase_order",
        }[self.kind]


class _KindManager(models.Manager.from_queryset(_NumberQuerySet)):
    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def get_queryset(self):
        return super().get_queryset().filter(kind=self.kind)


class SalesOrder(Document):
    objects = _KindManager(DocumentKind.ORDER)

    class Meta:
        proxy = True
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")


class Offer(Document):
    objects = _KindManager(DocumentKind.OFFER)

    class Meta:
        proxy = True
        verbose_name = _("offer")
        verbose_name_plural = _("offers")


class PurchaseOrder(Document):
    objects = _KindManager(DocumentKind.PURCHASE)

    class Meta:
        proxy = True
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")


class DocumentLine(models.Model):
    document = models.ForeignKey(Document, models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"))
    article = models.ForeignKey(
        Article, models.PROTECT, related_name="document_lines", verbose_name=_("article")
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0
    )
    net_amount = models.DecimalField(_("net amount"), **MONEY)

    class Meta:
        verbose_name = _("document line")
        verbose_name_plural = _("document lines")
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "position"], name="line_unique_position"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="line_quantity_not_negative"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="line_discount_percent",
            ),
        ]
        indexes = [models.Index(fields=["article", "document"], name="line_article")]

    def __str__(self) -> str:
        return f"{self.document_id}/{self.position}"


class Batch(models.Model):
    """Charge: a lot of an article, from a supplier."""

    article = models.ForeignKey(
        Article, models.PROTECT, related_name="batches", verbose_name=_("article")
    )
    number = models.CharField(_("batch number"), max_length=50)
    supplier = models.ForeignKey(
        "companies.Company",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supplied_batches",
        verbose_name=_("supplier"),
    )
    received_on = models.DateField(_("received"), null=True, blank=True)
    purchase_order = models.ForeignKey(
        Document,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="batches",
        verbose_name=_("purchase order"),
    )

    objects = _NumberQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="batch_unique_number"),
        ]
        indexes = [models.Index(fields=["number"], name="batch_number")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("business:batch", args=[self.pk])


class Delivery(VersionedModel):
    """Lieferung to a customer, usually for a sales order."""

    number = models.CharField(_("delivery number"), max_length=50, unique=True)
    company = models.ForeignKey(
        "companies.Company", models.PROTECT, related_name="deliveries", verbose_name=_("customer")
    )
    order = models.ForeignKey(
        Document,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("sales order"),
    )
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["company", "-date"], name="delivery_company")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("business:delivery", args=[self.pk])


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"))
    article = models.ForeignKey(
        Article, models.PROTECT, related_name="+", verbose_name=_("article")
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    batch = models.ForeignKey(
        Batch,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="delivery_lines",
        verbose_name=_("batch"),
    )

    class Meta:
        verbose_name = _("delivery line")
        verbose_name_plural = _("delivery lines")
        ordering = ["delivery", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "position"], name="deliveryline_unique_position"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="deliveryline_quantity"),
        ]
        indexes = [models.Index(fields=["batch", "delivery"], name="deliveryline_batch")]

    def __str__(self) -> str:
        return f"{self.delivery_id}/{self.position}"


_SERIAL = re.compile(r"^(.*?)(\d+)$")


def split_serial(serial: str) -> tuple[str, int | None]:
    """``"SN-10042"`` → ``("SN-", 10042)``: ranges compare the number, not the text."""
    match = _SERIAL.match(serial)
    if not match or len(match.group(2)) > 18:
        return serial, None
    return match.group(1), int(match.group(2))


class ArticleInstance(models.Model):
    """Artikelexemplar: one produced piece with its serial number."""

    article = models.ForeignKey(
        Article, models.PROTECT, related_name="instances", verbose_name=_("article")
    )
    serial_number = models.CharField(_("serial number"), max_length=60)
    batch = models.ForeignKey(
        Batch,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="instances",
        verbose_name=_("batch"),
    )
    produced_on = models.DateField(_("produced"), null=True, blank=True)
    production_run = models.CharField(_("production run"), max_length=50, blank=True)
    customer = models.ForeignKey(
        "companies.Company",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="article_instances",
        verbose_name=_("delivered to"),
    )
    delivery_line = models.ForeignKey(
        DeliveryLine,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="instances",
        verbose_name=_("delivery line"),
    )
    # Derived from the serial number for range queries (``split_serial``).
    serial_prefix = models.CharField(max_length=60, blank=True, editable=False)
    serial_value = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = SerialQuerySet.as_manager()

    class Meta:
        verbose_name = _("article instance")
        verbose_name_plural = _("article instances")
        ordering = ["article", "serial_prefix", "serial_value", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "serial_number"], name="instance_unique_serial"
            ),
        ]
        indexes = [
            models.Index(fields=["serial_prefix", "serial_value"], name="instance_serial_range"),
            models.Index(fields=["customer", "article"], name="instance_customer"),
            models.Index(fields=["batch"], name="instance_batch"),
        ]

    def __str__(self) -> str:
        return self.serial_number

    def save(self, *args, **kwargs):
        self.serial_prefix, self.serial_value = split_serial(self.serial_number)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("business:instance", args=[self.pk])


class RevenueMonth(models.Model):
    """The maintained aggregate: base-currency revenue and quantity of a company's
    sales orders per month × division × category.

    Kept exact by ``merkur.business.aggregates`` inside the transaction of every
    write to documents, lines and exchange rates; ``merkur rebuild-aggregates``
    recomputes it from the lines.
    """

    # The unique key and the indexes below lead with these columns: no index of their own.
    company = models.ForeignKey(
        "companies.Company", models.CASCADE, related_name="+", db_index=False
    )
    month = models.DateField()  # the first day of the month
    division = models.ForeignKey(Division, models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey(ArticleCategory, models.CASCADE, related_name="+", db_index=False)
    amount = models.DecimalField(**MONEY)
    quantity = models.DecimalField(**QUANTITY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "month", "division", "category"], name="revenuemonth_unique"
            ),
        ]
        indexes = [
            models.Index(
                fields=["division", "month", "company"],
                name="revenuemonth_division",
                include=["amount", "quantity"],
            ),
            models.Index(
                fields=["month", "company"], name="revenuemonth_month", include=["amount"]
            ),
            # "Bought more than five licences" (ever) sums a category per company:
            # read in company order from this index alone, without sorting or hashing.
            models.Index(
                fields=["category", "company"],
                name="revenuemonth_category",
                include=["amount", "quantity"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.month:%Y-%m}"
