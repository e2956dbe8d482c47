"""PDF letters, labels, the data source (CSV/XLSX) and the merge fields."""

import csv
import io
import re

import openpyxl
import pytest
from django.utils import translation
from pypdf import PdfReader

from merkur.core.templating import TemplateProblem
from merkur.mailings import fields
from merkur.mailings.documents.datasource import write_csv, write_xlsx
from merkur.mailings.documents.labels import FORMATS, LabelLayout, write_labels
from merkur.mailings.documents.pdf import PdfLetter
from tests.factories import make_attribute
from tests.mailings.documents.conftest import DAY, firms, merged

pytestmark = pytest.mark.django_db

BODY = "{{ salutation_line }}\n\nwir laden {{ company_name }} ein.\n\nIhr {{ sender_name }}"


def pdf_texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_pdf_letters_one_page_each_with_address_salutation_and_date(world):
    letter = PdfLetter(BODY, subject="Einladung für {{ company_name }}")
    buffer = io.BytesIO()
    assert letter.write(merged(), buffer) == 4
    pages = pdf_texts(buffer.getvalue())
    assert len(pages) == 4
    erika = next(page for page in pages if "Erika" in page)
    for text in ("Müller & Söhne GmbH", "Frau Dr. Erika Muster", "Hauptstraße 1", "10115 Berlin",
                 "Sehr geehrte Frau Dr. Muster,", "Einladung für Müller & Söhne GmbH",
                 "12. März 2026", "Max Vertrieb", "Merkur Demo AG"):  # fmt: skip
        assert text in erika
    assert "FL-9490 VADUZ" in next(page for page in pages if "Vaduz" in page)


def test_a_long_pdf_letter_goes_on_to_a_second_page(world):
    body = "\n\n".join(["{{ salutation_line }} Lorem ipsum dolor sit amet. " * 6] * 30)
    buffer = io.BytesIO()
    PdfLetter(body).render_one(merged()[0], buffer)
    assert len(pdf_texts(buffer.getvalue())) >= 2


def test_pdf_body_html_is_escaped_and_tags_kept_simple(world):
    letter = PdfLetter("<p><b>{{ greeting }}</b></p><script>x</script>", known={"greeting"})
    buffer = io.BytesIO()
    letter.render_one({"greeting": "<i>A & B</i>"}, buffer)
    text = pdf_texts(buffer.getvalue())[0]
    assert "<i>A & B</i>" in text
    assert "x" not in text.split("A & B")[-1]


def test_pdf_unknown_field_names_the_line(world):
    with pytest.raises(TemplateProblem) as problem:
        PdfLetter("Hallo\n\n{{ anrede }}")
    assert "anrede" in str(problem.value) and problem.value.line == 3


def test_pdf_hostile_template_is_refused(world):
    with pytest.raises(TemplateProblem):
        letter = PdfLetter("{{ date.__class__.__subclasses__() }}")
        letter.render_one(merged()[0], io.BytesIO())


def _labels_per_page(data: bytes) -> list[list[tuple[float, float, str]]]:
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        found = []

        def visit(text, cm, tm, font, size, found=found):
            if text.strip():
                found.append((tm[4], tm[5], text.strip()))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def test_labels_start_at_the_chosen_position(world):
    records = merged()
    buffer = io.BytesIO()
    layout = FORMATS["3474"]
    assert write_labels(records * 6, buffer, layout="3474", start=23) == 24
    pages = _labels_per_page(buffer.getvalue())
    assert len(pages) == 2
    names = ("Zürcher Uhren AG", "Grünwald KG", "Müller & Söhne GmbH", "Vaduzer Treuhand Anstalt")
    first_lines = [item for item in pages[0] if item[2] in names]
    assert len(first_lines) == 2  # labels 23 and 24 only
    x23, y23 = layout.position(22)
    assert abs(first_lines[0][0] - (x23 + 4 * 72 / 25.4)) < 1
    assert first_lines[0][1] < y23 + layout.label_height * 72 / 25.4
    assert first_lines[0][1] > y23
    companies = [item for item in pages[1] if item[2].endswith(("AG", "KG", "GmbH", "Anstalt"))]
    assert len(companies) == 22


