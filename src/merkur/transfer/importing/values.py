"""One mapped row → checked company, address and person values, or the reasons it is bad.

The rules are the ones the forms and services apply, called from where they
live: the model fields' validators (lengths, e-mail, web address), the
country's postal rules (``merkur.addresses.postal``), phone normalisation
(``merkur.core.phones``) and the master tables for salutation, title and
function. What only an import needs is here: country names, postal codes that
a spreadsheet shortened, numbers and dates as the file writes them, and the
rule that a row without a person's name gives its e-mail and phone to the
company.
"""

import datetime
import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.addresses import postal
from merkur.addresses.models import Address
from merkur.companies.models import Company, Function, Person, Salutation, Title
from merkur.core.phones import normalize_phone
from merkur.core.text import fold
from merkur.transfer import names
from merkur.transfer.columns import TARGETS_BY_KEY
from merkur.transfer.importing import derived
from merkur.transfer.importing.countries import country_code
from merkur.transfer.importing.derived import cached_fold
from merkur.transfer.importing.matching import person_key
from merkur.transfer.importing.options import ImportOptions

COMPANY_TEXT = ("name", "name2", "number", "vat_id")
ADDRESS_TEXT = ("street", "street2", "po_box", "city", "region")
PERSON_TEXT = ("first_name", "last_name", "department", "notes")
_COMPANY_TEXT = tuple((f"company.{name}", f"c_{name}") for name in COMPANY_TEXT)
_ADDRESS_TEXT = tuple((f"address.{name}", f"a_{name}") for name in ADDRESS_TEXT)
_PERSON_TEXT = tuple((f"person.{name}", f"p_{name}") for name in PERSON_TEXT)
# Bounded caches: postal rules and phone numbers repeat a lot in address files.
CACHE_LIMIT = 200_000

_YES = frozenset({"ja", "j", "yes", "y", "x", "1", "true", "wahr", "oui", "si"})
_NO = frozenset({"nein", "n", "no", "0", "false", "falsch", "non"})
_SALUTATION_SYNONYMS = {
    "hr": "herr",
    "mr": "herr",
    "mister": "herr",
    "monsieur": "herr",
    "m": "herr",
    "fr": "frau",
    "mrs": "frau",
    "ms": "frau",
    "miss": "frau",
    "madame": "frau",
    "mme": "frau",
}


@dataclass(frozen=True)
class Problem:
    """Why a row is bad: the file's column (as its header names it), its value, the reason."""

    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"column": self.column, "value": self.value, "reason": self.reason}


# Normalised forms for matching, cached: names and streets repeat.
_company_key = lru_cache(maxsize=100_000)(names.normalize_company)
_street_key = lru_cache(maxsize=100_000)(names.normalize_street)


def master_key(name: str) -> str:
    """How a master table entry is looked up: folded, without a final full stop."""
    return fold(name).rstrip(".")


def _master(model) -> dict[str, object]:
    """Active entries of a master table by ``master_key``."""
    return {master_key(entry.name): entry for entry in model.objects.filter(is_active=True)}


def _inactive(model) -> frozenset[str]:
    """Keys of the deactivated entries: such a value is refused, never added again."""
    names = model.objects.filter(is_active=False).values_list("name", flat=True)
    return frozenset(map(master_key, names))


KINDS = (Title, Function)  # the master tables an import may add to


