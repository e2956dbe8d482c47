"""The merge fields of a mailing: what a letter, a data source or an e-mail can say.

One catalogue (``FIELDS``: key → ``Field`` with German and English label, a
description and an example) serves every channel: DOCX and PDF letters write
``{{ salutation_line }}``, the word processor's data source has a column per field
(headed by its label), e-mails use the same keys.

``merge_rows(rows, *, sender, free, as_of, locale)`` turns recipient rows (the
``values()`` rows of ``merkur.selections.recipients.recipients``) into one dict of
text per row, in the same order — reading them in chunks so that attribute values
are loaded for a whole chunk at once (the export's ``AttributeLoader``, no query
per row).

Besides the static fields there are, per attribute definition, ``company_attr_<code>``
and ``person_attr_<code>`` (the value as of ``as_of``; ``-`` in a code becomes
``_``), and the free fields of a mailing (``free``: name → text, the names are
plain identifiers that do not clash with a field).
"""

import datetime
import decimal
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from merkur.selections.recipients import letter_lines, person_line

CHUNK_SIZE = 1000
GENERIC_SALUTATION = {"de": "Sehr geehrte Damen und Herren", "en": "Dear Sir or Madam"}
FREE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,49}$")


@dataclass(frozen=True)
class Field:
    key: str
    label_de: str
    label_en: str
    description: str
    example: str
    group: str = "recipient"  # recipient, sender, mailing, attribute, free

    def label(self, language: str | None = None) -> str:
        language = language or translation.get_language() or "de"
        return self.label_en if language.startswith("en") else self.label_de

    @property
    def per_recipient(self) -> bool:
        """Whether the value differs between recipients (header/footer may not use it)."""
        return self.group in ("recipient", "attribute")


def _f(key, de, en, description, example, group="recipient") -> Field:
    return Field(key, de, en, description, example, group)


_STATIC = (
    _f("address_block", "Anschrift", "Address block",
       gettext_lazy("The whole address block, formatted by the country's postal rules."),
       "Muster GmbH\nFrau Dr. Erika Muster\nHauptstraße 1\n10115 Berlin"),
    _f("salutation_line", "Briefanrede", "Salutation line",
       gettext_lazy("The letter's opening with a comma; the person's own letter salutation "
                    "when set, else a general one."),
       "Sehr geehrte Frau Dr. Muster,"),
    _f("letter_salutation", "Briefanrede ohne Komma", "Letter salutation",
       gettext_lazy("The opening without the comma."), "Sehr geehrte Frau Dr. Muster"),
    _f("salutation", "Anrede", "Salutation", gettext_lazy("Frau, Herr …"), "Frau"),
    _f("title", "Titel", "Title", gettext_lazy("Academic title."), "Dr."),
    _f("first_name", "Vorname", "First name", gettext_lazy("The person's first name."), "Erika"),
    _f("last_name", "Nachname", "Last name", gettext_lazy("The person's last name."), "Muster"),
    _f("full_name", "Name", "Full name", gettext_lazy("Title, first and last name."),
       "Dr. Erika Muster"),
    _f("recipient_line", "Empfängerzeile", "Recipient line",
       gettext_lazy("Salutation, title and name as in the address block."),
       "Frau Dr. Erika Muster"),
    _f("email", "E-Mail", "E-mail", gettext_lazy("The person's e-mail address."),
       "erika.muster@example.com"),
    _f("company_name", "Firma", "Company", gettext_lazy("The company's name."), "Muster GmbH"),
    _f("company_name2", "Firma Zusatz", "Company (line 2)",
       gettext_lazy("The second line of the company's name."), "Niederlassung Süd"),
    _f("street", "Straße", "Street", gettext_lazy("Street and number."), "Hauptstraße 1"),
    _f("street2", "Adresszusatz", "Address line 2", gettext_lazy("A second street line."), ""),
    _f("po_box", "Postfach", "PO box", gettext_lazy("The PO box."), ""),
    _f("postal_code", "PLZ", "Postal code", gettext_lazy("The postal code."), "10115"),
    _f("city", "Ort", "City", gettext_lazy("The city."), "Berlin"),
    _f("region", "Region", "Region", gettext_lazy("State, canton or region."), ""),
    _f("country", "Land", "Country", gettext_lazy("The country's name."), "Deutschland"),
    _f("country_code", "Länderkennzeichen", "Country code",
       gettext_lazy("The ISO country code."), "DE"),
    _f("sender_name", "Absender Name", "Sender name",
       gettext_lazy("The name of the user who sends the mailing."), "Max Vertrieb", "sender"),
    _f("sender_email", "Absender E-Mail", "Sender e-mail",
       gettext_lazy("The sender's e-mail address."), "max@example.com", "sender"),
    _f("sender_phone", "Absender Telefon", "Sender phone",
       gettext_lazy("The sender's phone number."), "+49 30 123456", "sender"),
    _f("org_name", "Eigene Firma", "Own company",
       gettext_lazy("Our own company (settings: MERKUR_SENDER_NAME)."), "Merkur Demo AG",
       "sender"),
    _f("org_sender_line", "Absenderzeile", "Return address line",
       gettext_lazy("Our own company and address in one line, for the window envelope."),
       "Merkur Demo AG · Musterstrasse 1 · 10115 Berlin", "sender"),
    _f("org_street", "Eigene Straße", "Own street", gettext_lazy("Our own street."),
       "Musterstrasse 1", "sender"),
    _f("org_postal_code", "Eigene PLZ", "Own postal code", gettext_lazy("Our own postal code."),
       "10115", "sender"),
    _f("org_city", "Eigener Ort", "Own city", gettext_lazy("Our own city."), "Berlin", "sender"),
    _f("org_phone", "Eigenes Telefon", "Own phone", gettext_lazy("Our own phone number."),
       "+49 30 1234", "sender"),
    _f("org_email", "Eigene E-Mail", "Own e-mail", gettext_lazy("Our own e-mail address."),
       "info@example.com", "sender"),
    _f("org_website", "Eigene Website", "Own website", gettext_lazy("Our own website."),
       "www.example.com", "sender"),
    _f("date", "Datum", "Date", gettext_lazy("The letter's date, written out."),
       "12. März 2026", "mailing"),
    _f("date_short", "Datum kurz", "Date (short)", gettext_lazy("The letter's date in digits."),
       "12.03.2026", "mailing"),
)  # fmt: skip

