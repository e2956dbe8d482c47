"""Every column an export can have, by key, with German and English labels.

Keys are stable (saved profiles and templates use them): ``company.name``,
``person.email``, ``address.postal_code`` (the row's own postal address),
``contact.city`` / ``billing.street`` / ``delivery.…`` / ``own.…`` (addresses by
kind), ``company.attr.<code>`` and ``person.attr.<code>`` (an attribute as of the
export's day; ``company.attr.<code>@2024-12-31`` as of that day), and the figures
``company.revenue`` and ``company.abc_class`` (of the export's year).

A column knows its value type (text, whole number, decimal, date, date and time,
yes/no, list) so that XLSX and JSON keep numbers and dates typed, and ``bind``s
itself to a ``reading.Plan``: the result is a function of the row tuple.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from merkur.transfer.export.reading import (
    ADDRESS_FIELDS,
    AddressJoins,
    AttributeLoader,
    AttributeRequest,
    ManyLoader,
    Plan,
    RevenueLoader,
    Scope,
)

TEXT, INTEGER, DECIMAL, DATE, DATETIME, BOOLEAN, LIST = (
    "text", "integer", "decimal", "date", "datetime", "boolean", "list",
)  # fmt: skip
ATTRIBUTE_KEY = re.compile(r"^(company|person)\.attr\.([-\w]+)(?:@(\d{4}-\d{2}-\d{2}))?$")


@dataclass(frozen=True)
class Column:
    key: str
    label_de: str
    label_en: str
    type: str
    group: str
    bind: Callable[[Plan], Callable[[tuple], object]]
    person: bool = False  # only rows about people have it
    width: int = 16

    def label(self, language: str | None = None) -> str:
        language = language or translation.get_language() or "de"
        return self.label_en if language.startswith("en") else self.label_de


# --- building blocks -------------------------------------------------------------------------


def _field(owner: str, name: str, de: str, en: str, type: str = TEXT, width: int = 16) -> Column:
    return Column(
        f"{owner}.{name}", de, en, type, owner, lambda plan: plan.getter(owner, name),
        person=owner == "person", width=width,
    )  # fmt: skip


def _master(owner: str, name: str, model_name: str, de: str, en: str, width=14) -> Column:
    def bind(plan: Plan):
        names = plan.master(_model(model_name))
        get = plan.getter(owner, f"{name}_id")
        return lambda row: names.get(get(row))

    return Column(f"{owner}.{name}", de, en, TEXT, owner, bind, person=owner == "person",
                  width=width)  # fmt: skip


def _many(owner: str, name: str, de: str, en: str) -> Column:
    def bind(plan: Plan):
        model = _model("Company" if owner == "company" else "Person")
        loader = plan.loader(
            f"many:{owner}:{name}", lambda: ManyLoader(plan, owner, getattr(model, name))
        )
        return loader.get

    return Column(f"{owner}.{name}", de, en, LIST, owner, bind, person=owner == "person", width=24)


def _model(name: str):
    from merkur.companies import models

    return getattr(models, name)


def _joined(*parts: Callable) -> Callable:
    return lambda row: " ".join(str(value) for get in parts if (value := get(row)))


# --- company ---------------------------------------------------------------------------------


def _company_display_name(plan: Plan):
    return _joined(plan.getter("company", "name"), plan.getter("company", "name2"))


def _company_roles(plan: Plan):
    from merkur.companies.models import CompanyRole

    get = plan.getter("company", "roles")
    labels: dict[int, list[str]] = {}

    def roles(row):
        mask = get(row) or 0
        if mask not in labels:
            labels[mask] = [str(CompanyRole(role).label) for role in CompanyRole.from_mask(mask)]
        return labels[mask]

    return roles


def _sales_rep(index: int):
    def bind(plan: Plan):
        reps = plan.master(_model("SalesRep"), "name", "email", "phone")
        get = plan.getter("company", "sales_rep_id")

        def value(row):
            rep = reps.get(get(row))
            return rep[index] if rep else None

        return value

    return bind


def _archived(plan: Plan):
    get = plan.getter("company", "archived_at")
    return lambda row: get(row) is not None


def _revenue(plan: Plan):
    return _revenue_loader(plan).revenue


def _abc(plan: Plan):
    return _revenue_loader(plan).abc_class


def _revenue_loader(plan: Plan) -> RevenueLoader:
    year = getattr(plan.options, "year", None) or datetime.date.today().year - 1
    return plan.loader("revenue", lambda: RevenueLoader(plan, year))


COMPANY = [
    _field("company", "id", "Firmen-ID", "Company ID", INTEGER, 8),
    _field("company", "number", "Kundennummer", "Customer number", TEXT, 10),
    _field("company", "name", "Firma", "Company", TEXT, 30),
    _field("company", "name2", "Firma (Zeile 2)", "Company (line 2)", TEXT, 20),
    Column("company.display_name", "Firmenname", "Company name", TEXT, "company",
           _company_display_name, width=36),
    _master("company", "legal_form", "LegalForm", "Rechtsform", "Legal form"),
    Column("company.roles", "Rollen", "Roles", LIST, "company", _company_roles, width=18),
    _field("company", "phone", "Telefon (Firma)", "Phone (company)"),
    _field("company", "email", "E-Mail (Firma)", "E-mail (company)", TEXT, 24),
    _field("company", "website", "Website", "Website", TEXT, 22),
    _field("company", "vat_id", "USt-IdNr.", "VAT ID", TEXT, 14),
    _field("company", "employees", "Mitarbeitende", "Employees", INTEGER, 10),
    _many("company", "industries", "Branchen", "Industries"),
    _many("company", "interest_areas", "Interessengebiete", "Interest areas"),
    _master("company", "company_class", "CompanyClass", "Firmenklasse", "Company class"),
    _master("company", "sales_rep", "SalesRep", "Vertreter", "Sales representative", 18),
    Column("company.sales_rep_email", "E-Mail Vertreter", "Sales rep e-mail", TEXT, "company",
           _sales_rep(1), width=24),
    Column("company.sales_rep_phone", "Telefon Vertreter", "Sales rep phone", TEXT, "company",
           _sales_rep(2)),
    _field("company", "notes", "Notizen (Firma)", "Notes (company)", TEXT, 40),
    Column("company.archived", "Archiviert", "Archived", BOOLEAN, "company", _archived, width=10),
    _field("company", "created_at", "Angelegt", "Created", DATETIME),
    _field("company", "updated_at", "Geändert", "Changed", DATETIME),
    Column("company.revenue", "Umsatz (Jahr)", "Revenue (year)", DECIMAL, "figures", _revenue,
           width=14),
    Column("company.abc_class", "ABC-Klasse", "ABC class", TEXT, "figures", _abc, width=8),
]  # fmt: skip


# --- person ----------------------------------------------------------------------------------


def _full_name(plan: Plan):
    return _joined(plan.getter("person", "first_name"), plan.getter("person", "last_name"))


def _recipient_line(plan: Plan):
    from merkur.companies.models import Salutation, Title

    salutations, titles = plan.master(Salutation), plan.master(Title)
    salutation, title = plan.getter("person", "salutation_id"), plan.getter("person", "title_id")
    return _joined(
        lambda row: salutations.get(salutation(row)),
        lambda row: titles.get(title(row)),
        plan.getter("person", "first_name"),
        plan.getter("person", "last_name"),
    )


def _language(plan: Plan):
    from merkur.companies.models.person import PersonLanguage

    get = plan.getter("person", "language")
    labels = {code: str(label) for code, label in PersonLanguage.choices}
    return lambda row: labels.get(get(row), get(row))


def _opted_out(plan: Plan):
    get = plan.getter("person", "marketing_opt_out_at")
    person = plan.getter("person", "id")
    return lambda row: None if person(row) is None else get(row) is not None


PERSON = [
    _field("person", "id", "Personen-ID", "Person ID", INTEGER, 8),
    _master("person", "salutation", "Salutation", "Anrede", "Salutation", 8),
    _master("person", "title", "Title", "Titel", "Title", 10),
    _field("person", "first_name", "Vorname", "First name"),
    _field("person", "last_name", "Nachname", "Last name", TEXT, 18),
    Column("person.full_name", "Name", "Name", TEXT, "person", _full_name, person=True, width=26),
    Column("person.recipient_line", "Empfänger", "Recipient", TEXT, "person", _recipient_line,
           person=True, width=30),
    _field("person", "letter_salutation", "Briefanrede", "Letter salutation", TEXT, 30),
    _many("person", "functions", "Funktion", "Function"),
    _many("person", "person_codes", "Personen-Code", "Person code"),
    _field("person", "department", "Abteilung", "Department"),
    Column("person.language", "Sprache", "Language", TEXT, "person", _language, person=True,
           width=10),
    _field("person", "email", "E-Mail", "E-mail", TEXT, 26),
    _field("person", "phone", "Telefon", "Phone"),
    _field("person", "mobile", "Mobiltelefon", "Mobile"),
    _field("person", "marketing_consent_at", "Werbeeinwilligung seit", "Marketing consent since",
           DATETIME),
    _field("person", "marketing_opt_out_at", "Werbewiderspruch seit",
           "Objection to marketing since", DATETIME),
    Column("person.opted_out", "Werbewiderspruch", "Objected to marketing", BOOLEAN, "person",
           _opted_out, person=True, width=10),
    _field("person", "notes", "Notizen (Person)", "Notes (person)", TEXT, 40),
    _field("person", "created_at", "Person angelegt", "Person created", DATETIME),
    _field("person", "updated_at", "Person geändert", "Person changed", DATETIME),
]  # fmt: skip


# --- addresses -------------------------------------------------------------------------------

ADDRESS_KINDS = {
    "address": ("Adresse", "Address"),
    "contact": ("Kontaktadresse", "Contact address"),
    "billing": ("Rechnungsadresse", "Billing address"),
    "delivery": ("Lieferadresse", "Delivery address"),
    "own": ("Eigene Adresse", "Own address"),
}
ADDRESS_LABELS = {
    "street": ("Strasse", "Street", 26),
    "street2": ("Adresszusatz", "Address addition", 18),
    "po_box": ("Postfach", "P.O. box", 10),
    "postal_code": ("PLZ", "Postal code", 8),
    "city": ("Ort", "City", 18),
    "region": ("Region", "Region", 10),
    "country": ("Land (Code)", "Country (code)", 8),
    "country_name": ("Land", "Country", 14),
}


def _addresses(plan: Plan) -> AddressJoins:
    return plan.loader("addresses", lambda: AddressJoins(plan))


def _address(kind: str, name: str):
    def bind(plan: Plan):
        if name != "country_name":
            return _addresses(plan).getter(kind, name)
        get = _addresses(plan).getter(kind, "country")
        names: dict[str, str] = {}

        def country(row):
            code = get(row)
            if code not in names:
                names[code] = str(countries.name(code)) if code else ""
            return names[code] or None

        return country

    return bind


def _address_block(plan: Plan):
    """The whole address block: company, person, then the address by its country's rules."""
    from merkur.addresses import postal
    from merkur.addresses.models import Address

    pick = _addresses(plan).picker("address")
    name, name2 = plan.getter("company", "name"), plan.getter("company", "name2")
    person = _recipient_line(plan) if plan.scope.has_person else (lambda row: "")

    def block(row):
        recipient = [line for line in (name(row), name2(row), person(row)) if line]
        address = pick(row)
        if address is None:
            return "\n".join(recipient)
        fields = dict(zip(ADDRESS_FIELDS, address[1:], strict=True))
        record = Address(**{key: value or "" for key, value in fields.items()})
        return "\n".join(postal.format_lines(record, recipient=recipient))

    return block


