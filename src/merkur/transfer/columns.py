"""Import targets, header-name suggestions and the column mapping of an address import.

A mapping is data (``Mapping.to_dict``/``from_dict``) so it can be saved as a
named profile. Its rules copy a column to a target, join several columns into
one target (street + house number) or split one column into several targets
("Müller, Hans" → last and first name; "12345 Berlin" → postal code and city).
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from merkur.core.listexport import FORMULA_STARTS
from merkur.core.text import fold

MAPPING_VERSION = 1


@dataclass(frozen=True)
class Target:
    """One thing a column can be mapped to.

    ``key`` is ``<record>.<model field>``; keys without a model field behind
    them (``address.house_number``, ``person.full_name``,
    ``address.postal_code_city``) are turned into join or split rules by
    ``Mapping.from_columns``.
    """

    key: str
    label: str  # English msgid; translate with gettext where shown
    aliases_text: str = ""  # header names, separated by " | "

    @property
    def aliases(self) -> list[str]:
        return [alias.strip() for alias in self.aliases_text.split("|") if alias.strip()]

    @property
    def record(self) -> str:
        return self.key.partition(".")[0]

    @property
    def field(self) -> str:
        return self.key.partition(".")[2]


# Aliases are written as people write them; ``header_key`` normalises both sides.
# Within a target, earlier aliases win when several columns match: business
# before generic before private, so Outlook's "Ort geschäftlich" beats its
# "Ort" (the office location) and "Business Phone" its "Home Phone".
TARGETS: tuple[Target, ...] = (
    Target(
        "company.name",
        gettext_noop("Company name"),
        "Firma | Firmenname | Firmierung | Name 1 | Name1 | Unternehmen | Unternehmensname | "
        "Company | Company Name | Organization | Organisation | Organization Name | "
        "Organization 1 - Name | Account Name | Institution",
    ),
    Target(
        "company.name2",
        gettext_noop("Company name (line 2)"),
        "Name 2 | Name2 | Firma 2 | Firmenname 2 | Firmenzusatz | Namenszusatz | Company 2 | "
        "Company Name 2 | Firma (Zeile 2) | Company (line 2)",
    ),
    Target(
        "company.number",
        gettext_noop("Customer number"),
        "Kundennummer | Kundennr | Kunden-Nr. | Kd.-Nr. | KdNr | Kd-Nr | Kunden Nr | "
        "Debitorennummer | Debitor | Customer Number | Customer No | Customer ID | Account "
        "Number | Firmennummer",
    ),
    Target(
        "company.phone",
        gettext_noop("Company phone"),
        "Telefon Firma | Company Main Phone | Telefon Zentrale | Zentrale | Firmentelefon | "
        "Haupttelefon der Firma | Company Phone | Phone (company)",
    ),
    Target(
        "company.email",
        gettext_noop("Company e-mail"),
        "E-Mail Firma | Firmen-E-Mail | Company E-mail | Company Email | Info E-Mail | "
        "E-mail (company)",
    ),
    Target(
        "company.website",
        gettext_noop("Website"),
        "Webseite | Website | Web Site | Web Page | Webpage | Homepage | Internet | "
        "Internetadresse | Internet-Adresse | URL | WWW | Web | Website 1 - Value | Webseite "
        "geschäftlich | Business Web Page | URL (work) | URL (homepage) | Work URL",
    ),
    Target(
        "company.vat_id",
        gettext_noop("VAT ID"),
        "USt-IdNr. | USt-ID | UStIdNr | Umsatzsteuer-ID | UID | UID-Nummer | VAT ID | VAT "
        "Number | VAT Reg No",
    ),
    Target(
        "company.employees",
        gettext_noop("Employees"),
        "Mitarbeiterzahl | Mitarbeitende | Anzahl Mitarbeiter | Anzahl der Mitarbeiter | "
        "Beschäftigte | Anzahl Beschäftigte | Employees | Number of Employees | Employee Count "
        "| Headcount",
    ),
    Target(
        "address.street",
        gettext_noop("Street and number"),
        "Straße geschäftlich | Business Street | Address 1 - Street | Address (work) street | "
        "Work Street | Straße | Strasse | Str. | Straße und Hausnummer | Straße + Hausnummer | "
        "Straße/Hausnummer | Strasse Hausnummer | Straße Nr. | Anschrift | Adresse | Street | "
        "Street Address | Address | Address Line 1 | Address 1 | Straße privat | Home Street | "
        "Address (home) street",
    ),
    Target(
        "address.house_number",
        gettext_noop("House number (added to street)"),
        "Hausnummer | Hausnr. | Hausnr | Haus-Nr. | HNr | Nr. | House Number | House No | "
        "Street Number",
    ),
    Target(
        "address.street2",
        gettext_noop("Address addition"),
        "Straße geschäftlich 2 | Business Street 2 | Address 1 - Extended Address | "
        "Adresszusatz | Zusatz | Straße 2 | Strasse 2 | Address Line 2 | Address 2 | Street 2 | "
        "Address addition",
    ),
    Target(
        "address.po_box",
        gettext_noop("P.O. box"),
        "Postfach geschäftlich | Business Address PO Box | Address 1 - PO Box | Address (work) "
        "PO box | Postfach | PF | PO Box | P.O. Box",
    ),
    Target(
        "address.postal_code",
        gettext_noop("Postal code"),
        "Postleitzahl geschäftlich | Business Postal Code | Address 1 - Postal Code | Address "
        "(work) ZIP | Address (work) postal code | Work ZIP | Work Postal Code | PLZ | "
        "Postleitzahl | PLZ Straße | Zip | Zip Code | Postal Code | Postcode | Post Code | "
        "Postleitzahl privat | Home Postal Code | Address (home) ZIP",
    ),
    Target(
        "address.city",
        gettext_noop("City"),
        "Ort geschäftlich | Business City | Address 1 - City | Address (work) city | Work City "
        "| Ort | Stadt | Wohnort | Gemeinde | Ortschaft | City | Town | Locality | Ort privat | "
        "Home City | Address (home) city",
    ),
    Target(
        "address.postal_code_city",
        gettext_noop("Postal code and city (split)"),
        "PLZ Ort | PLZ/Ort | PLZ und Ort | PLZ + Ort | Postleitzahl Ort | Zip City",
    ),
    Target(
        "address.region",
        gettext_noop("Region"),
        "Region geschäftlich | Bundesland/Kanton geschäftlich | Business State | Address 1 - "
        "Region | Address (work) state | Work State | Bundesland | Kanton | Region | "
        "Bundesstaat | State | Province | County",
    ),
    Target(
        "address.country",
        gettext_noop("Country"),
        "Land/Region geschäftlich | Land geschäftlich | Business Country/Region | Business "
        "Country | Address 1 - Country | Address (work) country | Work Country | Land (Code) | "
        "Country (code) | Land | Staat | "
        "Länderkennzeichen | LKZ | Ländercode | Country | Country Code | Country/Region | "
        "Land/Region privat | Home Country/Region | Address (home) country",
    ),
    Target(
        "person.salutation",
        gettext_noop("Salutation"),
        "Anrede | Anredeform | Salutation | Prefix | Name Prefix | Courtesy Title",
    ),
    Target(
        "person.title",
        gettext_noop("Title"),
        "Titel | Akademischer Titel | Akad. Titel | Title | Academic Title",
    ),
    Target(
        "person.first_name",
        gettext_noop("First name"),
        "Vorname | Vornamen | Rufname | First Name | Firstname | First | Given Name | Forename "
        "| Ansprechpartner Vorname",
    ),
    Target(
        "person.last_name",
        gettext_noop("Last name"),
        "Nachname | Familienname | Zuname | Last Name | Lastname | Last | Family Name | Surname "
        "| Ansprechpartner Nachname",
    ),
    Target(
        "person.full_name",
        gettext_noop("Full name (split into first and last name)"),
        "Nachname, Vorname | Name, Vorname | Vorname Nachname | Ansprechpartner | Kontaktperson "
        "| Kontakt | Contact | Contact Name | Contact Person | Full Name | Display Name",
    ),
    Target(
        "person.functions",
        gettext_noop("Function"),
        "Position | Funktion | Stellung | Berufsbezeichnung | Tätigkeit | Job Title | Jobtitle "
        "| Function | Role | Organization Title | Organization 1 - Title",
    ),
    Target(
        "person.department",
        gettext_noop("Department"),
        "Abteilung | Bereich | Department | Organization Department | Organization 1 - Department",
    ),
    Target(
        "person.phone",
        gettext_noop("Phone"),
        "Telefon geschäftlich | Business Phone | Phone (work) | Work Phone | Phone 1 - Value | "
        "Telefon | Tel | Tel. | Telefonnummer | Rufnummer | Fon | Durchwahl | Telefon "
        "(geschäftlich) | Phone | Phone Number | Telephone | Telefon geschäftlich 2 | Business "
        "Phone 2 | Phone (main) | Main Phone | Telefon privat | Home Phone | Phone (home)",
    ),
    Target(
        "person.mobile",
        gettext_noop("Mobile"),
        "Mobiltelefon | Mobile Phone | Phone (mobile) | Phone (iPhone) | Phone 2 - Value | "
        "Mobil | Mobilnummer | Handy | Handynummer | Mobile | Cell | Cell Phone",
    ),
    Target(
        "person.email",
        gettext_noop("E-mail"),
        "E-Mail-Adresse | E-mail Address | E-mail 1 - Value | Email (work) | Work Email | "
        "E-Mail geschäftlich | E-Mail | E-Mail Adresse | Email | Mail | EMail | Email Address | "
        "E-Mail 2: Adresse | E-mail 2 Address | E-mail 2 - Value | Email (home) | Home Email | "
        "Email (other)",
    ),
    Target(
        "person.marketing_consent_at",
        gettext_noop("Agrees to marketing (date or yes/no)"),
        "Werbeeinwilligung | Einwilligung Werbung | Marketing-Einwilligung | Einwilligung | "
        "Einwilligung am | Opt-in | Opt-in Datum | Marketing Consent | Consent | Consent Date",
    ),
    Target(
        "person.marketing_opt_out_at",
        gettext_noop("Objects to marketing (date or yes/no)"),
        "Werbewiderspruch | Widerspruch Werbung | Werbesperre | Opt-out | Opt-out Datum | "
        "Marketing Opt-out | Unsubscribed | Do Not Mail",
    ),
    Target(
        "person.notes",
        gettext_noop("Notes"),
        "Notizen | Notiz | Bemerkung | Bemerkungen | Kommentar | Notes | Note | Comments | "
        "Notizen (Person) | Notes (person)",
    ),
)

TARGETS_BY_KEY = {target.key: target for target in TARGETS}

# Targets that stand for a rule rather than a field: the field they are joined
# onto, or the splitter that fills several fields.
_JOINED_ONTO = {"address.house_number": "address.street"}
_SPLIT_BY = {"person.full_name": "person_name", "address.postal_code_city": "postal_code_city"}

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def header_key(header: str) -> str:
    """Normalise a header for matching: folded, without punctuation or spaces.

    "Straße", "STRASSE" and "strasse:" all become ``strasse``; "E-Mail-Adresse"
    and "Email Adresse" both ``emailadresse``.
    """
    return _NON_ALNUM.sub("", fold(header))


def _alias_table() -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    for target in TARGETS:
        for rank, alias in enumerate(target.aliases):
            table.setdefault(header_key(alias), (target.key, rank))
    return table


_ALIASES = _alias_table()

# A bare "Name" is the company in dealer lists and the person in Google's old
# export; it goes to the first of these that no other column took.
_AMBIGUOUS = {"name": ("company.name", "person.full_name")}


def known_header(header: str) -> str | None:
    """The target key a header names, or ``None``."""
    key = header_key(header)
    if key in _AMBIGUOUS:
        return _AMBIGUOUS[key][0]
    hit = _ALIASES.get(key)
    return hit[0] if hit else None


def suggest_mapping(headers: list[str]) -> dict[int, str]:
    """Suggest a target key per column index from the header names.

    Each target gets at most one column, the one whose alias ranks first; the
    other columns stay unmapped for the user to decide.
    """
    best: dict[str, tuple[int, int]] = {}  # target → (rank, column)
    ambiguous: list[tuple[int, tuple[str, ...]]] = []
    for column, header in enumerate(headers):
        key = header_key(header)
        if key in _AMBIGUOUS:
            ambiguous.append((column, _AMBIGUOUS[key]))
            continue
        hit = _ALIASES.get(key)
        if hit is None:
            continue
        target, rank = hit
        if target not in best or rank < best[target][0]:
            best[target] = (rank, column)
    for column, candidates in ambiguous:
        for target in candidates:
            if _free(target, best):
                best[target] = (0, column)
                break
    return {column: target for target, (_rank, column) in sorted(best.items(), key=_by_column)}


def _by_column(item):
    return item[1][1]


def _free(target: str, taken: dict) -> bool:
    if target in taken:
        return False
    if target == "person.full_name":
        return "person.first_name" not in taken and "person.last_name" not in taken
    return True


class MappingError(ValueError):
    """A mapping (e.g. a saved profile) that cannot be used; ``str()`` is for the user."""


@dataclass(frozen=True)
class Assign:
    """Copy one column, or join several in order, into ``target``."""

    target: str
    sources: tuple[int, ...]
    separator: str = " "

    def apply(self, fields: list[str], values: dict[str, str]) -> None:
        parts = [_field(fields, index) for index in self.sources]
        text = self.separator.join(part for part in parts if part)
        if text:
            values[self.target] = text


@dataclass(frozen=True)
class Split:
    """Split one column into several targets with a named splitter."""

    splitter: str
    source: int

    def apply(self, fields: list[str], values: dict[str, str]) -> None:
        for target, text in SPLITTERS[self.splitter](_field(fields, self.source)).items():
            if text:
                values[target] = text


def _field(fields: list[str], index: int) -> str:
    return unprotect(fields[index].strip()) if index < len(fields) else ""


_PROTECTED = tuple("'" + start for start in FORMULA_STARTS)


def unprotect(text: str) -> str:
    """Text as it was before a list download or an export kept a spreadsheet from running
    it as a formula ("'=HYPERLINK(…)", "'@home GmbH" → without the apostrophe), so that
    Merkur's own files come back unchanged."""
    return text[1:] if text.startswith(_PROTECTED) else text


