"""One generic form for the entries of any registered master table.

The fields come from the registry (``MasterTable.fields``), so a newly
registered table gets its pages without a new form class.
"""

import copy

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance, modelform_factory

from merkur.core.masterdata import MasterTable, check_unique_name, choices_for
from merkur.core.models import MasterData


class MasterEntryForm(forms.ModelForm):
    """Bootstrap classes, active-only choices for related master tables, a clear duplicate error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            self._style(field)
            self._limit_choices(name, field)

    @staticmethod
    def _style(field: forms.Field) -> None:
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def _limit_choices(self, name: str, field: forms.Field) -> None:
        # A two-level table points at another master table (e.g. a type at its
        # kind): offer the active entries plus the one this entry already has.
        if not isinstance(field, forms.ModelChoiceField):
            return
        related = field.queryset.model
        if not issubclass(related, MasterData):
            return
        current = getattr(self.instance, f"{name}_id", None) if self.instance.pk else None
        field.queryset = choices_for(related, current=[current] if current else None)

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        # Every error passes through here (field cleaning, model validation,
        # service errors added by the view): mark the widgets for Bootstrap.
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def clean(self):
        cleaned = super().clean()
        if "name" in cleaned and not self.has_error("name"):
            # Check the name on a copy: the real instance is only filled in
            # after clean(), and the service re-reads it from the database.
            candidate = construct_instance(self, copy.copy(self.instance), self._meta.fields)
            try:
                check_unique_name(candidate)
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


def create_form_class(table: MasterTable) -> type[MasterEntryForm]:
    """The inline "add entry" form: name and the table's extra fields."""
    return modelform_factory(
        table.model, form=MasterEntryForm, fields=("name", *table.extra_fields)
    )


def edit_form_class(table: MasterTable) -> type[MasterEntryForm]:
    """The edit form: every registry field except the order, which the arrows change."""
    fields = tuple(name for name in table.fields if name != "sort_order")
    return modelform_factory(table.model, form=MasterEntryForm, fields=fields)