def _address_columns() -> list[Column]:
    columns = []
    for kind, (kind_de, kind_en) in ADDRESS_KINDS.items():
        for name, (de, en, width) in ADDRESS_LABELS.items():
            label_de = de if kind == "address" else f"{de} ({kind_de})"
            label_en = en if kind == "address" else f"{en} ({kind_en})"
            columns.append(
                Column(f"{kind}.{name}", label_de, label_en, TEXT, f"address:{kind}",
                       _address(kind, name), person=kind == "own", width=width)
            )  # fmt: skip
        if kind == "address":
            columns.append(
                Column("address.block", "Adressblock", "Address block", TEXT, "address:address",
                       _address_block, width=40)
            )  # fmt: skip
    return columns


ADDRESSES = _address_columns()
STATIC: dict[str, Column] = {column.key: column for column in (*COMPANY, *PERSON, *ADDRESSES)}


# --- attributes ------------------------------------------------------------------------------

ATTRIBUTE_TYPES = {
    "text": TEXT, "long_text": TEXT, "choice": TEXT, "multi_choice": LIST, "integer": INTEGER,
    "decimal": DECIMAL, "date": DATE, "boolean": BOOLEAN, "link": TEXT,
}  # fmt: skip


def attribute_column(owner: str, definition, day: datetime.date | None = None) -> Column:
    """The column of ``definition``'s value on the company or person, as of ``day``
    (None: the export's day)."""
    key = f"{owner}.attr.{definition.code}"
    suffix_de = suffix_en = ""
    if day is not None:
        key += f"@{day.isoformat()}"
        suffix_de = f" ({day:%d.%m.%Y})"
        suffix_en = f" ({day.isoformat()})"
    value_type = LIST if definition.multi_valued else ATTRIBUTE_TYPES[definition.type]
    label_de = definition.label
    label_en = definition.label_en or definition.label
    if definition.unit:
        label_de, label_en = f"{label_de} [{definition.unit}]", f"{label_en} [{definition.unit}]"

    def bind(plan: Plan):
        as_of = day or getattr(plan.options, "as_of", None) or datetime.date.today()
        request = AttributeRequest(owner, definition, as_of)
        loader = plan.loader("attributes", lambda: AttributeLoader(plan))
        loader.add(request)
        return lambda row: loader.get(row, request)

    return Column(key, label_de + suffix_de, label_en + suffix_en, value_type, "attributes",
                  bind, person=owner == "person", width=16)  # fmt: skip


