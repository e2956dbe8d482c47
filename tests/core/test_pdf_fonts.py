"""The PDF font: DejaVu Sans embedded, so names beyond Western European letters print."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from merkur.core import pdf_fonts
from merkur.mailings.documents.labels import write_labels
from merkur.mailings.documents.pdf import PdfLetter

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_dejavu = pytest.mark.skipif(
    not DEJAVU.is_file(), reason="needs Debian's fonts-dejavu-core (.ci/run installs it)"
)
NAMES = "Łukasz Dąbrowski · Şahin Yılmaz · Ødegård · Čapek"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def font_names(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


@needs_dejavu
def test_the_styles_are_found_next_to_the_regular_file():
    files = pdf_fonts.style_files(DEJAVU)
    assert files[""] == DEJAVU
    assert files["-Bold"].name == "DejaVuSans-Bold.ttf"
    assert files["-Italic"].name == "DejaVuSans-Oblique.ttf"
    assert files["-BoldItalic"].name == "DejaVuSans-BoldOblique.ttf"


def test_a_style_without_its_file_is_drawn_regular(tmp_path):
    regular = tmp_path / "Plain.ttf"
    regular.write_bytes(b"")
    (tmp_path / "Plain-Italic.ttf").write_bytes(b"")
    files = pdf_fonts.style_files(regular)
    assert files["-Bold"] == regular
    assert files["-Italic"].name == "Plain-Italic.ttf"


@needs_dejavu
def test_a_letter_prints_names_beyond_western_european_letters():
    buffer = io.BytesIO()
    letter = PdfLetter(
        "Sehr geehrter Herr {{ name }},\n\n<b>fett</b> und <i>kursiv</i>", known={"name"}
    )
    letter.render_one({"name": NAMES, "address_block": NAMES}, buffer)
    data = buffer.getvalue()
    assert NAMES in pdf_text(data)
    assert any(name.endswith("+DejaVuSans") for name in font_names(data)), font_names(data)


@needs_dejavu
def test_labels_print_names_beyond_western_european_letters():
    buffer = io.BytesIO()
    write_labels([{"address_block": NAMES}], buffer, layout="3474")
    assert NAMES in pdf_text(buffer.getvalue())


def test_a_missing_font_falls_back_to_helvetica_with_a_warning(settings):
    settings.MERKUR_PDF_FONT = "/nowhere/NoSuchFont.ttf"
    fonts = pdf_fonts.pdf_fonts()
    assert (fonts.regular, fonts.embedded) == ("Helvetica", False)
    warnings = pdf_fonts.check_fonts()
    assert [warning.id for warning in warnings] == ["merkur.W010"]
    assert "/nowhere/NoSuchFont.ttf" in warnings[0].msg
    # and a letter is still drawn
    buffer = io.BytesIO()
    PdfLetter("Hallo {{ name }}", known={"name"}).render_one({"name": "Müller"}, buffer)
    assert "Hallo Müller" in pdf_text(buffer.getvalue())


def test_a_file_that_is_no_font_falls_back_with_a_warning(settings, tmp_path):
    font = tmp_path / "Broken.ttf"
    font.write_bytes(b"not a font")
    settings.MERKUR_PDF_FONT = str(font)
    assert not pdf_fonts.pdf_fonts().embedded
    assert [warning.id for warning in pdf_fonts.check_fonts()] == ["merkur.W010"]


@needs_dejavu
def test_no_warning_when_the_font_is_usable():
    assert pdf_fonts.check_fonts() == []


@needs_dejavu
def test_another_font_file_is_drawn_when_the_setting_changes(settings):
    def face(data: bytes) -> set[str]:
        return {name.split("+")[-1] for name in font_names(data)}

    buffer = io.BytesIO()
    write_labels([{"address_block": "Łukasz"}], buffer, layout="3474")
    assert "DejaVuSans" in face(buffer.getvalue())
    settings.MERKUR_PDF_FONT = str(DEJAVU.with_name("DejaVuSerif.ttf"))
    buffer = io.BytesIO()
    write_labels([{"address_block": "Łukasz"}], buffer, layout="3474")
    faces = face(buffer.getvalue())
    assert "DejaVuSerif" in faces and "DejaVuSans" not in faces


def test_a_broken_style_file_is_drawn_regular(settings, tmp_path):
    if not DEJAVU.is_file():
        pytest.skip("needs Debian's fonts-dejavu-core")
    regular = tmp_path / "Mine.ttf"
    regular.write_bytes(DEJAVU.read_bytes())
    (tmp_path / "Mine-Bold.ttf").write_bytes(b"broken")
    settings.MERKUR_PDF_FONT = str(regular)
    fonts = pdf_fonts.pdf_fonts()
    assert fonts.embedded
    buffer = io.BytesIO()
    PdfLetter("<b>Łukasz</b>", subject="Betreff", known=set()).render_one({}, buffer)
    assert "Łukasz" in pdf_text(buffer.getvalue())
    names = font_names(buffer.getvalue())
    assert "/Helvetica-Bold" not in names
    assert any(name.endswith("+DejaVuSans") for name in names)


@needs_dejavu
def test_tables_use_the_condensed_cut_when_there_is_one(settings, tmp_path):
    condensed = pdf_fonts.pdf_fonts(condensed=True)
    assert condensed.embedded and condensed.regular != pdf_fonts.pdf_fonts().regular
    from reportlab.pdfbase.pdfmetrics import stringWidth

    narrow = stringWidth("Deutschland", condensed.regular, 10)
    assert narrow < stringWidth("Deutschland", pdf_fonts.pdf_fonts().regular, 10)
    alone = tmp_path / "Alone.ttf"  # no condensed cut next to it: the regular one
    alone.write_bytes(DEJAVU.read_bytes())
    settings.MERKUR_PDF_FONT = str(alone)
    assert pdf_fonts.pdf_fonts(condensed=True) == pdf_fonts.pdf_fonts()
