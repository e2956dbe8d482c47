"""vCard 3.0 (RFC 2426) and 4.0 (RFC 6350): one file with a card per row, UTF-8.

A card has a fixed set of properties (the column choice does not apply): for a
person N, FN, ORG (company; department), TITLE (functions), EMAIL, TEL (work,
mobile), ADR and its label (the row's own address), LANG (4.0); for a company FN
and ORG, its phone, e-mail and website; both get CATEGORIES (industries), URL,
UID (a ``urn:uuid`` that stays the same for the record in this installation, so
address books update instead of duplicating) and REV.

vobject writes both versions. It knows only vCard 3.0, so 4.0 is added here as a
behaviour of its own (``VCard4``) that differs where RFC 6350 does: VERSION:4.0,
KIND (``individual``/``org``) instead of Apple's ``X-ABShowAs``, LANG, the
address label as the ADR's ``LABEL`` parameter (RFC 6868 ``^n`` for line breaks)
instead of a LABEL property, lower-case TYPE values and no ``INTERNET`` e-mail
type. Company cards of 3.0 carry an empty N (it is required there). Every file
reads back with ``vobject.readComponents``.
"""

import datetime
import hashlib
import uuid
from collections.abc import Iterable, Iterator

import vobject
from django.conf import settings
from vobject.base import newFromBehavior, registerBehavior
from vobject.vcard import Address, Name, VCard3_0

from merkur.transfer.export import catalog
from merkur.transfer.export.writers import Writer, batches

PRODID = "-//Merkur//Merkur CRM//DE"


class VCard4(VCard3_0):
    """vCard 4.0: vobject's 3.0 behaviour with the version of RFC 6350."""

    description = "vCard 4.0, defined in RFC 6350"
    versionString = "4.0"
    knownChildren = {**VCard3_0.knownChildren, "N": (0, 1, None), "KIND": (0, 1, None)}


registerBehavior(VCard4)  # not the default: 3.0 stays what vobject makes and reads

FIELDS = (
    "company.id", "company.name", "company.name2", "company.phone", "company.email",
    "company.website", "company.industries", "company.updated_at", "address.street",
    "address.street2", "address.po_box", "address.postal_code", "address.city", "address.region",
    "address.country_name", "address.block",
)  # fmt: skip
PERSON_FIELDS = (
    "person.id", "person.title", "person.first_name", "person.last_name", "person.functions",
    "person.department", "person.email", "person.phone", "person.mobile", "person.updated_at",
)  # fmt: skip


def _namespace() -> uuid.UUID:
    """A namespace of this installation: the same record gets the same UID here only."""
    digest = hashlib.sha256(f"merkur-vcard:{settings.SECRET_KEY}".encode()).hexdigest()
    return uuid.UUID(digest[:32])


def rfc6868(value: str) -> str:
    """A parameter value as RFC 6868 writes it: ``^`` → ``^^``, newline → ``^n``, ``"`` → ``^'``."""
    return value.replace("^", "^^").replace("\r\n", "\n").replace("\n", "^n").replace('"', "^'")


def _stamp(value) -> str | None:
    if not isinstance(value, datetime.datetime):
        return None
    return value.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