class RowChecker:
    """Checks mapped rows (``Mapping.apply``) with the rules of the forms.

    ``labels`` names the file's column(s) behind each target, for the messages.
    Build one per run: it reads the master tables once and caches postal and
    phone checks (in the language active while it runs).
    """

    def __init__(self, options: ImportOptions, labels: dict[str, str]):
        self.options = options
        self.labels = labels
        self.salutations = _master(Salutation)
        self.titles = _master(Title)
        self.functions = _master(Function)
        self.inactive = {model: _inactive(model) for model in (Salutation, Title, Function)}
        self._limit = {model: model._meta.get_field("name").max_length for model in KINDS}
        # Never a new title: what is (or was) a salutation, or reads as one.
        self._salutation_keys = {*self.salutations, *self.inactive[Salutation]}
        self._salutation_keys |= _SALUTATION_SYNONYMS.keys()
        self._letter_limit = Person._meta.get_field("letter_salutation").max_length
        self._postal: dict[tuple, dict[str, str]] = {}
        self._phones: dict[tuple[str, str], tuple[str, str]] = {}
        self._validators = {
            f"company.{name}": Company._meta.get_field(name).validators
            for name in (*COMPANY_TEXT, "email", "phone")
        }
        self._validators |= {
            f"address.{name}": Address._meta.get_field(name).validators
            for name in (*ADDRESS_TEXT, "postal_code")
        }
        self._validators |= {
            f"person.{name}": Person._meta.get_field(name).validators
            for name in (*PERSON_TEXT, "email", "phone", "mobile")
        }
        # A field whose only rules are maximum lengths is checked with ``len``; its
        # validators run only to word the message when the value is too long.
        self._limits = {target: _length_limit(rules) for target, rules in self._validators.items()}
        self._website = forms.URLField(
            max_length=Company._meta.get_field("website").max_length, assume_scheme="https"
        )
        self._employees = Company._meta.get_field("employees")

    # --- the row --------------------------------------------------------------------------

    def check(self, values: dict[str, str]) -> tuple[dict | None, list[Problem]]:
        """(checked values for staging, []) or (None, problems)."""
        problems: list[Problem] = []
        if not (values.get("person.first_name") or values.get("person.last_name")):
            # No person's name: the e-mail and phone of the row are the company's.
            for part in ("email", "phone"):
                if values.get(f"person.{part}") and not values.get(f"company.{part}"):
                    values[f"company.{part}"] = values.pop(f"person.{part}")
                    self.labels.setdefault(f"company.{part}", self.label(f"person.{part}"))
        # Whatever else the row says of a person makes one (and needs a last name).
        has_person = any(key.startswith("person.") for key in values)
        row: dict = {"has_person": has_person}
        for step in (self._company, self._address):
            problems += self._collect(step, values, row)
        problems += self._collect(self._company_phone, values, row)
        if has_person:
            problems += self._collect(self._person, values, row)
        if problems:
            return None, problems
        self._derive(row)
        if has_person and len(row["p_letter_salutation"]) > self._letter_limit:
            reason = _(
                "Salutation, title and last name are too long for the letter salutation "
                "(at most %(limit)s characters)."
            ) % {"limit": self._letter_limit}
            return None, [Problem(self.label("person.last_name"), row["p_last_name"], reason)]
        return row, []

    def _collect(self, step, values, row) -> list[Problem]:
        found = []
        for problem in step(values, row):
            target, value, reason = problem
            found.append(Problem(self.label(target), value, reason))
        return found

    def label(self, target: str) -> str:
        """The file's column(s) behind ``target``; the field's name when none is mapped."""
        if self.labels.get(target):
            return self.labels[target]
        known = TARGETS_BY_KEY.get(target)
        return _(known.label) if known else target

    def _text(self, values, target: str) -> tuple[str, str | None]:
        """(value, reason it is bad or None) for a plain text target."""
        value = values.get(target, "")
        if not value:
            return "", None
        limit = self._limits[target]
        if limit is not None and len(value) <= limit:
            return value, None
        try:
            for validator in self._validators[target]:
                validator(value)
        except ValidationError as error:
            return value, " ".join(error.messages)
        return value, None

    # --- company ----------------------------------------------------------------------------

    def _company(self, values, row):
        for target, column in _COMPANY_TEXT:
            value, reason = self._text(values, target)
            if reason:
                yield target, value, reason
            row[column] = value
        if not row["c_name"]:
            yield (
                "company.name",
                "",
                _("The company name is missing; every address and person belongs to a company."),
            )
        value, reason = self._text(values, "company.email")
        if reason:
            yield "company.email", value, reason
        row["c_email"] = value
        website = values.get("company.website", "")
        row["c_website"] = ""
        if website:
            try:
                row["c_website"] = self._website.clean(website)
            except ValidationError as error:
                yield "company.website", website, " ".join(error.messages)
        row["c_employees"] = None
        employees = values.get("company.employees", "")
        if employees:
            try:
                number = parse_integer(employees, self.options.number_format)
                for validator in self._employees.validators:
                    validator(number)
                row["c_employees"] = number
            except ValueError:
                yield "company.employees", employees, _("This is not a whole number.")
            except ValidationError as error:
                yield "company.employees", employees, " ".join(error.messages)

    def _company_phone(self, values, row):
        phone, reason = self._phone(values, "company.phone", row["a_country"])
        if reason:
            yield "company.phone", values.get("company.phone", ""), reason
        row["c_phone"] = phone

    # --- address ----------------------------------------------------------------------------

    def _address(self, values, row):
        country_text = values.get("address.country", "")
        country = country_code(country_text) if country_text else self.options.default_country
        if country is None:
            yield (
                "address.country",
                country_text,
                _("Unknown country; write its name in German or English or its ISO code."),
            )
            country = self.options.default_country
        row["a_country"] = country
        bad = False
        for target, column in _ADDRESS_TEXT:
            value, reason = self._text(values, target)
            if reason:
                bad = True
                yield target, value, reason
            row[column] = value
        written = values.get("address.postal_code", "")
        code = clean_postal_code(written, country)
        row["a_postal_code"] = code
        if code:
            _value, reason = self._text({"address.postal_code": code}, "address.postal_code")
            if reason:
                bad = True
                yield "address.postal_code", written, reason
        if not row["a_city"]:
            bad = True
            yield (
                "address.city",
                "",
                _("The city is missing; a company needs it for its contact address."),
            )
        if bad:
            return
        for field, reason in self._postal_problems(row).items():
            yield f"address.{field}", row[f"a_{field}"] if field != "country" else country, reason

    def _postal_problems(self, row) -> dict[str, str]:
        has_street = bool(row["a_street"] or row["a_street2"] or row["a_po_box"])
        key = (row["a_country"], row["a_postal_code"], row["a_city"], row["a_region"], has_street)
        found = self._postal.get(key)
        if found is None:
            address = Address(
                street=row["a_street"],
                street2=row["a_street2"],
                po_box=row["a_po_box"],
                postal_code=row["a_postal_code"],
                city=row["a_city"],
                region=row["a_region"],
                country=row["a_country"],
            )
            try:
                postal.validate(address)
                found = {}
            except ValidationError as error:
                found = {
                    field: " ".join(messages) for field, messages in error.message_dict.items()
                }
            if len(self._postal) >= CACHE_LIMIT:
                self._postal.clear()
            self._postal[key] = found
        return found

    # --- person -----------------------------------------------------------------------------

    def _person(self, values, row):
        for target, column in _PERSON_TEXT:
            value, reason = self._text(values, target)
            if reason:
                yield target, value, reason
            row[column] = value
        if not row["p_last_name"]:
            yield (
                "person.last_name",
                "",
                _("The last name is missing; a person needs at least a last name."),
            )
        value, reason = self._text(values, "person.email")
        if reason:
            yield "person.email", value, reason
        row["p_email"] = value
        for name in ("phone", "mobile"):
            phone, reason = self._phone(values, f"person.{name}", row["a_country"])
            if reason:
                yield f"person.{name}", values.get(f"person.{name}", ""), reason
            row[f"p_{name}"] = phone
        row["p_salutation"], row["p_title"] = None, None
        for target in ("person.salutation", "person.title"):
            text = values.get(target, "")
            if not text:
                continue
            salutation, title = self._prefix(text)
            if salutation is None and title is None:
                if target == "person.title" and self._may_add(Title, text):
                    title = Title(name=text.strip())  # added to its table (master_entries)
                else:
                    model = Salutation if target == "person.salutation" else Title
                    yield target, text, self._unknown(model, text)
                    continue
            if title is not None and title.pk is None and len(title.name) > self._limit[Title]:
                yield target, text, self._too_long(Title)
                continue
            row["p_salutation"] = row["p_salutation"] or salutation
            row["p_title"] = row["p_title"] or title
        functions, new_functions = [], []
        text = values.get("person.functions", "")
        for part in filter(None, (p.strip() for p in re.split(r"[,;/\n]", text))):
            entry = self.functions.get(master_key(part))
            if entry is not None:
                functions.append(entry.pk)
            elif not self._may_add(Function, part):
                yield "person.functions", part, self._unknown(Function, part)
            elif len(part) > self._limit[Function]:
                yield "person.functions", part, self._too_long(Function)
            else:
                new_functions.append(part)
        row["p_functions"] = functions
        row["p_new_functions"] = new_functions
        for name in ("marketing_consent_at", "marketing_opt_out_at"):
            text = values.get(f"person.{name}", "")
            try:
                row[f"p_{name}"] = parse_moment(text, self.options.date_format)
            except ValueError:
                yield (
                    f"person.{name}",
                    text,
                    _("Write a date (%(example)s) or yes/no.")
                    % {"example": DATE_EXAMPLES[self.options.date_format]},
                )

    def _prefix(self, text: str) -> tuple[Salutation | None, Title | None]:
        """Salutation and title in one text, whichever column it came in.

        Files put "Mr." under "Title" (Outlook in English), "Dr." under
        "Prefix" (Apple) and "Herr Dr." under "Anrede"; each part is looked up
        in both master tables. (None, None) when any part is unknown.
        """
        key = cached_fold(text).rstrip(".")
        salutation = self._salutation(key)
        if salutation is not None:
            return salutation, None
        title = self.titles.get(key)
        if title is not None:
            return None, title
        first, _space, rest = key.partition(" ")
        salutation = self._salutation(first.rstrip("."))
        title = self.titles.get(rest.strip().rstrip("."))
        if salutation is not None and title is not None:
            return salutation, title
        return None, None

    def _salutation(self, key: str) -> Salutation | None:
        return self.salutations.get(key) or self.salutations.get(_SALUTATION_SYNONYMS.get(key, ""))

    def _may_add(self, model, text: str) -> bool:
        """Whether an unknown ``text`` becomes a new entry of ``model``'s table.

        Only with the option; never a deactivated entry, a placeholder ("-",
        "n/a": fewer than two letters) or, as a title, a text that starts with a
        salutation ("Herr Müller", "Frau" when deactivated in its table).
        """
        if not self.options.add_to_master_tables:
            return False
        key = master_key(text)
        if key in self.inactive[model] or sum(ch.isalpha() for ch in key) < 2:
            return False
        if model is Title:
            first = key.split(" ", 1)[0].rstrip(".")
            return key not in self._salutation_keys and first not in self._salutation_keys
        return True

    def _unknown(self, model, text: str) -> str:
        table = {"table": model._meta.verbose_name_plural, "value": text.strip()}
        if master_key(text) in self.inactive[model]:
            return _("“%(value)s” is deactivated in the master table “%(table)s”.") % table
        if model is Salutation and self.options.add_to_master_tables:
            return (
                _(
                    "Not in the master table “%(table)s”; an import adds no salutations, as each "
                    "needs its letter salutation: add it there or leave the column unmapped."
                )
                % table
            )
        return self._not_in_master(model)

    def _too_long(self, model) -> str:
        return _("Too long for the master table “%(table)s” (at most %(limit)s characters).") % {
            "table": model._meta.verbose_name_plural,
            "limit": self._limit[model],
        }

    def _not_in_master(self, model) -> str:
        return _(
            "Not in the master table “%(table)s”; add it there or leave the column unmapped."
        ) % {"table": model._meta.verbose_name_plural}

    # --- shared -----------------------------------------------------------------------------

    def _phone(self, values, target, country) -> tuple[str, str | None]:
        value = values.get(target, "")
        if not value:
            return "", None
        key = (value, country)
        cached = self._phones.get(key)
        if cached is None:
            try:
                number = normalize_phone(value, region=country or None)
                for validator in self._validators[target]:
                    validator(number)
                cached = (number, "")
            except ValidationError as error:
                cached = ("", " ".join(error.messages))
            if len(self._phones) >= CACHE_LIMIT:
                self._phones.clear()
            self._phones[key] = cached
        return cached[0], cached[1] or None

    def _derive(self, row: dict) -> None:
        row["c_sort_name"] = derived.company_sort_name(row["c_name"], row["c_name2"])
        row["c_search"] = derived.company_search_text(
            name=row["c_name"],
            name2=row["c_name2"],
            number=row["c_number"],
            city=row["a_city"],
            email=row["c_email"],
        )
        row["k_name"] = _company_key(row["c_name"])
        row["k_street"] = _street_key(row["a_street"])
        if row["has_person"]:
            salutation, title = row["p_salutation"], row["p_title"]
            row["p_letter_salutation"] = derived.letter_salutation(
                salutation_opening=salutation.letter_salutation if salutation else "",
                title=title.name if title else "",
                title_in_salutation=bool(title and title.in_letter_salutation),
                last_name=row["p_last_name"],
            )
            row["p_sort_name"] = derived.person_sort_name(row["p_first_name"], row["p_last_name"])
            row["p_search"] = derived.person_search_text(
                row["p_first_name"], row["p_last_name"], row["p_email"]
            )
            row["k_person"] = person_key(row["p_first_name"], row["p_last_name"])
        else:
            row["k_person"] = ""