_PARTICLES = {"von", "van", "de", "der", "den", "zu", "zum", "zur", "vom", "di", "da", "del", "le"}


def split_person_name(text: str) -> dict[str, str]:
    """ "Müller, Hans" and "Hans von Müller" → first and last name.

    With a comma the last name comes first; without, the last word (with the
    name particles before it) is the last name.
    """
    text = " ".join(text.split())
    if "," in text:
        last, _comma, first = text.partition(",")
        return {"person.last_name": last.strip(), "person.first_name": first.strip()}
    words = text.split(" ")
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return {"person.first_name": " ".join(words[:cut]), "person.last_name": " ".join(words[cut:])}


_POSTAL_CITY = re.compile(
    r"^(?:(?P<prefix>[A-Z]{1,3})\s*-\s*)?(?P<code>\d{4,5}(?:\s?[A-Z]{2})?)\s+(?P<city>.+)$"
)


def split_postal_code_city(text: str) -> dict[str, str]:
    """ "12345 Berlin", "D-12345 Berlin", "CH-8001 Zürich" → postal code and city.

    Text without a leading postal code stays whole as the city.
    """
    text = " ".join(text.split())
    match = _POSTAL_CITY.match(text)
    if not match:
        return {"address.city": text}
    return {"address.postal_code": match["code"], "address.city": match["city"]}


