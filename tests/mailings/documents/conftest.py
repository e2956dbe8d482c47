"""Recipients in Germany, Austria, Switzerland and Liechtenstein, with umlauts."""

import datetime

import pytest
from docx import Document

from merkur.companies.models import Salutation, Title
from merkur.mailings.fields import Sender, merge_rows
from merkur.selections.compiler import compile_definition
from merkur.selections.definition import parse
from merkur.selections.recipients import recipients
from tests.factories import make_company, make_person

DAY = datetime.date(2026, 3, 12)


def people():
    return compile_definition(parse({"version": 1, "target": "people"}))


def firms():
    return compile_definition(parse({"version": 1, "target": "companies"}))


@pytest.fixture
def world(db):
    frau = Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")
    herr = Salutation.objects.create(name="Herr", letter_salutation="Sehr geehrter Herr")
    doctor = Title.objects.create(name="Dr.")
    berlin = make_company(
        name="Müller & Söhne GmbH",
        address={"street": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin"},
    )
    wien = make_company(
        name="Grünwald KG",
        address={"street": "Kärntner Straße 5", "country": "AT", "postal_code": "1010",
                 "city": "Wien"},
    )  # fmt: skip
    zurich = make_company(
        name="Zürcher Uhren AG",
        address={"street": "Bahnhofstrasse 10", "country": "CH", "postal_code": "8001",
                 "city": "Zürich"},
    )  # fmt: skip
    vaduz = make_company(
        name="Vaduzer Treuhand Anstalt",
        address={"street": "Städtle 3", "country": "LI", "postal_code": "9490", "city": "Vaduz"},
    )
    return {
        "erika": make_person(
            berlin, first_name="Erika", last_name="Muster", salutation=frau, title=doctor
        ),
        "joerg": make_person(wien, first_name="Jörg", last_name="Größer", salutation=herr),
        "ueli": make_person(
            zurich, first_name="Ueli", last_name="Bär", salutation=herr,
            letter_salutation="Grüezi Herr Bär", letter_salutation_custom=True,
        ),
        "nobody": make_person(vaduz, first_name="", last_name="Unbekannt"),
        "companies": (berlin, wien, zurich, vaduz),
    }  # fmt: skip


@pytest.fixture
def sender():
    return Sender(name="Max Vertrieb", email="max@example.com", phone="+49 30 123")


def merged(source=None, **options):
    rows = recipients(source if source is not None else people(), sort="name")
    options.setdefault("sender", Sender(name="Max Vertrieb", email="max@example.com"))
    options.setdefault("as_of", DAY)
    return list(merge_rows(rows, **options))


def docx_template(tmp_path, paragraphs, *, header=None, name="vorlage.docx", split=()):
    """A Word template; ``split``: paragraphs whose text is written in several runs (as
    Word does after a spell check) — given as lists of pieces."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    for pieces in split:
        paragraph = document.add_paragraph()
        for index, piece in enumerate(pieces):
            run = paragraph.add_run(piece)
            run.bold = bool(index % 2)
    if header is not None:
        document.sections[0].header.paragraphs[0].text = header
    path = tmp_path / name
    document.save(path)
    return path
