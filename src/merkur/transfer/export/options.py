"""The options of an export, checked in one place (UI form, API, CLI, saved profiles).

``parse(data)`` takes a dict of JSON values — what a profile stores and the API
receives — and returns ``Options`` or raises ``ValidationError`` with a message per
option. Unknown options are refused, so a typo never goes unnoticed. Defaults are
what German Excel opens as it is: ``;``, UTF-8 with BOM, CRLF, German headings.
"""

import datetime
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

FORMATS = ("csv", "xlsx", "json", "jsonl", "vcard3", "vcard4", "template")
FORMAT_LABELS = {
    "csv": "CSV",
    "xlsx": "Excel (XLSX)",
    "json": "JSON",
    "jsonl": "JSON Lines",
    "vcard3": "vCard 3.0",
    "vcard4": "vCard 4.0",
    "template": "Vorlage / Template",
}
HEADERS = ("de", "en", "keys", "none")
ENCODINGS = {
    # option → (Python codec, byte order mark)
    "utf-8-sig": ("utf-8", True),
    "utf-8": ("utf-8", False),
    "windows-1252": ("cp1252", False),
    "iso-8859-15": ("iso8859_15", False),
}
ON_UNENCODABLE = ("refuse", "replace")
QUOTING = ("minimal", "all")
LINE_ENDINGS = {"crlf": "\r\n", "lf": "\n"}
VALUE_FORMATS = ("locale", "iso")
STRUCTURES = ("flat", "nested")
ADDRESSES = ("contact", "billing", "delivery")
SEPARATORS = {";": ";", ",": ",", "tab": "\t", "\t": "\t", "|": "|"}
MAX_COLUMNS = 300
MAX_TEMPLATE = 100_000
TEXT_FORMATS = ("csv", "template")  # the formats whose encoding can be chosen


