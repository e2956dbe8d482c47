"""Fixtures of the export tests: a small world of companies, people, addresses and attributes,
and ``run_export`` to get an export's bytes the way a download gets them."""

import datetime
import io
from decimal import Decimal

import pytest

from merkur.attributes import services as attribute_services
from merkur.companies import services
from merkur.companies.models import Function, Industry, Salutation, Title
from merkur.transfer.export import runner
from tests.factories import make_attribute, make_company, make_person

DAY = datetime.date(2024, 6, 30)


@pytest.fixture
def world(db, admin_user):
    software = Industry.objects.create(name="Datenbanksoftware")
    machines = Industry.objects.create(name="Maschinenbau")
    buyer = Function.objects.create(name="Einkäufer")
    boss = Function.objects.create(name="Geschäftsführer")
    frau = Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")
    doctor = Title.objects.create(name="Dr.")
    mueller = make_company(
        name="Müller & Söhne GmbH",
        number="K-100",
        employees=120,
        email="info@mueller.example",
        website="https://mueller.example",
        address={"street": "Hauptstraße 12", "postal_code": "66111", "city": "Saarbrücken"},
    )
    mueller.industries.add(software, machines)
    services.company_address_add(
        company=mueller,
        kind="billing",
        address={"street": "Postweg 1", "postal_code": "66113", "city": "Saarbrücken"},
        by=admin_user,
    )
    wien = make_company(
        name="Wiener Werkstätten AG",
        number="K-200",
        address={"street": "Ring 1", "postal_code": "1010", "city": "Wien", "country": "AT"},
    )
    wien.industries.add(machines)
    erika = make_person(
        mueller,
        first_name="Erika",
        last_name="Mustermann",
        email="erika@mueller.example",
        salutation=frau,
        title=doctor,
        functions=[buyer],
        department="Einkauf",
        mobile="+49 171 1234567",
    )
    hans = make_person(wien, first_name="Hans", last_name="Huber", functions=[boss])
    services.person_set_address(
        person=hans,
        address={"street": "Gasse 5", "postal_code": "1020", "city": "Wien", "country": "AT"},
        by=admin_user,
    )
    licences = make_attribute("lizenzen", "integer", label_en="Licences")
    colour = make_attribute(
        "farbe", "multi_choice", multi_valued=True, choices=["Rot", "Blau"], label_en="Colour"
    )
    budget = make_attribute("budget", "decimal", unit="EUR")
    newsletter = make_attribute(
        "newsletter", "boolean", for_companies=False, for_people=True, label_en="Newsletter"
    )
    attribute_services.value_set(
        definition=licences,
        record=mueller,
        value=5,
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2023, 12, 31),
        by=admin_user,
    )
    attribute_services.value_set(
        definition=licences,
        record=mueller,
        value=8,
        valid_from=datetime.date(2024, 1, 1),
        by=admin_user,
    )
    attribute_services.value_set(
        definition=colour,
        record=mueller,
        value=["Rot", "Blau"],
        valid_from=datetime.date(2020, 1, 1),
        by=admin_user,
    )
    attribute_services.value_set(
        definition=budget,
        record=wien,
        value=Decimal("1234.5"),
        valid_from=datetime.date(2020, 1, 1),
        by=admin_user,
    )
    attribute_services.value_set(
        definition=newsletter,
        record=erika,
        value=True,
        valid_from=datetime.date(2020, 1, 1),
        by=admin_user,
    )
    return {
        "mueller": mueller,
        "wien": wien,
        "erika": erika,
        "hans": hans,
        "licences": licences,
    }


def run_export(user, *, source="companies", params=None, **options) -> bytes:
    """The export's bytes: streamed where the format streams, else the saved file."""
    export = runner.prepare(source=source, params=params or {}, options=options, user=user)
    if export.writer.streams:
        return b"".join(export.primed())
    target = io.BytesIO()
    export.writer.save(export.rows(), target)
    return target.getvalue()


@pytest.fixture
def export_bytes(admin_user):
    def _run(**kwargs) -> bytes:
        return run_export(admin_user, **kwargs)

    return _run
