"""Every format is read back by what reads it in the wild: csv, openpyxl, json, vobject."""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
import vobject
from openpyxl import load_workbook

from merkur.transfer.export.writers.vcards import rfc6868
from tests.transfer.export.conftest import DAY

pytestmark = pytest.mark.django_db

COLUMNS = [
    "company.number",
    "company.name",
    "company.industries",
    "company.employees",
    "address.street",
    "address.postal_code",
    "address.city",
    "address.country",
    "company.attr.lizenzen",
    "company.attr.budget",
    "company.created_at",
]


def read_csv(data: bytes, *, encoding="utf-8-sig", delimiter=";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline=""), delimiter=delimiter))


def test_csv_defaults_are_what_german_excel_opens(world, export_bytes):
    data = export_bytes(format="csv", columns=COLUMNS, as_of=DAY.isoformat())
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = read_csv(data)
    assert rows[0][:3] == ["Kundennummer", "Firma", "Branchen"]
    mueller = next(row for row in rows if row[0] == "K-100")
    assert mueller[1] == "Müller & Söhne GmbH"
    assert mueller[2] == "Datenbanksoftware, Maschinenbau"
    assert mueller[3] == "120"
    assert mueller[4:8] == ["Hauptstraße 12", "66111", "Saarbrücken", "DE"]
    assert mueller[8] == "8"  # the value valid on DAY, not the older 5
    wien = next(row for row in rows if row[0] == "K-200")
    assert wien[9] == "1234,5"  # German decimal comma, no grouping (Excel reads it as a number)
    assert wien[10].count(".") == 2  # 29.11.2026 14:03: a German date


def test_csv_options_separator_quoting_iso_english_lf(world, export_bytes):
    data = export_bytes(
        format="csv",
        columns=COLUMNS,
        separator="tab",
        quoting="all",
        value_format="iso",
        header="en",
        line_ending="lf",
        encoding="utf-8",
        as_of=DAY.isoformat(),
    )
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" not in data
    assert data.startswith(b'"Customer number"\t"Company"')
    rows = read_csv(data, encoding="utf-8", delimiter="\t")
    wien = next(row for row in rows if row[0] == "K-200")
    assert wien[9] == "1234.5"
    datetime.datetime.fromisoformat(wien[10])  # ISO, local time without offset


def test_csv_header_keys_or_none(world, export_bytes):
    keys = export_bytes(format="csv", columns=["company.name", "address.city"], header="keys")
    assert read_csv(keys)[0] == ["company.name", "address.city"]
    bare = export_bytes(format="csv", columns=["company.name"], header="none", sort="number")
    assert read_csv(bare) == [["Müller & Söhne GmbH"], ["Wiener Werkstätten AG"]]


def test_xlsx_cells_are_typed(world, export_bytes):
    data = export_bytes(format="xlsx", columns=COLUMNS, as_of=DAY.isoformat(), sort="number")
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Kundennummer", "Firma")
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    mueller, wien = rows[1], rows[2]
    assert mueller[0] == "K-100"
    assert mueller[3] == 120 and isinstance(mueller[3], int)
    assert mueller[5] == "66111"  # a postal code stays text
    assert mueller[8] == 8
    assert wien[9] == pytest.approx(1234.5)
    assert isinstance(wien[10], datetime.datetime)
    assert sheet.cell(row=3, column=11).number_format == "DD.MM.YYYY HH:MM"


def test_xlsx_dates_of_attributes_are_dates(world, export_bytes, admin_user):
    from merkur.attributes import services as attribute_services
    from tests.factories import make_attribute

    founded = make_attribute("gegruendet", "date")
    attribute_services.value_set(
        definition=founded,
        record=world["mueller"],
        value=datetime.date(1950, 5, 1),
        valid_from=datetime.date(2000, 1, 1),
        by=admin_user,
    )
    data = export_bytes(
        format="xlsx", columns=["company.number", "company.attr.gegruendet"], sort="number"
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["B2"].value == datetime.datetime(1950, 5, 1)
    assert sheet["B2"].is_date
    assert sheet["B3"].value is None


def test_xlsx_continues_on_a_second_sheet_when_one_is_full(world, export_bytes, monkeypatch):
    from merkur.transfer.export.writers import spreadsheet

    monkeypatch.setattr(spreadsheet, "XLSX_ROW_LIMIT", 1)  # one data row per sheet
    data = export_bytes(format="xlsx", columns=["company.number"], sort="number")
    workbook = load_workbook(io.BytesIO(data))
    assert len(workbook.worksheets) == 2
    assert [row[0] for row in workbook.worksheets[0].iter_rows(values_only=True)] == [
        "Kundennummer",
        "K-100",
    ]
    assert [row[0] for row in workbook.worksheets[1].iter_rows(values_only=True)] == [
        "Kundennummer",
        "K-200",
    ]


def test_json_array_and_lines_keep_types(world, export_bytes):
    columns = [
        "company.number",
        "company.employees",
        "company.industries",
        "company.attr.budget",
        "company.archived",
        "company.attr.farbe",
    ]
    array = json.loads(export_bytes(format="json", columns=columns, sort="number"))
    assert array[0] == {
        "company.number": "K-100",
        "company.employees": 120,
        "company.industries": ["Datenbanksoftware", "Maschinenbau"],
        "company.attr.budget": None,
        "company.archived": False,
        "company.attr.farbe": ["Rot", "Blau"],
    }
    assert array[1]["company.attr.budget"] == 1234.5
    lines = export_bytes(format="jsonl", columns=columns, sort="number").decode().splitlines()
    assert [json.loads(line) for line in lines] == array


def test_json_nested_and_empty(world, export_bytes):
    nested = json.loads(
        export_bytes(
            format="json",
            columns=["company.name", "address.city"],
            structure="nested",
            sort="number",
        )
    )
    assert nested[0] == {
        "company": {"name": "Müller & Söhne GmbH"},
        "address": {"city": "Saarbrücken"},
    }
    empty = export_bytes(format="json", params={"q": "nobody-has-this-name"})
    assert json.loads(empty) == []


@pytest.mark.parametrize("fmt", ["vcard3", "vcard4"])
def test_vcards_of_people_parse_back_with_vobject(world, export_bytes, fmt):
    data = export_bytes(source="people", format=fmt, sort="name")
    cards = list(vobject.readComponents(data.decode("utf-8")))
    assert len(cards) == 2
    version = "3.0" if fmt == "vcard3" else "4.0"
    assert all(card.version.value == version for card in cards)
    huber, erika = cards  # sorted by last name: Huber, Mustermann
    assert erika.fn.value == "Dr. Erika Mustermann"
    assert erika.n.value.family == "Mustermann" and erika.n.value.given == "Erika"
    assert erika.n.value.prefix == "Dr."
    assert erika.org.value == ["Müller & Söhne GmbH", "Einkauf"]
    assert erika.title.value == "Einkäufer"
    assert erika.email.value == "erika@mueller.example"
    assert [tel.value for tel in erika.contents["tel"]] == ["+49 171 1234567"]
    assert erika.adr.value.street == "Hauptstraße 12"
    assert erika.adr.value.code == "66111" and erika.adr.value.city == "Saarbrücken"
    assert erika.uid.value.startswith("urn:uuid:")
    # Hans has an own address: his card carries it, not the company's.
    assert huber.adr.value.street == "Gasse 5"
    assert huber.adr.value.country == "Österreich"
    if fmt == "vcard4":
        assert erika.kind.value == "individual"
        assert erika.lang.value == "de"
        assert erika.email.params["TYPE"] == ["work"]
        label = erika.adr.params["LABEL"][0]
        assert "^n" in label and "\n" not in label  # RFC 6868
        assert "label" not in erika.contents
    else:
        assert "INTERNET" in erika.email.params["TYPE"]
        assert erika.label.value.splitlines()[0] == "Müller & Söhne GmbH"


@pytest.mark.parametrize("fmt", ["vcard3", "vcard4"])
def test_vcards_of_companies(world, export_bytes, fmt):
    data = export_bytes(source="companies", format=fmt, sort="number")
    cards = list(vobject.readComponents(data.decode("utf-8")))
    mueller = cards[0]
    assert mueller.fn.value == "Müller & Söhne GmbH"
    assert mueller.org.value == ["Müller & Söhne GmbH"]
    assert mueller.url.value == "https://mueller.example"
    assert mueller.categories.value == ["Datenbanksoftware", "Maschinenbau"]
    if fmt == "vcard4":
        assert mueller.kind.value == "org"
    else:
        assert mueller.x_abshowas.value == "COMPANY"
        assert mueller.n.value.family == ""


def test_vcard_uids_stay_the_same_for_a_record(world, export_bytes):
    first = export_bytes(source="people", format="vcard4")
    again = export_bytes(source="people", format="vcard4")
    uids = [card.uid.value for card in vobject.readComponents(first.decode())]
    assert uids == [card.uid.value for card in vobject.readComponents(again.decode())]
    assert len(set(uids)) == 2


def test_rfc6868_encodes_line_breaks_quotes_and_carets():
    assert rfc6868('A "B"\n^C') == "A ^'B^'^n^^C"


def test_template_fixed_width_for_a_lettershop(world, export_bytes):
    row = (
        "{{ company.number|fixed(6) }}{{ company.name|fixed(12) }}"
        "{{ address.postal_code|fixed(5, 'right', '0') }}{{ address.city|ascii|upper|fixed(10) }}"
    )
    data = export_bytes(
        format="template",
        template_row=row,
        template_header="HEAD {{ export.title }}",
        template_footer="COUNT {{ export.count|string|fixed(5, 'right', '0') }}",
        encoding="windows-1252",
        sort="number",
    )
    lines = data.decode("cp1252").split("\r\n")
    assert lines[0] == "HEAD Firmen"
    assert lines[1] == "K-100 Müller & Söh66111SAARBRUECK"
    assert lines[2] == "K-200 Wiener Werks01010WIEN      "
    assert all(len(line) == 33 for line in lines[1:3])
    assert lines[3] == "COUNT 00002"


def test_template_xml_with_escaping(world, export_bytes):
    from xml.etree import ElementTree

    data = export_bytes(
        source="people",
        format="template",
        template_header='<?xml version="1.0" encoding="UTF-8"?>\n<contacts>',
        template_row=(
            '<contact id="{{ person.id }}">\n'
            "  <name>{{ person.last_name|xml }}</name>\n"
            "  <company>{{ company.name|xml }}</company>\n"
            "  {% for f in person.functions %}<function>{{ f|xml }}</function>{% endfor %}\n"
            "</contact>"
        ),
        template_footer="</contacts>",
        encoding="utf-8",
        line_ending="lf",
        sort="name",
    )
    root = ElementTree.fromstring(data)
    names = [contact.find("name").text for contact in root]
    assert names == ["Huber", "Mustermann"]
    assert root[1].find("company").text == "Müller & Söhne GmbH"
    assert root[1].find("function").text == "Einkäufer"


def test_template_reads_attributes_and_flat_row(world, export_bytes):
    data = export_bytes(
        format="template",
        template_row=(
            "{{ company.number }};{{ company.attr.lizenzen }};"
            '{{ row["company.attr.lizenzen@2021-06-01"] }};'
            "{{ company.attr.budget|number(2, ',', '.') }}"
        ),
        as_of=DAY.isoformat(),
        encoding="utf-8",
        sort="number",
    )
    assert data.decode().splitlines() == ["K-100;8;5;", "K-200;;;1.234,50"]


def test_json_numbers_are_never_rounded():
    from merkur.transfer.export.writers.jsondata import json_value

    assert json_value(Decimal("1234.500000")) == 1234.5
    assert json_value(Decimal("120.000000")) == 120
    assert json_value(Decimal("1234567890.123456")) == "1234567890.123456"  # 16 digits: text
    assert json_value(datetime.date(2024, 12, 31)) == "2024-12-31"
