"""What the forms of companies, people and addresses share.

The forms are plain ``forms.Form`` classes built from the models' form fields:
they only collect and check input; saving goes through
``merkur.companies.services``, whose ``ValidationError`` is mapped back onto
the fields with ``apply_service_errors``.
"""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from merkur.core.forms import BootstrapMixin, apply_service_errors  # noqa: F401 (re-exported)
from merkur.core.masterdata import choices_for

MULTI_SELECT_HELP = _("Hold Ctrl (⌘ on a Mac) or Shift to choose several.")


class MerkurForm(BootstrapMixin, forms.Form):
    """Bootstrap classes (also for checkbox/radio groups) and a focused first field."""

    autofocus = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                field.widget.attrs["class"] = "form-check-input"
        if self.autofocus:
            visible = [f for f in self.fields.values() if not f.widget.is_hidden]
            if visible:
                visible[0].widget.attrs["autofocus"] = True


class VersionMixin(forms.Form):
    """The hidden version an edit started from (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def refresh_version(self, version: int) -> None:
        """Keep the user's input but take the current version: a second save is conscious."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data
        self.full_clean()


def model_field(model: type[models.Model], name: str, **kwargs) -> forms.Field:
    """The form field a model field offers (label, help text, max length, validators)."""
    field = model._meta.get_field(name)
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


def master_choice(model, *, current=None, multiple: bool = False, **kwargs) -> forms.Field:
    """A select of the active master entries plus the inactive ones already on the record."""
    queryset = choices_for(model, current=[c for c in (current or []) if c])
    if multiple:
        kwargs.setdefault("help_text", MULTI_SELECT_HELP)
        return forms.ModelMultipleChoiceField(
            queryset=queryset,
            required=False,
            widget=forms.SelectMultiple(attrs={"size": 5}),
            **kwargs,
        )
    return forms.ModelChoiceField(queryset=queryset, required=False, **kwargs)


CONCURRENT_SAVE = _(
    "Somebody saved a conflicting entry at the same moment. Please check the form and save again."
)