class VCardWriter(Writer):
    extension = "vcf"
    content_type = "text/vcard; charset=utf-8"
    uses_columns = False
    version = "3.0"

    def bind(self, plan):
        keys = list(FIELDS)
        if self.context.target == "people":
            keys.extend(PERSON_FIELDS)
        self.keys = keys
        getters = catalog.bind(catalog.resolve(keys, self.context.target), plan)
        language = plan.getter("person", "language")
        self.keys.append("person.language_code")
        return [*getters, language]

    def chunks(self, rows: Iterable[list]) -> Iterator[bytes]:
        namespace = _namespace()
        for batch in batches(rows, 200):
            cards = [self.card(dict(zip(self.keys, row, strict=True)), namespace) for row in batch]
            yield "".join(cards).encode("utf-8")

    # --- one card --------------------------------------------------------------------------

    def new_card(self):
        return vobject.vCard()

    def card(self, row: dict, namespace: uuid.UUID) -> str:
        card = self.new_card()
        person = row.get("person.id") is not None
        company = " ".join(part for part in (row["company.name"], row["company.name2"]) if part)
        if person:
            self._person(card, row, company)
        else:
            self._company(card, company)
        record = f"person:{row['person.id']}" if person else f"company:{row['company.id']}"
        card.add("uid").value = f"urn:uuid:{uuid.uuid5(namespace, record)}"
        card.add("prodid").value = PRODID
        rev = _stamp(row.get("person.updated_at") if person else row["company.updated_at"])
        if rev:
            card.add("rev").value = rev
        self._address(card, row)
        phone = row.get("person.phone") if person else row["company.phone"]
        if phone:
            self._typed(card.add("tel"), phone, ["work", "voice"])
        if person and row.get("person.mobile"):
            self._typed(card.add("tel"), row["person.mobile"], ["cell", "voice"])
        email = row.get("person.email") if person else row["company.email"]
        if email:
            self._typed(card.add("email"), email, self.email_types)
        if row["company.website"]:
            card.add("url").value = row["company.website"]
        if row["company.industries"]:
            card.add("categories").value = list(row["company.industries"])
        return card.serialize()

    email_types = ["internet", "work"]

    def _typed(self, line, value, types: list[str]) -> None:
        line.value = value
        line.type_paramlist = [kind.upper() for kind in types]

    def _person(self, card, row: dict, company: str) -> None:
        title = row.get("person.title") or ""
        first, last = row.get("person.first_name") or "", row.get("person.last_name") or ""
        card.add("n").value = Name(family=last, given=first, prefix=title)
        card.add("fn").value = " ".join(part for part in (title, first, last) if part) or company
        if company:
            department = row.get("person.department") or ""
            card.add("org").value = [company, department] if department else [company]
        if row.get("person.functions"):
            card.add("title").value = ", ".join(row["person.functions"])

    def _company(self, card, company: str) -> None:
        card.add("n").value = Name()
        card.add("fn").value = company
        card.add("org").value = [company]
        card.add("x-abshowas").value = "COMPANY"

    def _address(self, card, row: dict) -> None:
        if not (row["address.city"] or row["address.street"] or row["address.postal_code"]):
            return
        line = card.add("adr")
        address = Address(
            box=row["address.po_box"] or "",
            extended=row["address.street2"] or "",
            street=row["address.street"] or "",
            city=row["address.city"] or "",
            region=row["address.region"] or "",
            code=row["address.postal_code"] or "",
            country=row["address.country_name"] or "",
        )
        self._typed(line, address, ["work"])
        if row["address.block"]:
            self._label(card, line, row["address.block"])

    def _label(self, card, adr, block: str) -> None:
        """3.0: the address block as a LABEL property of the same type."""
        self._typed(card.add("label"), block, ["work"])


class VCard3Writer(VCardWriter):
    pass


class VCard4Writer(VCardWriter):
    version = "4.0"
    email_types = ["work"]

    def new_card(self):
        return newFromBehavior("vcard", "4.0")

    def _typed(self, line, value, types: list[str]) -> None:
        line.value = value
        line.type_paramlist = types

    def _person(self, card, row: dict, company: str) -> None:
        card.add("kind").value = "individual"
        super()._person(card, row, company)
        if row.get("person.language_code"):
            card.add("lang").value = row["person.language_code"]

    def _company(self, card, company: str) -> None:
        card.add("kind").value = "org"
        card.add("fn").value = company
        card.add("org").value = [company]

    def _label(self, card, adr, block: str) -> None:
        """4.0: the address block as the ADR's LABEL parameter (RFC 6868)."""
        adr.params["LABEL"] = [rfc6868(block)]
