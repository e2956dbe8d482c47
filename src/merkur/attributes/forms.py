"""Forms of the attribute pages: the attribute master and the value forms on record pages.

The forms only collect input: ``merkur.attributes.values.parse_value`` (called by
the services) parses and checks a value per type, and the services' ``ValidationError``
is mapped back onto the fields with ``apply_service_errors``.
"""

import datetime
from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from merkur.attributes.models import (
    CHOICE_TYPES,
    AttributeChoice,
    AttributeDefinition,
    AttributeType,
    AttributeValue,
)
from merkur.companies.forms.base import MerkurForm, VersionMixin, model_field
from merkur.core import linkable

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
        hint = _("Type a name and pick the record from the list.")
        return forms.CharField(
            max_length=300,
            widget=LinkInput(link_kind=definition.link_kind),
            **{**common, "help_text": " ".join(str(p) for p in (definition.help_text, hint) if p)},
        )
    return forms.CharField(max_length=1000, **common)


class LinkInput(forms.TextInput):
    """A text input that offers matching records as the user types (htmx + datalist).

    The chosen entry reads "Name (#id)"; ``parse_value`` takes the id from it.
    """

    def __init__(self, *, link_kind: str, attrs=None):
        super().__init__(attrs)
        self.link_kind = link_kind

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        options_id = f"{attrs.get('id') or name}-options"
        attrs.update(
            {
                "list": options_id,
                "autocomplete": "off",
                "hx-get": f"{reverse('attributes:link_options')}?kind={self.link_kind}",
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{options_id}",
                "hx-swap": "innerHTML",
            }
        )
        html = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="{}"></datalist>', html, options_id)


def link_label(link_kind: str, pk) -> str:
    """ "Name (#id)": how a linked record is shown in the input and read back."""
    target = linkable.kind(link_kind)
    found = target.model.objects.filter(pk=pk).first() if target else None
    return f"{found} (#{pk})" if found else str(pk)


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
    if kind == AttributeType.LINK:
        return link_label(row.definition.link_kind, typed)
    return str(typed)


class ValueSetForm(MerkurForm):
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


class ValueCorrectForm(MerkurForm):
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
