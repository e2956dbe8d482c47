"""Forms of the attribute pages: the attribute master and the value forms on record pages.

The forms only collect input: ``merkur.attributes.values.parse_value`` (called by
the services) parses and checks a value per type, and the services' ``ValidationError``
is mapped back onto the fields with ``apply_service_errors``.
"""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from merkur.attributes import linkable
from merkur.attributes.models import (
    CHOICE_TYPES,
    AttributeChoice,
    AttributeDefinition,
    AttributeType,
    AttributeValue,
)
from merkur.attributes.values import parse_value
from merkur.companies.forms.base import MerkurForm, VersionMixin, model_field

DEFINITION_FORM_FIELDS = [
    "code", "label", "label_en", "help_text", "type", "for_companies", "for_people",
    "multi_valued", "required", "group", "sort_order", "is_active", "unit", "min_value",
    "max_value",
]  # fmt: skip


class DefinitionForm(MerkurForm):
    """Create an attribute; ``choices`` (one per line) only for choice types."""

    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For choice attributes: one choice per line."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DEFINITION_FORM_FIELDS:
            self.fields[name] = model_field(AttributeDefinition, name)
        self.fields["link_kind"] = forms.ChoiceField(
            label=_("links to"),
            required=False,
            choices=[("", "–"), *linkable.choices()],
            help_text=_("For link attributes: the kind of record the value points at."),
        )
        self.order_fields([*DEFINITION_FORM_FIELDS, "link_kind", "choices_text"])

    def data_for_service(self) -> dict:
        data = {name: self.cleaned_data[name] for name in DEFINITION_FORM_FIELDS}
        data["link_kind"] = self.cleaned_data.get("link_kind") or ""
        for name in ("label_en", "help_text", "group", "unit"):
            data[name] = data[name] or ""
        if data["sort_order"] is None:
            data["sort_order"] = 0
        return data

    def choice_labels(self) -> list[str]:
        text = self.cleaned_data.get("choices_text") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class DefinitionEditForm(VersionMixin, DefinitionForm):
    """Change an attribute; its choices are maintained beside the form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["choices_text"]


class ChoiceAddForm(MerkurForm):
    autofocus = False
    label = forms.CharField(label=_("New choice"), max_length=100)


class ChoiceUpdateForm(MerkurForm):
    autofocus = False
    label = forms.CharField(label=_("Label"), max_length=100, required=False)
    is_active = forms.BooleanField(label=_("active"), required=False)


# --- values ---------------------------------------------------------------------------------


class _LooseChoiceField(forms.ChoiceField):
    """A select whose value ``parse_value`` checks (so a deactivated choice gets its message)."""

    def valid_value(self, value) -> bool:
        return True


class _LooseMultipleChoiceField(forms.MultipleChoiceField):
    def valid_value(self, value) -> bool:
        return True


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choice_options(definition: AttributeDefinition, current=None) -> list[tuple[str, str]]:
    """The active choices, plus the one a row already holds if it was deactivated since."""
    options = [(str(c.pk), c.label) for c in definition.choices.all() if c.is_active]
    if current is not None and not current.is_active:
        options.append((str(current.pk), current.label))
    return options


def value_field(definition: AttributeDefinition, *, single: bool = False, current=None):
    """The input for a value of ``definition``'s type; ``parse_value`` does the checking."""
    kind = definition.type
    common = {"label": _("Value"), "required": False, "help_text": definition.help_text}
    if kind == AttributeType.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), strip=False, **common)
    if kind == AttributeType.CHOICE or (kind == AttributeType.MULTI_CHOICE and single):
        return _LooseChoiceField(
            choices=[("", "–"), *_choice_options(definition, current)], **common
        )
    if kind == AttributeType.MULTI_CHOICE:
        return _LooseMultipleChoiceField(
            choices=_choice_options(definition),
            widget=forms.SelectMultiple(attrs={"size": 4}),
            **common,
        )
    if kind in (AttributeType.INTEGER, AttributeType.DECIMAL):
        mode = "numeric" if kind == AttributeType.INTEGER else "decimal"
        field = forms.CharField(max_length=40, **common)
        field.widget.attrs["inputmode"] = mode
        return field
    if kind == AttributeType.DATE:
        return forms.DateField(widget=_date_widget(), **common)
    if kind == AttributeType.BOOLEAN:
        return forms.ChoiceField(
            choices=[("", "–"), ("true", _("yes")), ("false", _("no"))], **common
        )
    if kind == AttributeType.LINK:
        field = forms.CharField(max_length=20, **common)
        field.widget.attrs["inputmode"] = "numeric"
        target = linkable.kind(definition.link_kind)
        if target is not None:
            field.help_text = _("Number (id) of the %(kind)s.") % {"kind": target.label}
        return field
    return forms.CharField(max_length=1000, **common)


