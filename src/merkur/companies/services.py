"""Writes that touch companies, people and their addresses.

Every function here is atomic, validates through the models, records the
change history and keeps the derived columns (``refresh_derived``) in step.
Forms, the API, the demo loader and imports all write through these.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.addresses.models import Address
from merkur.companies.models import Company, CompanyAddress, CompanyRole, Person
from merkur.core.audit import diff, record_change, snapshot
from merkur.core.locking import lock_for_update
from merkur.core.models import ChangeRecord
from merkur.core.phones import normalize_phone

Action = ChangeRecord.Action
Kind = CompanyAddress.Kind

COMPANY_FIELDS = [
    "name", "name2", "number", "legal_form", "roles", "phone", "fax", "email", "website",
    "vat_id", "employees", "notes", "company_class", "sales_rep", "industries", "interest_areas",
]  # fmt: skip
PERSON_FIELDS = [
    "salutation", "title", "first_name", "last_name", "letter_salutation",
    "letter_salutation_custom", "functions", "person_codes", "department", "language", "email",
    "phone", "mobile", "fax", "marketing_consent_at", "marketing_opt_out_at", "notes",
]  # fmt: skip
ADDRESS_FIELDS = ["street", "street2", "po_box", "postal_code", "city", "region", "country"]


def _assign(obj, data: dict, fields: list[str]) -> dict:
    """Set plain fields from ``data``; return the many-to-many values to set after saving."""
    many = {}
    for name in fields:
        if name not in data:
            continue
        if obj._meta.get_field(name).many_to_many:
            many[name] = list(data[name])
        else:
            setattr(obj, name, data[name])
    return many


def _phones(obj, names: list[str], region: str) -> None:
    errors = {}
    for name in names:
        try:
            setattr(obj, name, normalize_phone(getattr(obj, name), region=region or None))
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)


def _validate(obj, *, exclude: list[str] | None = None) -> None:
    obj.full_clean(exclude=exclude)


def _new_address(data: dict) -> Address:
    address = Address()
    _assign(address, data, ADDRESS_FIELDS)
    _validate(address)
    address.save()
    return address


def address_change_key(kind: str, *, default: bool = False) -> str:
    """The history key of an address link change; labelled in the reader's language
    by ``address_change_label``, not frozen in the writer's."""
    return f"{'default' if default else 'address'}.{kind}"


def address_change_label(key: str) -> str | None:
    prefix, _dot, kind = key.partition(".")
    if prefix not in ("address", "default") or kind not in Kind.values:
        return None
    label = Kind(kind).label
    return _("Default %(kind)s") % {"kind": label} if prefix == "default" else str(label)


def _company_data(data: dict) -> dict:
    """Accept roles as a list of role names (forms, API) as well as the stored bit set."""
    roles = data.get("roles")
    if roles is not None and not isinstance(roles, int):
        unknown = [role for role in roles if role not in CompanyRole.values]
        if unknown:
            raise ValidationError({"roles": _("Unknown role: %(role)s") % {"role": unknown[0]}})
        data = {**data, "roles": CompanyRole.to_mask(roles)}
    return data


def _company_snapshot(company: Company) -> dict:
    values = snapshot(company, COMPANY_FIELDS)
    values["roles"] = sorted(str(label) for label in company.role_labels)
    return values


def _lock_company(company: Company) -> None:
    """Serialise address-link changes of one company, so two requests at once
    cannot both decide which link is the default (PostgreSQL; SQLite's writes
    are serial anyway)."""
    Company.objects.select_for_update().filter(pk=company.pk).first()


def _refresh_company(company: Company) -> None:
    company.refresh_derived()
    Company.objects.filter(pk=company.pk).update(
        country=company.country,
        postal_code=company.postal_code,
        city=company.city,
        sort_name=company.sort_name,
        search_text=company.search_text,
    )


# --- companies ---------------------------------------------------------------------------


@transaction.atomic
def company_create(*, data: dict, address: dict, by) -> Company:
    """Create a company together with its (mandatory) contact address."""
    company = Company(created_by=by if by and by.is_authenticated else None)
    many = _assign(company, _company_data(data), COMPANY_FIELDS)
    contact = Address()
    _assign(contact, address, ADDRESS_FIELDS)
    errors = {}
    for obj in (company, contact):
        try:
            _validate(obj)
        except ValidationError as error:
            errors.update(error.message_dict)
    if not errors:
        try:
            _phones(company, ["phone", "fax"], str(contact.country.code))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    contact.save()
    company.refresh_derived(contact_address=contact, people_text="")
    company.save()
    for name, values in many.items():
        getattr(company, name).set(values)
    CompanyAddress.objects.create(company=company, address=contact, kind=Kind.CONTACT)
    after = _company_snapshot(company)
    record_change(
        obj=company,
        action=Action.CREATE,
        user=by,
        company=company,
        changes={k: [None, v] for k, v in after.items() if v not in (None, "", [], 0)},
    )
    return company


