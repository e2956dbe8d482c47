"""Test data built through the services, so tests see what users would produce."""

import itertools

from merkur.companies import services
from merkur.companies.models import Industry

_numbers = itertools.count(1)


def address_data(**overrides) -> dict:
    data = {
        "street": "Hauptstrasse 1",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    data.update(overrides)
    return data


def make_company(*, by=None, address: dict | None = None, **fields):
    data = {"name": f"Firma {next(_numbers)} GmbH", "roles": ["customer"]}
    data.update(fields)
    return services.company_create(data=data, address=address_data(**(address or {})), by=by)


def make_person(company, *, by=None, **fields):
    data = {"first_name": "Erika", "last_name": f"Muster{next(_numbers)}"}
    data.update(fields)
    return services.person_create(company=company, data=data, by=by)


def make_industry(name: str = "Datenbanksoftware") -> Industry:
    return Industry.objects.create(name=name)


def make_attribute(code: str = "lizenzen", type: str = "integer", **fields):
    from merkur.attributes import services as attribute_services

    choices = fields.pop("choices", None)
    data = {"code": code, "label": code.title(), "type": type}
    data.update(fields)
    return attribute_services.definition_create(data=data, choices=choices, by=None)


def contact_master():
    """The standard contact kinds and types (by item name): Telefonat, Akquise, …"""
    from merkur.journal.catalog import seed_contact_master_data

    return seed_contact_master_data()


def make_contact(company, *, by, people=(), kind="Telefonat", type="Akquise", **fields):
    """A contact recorded by ``by``; ``kind``/``type`` are item names of the standard set."""
    from django.utils import timezone

    from merkur.journal import services as journal_services

    kinds, types = contact_master()
    data = {
        "company": company,
        "kind": kinds[kind],
        "type": types[type] if type else None,
        "subject": f"Kontakt {next(_numbers)}",
        "occurred_at": timezone.now(),
    }
    data.update(fields)
    return journal_services.contact_create(data=data, by=by, people=list(people))


def make_absence(user, deputy, *, starts_on, ends_on, by=None, **fields):
    from merkur.journal import services as journal_services

    data = {"user": user, "deputy": deputy, "starts_on": starts_on, "ends_on": ends_on}
    data.update(fields)
    return journal_services.absence_create(data=data, by=by or user)