def test_labels_never_spill_over_and_are_cut_visibly(world):
    block = "\n".join(f"Zeile {number} " + "sehr lang " * 10 for number in range(12))
    buffer = io.BytesIO()
    write_labels([{"address_block": block}] * 2, buffer, layout="L7163")
    pages = _labels_per_page(buffer.getvalue())
    layout = FORMATS["L7163"]
    x, y = layout.position(0)
    top = y + layout.label_height * 72 / 25.4
    first = [item for item in pages[0] if item[0] < x + 100 and item[1] > y]
    assert all(y < item[1] < top for item in first)
    assert any(item[2].endswith("…") for item in first)


def test_a_custom_layout_that_does_not_fit_is_refused():
    with pytest.raises(ValueError):
        LabelLayout.custom(label_width=80, label_height=30, columns=3, rows=8)
    layout = LabelLayout.custom(label_width=60, label_height=30, columns=3, rows=9,
                                margin_top=10, margin_left=10, gap_x=5, gap_y=1)  # fmt: skip
    assert layout.per_sheet == 27
    with pytest.raises(ValueError):
        write_labels([], io.BytesIO(), layout=layout, start=28)


def test_csv_data_source_opens_in_word_as_is(world):
    buffer = io.BytesIO()
    records = merged(free={"termin": "=1+2 Uhr"})
    assert write_csv(records, buffer, free={"termin": "x"}) == 4
    data = buffer.getvalue()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    header = rows[0]
    assert header[:3] == ["Anschrift", "Briefanrede", "Briefanrede ohne Komma"]
    assert header[-1] == "termin"
    erika = next(row for row in rows if "Erika" in row)
    assert erika[1] == "Sehr geehrte Frau Dr. Muster,"
    assert erika[0].split("\n")[-1] == "10115 Berlin"
    assert erika[-1] == "'=1+2 Uhr"  # a formula neutralised


def test_xlsx_data_source(world):
    buffer = io.BytesIO()
    write_xlsx(merged(), buffer, keys=["last_name", "city", "country"], language="en")
    sheet = openpyxl.load_workbook(buffer).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Last name", "City", "Country")
    assert ("Größer", "Wien", "Österreich") in rows
    with pytest.raises(ValueError):
        write_xlsx([], io.BytesIO(), keys=["nope"])


def test_company_rows_get_the_general_salutation_and_attributes_as_of_the_day(world):
    from merkur.attributes import services

    definition = make_attribute("lizenzen", "integer", for_companies=True)
    berlin = world["companies"][0]
    services.value_set(record=berlin, definition=definition, value=12, valid_from=DAY, by=None)
    rows = merged(firms(), keys=["salutation_line", "company_attr_lizenzen"])
    berlin_row = next(row for row in rows if row["company_name"] == berlin.name)
    assert berlin_row["salutation_line"] == "Sehr geehrte Damen und Herren,"
    assert berlin_row["company_attr_lizenzen"] == "12"
    assert all(row["company_attr_lizenzen"] == "" for row in rows if row is not berlin_row)


def test_english_locale(world):
    rows = merged(firms(), locale="en")
    assert rows[0]["salutation_line"] == "Dear Sir or Madam,"
    assert rows[0]["date"] == "March 12, 2026"


def test_free_field_names_are_checked():
    with pytest.raises(ValueError):
        fields.check_free({"first_name": "x"})
    with pytest.raises(ValueError):
        fields.check_free({"zwei wörter": "x"})


def test_the_docs_list_every_field():
    from pathlib import Path

    doc = (Path(__file__).parents[3] / "docs" / "mailings.md").read_text()
    with translation.override("de"):
        for key in fields.FIELDS:
            assert re.search(rf"`{key}`", doc), key
