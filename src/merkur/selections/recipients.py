"""Recipients of a selection: who gets the letter, and the address it goes to.

``recipients(source, …)`` takes a compiled selection (a queryset of people or of
companies), a frozen ``SelectionRun`` or some of its members, and gives a lazy
``values()`` queryset — one SQL statement, stream it with ``.iterator()`` — whose
rows hold the keys of ``COLUMNS``: the person (name, salutation, title, letter
salutation, e-mail), the company (name, name2) and the postal address.
``letter_lines(row)`` formats a row's address block by its country's rules.

Which address:
- people: the person's own (employee) address if they have one, else their
  company's contact address;
- companies: the default address of the chosen kind (``billing`` or
  ``delivery``), falling back to the contact address; ``contact`` is the contact
  address;
- a frozen run: the address chosen when it was frozen.

Sorting (``sort``): ``postal_code`` (country, then postal code — bulk mail),
``name`` (person, then company), ``company`` (company, then person) or
``country`` (country, city, company, person); ties are broken by the id.

De-duplication (``dedupe``): ``person`` (one row per person — a selection already
has one), ``address`` (one letter per address) or ``company`` ("one letter per
company"); of the rows sharing a key, the first in the chosen sort order stays.

Opt-out (``purpose``): for ``marketing`` (the default) people who objected to
marketing (``Person.marketing_opt_out_at`` set) are removed — at the time of the
output, also from a run frozen before they objected. Only for ``non_marketing``
mail (an invoice notice, a recall, a change of terms) do they stay. Company rows
without a person are never removed: the objection is a person's.
"""

