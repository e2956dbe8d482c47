"""Export → import gives the same data (issue 8).

Companies with people and contact addresses are exported with the address
export (people list: one row per person, the company's columns repeated),
deleted, and the file is imported again with the address import — with the
mapping the import suggests from the export's own headings, nothing mapped by
hand. The imported companies, people and addresses must equal the originals
field by field.
"""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from merkur.addresses.models import Address
from merkur.companies.demo import catalog as demo
from merkur.companies.models import Company, CompanyRole, Person
from merkur.transfer.columns import Mapping, suggest_mapping
from merkur.transfer.export import runner
from merkur.transfer.importing import ImportOptions, run_import
from merkur.transfer.importing.prepare import detect, header_of, mapping_for
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db

COLUMNS = [
    "company.number", "company.name", "company.name2", "company.phone", "company.email",
    "company.website", "company.vat_id", "company.employees",
    "person.salutation", "person.title", "person.first_name", "person.last_name",
    "person.functions", "person.department", "person.email", "person.phone", "person.mobile",
    "address.street", "address.street2", "address.po_box", "address.postal_code",
    "address.city", "address.region", "address.country",
]  # fmt: skip

COMPANY_FIELDS = ("number", "name", "name2", "phone", "email", "website", "vat_id", "employees")
PERSON_FIELDS = ("first_name", "last_name", "department", "email", "phone", "mobile")
ADDRESS_FIELDS = ("street", "street2", "po_box", "postal_code", "city", "region", "country")


@pytest.fixture
def originals(db):
    master = demo.seed_master_data()
    herr, frau = master.salutations["Herr"], master.salutations["Frau"]
    functions = master.functions
    customer = [CompanyRole.CUSTOMER]

    mueller = make_company(
        name="Müller & Söhne GmbH",
        name2="Großhandel für Bürobedarf",
        number="K-1001",
        roles=customer,
        phone="+49 681 123456",
        email="info@mueller-soehne.example",
        website="https://mueller-soehne.example",
        vat_id="DE123456789",
        employees=1250,
        address={
            "street": "Schloßstraße 12",
            "street2": "Hinterhaus, 2. OG",
            "postal_code": "66111",
            "city": "Saarbrücken",
            "region": "Saarland",
            "country": "DE",
        },
    )
    make_person(
        mueller,
        salutation=frau,
        title=master.titles["Dr."],
        first_name="Jörg-Änne",
        last_name="Weiß",
        functions=[functions["Einkäufer"]],
        department="Einkauf & Logistik",
        email="weiss@mueller-soehne.example",
        phone="+49 681 1234567",
        mobile="+49 171 2345678",
    )
    make_person(
        mueller,
        salutation=herr,
        first_name="Björn",
        last_name="Größer",
        functions=[functions["Geschäftsführer"]],
        email="groesser@mueller-soehne.example",
    )
    zuerich = make_company(
        name="Zürcher Präzisions AG",
        roles=customer,
        phone="+41 44 668 18 00",
        address={
            "street": "Bahnhofstrasse 7",
            "po_box": "Postfach 1234",
            "postal_code": "8001",
            "city": "Zürich",
            "country": "CH",
        },
    )
    make_person(
        zuerich,
        salutation=herr,
        title=master.titles["Prof. Dr."],
        first_name="Urs",
        last_name="Bächli",
        phone="+41 44 668 18 01",
    )
    wien = make_company(
        # Exported as "'@home …" so that a spreadsheet does not run it as a formula.
        name="@home Wiener Süßwaren Ges.m.b.H.",
        number="A-77",
        roles=customer,
        address={
            "street": "Mariahilfer Straße 99",
            "postal_code": "1060",
            "city": "Wien",
            "country": "AT",
        },
    )
    make_person(
        wien,
        salutation=frau,
        title=master.titles["Mag."],
        first_name="Ößtraud",
        last_name="Hüttenbrenner",
        functions=[functions["Vertriebsleiter"]],
        mobile="+43 664 1234567",
        email="o.huettenbrenner@suesswaren.example",
    )
    return snapshot()