FIELDS: dict[str, Field] = {field.key: field for field in _STATIC}


@dataclass(frozen=True)
class Sender:
    """Who sends the mailing (the user): name, e-mail, phone."""

    name: str = ""
    email: str = ""
    phone: str = ""

    @classmethod
    def of(cls, user, *, phone: str = "") -> "Sender":
        if user is None:
            return cls(phone=phone)
        name = user.get_full_name() or user.get_username()
        return cls(name=name, email=user.email or "", phone=phone)


def attribute_key(owner: str, code: str) -> str:
    return f"{owner}_attr_{code.replace('-', '_')}"


def attribute_fields() -> dict[str, tuple[Field, str, object]]:
    """``key → (field, owner, definition)`` for every attribute definition."""
    from merkur.attributes.models import AttributeDefinition

    found = {}
    for definition in AttributeDefinition.objects.order_by("group", "sort_order", "label"):
        for owner, applies, de, en in (
            ("company", definition.for_companies, "Firma", "Company"),
            ("person", definition.for_people, "Person", "Person"),
        ):
            if not applies:
                continue
            key = attribute_key(owner, definition.code)
            label_en = definition.label_en or definition.label
            field = Field(
                key,
                f"{de}: {definition.label}",
                f"{en}: {label_en}",
                gettext_lazy("An attribute's value as of the mailing's date."),
                "",
                "attribute",
            )
            found[key] = (field, owner, definition)
    return found


def check_free(free: dict | None) -> dict[str, str]:
    """The free fields, checked: ``ValueError`` naming a bad or clashing name."""
    free = dict(free or {})
    for name in free:
        if not FREE_NAME.match(str(name)):
            raise ValueError(
                _("“%(name)s” is not a valid field name (letters, digits and _).") % {"name": name}
            )
        if name in FIELDS or "_attr_" in name:
            raise ValueError(
                _("“%(name)s” is already a field: choose another name.") % {"name": name}
            )
    return {name: "" if value is None else str(value) for name, value in free.items()}


def catalogue(free: dict | None = None, *, attributes: bool = True) -> dict[str, Field]:
    """Every field a mailing's templates may use: static, attributes, free fields."""
    fields = dict(FIELDS)
    if attributes:
        fields.update({key: found[0] for key, found in attribute_fields().items()})
    for name, value in check_free(free).items():
        fields[name] = Field(
            name, name, name, gettext_lazy("A free field of this mailing."), value, "free"
        )
    return fields


def _language(locale: str) -> str:
    return "en" if locale.startswith("en") else "de"


def salutation_line(row: dict, locale: str = "de") -> str:
    """ "Sehr geehrte Frau Dr. Muster," — the person's own letter salutation wins; with no
    person (or no salutation known) the general one."""
    own = (row.get("person_letter_salutation") or "").strip() if row.get("person_pk") else ""
    text = own or GENERIC_SALUTATION[_language(locale)]
    return text if text.endswith((",", "!")) else text + ","


