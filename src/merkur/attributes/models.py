"""User-defined attributes (Attribut-Stamm) and their values with validity periods."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from merkur.core.models import VersionedModel


class AttributeType(models.TextChoices):
    TEXT = "text", _("Text (one line)")
    LONG_TEXT = "long_text", _("Long text")
    CHOICE = "choice", _("Choice from a list")
    MULTI_CHOICE = "multi_choice", _("Several choices from a list")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/no")
    LINK = "link", _("Link to a record")


# The one map from type to the column its values live in.
VALUE_COLUMN: dict[str, str] = {
    AttributeType.TEXT: "value_text",
    AttributeType.LONG_TEXT: "value_text",
    AttributeType.CHOICE: "value_choice",
    AttributeType.MULTI_CHOICE: "value_choice",
    AttributeType.INTEGER: "value_integer",
    AttributeType.DECIMAL: "value_decimal",
    AttributeType.DATE: "value_date",
    AttributeType.BOOLEAN: "value_boolean",
    AttributeType.LINK: "value_link",
}
CHOICE_TYPES = (AttributeType.CHOICE, AttributeType.MULTI_CHOICE)
NUMBER_TYPES = (AttributeType.INTEGER, AttributeType.DECIMAL)


class AttributeDefinitionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_companies(self):
        return self.filter(for_companies=True)

    def for_people(self):
        return self.filter(for_people=True)


class AttributeDefinition(VersionedModel):
    """An attribute users added to companies and/or people, with its type and rules."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("label (German)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100, blank=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=AttributeType)
    for_companies = models.BooleanField(_("for companies"), default=True)
    for_people = models.BooleanField(_("for people"), default=False)
    multi_valued = models.BooleanField(
        _("several values at once"),
        default=False,
        help_text=_("Several values may be valid at the same time, each with its own period."),
    )
    required = models.BooleanField(_("required"), default=False)
    group = models.CharField(_("group on the record page"), max_length=100, blank=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    min_value = models.DecimalField(
        _("minimum"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    link_kind = models.CharField(_("links to"), max_length=30, blank=True)

    objects = AttributeDefinitionQuerySet.as_manager()

    class Meta:
        verbose_name = _("attribute")
        verbose_name_plural = _("attributes")
        ordering = ["group", "sort_order", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type__in=AttributeType.values), name="attributedefinition_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(type=AttributeType.LINK, link_kind__gt="")
                | (~Q(type=AttributeType.LINK) & Q(link_kind="")),
                name="attributedefinition_link_kind_with_link",
            ),
            models.CheckConstraint(
                condition=~Q(type=AttributeType.MULTI_CHOICE) | Q(multi_valued=True),
                name="attributedefinition_multi_choice_is_multi_valued",
            ),
            models.CheckConstraint(
                condition=Q(for_companies=True) | Q(for_people=True),
                name="attributedefinition_applies_somewhere",
            ),
        ]

    def __str__(self) -> str:
        return self.display_label

    def get_absolute_url(self) -> str:
        return reverse("attributes:edit", args=[self.pk])

    @property
    def display_label(self) -> str:
        if self.label_en and (get_language() or "").startswith("en"):
            return self.label_en
        return self.label

    @property
    def value_column(self) -> str:
        return VALUE_COLUMN[self.type]


class AttributeChoice(models.Model):
    """One entry of a choice attribute's list; deactivated ones stay on old values."""

    definition = models.ForeignKey(
        AttributeDefinition, models.CASCADE, related_name="choices", verbose_name=_("attribute")
    )
    label = models.CharField(_("label"), max_length=100)
    sort_order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["sort_order", "label"]
        constraints = [
            models.UniqueConstraint(
                "definition", Lower("label"), name="attributechoice_unique_label"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class AttributeValueQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date):
        """Values whose period contains ``day`` (both ends inclusive, open end allowed)."""
        return self.filter(valid_on_q(day))


def valid_on_q(day: datetime.date, prefix: str = "") -> Q:
    """The condition "valid on ``day``" — the one place that defines a period's edges."""
    return Q(**{f"{prefix}valid_from__lte": day}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


COVERING = ["company", "person", "valid_from", "valid_to"]


class AttributeValue(models.Model):
    """A value of an attribute on a company or person, valid from a day to a day.

    Values are never overwritten: a new value closes the period of the old one.
    Exactly one typed column holds the value (``VALUE_COLUMN``). For
    single-valued attributes (``exclusive``) periods on one record never
    overlap: a PostgreSQL exclusion constraint holds that, the services check
    it on every database with a message naming the conflicting period.
    """

    definition = models.ForeignKey(
        AttributeDefinition, models.PROTECT, related_name="values", verbose_name=_("attribute")
    )
    company = models.ForeignKey(
        "companies.Company", models.CASCADE, null=True, blank=True,
        related_name="attribute_values", verbose_name=_("company"),
    )  # fmt: skip
    person = models.ForeignKey(
        "companies.Person", models.CASCADE, null=True, blank=True,
        related_name="attribute_values", verbose_name=_("person"),
    )  # fmt: skip
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    # A copy of "not definition.multi_valued", so the database can constrain it.
    exclusive = models.BooleanField(default=True, editable=False)

    value_text = models.TextField(_("text"), blank=True)
    value_integer = models.BigIntegerField(_("whole number"), null=True, blank=True)
    value_decimal = models.DecimalField(
        _("decimal number"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    value_date = models.DateField(_("date"), null=True, blank=True)
    value_boolean = models.BooleanField(_("yes/no"), null=True, blank=True)
    value_choice = models.ForeignKey(
        AttributeChoice, models.PROTECT, null=True, blank=True, related_name="values",
        verbose_name=_("choice"),
    )  # fmt: skip
    value_link = models.BigIntegerField(_("linked record"), null=True, blank=True)

    created_at = models.DateTimeField(_("entered"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AttributeValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("attribute value")
        verbose_name_plural = _("attribute values")
        ordering = ["definition", "valid_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(company__isnull=False, person__isnull=True)
                | Q(company__isnull=True, person__isnull=False),
                name="attributevalue_one_record",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="attributevalue_period_ordered",
            ),
        ]
        indexes = [
            # The record page and the selection's correlated look-ups.
            models.Index(fields=["company", "definition", "valid_from"], name="attrvalue_company"),
            models.Index(fields=["person", "definition", "valid_from"], name="attrvalue_person"),
            # "attribute X between a and b as of D": one range scan per typed column;
            # on PostgreSQL the period and the record come from the index itself,
            # not from thousands of scattered table pages.
            models.Index(
                fields=["definition", "value_decimal"], include=COVERING, name="attrvalue_decimal"
            ),
            models.Index(
                fields=["definition", "value_integer"], include=COVERING, name="attrvalue_integer"
            ),
            models.Index(
                fields=["definition", "value_date"], include=COVERING, name="attrvalue_date"
            ),
            models.Index(fields=["definition", "value_choice"], name="attrvalue_choice"),
            models.Index(fields=["definition", "value_boolean"], name="attrvalue_boolean"),
            models.Index(fields=["definition", "value_link"], name="attrvalue_link"),
        ]

    def __str__(self) -> str:
        return f"{self.definition}: {self.value}"

    @property
    def record(self):
        return self.company if self.company_id else self.person

    @property
    def value(self):
        """The typed value (for multi-choice rows: the one choice of this row)."""
        return getattr(self, self.definition.value_column)

    def covers(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)