def snapshot() -> dict:
    """Every company (by name) with its contact address and people, as plain values."""
    companies = {}
    for company in Company.objects.order_by("name"):
        contact = company.contact_link().address
        people = []
        for person in Person.objects.filter(company=company).order_by("last_name"):
            people.append(
                {
                    **{name: getattr(person, name) for name in PERSON_FIELDS},
                    "salutation": person.salutation.name if person.salutation else None,
                    "title": person.title.name if person.title else None,
                    "functions": sorted(f.name for f in person.functions.all()),
                }
            )
        companies[company.name] = {
            **{name: getattr(company, name) for name in COMPANY_FIELDS},
            "roles": company.role_list,
            "address": {name: str(getattr(contact, name)) for name in ADDRESS_FIELDS},
            "people": people,
        }
    return companies


def export_file(user, path: Path, *, encoding: str, header: str = "de") -> None:
    export = runner.prepare(
        source="people",
        params={},
        options={
            "format": "csv",
            "columns": COLUMNS,
            "encoding": encoding,
            "separator": ";",
            "header": header,
        },
        user=user,
    )
    export.save(path)


def forget_everything() -> None:
    Person.objects.all().delete()
    Company.objects.all().delete()
    Address.objects.all().delete()
    assert not Person.objects.exists()


def suggested(path: Path) -> dict[int, str]:
    detection = detect(path)
    return suggest_mapping(header_of(path, detection))


@pytest.mark.parametrize(
    ("encoding", "header"),
    [("utf-8-sig", "de"), ("windows-1252", "de"), ("utf-8-sig", "en")],
)
def test_export_then_import_gives_the_same_companies_people_and_addresses(
    originals, admin_user, tmp_path, encoding, header
):
    path = tmp_path / "adressen.csv"
    export_file(admin_user, path, encoding=encoding, header=header)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    if encoding == "windows-1252":
        assert "Müller & Söhne".encode("cp1252") in raw
    assert b"'@home Wiener" in raw  # the export's formula protection, undone by the import

    # Every exported heading is recognised: no hand-made mapping.
    assert set(suggested(path).values()) == set(COLUMNS)

    forget_everything()
    detection = detect(path)
    options = ImportOptions(
        detection=detection,
        mapping=mapping_for(header_of(path, detection), None),
        # Rows of one company's further people join the company of its first row.
        decisions={"file": "update"},
        roles=(CompanyRole.CUSTOMER,),
    )
    result = run_import(path, options, dry_run=False, user=admin_user)

    assert [row.reason() for row in result.bad] == []
    assert not result.failure
    assert (result.companies_created, result.people_created) == (3, 4)
    assert snapshot() == originals


def test_the_command_line_round_trip_in_windows_1252(originals, tmp_path):
    path = tmp_path / "adressen.csv"
    call_command(
        "export_addresses",
        "--source",
        "people",
        "--columns",
        ",".join(COLUMNS),
        "--encoding",
        "windows-1252",
        "--output",
        str(path),
        stderr=io.StringIO(),
    )
    assert "Weiß".encode("cp1252") in path.read_bytes()

    forget_everything()
    out = io.StringIO()
    call_command(
        "import_addresses",
        str(path),
        "--decide",
        "file=update",
        "--role",
        "customer",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "Windows-1252" in out.getvalue()
    assert "4 rows: 3 new companies, 1 people added to them" in out.getvalue()
    assert "0 refused" in out.getvalue()
    assert snapshot() == originals


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("'@home GmbH", "@home GmbH"),
        ("'=HYPERLINK(1)", "=HYPERLINK(1)"),
        ("'+49 30 1234567", "+49 30 1234567"),
        ("'-5", "-5"),
        ("'s Gravenhage", "'s Gravenhage"),  # an apostrophe of the value itself stays
        ("Rock 'n' Roll", "Rock 'n' Roll"),
    ],
)
def test_the_apostrophe_of_formula_protection_is_taken_off(cell, value):
    mapping = Mapping.from_columns(
        {0: "company.name", 1: "address.street", 2: "address.house_number"}
    )
    values = mapping.apply([f"  {cell} ", cell, "7"])
    assert values["company.name"] == value  # a column copied as it is
    assert values["address.street"] == f"{value} 7"  # columns joined