def _text(value, locale: str) -> str:
    """An attribute's value written as the locale does."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple | set):
        return ", ".join(_text(item, locale) for item in value if item not in (None, ""))
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, float | decimal.Decimal):
        return formats.number_format(value, use_l10n=True)
    return str(value)


class _Plan:
    """What ``AttributeLoader`` reads of a row: a tuple (company id, person id)."""

    company_id = 0
    person_id = 1
    options = None

    def company_of(self, row: tuple) -> int:
        return row[0]

    def person_of(self, row: tuple) -> int | None:
        return row[1]


def _org() -> dict[str, str]:
    org = {key: str(value or "") for key, value in settings.MERKUR_SENDER.items()}
    place = " ".join(part for part in (org.get("postal_code"), org.get("city")) if part)
    line = " · ".join(part for part in (org.get("name"), org.get("street"), place) if part)
    return {
        "org_name": org.get("name", ""),
        "org_sender_line": line,
        "org_street": org.get("street", ""),
        "org_postal_code": org.get("postal_code", ""),
        "org_city": org.get("city", ""),
        "org_phone": org.get("phone", ""),
        "org_email": org.get("email", ""),
        "org_website": org.get("website", ""),
    }


def common_fields(
    *, sender: Sender | None, free: dict | None, as_of: datetime.date, locale: str
) -> dict[str, str]:
    """The fields that are the same for every recipient: sender, own company, date, free."""
    sender = sender or Sender()
    with translation.override(locale):
        date_long = formats.date_format(as_of, "DATE_FORMAT")
        date_short = formats.date_format(as_of, "SHORT_DATE_FORMAT")
    return {
        "sender_name": sender.name,
        "sender_email": sender.email,
        "sender_phone": sender.phone or settings.MERKUR_SENDER.get("phone", ""),
        **_org(),
        "date": date_long,
        "date_short": date_short,
        **check_free(free),
    }


def recipient_fields(row: dict, locale: str) -> dict[str, str]:
    """The recipient's own fields of one row (no attributes)."""
    code = row.get("address_country") or ""
    country = ""
    if code:
        with translation.override(locale):
            country = str(countries.name(code) or code)
    title = row.get("person_title") or ""
    full = " ".join(
        part for part in (title, row.get("person_first_name"), row.get("person_last_name")) if part
    )
    line = salutation_line(row, locale)
    return {
        "address_block": "\n".join(letter_lines(row)),
        "salutation_line": line,
        "letter_salutation": line.rstrip(",!"),
        "salutation": row.get("person_salutation") or "",
        "title": title,
        "first_name": row.get("person_first_name") or "",
        "last_name": row.get("person_last_name") or "",
        "full_name": full,
        "recipient_line": person_line(row),
        "email": row.get("person_email") or "",
        "company_name": row.get("company_name") or "",
        "company_name2": row.get("company_name2") or "",
        "street": row.get("address_street") or "",
        "street2": row.get("address_street2") or "",
        "po_box": row.get("address_po_box") or "",
        "postal_code": row.get("address_postal_code") or "",
        "city": row.get("address_city") or "",
        "region": row.get("address_region") or "",
        "country": country,
        "country_code": code,
    }


def merge_rows(
    rows: Iterable[dict],
    *,
    sender: Sender | None = None,
    free: dict | None = None,
    as_of: datetime.date | None = None,
    locale: str = "de",
    keys: Iterable[str] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[dict[str, str]]:
    """One dict of merge field values (text) per recipient row, in the rows' order.

    ``rows``: ``recipients(…)`` rows (a queryset is streamed with ``.iterator()``).
    ``sender``: the user sending; ``free``: the mailing's free fields (``ValueError``
    for a bad name); ``as_of``: the letter's date and the day attributes are read
    for (default today); ``locale``: ``de``, ``de-at``, ``de-ch`` or ``en`` (dates,
    numbers, country names, the general salutation). ``keys``: the fields needed
    (e.g. ``DocxLetter.fields``) — only those attributes are loaded; None: all.
    """
    from django.db.models import QuerySet

    from merkur.transfer.export.reading import AttributeLoader, AttributeRequest

    as_of = as_of or datetime.date.today()
    common = common_fields(sender=sender, free=free, as_of=as_of, locale=locale)
    wanted = None if keys is None else set(keys)
    loader = None
    requests: dict[str, AttributeRequest] = {}
    attributes = attribute_fields() if wanted is None or any("_attr_" in k for k in wanted) else {}
    for key, (_field, owner, definition) in attributes.items():
        if wanted is None or key in wanted:
            requests[key] = AttributeRequest(owner, definition, as_of)
    if requests:
        loader = AttributeLoader(_Plan())
        for request in requests.values():
            loader.add(request)
    if isinstance(rows, QuerySet):
        rows = rows.iterator(chunk_size=chunk_size)
    rows = iter(rows)
    with translation.override(locale):
        while True:
            chunk = list(islice(rows, chunk_size))
            if not chunk:
                return
            keys_of = [(row.get("company_pk"), row.get("person_pk")) for row in chunk]
            if loader is not None:
                loader.load(keys_of)
            for row, key in zip(chunk, keys_of, strict=True):
                values = recipient_fields(row, locale)
                values.update(common)
                for name, request in requests.items():
                    values[name] = _text(loader.get(key, request), locale)
                yield values


def example_fields(free: dict | None = None) -> dict[str, str]:
    """Every field with its example value (a template's check and the field list)."""
    return {key: field.example for key, field in catalogue(free).items()}
