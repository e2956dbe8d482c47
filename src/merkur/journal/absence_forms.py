"""The form for an absence: who (administrators choose), from, to, why, the deputy."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from merkur.core.forms import BootstrapMixin
from merkur.journal.models import AbsenceReason


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.get_username()})" if name else obj.get_username()


def _active_users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AbsenceForm(BootstrapMixin, forms.Form):
    """``user`` is offered only to administrators (``choose_user``); others record their own.

    ``version`` is set when editing, so a concurrent change is noticed.
    """

    user = UserChoiceField(
        label=_("Absent user"),
        queryset=_active_users(),
        required=False,
        empty_label=_("— me —"),
    )
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("To"), widget=DateInput(), help_text=_("Included."))
    reason = forms.ChoiceField(label=_("Reason"), choices=AbsenceReason.choices)
    deputy = UserChoiceField(
        label=_("Deputy"),
        queryset=_active_users(),
        help_text=_("Sees the absent user's follow-ups while the absence lasts."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, absent_user, choose_user: bool, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.absent_user = absent_user
        if not choose_user or editing:
            # Who is absent is fixed once recorded (the service keeps it too).
            del self.fields["user"]
            self.fields["deputy"].queryset = _active_users().exclude(pk=absent_user.pk)
        if not editing:
            del self.fields["version"]

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The absence cannot end before it starts."))
        user = data.get("user") or self.absent_user
        deputy = data.get("deputy")
        if user and deputy and user.pk == deputy.pk:
            self.add_error("deputy", _("Choose somebody else as deputy."))
        return data

    def add_error(self, field, error):
        super().add_error(field, error)
        # Errors from the service come after validation: mark those fields too.
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
                    widget.attrs["aria-invalid"] = "true"

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["user"] = data.get("user") or self.absent_user
        return data
