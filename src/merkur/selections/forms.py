"""The form that saves a selection built in the browser (the definition comes with it)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SaveForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    shared = forms.BooleanField(
        label=_("Shared with everybody"),
        required=False,
        help_text=_("Colleagues can run a shared selection and save a copy of it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-check-input" if name == "shared" else "form-control"
            field.widget.attrs.setdefault("class", css)