def attribute_columns() -> list[Column]:
    """A column per attribute definition and owner it applies to (as of the export's day)."""
    from merkur.attributes.models import AttributeDefinition

    columns = []
    for definition in AttributeDefinition.objects.order_by("group", "sort_order", "label"):
        if definition.for_companies:
            columns.append(attribute_column("company", definition))
        if definition.for_people:
            columns.append(attribute_column("person", definition))
    return columns


# --- choosing columns ------------------------------------------------------------------------


def catalog(target: str) -> list[Column]:
    """Every column a row about ``target`` ("companies" or "people") can have."""
    columns = [*STATIC.values(), *attribute_columns()]
    if target != "people":
        columns = [column for column in columns if not column.person]
    return columns


def resolve(keys: list[str], target: str) -> list[Column]:
    """The columns of ``keys`` for rows about ``target``, in the order given.

    ``ValidationError`` on ``columns`` naming every key that is unknown or does not fit
    (a person's column in a company list).
    """
    from merkur.attributes.models import AttributeDefinition

    problems = []
    columns = []
    codes = {match.group(2) for key in keys if (match := ATTRIBUTE_KEY.match(key))}
    definitions = {d.code: d for d in AttributeDefinition.objects.filter(code__in=codes)}
    for key in keys:
        column = STATIC.get(key)
        if column is None and (match := ATTRIBUTE_KEY.match(key)):
            owner, code, day = match.groups()
            definition = definitions.get(code)
            applies = definition is not None and (
                definition.for_companies if owner == "company" else definition.for_people
            )
            if applies:
                try:
                    as_of = datetime.date.fromisoformat(day) if day else None
                except ValueError:
                    problems.append(_("“%(key)s”: the date is not valid.") % {"key": key})
                    continue
                column = attribute_column(owner, definition, as_of)
        if column is None:
            problems.append(_("“%(key)s” is not a column.") % {"key": key})
        elif column.person and target != "people":
            problems.append(
                _("“%(key)s” belongs to a person: this list has companies only.") % {"key": key}
            )
        else:
            columns.append(column)
    if problems:
        raise ValidationError({"columns": problems})
    return columns


DEFAULT_COLUMNS = {
    "companies": [
        "company.number", "company.name", "company.name2", "address.street",
        "address.postal_code", "address.city", "address.country", "company.phone",
        "company.email", "company.industries", "company.sales_rep",
    ],
    "people": [
        "company.number", "company.name", "person.salutation", "person.title",
        "person.first_name", "person.last_name", "person.functions", "person.letter_salutation",
        "address.street", "address.postal_code", "address.city", "address.country",
        "person.email", "person.phone",
    ],
}  # fmt: skip


def bind(columns: list[Column], plan: Plan) -> list[Callable[[tuple], object]]:
    return [column.bind(plan) for column in columns]


__all__ = ["DEFAULT_COLUMNS", "STATIC", "Column", "Scope", "bind", "catalog", "resolve"]
