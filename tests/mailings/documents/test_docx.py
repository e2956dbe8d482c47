"""DOCX letters: one file with all letters, a ZIP of files, a preview; errors before output."""

import io
import zipfile

import pytest
from docx import Document

from merkur.core.templating import TemplateProblem
from merkur.mailings.documents.docx import DocxLetter
from tests.mailings.documents.conftest import docx_template, merged

pytestmark = pytest.mark.django_db

BODY = ["{{ address_block }}", "{{ salutation_line }}", "wir laden Sie ein. Ihr {{ sender_name }}"]


def texts(document) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


def page_breaks(document) -> int:
    xml = document.element.body.xml
    return xml.count('w:type="page"')


def test_one_docx_with_all_letters_separated_by_page_breaks(world, tmp_path):
    letter = DocxLetter(docx_template(tmp_path, BODY))
    records = merged()
    target = tmp_path / "briefe.docx"
    assert letter.write_combined(records, target) == 4
    document = Document(target)
    assert page_breaks(document) == 3
    body = "\n".join(texts(document))
    # DE: no country line; AT/CH/LI: postal code rules and the country in capitals.
    assert "Müller & Söhne GmbH\nFrau Dr. Erika Muster\nHauptstraße 1\n10115 Berlin" in body
    assert "Grünwald KG\nHerr Jörg Größer\nKärntner Straße 5\n1010 WIEN\nÖSTERREICH" in body
    assert "Zürcher Uhren AG\nHerr Ueli Bär\nBahnhofstrasse 10\nCH-8001 Zürich\nSCHWEIZ" in body
    assert "Unbekannt\nStädtle 3\nFL-9490 VADUZ\nLIECHTENSTEIN" in body
    assert "Sehr geehrte Frau Dr. Muster," in body
    assert "Sehr geehrter Herr Größer," in body
    assert "Grüezi Herr Bär," in body  # the person's own letter salutation wins
    assert "Sehr geehrte Damen und Herren," in body  # no salutation known
    assert body.count("Ihr Max Vertrieb") == 4


def test_the_address_block_is_lines_with_breaks_in_one_paragraph(world, tmp_path):
    letter = DocxLetter(docx_template(tmp_path, BODY))
    target = tmp_path / "one.docx"
    letter.render_one(merged()[2], target)  # Erika in Berlin: four lines
    paragraph = Document(target).paragraphs[0]
    assert paragraph._p.xml.count("<w:br/>") == 3


def test_fields_split_across_runs_by_word_are_joined(world, tmp_path):
    path = docx_template(
        tmp_path, [], split=[["Guten Tag {", "{ first_", "name }}", " aus {{ ci", "ty }}!"]]
    )
    letter = DocxLetter(path)
    assert letter.fields == {"first_name", "city"}
    target = tmp_path / "one.docx"
    letter.render_one(merged()[0], target)
    assert "Guten Tag Ueli aus Zürich!" in texts(Document(target))


def test_conditions_inside_and_around_paragraphs(world, tmp_path):
    path = docx_template(
        tmp_path,
        [
            "{% if title %}Titel: {{ title }}{% else %}ohne Titel{% endif %}",
            "{%p if country_code == “AT” %}",
            "Servus nach Österreich",
            "{%p endif %}",
            "Ende",
        ],
    )
    target = tmp_path / "all.docx"
    DocxLetter(path).write_combined(merged(), target)
    body = texts(Document(target))
    assert body.count("Titel: Dr.") == 1
    assert body.count("ohne Titel") == 3
    assert body.count("Servus nach Österreich") == 1
    assert not any("{%" in text for text in body)


def test_zip_of_one_docx_per_recipient(world, tmp_path):
    letter = DocxLetter(docx_template(tmp_path, BODY))
    target = tmp_path / "briefe.zip"
    assert letter.write_zip(merged(), target) == 4
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        assert len(names) == 4 and all(name.endswith(".docx") for name in names)
        first = Document(io.BytesIO(archive.read(names[0])))
    assert page_breaks(first) == 0
    assert any(text.startswith(("Sehr geehrte", "Grüezi")) for text in texts(first))


def test_a_header_with_fields_gives_a_section_per_letter(world, tmp_path):
    path = docx_template(tmp_path, BODY, header="{{ org_name }} – {{ date }}")
    target = tmp_path / "all.docx"
    DocxLetter(path).write_combined(merged(), target)
    document = Document(target)
    assert len(document.sections) == 4
    assert document.sections[0].header.paragraphs[0].text == "Merkur Demo AG – 12. März 2026"
    assert page_breaks(document) == 0


def test_a_recipient_field_in_the_header_is_refused(world, tmp_path):
    path = docx_template(tmp_path, BODY, header="{{ last_name }}")
    with pytest.raises(TemplateProblem) as problem:
        DocxLetter(path)
    assert "last_name" in str(problem.value)


def test_a_missing_field_names_the_field_and_the_paragraph_before_any_output(world, tmp_path):
    path = docx_template(tmp_path, ["Hallo", "Liebe {{ vorname }},", "{{ salutation_line }}"])
    with pytest.raises(TemplateProblem) as problem:
        DocxLetter(path)
    message = str(problem.value)
    assert "vorname" in message
    assert "2" in message and "Liebe {{ vorname }}," in message


def test_a_syntax_error_names_the_paragraph(world, tmp_path):
    path = docx_template(tmp_path, ["Hallo", "{% if title %}kein Ende"])
    with pytest.raises(TemplateProblem) as problem:
        DocxLetter(path)
    assert "2" in str(problem.value)


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ salutation_line.__class__.__mro__ }}",
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "{% for i in range(10**9) %}x{% endfor %}",
        "{% include '/etc/passwd' %}",
        "{{ 'x' * 10**9 }}",
    ],
)
def test_a_hostile_template_is_refused(world, tmp_path, hostile):
    path = docx_template(tmp_path, [hostile])
    with pytest.raises(TemplateProblem):
        letter = DocxLetter(path)
        letter.render_one(merged()[0], io.BytesIO())


def test_values_are_xml_escaped(world, tmp_path):
    path = docx_template(tmp_path, ["{{ company_name }} <{{ greeting }}>"])
    letter = DocxLetter(path, known={"company_name", "greeting"})
    target = tmp_path / "one.docx"
    letter.render_one({"company_name": "A & B <GmbH>", "greeting": "</w:t>"}, target)
    assert texts(Document(target)) == ["A & B <GmbH> <</w:t>>"]


def test_not_a_docx(tmp_path):
    with pytest.raises(TemplateProblem):
        DocxLetter(b"no zip")
