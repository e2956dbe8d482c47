"""The attribute condition of the company and people list filters.

"Attribute A <operator> value as of day D": the filter form collects
``attribute`` (code or id), ``attribute_op``, ``attribute_value`` (a comma list
for ``in``), ``attribute_value2`` (upper end for ``between``) and
``attribute_as_of`` (default today); the value is parsed per type by
``parse_value`` and applied with ``queries.value_filter``.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from merkur.attributes.models import (
    CHOICE_TYPES,
    AttributeChoice,
    AttributeDefinition,
    AttributeType,
)
from merkur.attributes.queries import OPERATORS, Operator, value_filter
from merkur.attributes.values import parse_value

OPERATOR_LABELS = [
    ("", "–"),
    (Operator.EQUALS, _("is")),
    (Operator.IN, _("is one of (comma list)")),
    (Operator.BETWEEN, _("between")),
    (Operator.BEFORE, _("less / before")),
    (Operator.AFTER, _("greater / after")),
    (Operator.CONTAINS, _("contains")),
    (Operator.IS_SET, _("is set")),
    (Operator.IS_NOT_SET, _("is not set")),
]


@dataclass(frozen=True)
class AttributeCondition:
    definition: AttributeDefinition
    operator: str
    value: object
    day: datetime.date

    def apply(self, queryset: QuerySet) -> QuerySet:
        return value_filter(
            queryset,
            definition=self.definition,
            operator=self.operator,
            value=self.value,
            day=self.day,
        )


class _LooseChoiceField(forms.ChoiceField):
    """The select offers the codes; an id or a code typed into the URL works too."""

    def valid_value(self, value) -> bool:
        return True


def _choice_pk(definition: AttributeDefinition, raw: str) -> int:
    """A choice by id or label — deactivated ones too: old values still carry them."""
    raw = raw.strip()
    choices = definition.choices.all()
    found = (
        choices.filter(pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 18
        else choices.filter(label__iexact=raw).first()
    )
    if found is None:
        raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": raw})
    return found.pk


def _parse_one(definition: AttributeDefinition, raw: str):
    if definition.type in CHOICE_TYPES:
        return _choice_pk(definition, raw)
    if definition.type in (AttributeType.INTEGER, AttributeType.LINK):
        digits = raw.strip().lstrip("+-")
        if digits.isdigit() and len(digits) > 18:
            raise ValidationError(_("This number is too large."))
    try:
        value = parse_value(definition, raw)
    except ValidationError as error:
        raise ValidationError(error.messages) from None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**63 - 1:
        raise ValidationError(_("This number is too large."))
    if isinstance(value, AttributeChoice):
        return value.pk
    return value


class AttributeFilterMixin:
    """Adds the attribute fields to a list filter form; call ``add_attribute_fields``."""

    attribute_owner = "company"

    def add_attribute_fields(self) -> None:
        definitions = AttributeDefinition.objects.active()
        if self.attribute_owner == "company":
            definitions = definitions.for_companies()
        else:
            definitions = definitions.for_people()
        self.fields["attribute"] = _LooseChoiceField(
            label=_("Attribute"),
            required=False,
            choices=[("", "–"), *[(d.code, d.display_label) for d in definitions]],
        )
        self.fields["attribute_op"] = forms.ChoiceField(
            label=_("Comparison"), required=False, choices=OPERATOR_LABELS
        )
        self.fields["attribute_value"] = forms.CharField(
            label=_("Value"), required=False, max_length=1000
        )
        self.fields["attribute_value2"] = forms.CharField(
            label=_("and (for “between”)"), required=False, max_length=200
        )
        self.fields["attribute_as_of"] = forms.DateField(
            label=_("as of"),
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            help_text=_("Default: today."),
        )
        for name in ("attribute", "attribute_op"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        for name in ("attribute_value", "attribute_value2", "attribute_as_of"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"

    def _definition(self, key: str) -> AttributeDefinition | None:
        definitions = AttributeDefinition.objects.prefetch_related("choices")
        if self.attribute_owner == "company":
            definitions = definitions.for_companies()
        else:
            definitions = definitions.for_people()
        if key.isdigit() and len(key) < 18:
            return definitions.filter(pk=int(key)).first()
        return definitions.filter(code=key).first()

    def clean(self):
        cleaned = super().clean()
        self._attribute_condition = None
        key = (cleaned.get("attribute") or "").strip()
        if not key:
            return cleaned
        definition = self._definition(key)
        if definition is None:
            self.add_error("attribute", _("There is no such attribute."))
            return cleaned
        fields = ("attribute_op", "attribute_value", "attribute_value2", "attribute_as_of")
        if any(name in self.errors for name in fields):
            return cleaned
        raw = (cleaned.get("attribute_value") or "").strip()
        raw2 = (cleaned.get("attribute_value2") or "").strip()
        operator = cleaned.get("attribute_op") or (Operator.EQUALS if raw else Operator.IS_SET)
        if operator not in OPERATORS[definition.type]:
            self.add_error(
                "attribute_op", _("This comparison does not fit the type of the attribute.")
            )
            return cleaned
        day = cleaned.get("attribute_as_of") or datetime.date.today()
        value = None
        try:
            value = self._value(definition, operator, raw, raw2)
        except ValidationError as error:
            for field, messages in error.error_dict.items():
                self.add_error(field, messages)
            return cleaned
        self._attribute_condition = AttributeCondition(definition, operator, value, day)
        return cleaned

    def _value(self, definition, operator: str, raw: str, raw2: str):
        """The typed value for ``operator``; errors name ``attribute_value(2)``."""
        if operator in (Operator.IS_SET, Operator.IS_NOT_SET):
            return None

        def one(text: str, field: str):
            if not text:
                raise ValidationError({field: _("Enter a value.")})
            try:
                return _parse_one(definition, text)
            except ValidationError as error:
                raise ValidationError({field: error.messages}) from None

        if operator == Operator.CONTAINS:
            one(raw, "attribute_value")
            return raw
        if operator == Operator.BETWEEN:
            low, high = one(raw, "attribute_value"), one(raw2, "attribute_value2")
            if low > high:
                raise ValidationError(
                    {"attribute_value2": _("The upper end must not be below the lower end.")}
                )
            return (low, high)
        if operator == Operator.IN:
            parts = [part.strip() for part in raw.split(",") if part.strip()]
            if not parts:
                raise ValidationError({"attribute_value": _("Enter a value.")})
            return [one(part, "attribute_value") for part in parts]
        return one(raw, "attribute_value")

    def attribute_condition(self) -> AttributeCondition | None:
        self.is_valid()
        return getattr(self, "_attribute_condition", None)