@transaction.atomic
def company_update(*, company: Company, data: dict, expected_version: int | None, by) -> Company:
    """Change a company's fields; refuses with ``EditConflict`` if it changed meanwhile."""
    company = lock_for_update(Company, company.pk, expected_version)
    before = _company_snapshot(company)
    many = _assign(company, _company_data(data), COMPANY_FIELDS)
    _validate(company)
    _phones(company, ["phone", "fax"], company.country)
    company.version += 1
    company.updated_at = timezone.now()
    company.refresh_derived()
    company.save()
    for name, values in many.items():
        getattr(company, name).set(values)
    changes = diff(before, _company_snapshot(company))
    if changes:
        record_change(obj=company, action=Action.UPDATE, user=by, company=company, changes=changes)
    return company


@transaction.atomic
def company_archive(*, company: Company, by) -> Company:
    company = lock_for_update(Company, company.pk, None)
    if company.archived_at is None:
        company.archived_at = timezone.now()
        company.version += 1
        company.save(update_fields=["archived_at", "version"])
        record_change(obj=company, action=Action.ARCHIVE, user=by, company=company)
    return company


@transaction.atomic
def company_restore(*, company: Company, by) -> Company:
    company = lock_for_update(Company, company.pk, None)
    if company.archived_at is not None:
        company.archived_at = None
        company.version += 1
        company.save(update_fields=["archived_at", "version"])
        record_change(obj=company, action=Action.RESTORE, user=by, company=company)
    return company


# --- addresses ---------------------------------------------------------------------------


@transaction.atomic
def address_update(*, address: Address, data: dict, expected_version: int | None, by) -> Address:
    """Change an address record; every company using it as contact address follows."""
    address = lock_for_update(Address, address.pk, expected_version)
    before = snapshot(address, ADDRESS_FIELDS)
    _assign(address, data, ADDRESS_FIELDS)
    _validate(address)
    address.version += 1
    address.updated_at = timezone.now()
    address.save()
    changes = diff(before, snapshot(address, ADDRESS_FIELDS))
    companies = Company.objects.filter(address_links__address=address).distinct()
    for company in companies:
        if changes:
            record_change(
                obj=address, action=Action.UPDATE, user=by, company=company, changes=changes
            )
        _refresh_company(company)
    return address


@transaction.atomic
def company_address_add(
    *,
    company: Company,
    kind: str,
    address: dict | Address,
    is_default: bool = False,
    label: str = "",
    person: Person | None = None,
    by,
) -> CompanyAddress:
    """Link a new (or an existing, shared) address to a company in the given role.

    The first delivery or billing address becomes the default by itself; a new
    default takes the flag from the old one in the same transaction.
    """
    if kind == Kind.CONTACT:
        raise ValidationError(
            {"kind": _("A company has exactly one contact address; change it instead.")}
        )
    _lock_company(company)
    if kind == Kind.EMPLOYEE and person is None:
        raise ValidationError({"person": _("An employee address belongs to a person.")})
    if person is not None and person.company_id != company.pk:
        raise ValidationError({"person": _("This person does not work at this company.")})
    if kind not in (Kind.DELIVERY, Kind.BILLING):
        is_default = False
    elif not company.address_links.filter(kind=kind).exists():
        is_default = True
    target = address if isinstance(address, Address) else _new_address(address)
    if company.address_links.filter(kind=kind, address=target).exists():
        raise ValidationError(_("This address is already linked in this role."))
    if is_default:
        company.address_links.filter(kind=kind, is_default=True).update(is_default=False)
    link = CompanyAddress.objects.create(
        company=company,
        address=target,
        kind=kind,
        is_default=is_default,
        label=label,
        person=person if kind == Kind.EMPLOYEE else None,
    )
    record_change(
        obj=company,
        action=Action.UPDATE,
        user=by,
        company=company,
        changes={address_change_key(kind): [None, str(target)]},
    )
    return link


@transaction.atomic
def company_address_set_default(*, link: CompanyAddress, by) -> CompanyAddress:
    """Make ``link`` the default of its kind; the old default loses the flag atomically."""
    if link.kind not in (Kind.DELIVERY, Kind.BILLING):
        raise ValidationError(_("Only delivery and billing addresses have a default."))
    _lock_company(link.company)
    link = CompanyAddress.objects.select_for_update().get(pk=link.pk)
    if link.is_default:
        return link
    siblings = CompanyAddress.objects.filter(company=link.company_id, kind=link.kind)
    old = siblings.filter(is_default=True).select_related("address").first()
    siblings.filter(is_default=True).update(is_default=False)
    link.is_default = True
    link.save(update_fields=["is_default"])
    record_change(
        obj=link.company,
        action=Action.UPDATE,
        user=by,
        company=link.company,
        changes={
            address_change_key(link.kind, default=True): [
                str(old.address) if old else None,
                str(link.address),
            ]
        },
    )
    return link