def raw_value(row: AttributeValue):
    """A row's value as the form shows it for correcting."""
    typed = row.value
    kind = row.definition.type
    if typed is None:
        return ""
    if kind in CHOICE_TYPES:
        return str(typed.pk) if isinstance(typed, AttributeChoice) else str(typed)
    if kind == AttributeType.BOOLEAN:
        return "true" if typed else "false"
    if kind == AttributeType.DECIMAL:
        return formats.localize_input(Decimal(typed).normalize())
    if kind == AttributeType.INTEGER:
        return str(typed)
    if kind == AttributeType.DATE:
        return typed
    return str(typed)


BIGINT_MAX = 2**63 - 1


class _IntegerRangeMixin:
    """Whole numbers beyond the database's 64-bit column are a field error, not a 500.

    (``parse_value`` gives integers no default bounds; this guards the forms until it does.)
    """

    def clean_value(self):
        value = self.cleaned_data.get("value")
        definition = self.definition
        text = str(value or "").strip()
        if definition.type == AttributeType.LINK and text.isdigit() and len(text) > 18:
            raise forms.ValidationError(_("There is no such record."))
        if definition.type == AttributeType.INTEGER and value not in (None, ""):
            try:
                typed = parse_value(definition, value)
            except ValidationError:
                return value  # the service reports it with its own message
            if not -BIGINT_MAX <= typed <= BIGINT_MAX:
                raise forms.ValidationError(_("This number is too large."))
        return value


class ValueSetForm(_IntegerRangeMixin, MerkurForm):
    """A new value of one attribute, valid from a day (default today), optionally to a day."""

    autofocus = False
    valid_from = forms.DateField(label=_("valid from"), widget=_date_widget())
    valid_to = forms.DateField(label=_("valid to"), required=False, widget=_date_widget())

    def __init__(self, definition: AttributeDefinition, *args, **kwargs):
        kwargs.setdefault("prefix", f"set-{definition.pk}")
        kwargs.setdefault("initial", {"valid_from": datetime.date.today()})
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.fields["value"] = value_field(definition)
        self.order_fields(["value", "valid_from", "valid_to"])


class ValueCorrectForm(_IntegerRangeMixin, MerkurForm):
    """Correct one timeline row: its value and/or its period (empty "valid to": open end)."""

    autofocus = False
    valid_from = forms.DateField(label=_("valid from"), widget=_date_widget())
    valid_to = forms.DateField(label=_("valid to"), required=False, widget=_date_widget())

    def __init__(self, row: AttributeValue, *args, **kwargs):
        kwargs.setdefault("prefix", f"fix-{row.pk}")
        kwargs.setdefault(
            "initial",
            {"value": raw_value(row), "valid_from": row.valid_from, "valid_to": row.valid_to},
        )
        super().__init__(*args, **kwargs)
        self.row = row
        self.definition = row.definition
        current = row.value_choice if row.definition.type in CHOICE_TYPES else None
        self.fields["value"] = value_field(row.definition, single=True, current=current)
        self.order_fields(["value", "valid_from", "valid_to"])

    def changed_value(self):
        """The value to hand to the service, or ``None`` when the user left it as it was."""
        value = self.cleaned_data.get("value")
        initial = raw_value(self.row)
        if value in (None, "") or str(value) == str(initial):
            return None
        return value
