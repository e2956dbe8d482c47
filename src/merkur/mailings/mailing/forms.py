"""Forms of the mailing pages: the wizard (source, event, channels and their settings)
and the item filter."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merkur.core.masterdata import choices_for
from merkur.journal.models import ContactType
from merkur.mailings import services
from merkur.mailings.models import Channel, ItemState, Mailing, MarketingEvent
from merkur.selections.api.common import visible_runs
from merkur.selections.models import SavedSelection

AREA = {"rows": 4}
# Where the service's error keys are shown in the form.
ERROR_FIELDS = {
    "name": "name",
    "run": "run",
    "selection": "run",
    "channels": "channels",
    "fields": "free_fields",
    "email": "email_text",
    "letters": "template",
    "pdf": "pdf_body",
    "labels": "label_format",
}


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput | forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


def parse_free(text: str) -> dict[str, str]:
    """``name = value`` lines → the free fields (``ValidationError`` for a line without =)."""
    free = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals:
            raise ValidationError(_("Line %(line)s: write “name = value”.") % {"line": number})
        free[name.strip()] = value.strip()
    return free


class MailingForm(_Styled):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    run = forms.ModelChoiceField(
        label=gettext_lazy("Frozen selection run"), queryset=None, required=False
    )
    selection = forms.ModelChoiceField(
        label=gettext_lazy("or saved selection (frozen when the mailing starts)"),
        queryset=None,
        required=False,
    )
    event = forms.ModelChoiceField(
        label=gettext_lazy("Marketing event"), queryset=None, required=False
    )
    contact_type = forms.ModelChoiceField(
        label=gettext_lazy("Contact type in the journal"), queryset=None, required=False
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    free_fields = forms.CharField(
        label=gettext_lazy("Free fields (one “name = value” per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    email_subject = forms.CharField(
        label=gettext_lazy("E-mail subject"), max_length=500, required=False
    )
    email_sender = forms.CharField(
        label=gettext_lazy("E-mail sender"), max_length=300, required=False
    )
    email_text = forms.CharField(
        label=gettext_lazy("E-mail text"), widget=forms.Textarea(attrs=AREA), required=False
    )
    email_html = forms.CharField(
        label=gettext_lazy("E-mail HTML (optional)"),
        widget=forms.Textarea(attrs=AREA),
        required=False,
    )
    template = forms.FileField(label=gettext_lazy("Word template (DOCX)"), required=False)
    template_name = forms.CharField(widget=forms.HiddenInput, required=False)
    one_file = forms.BooleanField(
        label=gettext_lazy("All letters in one file (else one file per recipient in a ZIP)"),
        required=False,
        initial=True,
    )
    pdf_subject = forms.CharField(
        label=gettext_lazy("PDF letter: subject line"), max_length=500, required=False
    )
    pdf_body = forms.CharField(
        label=gettext_lazy("PDF letter: text"), widget=forms.Textarea(attrs=AREA), required=False
    )
    label_format = forms.ChoiceField(
        label=gettext_lazy("Label sheet"),
        choices=[(name, name) for name in services.LABEL_FORMATS],
        required=False,
    )
    label_start = forms.IntegerField(
        label=gettext_lazy("First label position"),
        min_value=1,
        max_value=100,
        initial=1,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, mailing: Mailing | None = None, **kwargs):
        if mailing is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(mailing)
        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = (
            visible_runs(user).select_related("selection").order_by("-run_at", "-id")
        )
        self.fields["selection"].queryset = SavedSelection.objects.visible_to(user).order_by(
            "name", "id"
        )
        self.fields["event"].queryset = MarketingEvent.objects.order_by("-starts_on", "-id")
        current = [mailing.contact_type_id] if mailing and mailing.contact_type_id else None
        self.fields["contact_type"].queryset = choices_for(ContactType, current=current)

    def clean_free_fields(self):
        return parse_free(self.cleaned_data.get("free_fields", ""))

    def clean(self):
        data = super().clean()
        upload = data.get("template")
        if upload:
            if upload.size > services.MAX_TEMPLATE_BYTES:
                self.add_error(
                    "template",
                    _("The Word template is larger than %(size)s MB.")
                    % {"size": services.MAX_TEMPLATE_BYTES // (1024 * 1024)},
                )
            else:
                try:
                    data["template_name"] = services.store_template(
                        upload.read(), free=data.get("free_fields") or {}
                    )
                except ValidationError as error:
                    self.add_error("template", error.messages)
        return data

    def mailing_data(self) -> dict:
        data = self.cleaned_data
        options = {"fields": data.get("free_fields") or {}}
        channels = data.get("channels") or []
        if Channel.EMAIL in channels:
            options["email"] = {
                "subject": data.get("email_subject", ""),
                "text": data.get("email_text", ""),
                "html": data.get("email_html", ""),
                "sender": data.get("email_sender", ""),
            }
        if Channel.LETTERS_DOCX in channels:
            options["letters"] = {
                "template": data.get("template_name", ""),
                "one_file": bool(data.get("one_file")),
            }
        if Channel.LETTERS_PDF in channels or Channel.FAX in channels:
            options["pdf"] = {
                "subject": data.get("pdf_subject", ""),
                "body": data.get("pdf_body", ""),
            }
        if Channel.LABELS in channels:
            options["labels"] = {
                "format": data.get("label_format") or "",
                "start": data.get("label_start") or 1,
            }
        return {
            "name": data["name"],
            "run": data.get("run"),
            "selection": data.get("selection"),
            "event": data.get("event"),
            "contact_type": data.get("contact_type"),
            "channels": channels,
            "options": options,
        }

    def add_service_errors(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                self.add_error(ERROR_FIELDS.get(key), messages)
        else:
            self.add_error(None, error.messages)


def initial_of(mailing: Mailing) -> dict:
    email = mailing.channel_settings("email")
    letters = mailing.channel_settings("letters")
    pdf = mailing.channel_settings("pdf")
    labels = mailing.channel_settings("labels")
    free = mailing.channel_settings("fields")
    return {
        "name": mailing.name,
        "run": mailing.run_id,
        "selection": mailing.selection_id,
        "event": mailing.event_id,
        "contact_type": mailing.contact_type_id,
        "channels": list(mailing.channels),
        "free_fields": "\n".join(f"{name} = {value}" for name, value in free.items()),
        "email_subject": email.get("subject", ""),
        "email_sender": email.get("sender", ""),
        "email_text": email.get("text", ""),
        "email_html": email.get("html", ""),
        "template_name": letters.get("template", ""),
        "one_file": letters.get("one_file", True),
        "pdf_subject": pdf.get("subject", ""),
        "pdf_body": pdf.get("body", ""),
        "label_format": labels.get("format", ""),
        "label_start": labels.get("start", 1),
        "version": mailing.version,
    }


class ItemFilterForm(_Styled):
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        choices=[("", gettext_lazy("all")), *ItemState.choices],
        required=False,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[("", gettext_lazy("all")), *Channel.choices],
        required=False,
    )

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        if self.cleaned_data.get("state"):
            queryset = queryset.filter(state=self.cleaned_data["state"])
        if self.cleaned_data.get("channel"):
            queryset = queryset.filter(channel=self.cleaned_data["channel"])
        return queryset