SPLITTERS = {"person_name": split_person_name, "postal_code_city": split_postal_code_city}


@dataclass(frozen=True)
class Mapping:
    """The rules that turn a row's fields into target values.

    ``headers`` is the header row the mapping was made for; it lets a saved
    profile find its columns again in a file whose columns are in another order.
    """

    rules: tuple[Assign | Split, ...]
    headers: tuple[str, ...] = field(default=())

    @classmethod
    def from_columns(cls, columns: dict[int, str], headers: list[str] | None = None):
        """Build rules from a target per column (``suggest_mapping`` or the UI's choice).

        Several columns on one target are joined in column order; a house
        number column is joined onto the street; the split targets become
        split rules.
        """
        grouped: dict[str, list[int]] = {}
        splits = []
        for column, target in sorted(columns.items()):
            if target not in TARGETS_BY_KEY:
                raise MappingError(_unknown_target(target))
            if target in _SPLIT_BY:
                splits.append(Split(_SPLIT_BY[target], column))
            else:
                grouped.setdefault(_JOINED_ONTO.get(target, target), []).append(column)
        for part, onto in _JOINED_ONTO.items():
            # The part goes after the main field whatever the column order.
            if part in columns.values() and onto in grouped:
                main = [c for c in grouped[onto] if columns[c] != part]
                grouped[onto] = main + [c for c in grouped[onto] if columns[c] == part]
        rules = [Assign(target, tuple(sources)) for target, sources in grouped.items()]
        return cls(tuple(rules + splits), tuple(headers or ()))

    def apply(self, fields: list[str]) -> dict[str, str]:
        """Target key → value for one row; empty values are left out.

        Copies and joins run before splits, so a split only fills what a
        column of its own did not (an explicit "Vorname" column wins over the
        first name taken from "Ansprechpartner").
        """
        values: dict[str, str] = {}
        width = len(fields)
        for target, index in self._copies:  # the common case, a million times: inline
            if index < width:
                text = fields[index].strip()
                if text:
                    values[target] = unprotect(text) if text[0] == "'" else text
        for rule in self._others:
            if isinstance(rule, Split):
                split: dict[str, str] = {}
                rule.apply(fields, split)
                for key, text in split.items():
                    values.setdefault(key, text)
            else:
                rule.apply(fields, values)
        return values

    @cached_property
    def _copies(self) -> tuple[tuple[str, int], ...]:
        return tuple(
            (rule.target, rule.sources[0])
            for rule in self.rules
            if isinstance(rule, Assign) and len(rule.sources) == 1
        )

    @cached_property
    def _others(self) -> tuple:
        return tuple(
            rule for rule in self.rules if not (isinstance(rule, Assign) and len(rule.sources) == 1)
        )

    def rebind(self, headers: list[str]) -> "Mapping":
        """The same rules for a file whose header row has the columns elsewhere.

        Raises ``MappingError`` naming the columns the new file lacks.
        """
        if not self.headers:
            return self
        where = {}
        for column, header in enumerate(headers):
            where.setdefault(header_key(header), column)
        moved = {
            column: where.get(header_key(header)) for column, header in enumerate(self.headers)
        }
        used = {c for rule in self.rules for c in _sources(rule)}
        lacking = [self.headers[c] for c in sorted(used) if moved.get(c) is None]
        if lacking:
            raise MappingError(_missing_columns(lacking))
        rules = []
        for rule in self.rules:
            if isinstance(rule, Split):
                rules.append(Split(rule.splitter, moved[rule.source]))
            else:
                sources = tuple(moved[c] for c in rule.sources)
                rules.append(Assign(rule.target, sources, rule.separator))
        return Mapping(tuple(rules), tuple(headers))

    def to_dict(self) -> dict:
        rules = []
        for rule in self.rules:
            if isinstance(rule, Split):
                rules.append({"split": rule.splitter, "source": rule.source})
            else:
                item = {"target": rule.target, "sources": list(rule.sources)}
                if rule.separator != " ":
                    item["separator"] = rule.separator
                rules.append(item)
        return {"version": MAPPING_VERSION, "headers": list(self.headers), "rules": rules}

    @classmethod
    def from_dict(cls, data) -> "Mapping":
        """Read a saved mapping; anything malformed raises ``MappingError``."""
        if not isinstance(data, dict) or data.get("version") != MAPPING_VERSION:
            raise MappingError(_("This saved column mapping has an unknown format."))
        headers = data.get("headers", [])
        if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
            raise MappingError(_("This saved column mapping has an unknown format."))
        rules = data.get("rules")
        if not isinstance(rules, list):
            raise MappingError(_("This saved column mapping has an unknown format."))
        return cls(tuple(_rule_from_dict(item) for item in rules), tuple(headers))


