"""Tabular output: CSV for German Excel, XLSX with real types, PDF for printing."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pypdf
import pytest
from django import forms
from django.utils import timezone, translation

from merkur.core import listexport
from merkur.core.listexport import Column, Listing
from merkur.core.pdf_fonts import pdf_fonts

# --- reading a PDF back ------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text of a PDF, read back with pypdf."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


def listing(rows, **kwargs) -> Listing:
    columns = [
        Column("Name", lambda r: r["name"], 20),
        Column("Wann", lambda r: r["when"], 14),
        Column("Betrag", lambda r: r["amount"], 10),
        Column("Anzahl", lambda r: r["count"], 8),
    ]
    defaults = {
        "title": "Kontakte",
        "columns": columns,
        "rows": rows,
        "filename": "kontakte",
        "description": ["Land: Deutschland", "PLZ beginnt mit: 66"],
        "now": timezone.make_aware(datetime.datetime(2026, 11, 29, 14, 3)),
    }
    defaults.update(kwargs)
    return Listing(**defaults)


WHEN = timezone.make_aware(datetime.datetime(2026, 11, 29, 9, 30))
ROWS = [
    {"name": "Müller & Söhne – Straße", "when": WHEN, "amount": Decimal("12.50"), "count": 3},
    {"name": '=HYPERLINK("http://evil","klick")', "when": None, "amount": None, "count": 0},
    {"name": "+41 44 123 45 67", "when": WHEN.date(), "amount": 1.5, "count": -2},
]


def content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.getvalue()


# --- CSV ---------------------------------------------------------------------------------


def test_csv_is_excel_friendly_and_neutralises_formulas():
    response = listexport.respond(listing(ROWS), "csv")
    data = content(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="kontakte-2026-11-29.csv"' in response["Content-Disposition"]
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Name", "Wann", "Betrag", "Anzahl"]
    assert rows[1] == ["Müller & Söhne – Straße", "29.11.2026 09:30", "12,50", "3"]
    assert rows[2][0] == '\'=HYPERLINK("http://evil","klick")'
    assert rows[3][0] == "'+41 44 123 45 67"
    assert rows[3][3] == "-2"  # numbers are numbers, not formulas
    assert len(rows) == 4


def test_csv_quotes_separators_and_line_breaks():
    rows = [{"name": 'A; "B"\nC', "when": None, "amount": None, "count": 1}]
    data = content(listexport.respond(listing(rows), "csv")).decode("utf-8-sig")
    parsed = list(csv.reader(io.StringIO(data, newline=""), delimiter=";"))
    assert parsed[1][0] == 'A; "B"\nC'


def test_csv_streams_a_generator_without_reading_it_first():
    seen = []

    def rows():
        for i in range(5000):
            seen.append(i)
            yield {"name": f"n{i}", "when": None, "amount": None, "count": i}

    response = listexport.respond(listing(rows()), "csv")
    assert response.streaming
    assert seen == []  # nothing read before the response is consumed
    chunks = iter(response.streaming_content)
    next(chunks), next(chunks), next(chunks)
    assert len(seen) < 5000
    assert sum(1 for _ in chunks) == 5000 - 1


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise(text):
    assert listexport.neutralise(text) == "'" + text
    assert listexport.neutralise("a" + text) == "a" + text


# --- XLSX --------------------------------------------------------------------------------


def test_xlsx_has_types_bold_header_and_no_formulas():
    response = listexport.respond(listing(ROWS), "xlsx")
    assert 'filename="kontakte-2026-11-29.xlsx"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(content(response)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Name", "Wann", "Betrag", "Anzahl")
    assert sheet["A1"].font.b
    assert rows[1][0] == "Müller & Söhne – Straße"
    assert rows[1][1] == datetime.datetime(2026, 11, 29, 9, 30)  # local, naive
    assert rows[1][2] == 12.5
    assert rows[1][3] == 3
    # A text cell, shown as written and never evaluated; phone numbers keep their "+".
    assert rows[2][0] == '=HYPERLINK("http://evil","klick")'
    assert sheet["A3"].data_type == "s"
    assert rows[3][0] == "+41 44 123 45 67" and sheet["A4"].data_type == "s"
    assert rows[3][1] in (datetime.date(2026, 11, 29), datetime.datetime(2026, 11, 29))
    assert rows[3][3] == -2
    assert sheet.column_dimensions["A"].width == 20


def test_xlsx_drops_control_characters_instead_of_failing():
    rows = [{"name": "a\x00b\x07c", "when": None, "amount": None, "count": 1}]
    book = openpyxl.load_workbook(io.BytesIO(content(listexport.respond(listing(rows), "xlsx"))))
    assert book.active["A2"].value == "abc"


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_has_title_filter_rows_and_page_numbers():
    rows = [
        {"name": f"Zeile {i} Müller €", "when": WHEN, "amount": None, "count": i}
        for i in range(200)
    ]
    response = listexport.respond(listing(rows), "pdf")
    assert response["Content-Type"] == "application/pdf"
    data = content(response)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    pages = pdf_pages(data)
    assert pages > 1
    assert "Kontakte" in text
    assert "Land: Deutschland · PLZ beginnt mit: 66" in text
    assert "29.11.2026 14:03" in text
    assert "Zeile 0 Müller €" in text
    assert "Zeile 199 Müller €" in text
    assert f"1 of {pages}" in text or f"1 von {pages}" in text
    assert f"{pages} of {pages}" in text or f"{pages} von {pages}" in text


def test_pdf_stops_at_the_limit_with_a_note():
    rows = [{"name": f"R{i}", "when": None, "amount": None, "count": i} for i in range(30)]
    target = io.BytesIO()
    listexport.write_pdf(listing(rows), target, limit=10)
    text = pdf_text(target.getvalue())
    assert "10" in text and "30" in text
    assert "R9" in text
    assert "R10" not in text.split()


def test_pdf_escapes_markup_in_cells():
    rows = [{"name": "<b>fett</b> & <unclosed", "when": None, "amount": None, "count": 1}]
    target = io.BytesIO()
    listexport.write_pdf(listing(rows), target)
    assert "<b>fett</b> & <unclosed" in pdf_text(target.getvalue())


# --- describing a filter -----------------------------------------------------------------


class _Form(forms.Form):
    q = forms.CharField(label="Suche", required=False)
    country = forms.ChoiceField(
        label="Land", choices=[("", "Alle"), ("DE", "Deutschland")], required=False
    )
    day = forms.DateField(label="Ab", required=False)
    sort = forms.CharField(required=False)
    count = forms.IntegerField(label="Zahl", required=False)


def test_describe_form_names_only_valid_non_empty_fields():
    form = _Form(
        {"q": "Müller", "country": "DE", "day": "2026-11-29", "sort": "name", "count": "x"}
    )
    assert listexport.describe_form(form) == [
        "Suche: Müller",
        "Land: Deutschland",
        "Ab: 29.11.2026",
    ]


def test_pdf_survives_huge_cells_and_characters_beyond_latin1():
    long_text = "Wort " * 20000 + "X" * 3000
    rows = [{"name": long_text, "when": None, "amount": None, "count": 1}]
    rows.append(
        {"name": "Łódź Ελλάδα 中文 “quoted” – ok", "when": None, "amount": None, "count": 2}
    )
    target = io.BytesIO()
    listexport.write_pdf(listing(rows), target)
    text = pdf_text(target.getvalue())
    assert "Wort Wort" in text and "…" in text
    assert "ok" in text


def test_wrap_cell_breaks_at_the_column_width():
    measure = listexport._measure(pdf_fonts(condensed=True).regular)
    lines = listexport.wrap_cell("eins zwei drei vier " * 10, 60, measure).split("\n")
    assert len(lines) > 5
    assert all(measure(line) <= 60 for line in lines)
    assert listexport.wrap_cell("A" * 200, 30, measure).count("\n") > 3


def test_xlsx_says_when_a_worksheet_cannot_hold_all_rows(monkeypatch):
    monkeypatch.setattr(listexport, "XLSX_ROW_LIMIT", 3)
    rows = [{"name": f"N{n}", "when": None, "amount": None, "count": n} for n in range(5)]
    book = openpyxl.load_workbook(io.BytesIO(content(listexport.respond(listing(rows), "xlsx"))))
    values = [row[0] for row in book.active.iter_rows(values_only=True)]
    assert values[:3] == ["Name", "N0", "N1"]
    assert len(values) == 4 and "CSV" in values[3]