def _length_limit(validators) -> int | None:
    """The longest value ``validators`` accept if they are all ``MaxLengthValidator``s."""
    limits = [v.limit_value for v in validators if type(v) is MaxLengthValidator]
    if len(limits) != len(validators) or not all(isinstance(n, int) for n in limits):
        return None
    return min(limits, default=sys.maxsize)


def clean_postal_code(text: str, country: str) -> str:
    """A postal code as stored: "D-1067" → "01067" for numeric codes, others as written."""
    text = text.strip()
    if not text:
        return ""
    key = names.normalize_postal_code(text, country)
    return key if key.isdigit() else " ".join(text.upper().split())


_SEPARATORS = {"de": ".", "ch": "'", "en": ","}


def parse_integer(text: str, number_format: str) -> int:
    """ "1.200" (de), "1'200" (ch), "1,200" (en) → 1200; raises ``ValueError``."""
    text = text.strip().replace(" ", "").replace("\u00a0", "").replace("’", "'")
    text = text.replace(_SEPARATORS[number_format], "")
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(text)
    return int(text)


DATE_EXAMPLES = {"dmy": "31.12.2026", "ymd": "2026-12-31", "mdy": "12/31/2026"}
_DATE = re.compile(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})(?:[ T].*)?$")


def parse_moment(text: str, date_format: str) -> datetime.datetime | None:
    """A consent or opt-out: a date (midnight, local time), yes (now) or no/empty (None)."""
    text = text.strip()
    key = fold(text)
    if not key or key in _NO:
        return None
    if key in _YES:
        return timezone.now().replace(microsecond=0)
    match = _DATE.match(text)
    if not match:
        raise ValueError(text)
    first, second, third = (int(part) for part in match.groups())
    if date_format == "ymd" or len(match[1]) == 4:
        year, month, day = first, second, third
    elif date_format == "mdy":
        month, day, year = first, second, third
    else:
        day, month, year = first, second, third
    if year < 100:
        year += 2000 if year < 70 else 1900
    moment = datetime.datetime(year, month, day)  # raises ValueError for 31.02.
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def raw_fields(fields: list[str]) -> str:
    """The original fields of a row, kept for the bad-rows file."""
    return json.dumps(fields, ensure_ascii=False)
