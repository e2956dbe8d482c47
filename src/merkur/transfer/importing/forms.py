"""The forms of the import screens: upload, reading and mapping settings, duplicate decisions."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from merkur.companies.models import CompanyRole
from merkur.core.forms import BootstrapMixin
from merkur.transfer.columns import TARGETS
from merkur.transfer.importing import links, master_entries
from merkur.transfer.importing.options import (
    ACTION_LABELS,
    ACTIONS,
    ALL_OR_NOTHING,
    DATE_FORMATS,
    DEFAULT_SIMILARITY,
    GOOD_ROWS,
    NUMBER_FORMATS,
    RULE_LABELS,
    RULES,
)
from merkur.transfer.importing.records import max_bytes
from merkur.transfer.models import ImportProfile
from merkur.transfer.sniff import ENCODINGS, display_encoding

SEPARATOR_CHOICES = [
    (";", gettext_lazy("Semicolon ;")),
    (",", gettext_lazy("Comma ,")),
    ("\t", gettext_lazy("Tab")),
    ("|", gettext_lazy("Vertical bar |")),
]
QUOTE_CHOICES = [
    ('"', gettext_lazy('Double quote "')),
    ("'", gettext_lazy("Single quote '")),
    ("", gettext_lazy("None")),
]
HEADER_CHOICES = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No, the first row is data"))]
MODE_CHOICES = [
    (ALL_OR_NOTHING, gettext_lazy("All or nothing: import only if every row is good")),
    (GOOD_ROWS, gettext_lazy("Import the good rows, report the bad ones")),
]
NUMBER_FORMAT_CHOICES = [
    ("de", "1.234 (de)"),
    ("ch", "1'234 (ch)"),
    ("en", "1,234 (en)"),
]
DATE_FORMAT_CHOICES = [
    ("dmy", gettext_lazy("31.12.2026 (day first)")),
    ("ymd", gettext_lazy("2026-12-31 (ISO)")),
    ("mdy", gettext_lazy("12/31/2026 (month first)")),
]
assert [c for c, _l in NUMBER_FORMAT_CHOICES] == list(NUMBER_FORMATS)
assert [c for c, _l in DATE_FORMAT_CHOICES] == list(DATE_FORMATS)


def target_choices() -> list[tuple[str, str]]:
    return [("", _("– not imported –"))] + [(target.key, _(target.label)) for target in TARGETS]


class UploadForm(BootstrapMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Address file (CSV or text)"),
        error_messages={"required": gettext_lazy("Choose a file.")},
    )
    profile = forms.ModelChoiceField(
        queryset=ImportProfile.objects.none(),
        required=False,
        label=gettext_lazy("Profile"),
        empty_label=gettext_lazy("– detect and suggest –"),
        help_text=gettext_lazy("A saved mapping for files of this kind."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = ImportProfile.objects.visible_to(user)
        self.fields["profile"].widget.attrs["class"] = "form-select"
        self.fields["file"].help_text = _("At most %(limit)s MB.") % {
            "limit": settings.MERKUR_IMPORT_MAX_MB
        }

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.")
                % {"limit": settings.MERKUR_IMPORT_MAX_MB}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return upload


class ReadingForm(BootstrapMixin, forms.Form):
    """How to read the file: what detection found, changeable."""

    encoding = forms.ChoiceField(label=gettext_lazy("Encoding"))
    delimiter = forms.ChoiceField(label=gettext_lazy("Separator"), choices=SEPARATOR_CHOICES)
    quotechar = forms.ChoiceField(
        label=gettext_lazy("Quote character"), choices=QUOTE_CHOICES, required=False
    )
    has_header = forms.ChoiceField(label=gettext_lazy("Header row"), choices=HEADER_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["encoding"].choices = [(name, display_encoding(name)) for name in ENCODINGS]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def detection_values(self) -> dict:
        data = self.cleaned_data
        return {
            "encoding": data["encoding"],
            "delimiter": data["delimiter"],
            "quotechar": data["quotechar"],
            "has_header": data["has_header"] == "yes",
        }


class SettingsForm(BootstrapMixin, forms.Form):
    """The column mapping (one select per column) and the options of the run."""

    mode = forms.ChoiceField(
        label=gettext_lazy("Bad rows"),
        choices=MODE_CHOICES,
        widget=forms.RadioSelect,
        initial=ALL_OR_NOTHING,
    )
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles of new companies"),
        choices=CompanyRole.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[CompanyRole.PROSPECT],
        error_messages={"required": gettext_lazy("Choose at least one role.")},
    )
    country = forms.ChoiceField(label=gettext_lazy("Country of rows without one"), required=False)
    number_format = forms.ChoiceField(
        label=gettext_lazy("Numbers"), choices=NUMBER_FORMAT_CHOICES, initial="de"
    )
    date_format = forms.ChoiceField(
        label=gettext_lazy("Dates"), choices=DATE_FORMAT_CHOICES, initial="dmy"
    )
    similarity = forms.IntegerField(
        label=gettext_lazy("Similar names from (%)"),
        min_value=50,
        max_value=100,
        initial=DEFAULT_SIMILARITY,
        help_text=gettext_lazy("How alike two company names must be to count as the same."),
    )
    link_kind = forms.ChoiceField(label=gettext_lazy("Link to"), required=False)
    link_reference = forms.CharField(
        label=gettext_lazy("Number of the record"), required=False, max_length=100
    )
    link_status = forms.CharField(label=gettext_lazy("Status"), required=False, max_length=50)
    link_matches = forms.BooleanField(
        label=gettext_lazy("Link existing records that rows match, too"),
        required=False,
        initial=True,
    )
    add_to_master_tables = forms.BooleanField(
        label=gettext_lazy("Add unknown functions and titles to their master tables"),
        required=False,
        help_text=gettext_lazy(
            "Without this, a row with a function or title missing from its master table is "
            "refused. Salutations are never added: each needs its letter salutation."
        ),
    )
    profile_name = forms.CharField(
        label=gettext_lazy("Save as profile"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Optional: a name to use this mapping for the next file."),
    )
    profile_shared = forms.BooleanField(
        label=gettext_lazy("Colleagues may use the profile"), required=False
    )

    def __init__(self, *args, columns: int, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.columns = columns
        choices = target_choices()
        for index in range(columns):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                choices=choices,
                required=False,
                label=_("Column %(number)s") % {"number": index + 1},
            )
            self.fields[f"column_{index}"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["country"].choices = [("", _("– our own country –")), *list(countries)]
        self.fields["link_kind"].choices = [("", _("– nothing –")), *links.choices()]
        for name in ("country", "number_format", "date_format", "link_kind"):
            self.fields[name].widget.attrs["class"] = "form-select"
        for name in ("mode", "roles"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        if not master_entries.may_add(user):
            del self.fields["add_to_master_tables"]

    def column_fields(self):
        return [self[f"column_{index}"] for index in range(self.columns)]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("link_kind") and not cleaned.get("link_reference"):
            self.add_error("link_reference", _("Name the record to link to."))
        name = (cleaned.get("profile_name") or "").strip()
        if name and ImportProfile.objects.filter(owner=self.user, name__iexact=name).exists():
            self.add_error(
                "profile_name", _("You have a profile of this name already; choose another.")
            )
        return cleaned

    def columns_chosen(self) -> dict[int, str]:
        return {
            index: self.cleaned_data[f"column_{index}"]
            for index in range(self.columns)
            if self.cleaned_data.get(f"column_{index}")
        }

    def option_values(self) -> dict:
        data = self.cleaned_data
        link = None
        if data.get("link_kind"):
            link = {
                "kind": data["link_kind"],
                "reference": data["link_reference"].strip(),
                "status": data.get("link_status", "").strip(),
            }
        return {
            "mode": data["mode"],
            "roles": list(data["roles"]),
            "country": data.get("country") or "",
            "number_format": data["number_format"],
            "date_format": data["date_format"],
            "similarity": data["similarity"],
            "link": link,
            "link_matches": data["link_matches"],
            "add_to_master_tables": data.get("add_to_master_tables", False),
        }


class DecisionsForm(BootstrapMixin, forms.Form):
    """What to do with duplicates: per rule, and per row for the rows the dry run listed."""

    def __init__(self, *args, lines: list[int], decisions: dict, row_decisions: dict, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(action, ACTION_LABELS[action]) for action in ACTIONS]
        for rule in RULES:
            self.fields[f"rule_{rule}"] = forms.ChoiceField(
                label=RULE_LABELS[rule], choices=choices, initial=decisions.get(rule, "skip")
            )
        row_choices = [("", _("as the rule says")), *choices]
        for line in lines:
            self.fields[f"row_{line}"] = forms.ChoiceField(
                label=_("Line %(line)s") % {"line": line},
                choices=row_choices,
                required=False,
                initial=row_decisions.get(str(line), row_decisions.get(line, "")),
            )
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def rule_fields(self):
        return [self[f"rule_{rule}"] for rule in RULES]

    def decisions(self) -> dict[str, str]:
        return {rule: self.cleaned_data[f"rule_{rule}"] for rule in RULES}

    def row_decisions(self) -> dict[str, str]:
        return {
            name.removeprefix("row_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("row_") and value
        }