def _rule_from_dict(item) -> Assign | Split:
    if not isinstance(item, dict):
        raise MappingError(_("This saved column mapping has an unknown format."))
    if "split" in item:
        if item["split"] not in SPLITTERS or not _is_index(item.get("source")):
            raise MappingError(_("This saved column mapping has an unknown format."))
        return Split(item["split"], item["source"])
    target, sources = item.get("target"), item.get("sources")
    separator = item.get("separator", " ")
    if target not in TARGETS_BY_KEY or target in _SPLIT_BY or target in _JOINED_ONTO:
        raise MappingError(_unknown_target(target))
    if not isinstance(sources, list) or not sources or not all(map(_is_index, sources)):
        raise MappingError(_("This saved column mapping has an unknown format."))
    if not isinstance(separator, str) or len(separator) > 10:
        raise MappingError(_("This saved column mapping has an unknown format."))
    return Assign(target, tuple(sources), separator)


def _is_index(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10_000


def _sources(rule: Assign | Split) -> tuple[int, ...]:
    return (rule.source,) if isinstance(rule, Split) else rule.sources


def _unknown_target(target) -> str:
    return _("%(target)s is not a field an address import can fill.") % {"target": target}


def _missing_columns(headers: list[str]) -> str:
    return _("The file has no column %(columns)s that this mapping needs.") % {
        "columns": ", ".join(f'"{h}"' for h in headers)
    }
