"""Spreadsheet formula injection: cells starting with = + - @ tab CR never run as formulas."""

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.factories import make_company

pytestmark = pytest.mark.django_db

ATTACKS = [
    '=HYPERLINK("http://evil.example","klick")',
    "+49 30 1234",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def hostile(db):
    for number, name in enumerate(ATTACKS, start=1):
        make_company(name=f"Firma {number}", name2=name, number=f"K-{number}")


def test_csv_prefixes_an_apostrophe(hostile, export_bytes):
    data = export_bytes(format="csv", columns=["company.number", "company.name2"], sort="number")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[1] for row in rows[1:]] == ["'" + attack for attack in ATTACKS]


def test_csv_numbers_are_not_touched(world, export_bytes):
    from merkur.attributes import services as attribute_services
    from merkur.attributes.models import AttributeDefinition

    budget = AttributeDefinition.objects.get(code="budget")
    attribute_services.value_set(
        definition=budget,
        record=world["mueller"],
        value=-5,
        valid_from=budget.created_at.date(),
        by=None,
    )
    data = export_bytes(format="csv", columns=["company.attr.budget"], sort="number")
    assert data.decode("utf-8-sig").splitlines()[1] == "-5"


def test_csv_protection_can_be_turned_off_for_other_programs(hostile, export_bytes):
    data = export_bytes(
        format="csv", columns=["company.name2"], sort="number", formula_protection=False
    )
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ATTACKS


def test_xlsx_writes_text_cells_with_quote_prefix(hostile, export_bytes):
    data = export_bytes(format="xlsx", columns=["company.number", "company.name2"], sort="number")
    sheet = load_workbook(io.BytesIO(data)).active
    for row, attack in enumerate(ATTACKS, start=2):
        cell = sheet.cell(row=row, column=2)
        assert cell.value == attack.replace("\r", "\n") or cell.value == attack
        assert cell.data_type == "s"  # never "f" (formula)
        assert cell.quotePrefix
    assert not sheet["A2"].quotePrefix  # harmless text carries no prefix


def test_xlsx_lists_are_protected_too(world, export_bytes):
    from merkur.companies.models import Industry

    world["mueller"].industries.add(Industry.objects.create(name="=cmd|' /C calc'!A0"))
    data = export_bytes(format="xlsx", columns=["company.industries"], sort="number")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].value.startswith("=cmd") and sheet["A2"].quotePrefix