@transaction.atomic
def company_address_remove(*, link: CompanyAddress, by) -> None:
    """Unlink an address; removing the default promotes the next one of its kind."""
    if link.kind == Kind.CONTACT:
        raise ValidationError(_("The contact address cannot be removed; change it instead."))
    company = link.company
    _lock_company(company)
    was_default = link.is_default
    address = link.address
    link.delete()
    if was_default:
        successor = company.address_links.filter(kind=link.kind).order_by("id").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
    record_change(
        obj=company,
        action=Action.UPDATE,
        user=by,
        company=company,
        changes={address_change_key(link.kind): [str(address), None]},
    )
    if not address.company_links.exists():
        address.delete()


@transaction.atomic
def company_set_contact_address(*, company: Company, address: Address, by) -> CompanyAddress:
    """Make an existing address the contact address (e.g. a move to a shared office)."""
    link = company.address_links.select_for_update().get(kind=Kind.CONTACT)
    old = link.address
    if old.pk == address.pk:
        return link
    link.address = address
    link.save(update_fields=["address"])
    record_change(
        obj=company,
        action=Action.UPDATE,
        user=by,
        company=company,
        changes={address_change_key(Kind.CONTACT): [str(old), str(address)]},
    )
    _refresh_company(company)
    if not old.company_links.exists():
        old.delete()
    return link


# --- people ------------------------------------------------------------------------------


@transaction.atomic
def person_create(*, company: Company, data: dict, by) -> Person:
    person = Person(company=company)
    many = _assign(person, data, PERSON_FIELDS)
    person.refresh_derived()
    _validate(person)
    _phones(person, ["phone", "mobile", "fax"], company.country)
    person.save()
    for name, values in many.items():
        getattr(person, name).set(values)
    after = snapshot(person, PERSON_FIELDS)
    record_change(
        obj=person,
        action=Action.CREATE,
        user=by,
        company=company,
        changes={k: [None, v] for k, v in after.items() if v not in (None, "", [], False)},
    )
    _refresh_company(company)
    return person


@transaction.atomic
def person_update(*, person: Person, data: dict, expected_version: int | None, by) -> Person:
    person = lock_for_update(Person, person.pk, expected_version)
    before = snapshot(person, PERSON_FIELDS)
    many = _assign(person, data, PERSON_FIELDS)
    person.refresh_derived()
    _validate(person)
    _phones(person, ["phone", "mobile", "fax"], person.company.country)
    person.version += 1
    person.updated_at = timezone.now()
    person.save()
    for name, values in many.items():
        getattr(person, name).set(values)
    changes = diff(before, snapshot(person, PERSON_FIELDS))
    if changes:
        record_change(
            obj=person, action=Action.UPDATE, user=by, company=person.company, changes=changes
        )
    _refresh_company(person.company)
    return person


@transaction.atomic
def person_move(*, person: Person, to_company: Company, by) -> Person:
    """Move a person to another company; their own address goes with them."""
    person = lock_for_update(Person, person.pk, None)
    source = person.company
    if source.pk == to_company.pk:
        return person
    # Read again, locked: the caller's copy may be older than an archiving.
    to_company = Company.objects.select_for_update().get(pk=to_company.pk)
    if to_company.archived_at is not None:
        raise ValidationError({"company": _("This company does not exist or is archived.")})
    person.company = to_company
    person.version += 1
    person.save(update_fields=["company", "version"])
    person.address_links.update(company=to_company)
    changes = {str(Person._meta.get_field("company").verbose_name): [str(source), str(to_company)]}
    for company in (source, to_company):
        record_change(obj=person, action=Action.MOVE, user=by, company=company, changes=changes)
        _refresh_company(company)
    return person


@transaction.atomic
def person_set_address(*, person: Person, address: dict | None, by) -> CompanyAddress | None:
    """Give a person their own address (or remove it with ``address=None``)."""
    link = person.own_address_link()
    if address is None:
        if link is not None:
            company_address_remove(link=link, by=by)
        return None
    if link is None:
        return company_address_add(
            company=person.company, kind=Kind.EMPLOYEE, address=address, person=person, by=by
        )
    address_update(address=link.address, data=address, expected_version=None, by=by)
    link.refresh_from_db()
    return link


def _person_set_archived(person: Person, archived: bool, by) -> Person:
    person = lock_for_update(Person, person.pk, None)
    if (person.archived_at is not None) != archived:
        person.archived_at = timezone.now() if archived else None
        person.version += 1
        person.save(update_fields=["archived_at", "version"])
        action = Action.ARCHIVE if archived else Action.RESTORE
        record_change(obj=person, action=action, user=by, company=person.company)
        _refresh_company(person.company)
    return person


@transaction.atomic
def person_archive(*, person: Person, by) -> Person:
    return _person_set_archived(person, True, by)


@transaction.atomic
def person_restore(*, person: Person, by) -> Person:
    return _person_set_archived(person, False, by)