from django.db.models import (
    Case,
    CharField,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils.translation import gettext as _

from merkur.addresses import postal
from merkur.addresses.models import Address
from merkur.companies.models import Company, CompanyAddress, Person
from merkur.selections.models import SelectionRun, SelectionRunMember

ADDRESS_KINDS = ("contact", "billing", "delivery")
SORTS = ("postal_code", "name", "company", "country")
DEDUPES = ("person", "address", "company")
PURPOSES = ("marketing", "non_marketing")
ADDRESS_FIELDS = ("street", "street2", "po_box", "postal_code", "city", "region", "country")
PERSON_FIELDS = {
    "person_salutation": "salutation__name",
    "person_title": "title__name",
    "person_first_name": "first_name",
    "person_last_name": "last_name",
    "person_letter_salutation": "letter_salutation",
    "person_email": "email",
}
COMPANY_FIELDS = {"company_name": "name", "company_name2": "name2"}
COLUMNS = (
    "person_pk",
    *PERSON_FIELDS,
    "company_pk",
    *COMPANY_FIELDS,
    "address_pk",
    *(f"address_{field}" for field in ADDRESS_FIELDS),
)


class Source:
    """A queryset with ``address_pk`` annotated, and where its person and company are."""

    def __init__(self, queryset: QuerySet, person: str | None, company: str, addresses: list):
        self.queryset = queryset
        self.person = person  # lookup prefix of the person ("" or "person__"), None: no person
        self.company = company  # lookup prefix of the company
        self.addresses = addresses  # lookups of Address relations, the first one set wins


def _link(relation: str, **condition) -> FilteredRelation:
    return FilteredRelation(
        relation, condition=Q(**{f"{relation}__{key}": value for key, value in condition.items()})
    )


def source_of(source, *, address: str = "contact") -> Source:
    """What ``recipients`` and ``runs.freeze`` read: rows annotated with the address."""
    if isinstance(source, SelectionRun):
        source = source.members.all()
    if not isinstance(source, QuerySet):
        raise TypeError("a queryset of people, companies or run members, or a run")
    if source.model is SelectionRunMember:
        queryset = source.annotate(address_pk=F("address_id"))
        return Source(queryset, "person__", "company__", ["address"])
    if source.model is Person:
        # Each filtered relation is unique per row (one employee address per person,
        # one contact address per company): the joins add no rows.
        queryset = source.annotate(
            r_own=_link("address_links", kind=CompanyAddress.Kind.EMPLOYEE),
            r_contact=_link("company__address_links", kind=CompanyAddress.Kind.CONTACT),
        )
        lookups = ["r_own__address", "r_contact__address"]
        person, company = "", "company__"
    elif source.model is Company:
        if address not in ADDRESS_KINDS:
            raise ValueError(
                _("The address is one of: %(kinds)s.") % {"kinds": ", ".join(ADDRESS_KINDS)}
            )
        queryset = source.annotate(
            r_contact=_link("address_links", kind=CompanyAddress.Kind.CONTACT)
        )
        lookups = ["r_contact__address"]
        if address != "contact":
            queryset = queryset.annotate(
                r_chosen=_link("address_links", kind=address, is_default=True)
            )
            lookups.insert(0, "r_chosen__address")
        person, company = None, ""
    else:
        raise TypeError("a queryset of people, companies or run members, or a run")
    if len(lookups) == 1:
        queryset = queryset.annotate(address_pk=F(f"{lookups[0]}__pk"))
    else:
        queryset = queryset.annotate(address_pk=Coalesce(*(F(f"{item}__pk") for item in lookups)))
    return Source(queryset, person, company, lookups)


def _address_value(source: Source, field: str):
    """The field of the first address that is set (whole addresses, never mixed)."""
    *preferred, fallback = source.addresses
    value = F(f"{fallback}__{field}")
    for lookup in reversed(preferred):
        value = Case(
            When(**{f"{lookup}__isnull": False}, then=F(f"{lookup}__{field}")),
            default=value,
        )
    return value


def _columns(source: Source) -> dict:
    columns = {}
    if source.person is None:
        columns["person_pk"] = Value(None, output_field=IntegerField())
        for key in PERSON_FIELDS:
            columns[key] = Value(None, output_field=CharField())
    else:
        columns["person_pk"] = F(f"{source.person}pk")
        for key, field in PERSON_FIELDS.items():
            columns[key] = F(f"{source.person}{field}")
    columns["company_pk"] = F(f"{source.company}pk")
    for key, field in COMPANY_FIELDS.items():
        columns[key] = F(f"{source.company}{field}")
    columns["address_pk"] = F("address_pk")
    for field in ADDRESS_FIELDS:
        columns[f"address_{field}"] = _address_value(source, field)
    return columns


def _check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise ValueError(_("Sort by one of: %(names)s.") % {"names": ", ".join(SORTS)})


def ordering_keys(source: Source, sort: str) -> list:
    """What rows of ``source`` are sorted by for ``sort``, first key first, each ascending
    with empty values last; the id (not listed) breaks ties. The member pages of a run
    (``views.members``) page by these same keys. ``ValueError`` for an unknown sort."""
    _check_sort(sort)
    company = F(f"{source.company}sort_name")
    people = [] if source.person is None else [F(f"{source.person}sort_name")]
    country = _address_value(source, "country")
    if sort == "postal_code":
        return [country, _address_value(source, "postal_code"), company, *people]
    if sort == "name":
        return [*people, company]
    if sort == "company":
        return [company, *people]
    return [country, _address_value(source, "city"), company, *people]


def _ordering(source: Source, sort: str) -> list:
    keys = ordering_keys(source, sort)
    return [*(key.asc(nulls_last=True) for key in keys), F("pk").asc()]


def recipients(
    source,
    *,
    address: str = "contact",
    sort: str = "postal_code",
    dedupe: str | None = "person",
    purpose: str = "marketing",
) -> QuerySet:
    """The recipients of ``source`` as ``values()`` rows (keys: ``COLUMNS``), sorted.

    ``address`` is the address kind for companies (ignored for people and runs).
    ``ValueError`` for an unknown sort, de-duplication or purpose.
    """
    _check_sort(sort)
    if dedupe is not None and dedupe not in DEDUPES:
        raise ValueError(
            _("Remove duplicates by one of: %(names)s.") % {"names": ", ".join(DEDUPES)}
        )
    if purpose not in PURPOSES:
        raise ValueError(_("The purpose is one of: %(names)s.") % {"names": ", ".join(PURPOSES)})
    found = source_of(source, address=address)
    queryset = found.queryset
    if purpose == "marketing" and found.person is not None:
        queryset = queryset.filter(**{f"{found.person}marketing_opt_out_at__isnull": True})
    ordering = _ordering(found, sort)
    key = _dedupe_key(found, dedupe)
    if key is not None:
        queryset = queryset.annotate(
            r_rank=Window(RowNumber(), partition_by=[key], order_by=ordering)
        ).filter(r_rank=1)
    return queryset.values(**_columns(found)).order_by(*ordering)


def _dedupe_key(source: Source, dedupe: str | None):
    """What rows are grouped by to keep one; None where rows are unique already (a
    selection has each person once, a run each of its members)."""
    if dedupe == "address":
        # Rows without an address are each their own group, not one group of "none".
        return Coalesce(F("address_pk"), Value(0) - F("pk"))
    if dedupe == "company" and source.person is not None:
        return F(f"{source.company}pk")
    return None


def person_line(row: dict) -> str:
    """The person as the address block names them: "Frau Dr. Erika Muster"."""
    parts = ("person_salutation", "person_title", "person_first_name", "person_last_name")
    return " ".join(row[part] for part in parts if row.get(part))


def letter_lines(row: dict) -> list[str]:
    """The address block of a row: company, person, then the address by its country's rules."""
    recipient = [row["company_name"], row["company_name2"], person_line(row)]
    if row.get("address_pk") is None:
        return [line for line in recipient if line]
    address = Address(**{field: row[f"address_{field}"] or "" for field in ADDRESS_FIELDS})
    return postal.format_lines(address, recipient=recipient)