@dataclass
class Options:
    format: str = "csv"
    columns: list[str] = field(default_factory=list)  # empty: the source's default columns
    header: str = "de"
    separator: str = ";"
    quoting: str = "minimal"
    line_ending: str = "crlf"
    encoding: str = "utf-8-sig"
    on_unencodable: str = "refuse"
    value_format: str = "locale"
    formula_protection: bool = True
    list_separator: str = ", "
    structure: str = "flat"
    as_of: datetime.date | None = None  # attributes: the day (default: today)
    year: int | None = None  # revenue and ABC class: the year (default: last year)
    address: str | None = None  # companies: whose address is "address.*" (default: contact)
    skip_opted_out: bool | None = None  # default: yes for selections and runs, no for lists
    sort: str | None = None
    template_header: str = ""
    template_row: str = ""
    template_footer: str = ""

    @property
    def codec(self) -> str:
        return ENCODINGS[self.encoding][0]

    @property
    def bom(self) -> bool:
        return ENCODINGS[self.encoding][1]

    @property
    def newline(self) -> str:
        return LINE_ENDINGS[self.line_ending]

    @property
    def language(self) -> str | None:
        """The language of headings and values ("ja"/"nein", role names), if chosen."""
        return self.header if self.header in ("de", "en") else None

    def to_dict(self) -> dict:
        """JSON data that ``parse`` reads back (what a profile stores)."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat() if self.as_of else None
        return data


OPTION_NAMES = tuple(Options.__dataclass_fields__)


def _choice(errors: dict, data: dict, name: str, allowed, default):
    value = data.get(name, default)
    if value is None:
        return default
    if value not in allowed:
        errors[name] = _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}
        return default
    return value


def _boolean(errors: dict, data: dict, name: str, default):
    value = data.get(name, default)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "ja", "1", "on"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no", "nein", "0", "off"):
        return False
    errors[name] = _("Enter yes or no (true or false).")
    return default


def _text(errors: dict, data: dict, name: str, default: str, limit: int) -> str:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        errors[name] = _("Enter text.")
        return default
    if len(value) > limit:
        errors[name] = _("At most %(limit)s characters.") % {"limit": f"{limit:,}"}
        return default
    if "\x00" in value:
        errors[name] = _("The text holds a NUL character.")
        return default
    return value


def parse(data: dict | None) -> Options:
    """``Options`` from JSON data; ``ValidationError`` with a message per option."""
    data = dict(data or {})
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - set(OPTION_NAMES))
    for name in unknown:
        errors[name] = _("Unknown option.")
    options = Options()
    options.format = _choice(errors, data, "format", FORMATS, "csv")
    options.header = _choice(errors, data, "header", HEADERS, "de")
    options.quoting = _choice(errors, data, "quoting", QUOTING, "minimal")
    options.line_ending = _choice(errors, data, "line_ending", tuple(LINE_ENDINGS), "crlf")
    options.encoding = _choice(errors, data, "encoding", tuple(ENCODINGS), "utf-8-sig")
    options.on_unencodable = _choice(errors, data, "on_unencodable", ON_UNENCODABLE, "refuse")
    options.value_format = _choice(errors, data, "value_format", VALUE_FORMATS, "locale")
    options.structure = _choice(errors, data, "structure", STRUCTURES, "flat")
    options.address = _choice(errors, data, "address", ADDRESSES, None)
    options.formula_protection = _boolean(errors, data, "formula_protection", True)
    options.skip_opted_out = _boolean(errors, data, "skip_opted_out", None)
    options.columns = _columns(errors, data.get("columns"))
    options.separator = _separator(errors, data.get("separator", ";"))
    options.list_separator = _text(errors, data, "list_separator", ", ", 10)
    options.as_of = _day(errors, data.get("as_of"))
    options.year = _year(errors, data.get("year"))
    sort = data.get("sort")
    if sort is not None and (not isinstance(sort, str) or len(sort) > 30):
        errors["sort"] = _("Enter the name of a sort order.")
    else:
        options.sort = sort or None
    for part in ("header", "row", "footer"):
        name = f"template_{part}"
        setattr(options, name, _text(errors, data, name, "", MAX_TEMPLATE))
    _check_combination(errors, options)
    if errors:
        raise ValidationError({name: [message] for name, message in errors.items()})
    return options


def _columns(errors: dict, value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
        errors["columns"] = _("Give the columns as a list of column keys.")
        return []
    if len(value) > MAX_COLUMNS:
        errors["columns"] = _("At most %(limit)s columns.") % {"limit": MAX_COLUMNS}
        return []
    if len(set(value)) != len(value):
        errors["columns"] = _("A column is chosen twice.")
        return []
    return list(value)


def _separator(errors: dict, value) -> str:
    if value in SEPARATORS:
        return SEPARATORS[value]
    if (
        isinstance(value, str)
        and len(value) == 1
        and value not in "\"'\r\n"
        and value.isprintable()
    ):
        return value
    errors["separator"] = _("The separator is one character (not a quote or line break).")
    return ";"


def _day(errors: dict, value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError:
        errors["as_of"] = _("Enter a date as YYYY-MM-DD.")
        return None
    if not 1900 <= day.year <= 2999:
        errors["as_of"] = _("The date must lie between 1900 and 2999.")
        return None
    return day


def _year(errors: dict, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        year = int(value)
    except (TypeError, ValueError):
        errors["year"] = _("Enter a year.")
        return None
    if isinstance(value, bool) or not 1900 <= year <= 2999:
        errors["year"] = _("The year must lie between 1900 and 2999.")
        return None
    return year


def _check_combination(errors: dict, options: Options) -> None:
    if options.format not in TEXT_FORMATS and options.encoding not in ("utf-8", "utf-8-sig"):
        errors.setdefault(
            "encoding",
            _("%(format)s is always written in UTF-8.") % {"format": FORMAT_LABELS[options.format]},
        )
    if options.format == "template" and not options.template_row.strip():
        errors.setdefault("template_row", _("Write the template for each record."))
