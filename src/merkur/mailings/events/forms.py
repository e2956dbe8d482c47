"""Forms of the marketing-event pages: the event, the list filters, adding and changing members."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from merkur.core.masterdata import choices_for
from merkur.mailings.models import EventKind, MarketingEvent, MemberStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _Styled(forms.Form):
    """Bootstrap's classes on the widgets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class EventForm(_Styled):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=EventKind.objects.none())
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=_users(), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, event: MarketingEvent | None = None, **kwargs):
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": event.name,
                "kind": event.kind_id,
                "starts_on": event.starts_on,
                "ends_on": event.ends_on,
                "description": event.description,
                "owner": event.owner_id,
                "version": event.version,
            }
        super().__init__(*args, **kwargs)
        current = [event.kind_id] if event is not None else None
        self.fields["kind"].queryset = choices_for(EventKind, current=current)
        self.fields["owner"].queryset = _users()

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end must not be before the start."))
        return data

    def event_data(self) -> dict:
        data = {key: self.cleaned_data[key] for key in ("name", "kind", "starts_on", "ends_on")}
        data["description"] = self.cleaned_data["description"]
        if self.cleaned_data.get("owner"):
            data["owner"] = self.cleaned_data["owner"]
        return data


class EventFilterForm(_Styled):
    kind = forms.ModelChoiceField(label=_("Kind"), queryset=EventKind.objects.all(), required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=_users(), required=False)
    starts_from = forms.DateField(label=_("From"), widget=DATE, required=False)
    starts_to = forms.DateField(label=_("To"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users()

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("owner"):
            queryset = queryset.filter(owner=data["owner"])
        if data.get("starts_from"):
            queryset = queryset.filter(starts_on__gte=data["starts_from"])
        if data.get("starts_to"):
            queryset = queryset.filter(starts_on__lte=data["starts_to"])
        return queryset


class MemberFilterForm(_Styled):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("all")), *MemberStatus.choices], required=False
    )

    def apply(self, queryset):
        if self.is_valid() and self.cleaned_data.get("status"):
            return queryset.filter(status=self.cleaned_data["status"])
        return queryset


class BulkForm(_Styled):
    """Change the status of the chosen members, or remove them."""

    action = forms.ChoiceField(
        choices=[("status", _("Set status")), ("remove", _("Remove"))],
        error_messages={"invalid_choice": _("Choose what to do with the members.")},
    )
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.choices, required=False)
    members = forms.TypedMultipleChoiceField(
        coerce=int,
        error_messages={"required": _("Choose at least one member.")},
    )

    def __init__(self, *args, member_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(pk, pk) for pk in member_ids]

    def clean(self):
        data = super().clean()
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        return data


class AddFromRunForm(_Styled):
    run = forms.ModelChoiceField(
        label=_("Frozen selection run"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose one of the frozen runs you may see.")},
    )
    status = forms.ChoiceField(
        label=_("Status of the new members"),
        choices=MemberStatus.choices,
        initial=MemberStatus.PLANNED,
    )

    def __init__(self, *args, runs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = runs


class ManualAddForm(_Styled):
    company = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    person = forms.IntegerField(
        min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput, required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=MemberStatus.choices, initial=MemberStatus.PLANNED
    )
