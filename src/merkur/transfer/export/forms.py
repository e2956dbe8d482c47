"""The forms of the export page and of export profiles (German labels by translation).

``OptionsForm`` shows every option of ``options.Options``; its ``options_data`` is
the JSON that ``options.parse`` checks — the one place of the rules — and the
messages ``parse`` gives come back to the fields with ``apply_errors``.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from merkur.transfer.export import options as export_options
from merkur.transfer.export.catalog import catalog

FORMAT_CHOICES = [
    ("csv", _("CSV (spreadsheet, other programs)")),
    ("xlsx", _("Excel (XLSX)")),
    ("json", _("JSON")),
    ("jsonl", _("JSON Lines (one record per line)")),
    ("vcard3", _("vCard 3.0 (address books)")),
    ("vcard4", _("vCard 4.0 (address books)")),
    ("template", _("Own template (fixed width, XML …)")),
]
HEADER_CHOICES = [
    ("de", _("German labels")),
    ("en", _("English labels")),
    ("keys", _("Column keys")),
    ("none", _("No heading")),
]
SEPARATOR_CHOICES = [
    (";", _("Semicolon ;")),
    (",", _("Comma ,")),
    ("tab", _("Tab")),
    ("|", _("Vertical bar |")),
]
ENCODING_CHOICES = [
    ("utf-8-sig", _("UTF-8 with BOM (Excel)")),
    ("utf-8", _("UTF-8")),
    ("windows-1252", _("Windows-1252 (Western Europe)")),
    ("iso-8859-15", _("ISO-8859-15 (Latin-9)")),
]
UNENCODABLE_CHOICES = [
    ("refuse", _("Refuse the export and list them")),
    ("replace", _("Write them as “?” and list them")),
]
QUOTING_CHOICES = [("minimal", _("Only where needed")), ("all", _("Every field"))]
LINE_ENDING_CHOICES = [("crlf", _("Windows (CR LF)")), ("lf", _("Unix (LF)"))]
VALUE_FORMAT_CHOICES = [
    ("locale", _("As the language writes them (31.12.2024, 1.234,5)")),
    ("iso", _("Neutral for programs (2024-12-31, 1234.5)")),
]
STRUCTURE_CHOICES = [("flat", _("Flat keys (company.name)")), ("nested", _("Nested objects"))]
ADDRESS_CHOICES = [
    ("", _("Contact address")),
    ("billing", _("Default billing address")),
    ("delivery", _("Default delivery address")),
]
OPT_OUT_CHOICES = [
    ("", _("As usual for the source")),
    ("yes", _("Leave out people who objected to marketing")),
    ("no", _("Include them")),
]
GROUP_LABELS = {
    "company": _("Company"),
    "figures": _("Figures"),
    "person": _("Person"),
    "address:address": _("Address of the record"),
    "address:contact": _("Contact address"),
    "address:billing": _("Billing address"),
    "address:delivery": _("Delivery address"),
    "address:own": _("Own address of the person"),
    "attributes": _("Attributes"),
}


def column_groups(target: str, language: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The column picker's entries: (group label, [(key, label), …])."""
    groups: dict[str, list] = {}
    for column in catalog(target):
        groups.setdefault(column.group, []).append((column.key, column.label(language)))
    return [(str(GROUP_LABELS.get(group, group)), entries) for group, entries in groups.items()]


class ColumnsField(forms.MultipleChoiceField):
    """Column keys in the order chosen; any key is taken here (an attribute as of a day,
    ``company.attr.x@2024-12-31``, is no entry of the list) and checked by the export."""

    def valid_value(self, value) -> bool:
        return isinstance(value, str) and 0 < len(value) <= 120


def _text(label, *, rows: int = 6, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=export_options.MAX_TEMPLATE,
        help_text=help_text,
        widget=forms.Textarea(
            attrs={"rows": rows, "class": "form-control font-monospace", "spellcheck": "false"}
        ),
    )


class OptionsForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES)
    columns = ColumnsField(label=_("Columns"), required=False)
    header = forms.ChoiceField(label=_("Heading"), choices=HEADER_CHOICES)
    separator = forms.ChoiceField(label=_("Separator"), choices=SEPARATOR_CHOICES)
    quoting = forms.ChoiceField(label=_("Quotes"), choices=QUOTING_CHOICES)
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODING_CHOICES)
    on_unencodable = forms.ChoiceField(
        label=_("Characters the encoding cannot hold"), choices=UNENCODABLE_CHOICES
    )
    line_ending = forms.ChoiceField(label=_("Line ending"), choices=LINE_ENDING_CHOICES)
    value_format = forms.ChoiceField(label=_("Numbers and dates"), choices=VALUE_FORMAT_CHOICES)
    formula_protection = forms.BooleanField(
        label=_("Protect against spreadsheet formulas"),
        required=False,
        help_text=_("Text starting with = + - @ is written with a leading apostrophe (CSV)."),
    )
    list_separator = forms.CharField(label=_("Lists joined with"), required=False, max_length=10,
                                     strip=False)  # fmt: skip
    structure = forms.ChoiceField(label=_("JSON structure"), choices=STRUCTURE_CHOICES)
    as_of = forms.DateField(
        label=_("Attributes as of"),
        required=False,
        help_text=_("Empty: today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    year = forms.IntegerField(
        label=_("Year of revenue and ABC class"),
        required=False,
        min_value=1900,
        max_value=2999,
        help_text=_("Empty: last year."),
    )
    address = forms.ChoiceField(label=_("Address of companies"), choices=ADDRESS_CHOICES,
                                required=False)  # fmt: skip
    skip_opted_out = forms.ChoiceField(
        label=_("Objection to marketing"), choices=OPT_OUT_CHOICES, required=False
    )
    sort = forms.ChoiceField(label=_("Sort order"), required=False)
    template_header = _text(_("Header (once at the top)"), rows=3)
    template_row = _text(_("Template per record"), rows=8)
    template_footer = _text(_("Footer (once at the end)"), rows=3)

    def __init__(self, *args, target: str = "companies", sorts=(), language: str = "de", **kw):
        super().__init__(*args, **kw)
        self.fields["columns"].choices = [
            (key, label) for _group, entries in column_groups(target, language)
            for key, label in entries
        ]  # fmt: skip
        self.fields["sort"].choices = [("", _("As the list is sorted")), *[(s, s) for s in sorts]]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif not isinstance(widget, forms.SelectMultiple | forms.Textarea):
                widget.attrs.setdefault("class", "form-control")

    @staticmethod
    def initial_from(options: export_options.Options) -> dict:
        data = options.to_dict()
        data["separator"] = "tab" if options.separator == "\t" else options.separator
        data["skip_opted_out"] = {True: "yes", False: "no"}.get(options.skip_opted_out, "")
        data["address"] = options.address or ""
        data["sort"] = options.sort or ""
        data["as_of"] = options.as_of
        return data

    def options_data(self) -> dict:
        """What ``options.parse`` checks, from the fields that are valid."""
        values = self.cleaned_data
        data = {
            name: values.get(name)
            for name in export_options.OPTION_NAMES
            if name in values and name not in ("skip_opted_out", "address", "sort", "as_of")
        }
        data["skip_opted_out"] = {"yes": True, "no": False}.get(values.get("skip_opted_out"))
        data["address"] = values.get("address") or None
        data["sort"] = values.get("sort") or None
        data["as_of"] = values["as_of"].isoformat() if values.get("as_of") else None
        data["columns"] = list(values.get("columns") or [])
        return data

    def options(self) -> export_options.Options | None:
        """The checked options, or None with the problems at the fields."""
        if not self.is_valid():
            return None
        try:
            return export_options.parse(self.options_data())
        except ValidationError as error:
            self.apply_errors(error)
            return None

    def apply_errors(self, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            name = name.removeprefix("options.")
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


class SaveProfileForm(forms.Form):
    profile_name = forms.CharField(label=_("Save as profile"), max_length=100, required=False)
    profile_shared = forms.BooleanField(label=_("Share with colleagues"), required=False)
    profile_description = forms.CharField(
        label=_("Description"), required=False, max_length=1000, widget=forms.Textarea({"rows": 2})
    )
