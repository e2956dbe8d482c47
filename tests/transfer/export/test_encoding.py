"""Windows-1252 and ISO-8859-15: what they cannot hold is reported by row, column and character."""

import csv
import io

import pytest

from merkur.transfer.export import runner
from merkur.transfer.export.encoding import EncodingRefused
from tests.factories import make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def polish(db):
    make_company(name="Łódź Zakłady Sp. z o.o.", number="K-1")
    make_company(name="Müller GmbH", number="K-2", name2="Büro € Süd")
    make_company(name="Győr Kft. 😀", number="K-3")


def prepared(user, **options):
    return runner.prepare(
        source="companies",
        params={},
        options={
            "columns": ["company.number", "company.name", "company.name2"],
            "sort": "number",
            **options,
        },
        user=user,
    )


def test_windows_1252_refuses_and_names_row_column_and_character(polish, admin_user):
    export = prepared(admin_user, encoding="windows-1252")
    with pytest.raises(EncodingRefused) as refused:
        b"".join(export.stream())
    report = refused.value.report
    found = {(p.row, p.column, p.character) for p in report.examples}
    assert (1, "Firma", "Ł") in found
    assert (1, "Firma", "ł") in found
    assert (3, "Firma", "ő") in found
    assert (3, "Firma", "😀") in found
    assert report.count == len(report.examples) == 5  # Ł ź ł ő 😀 (ó is in Windows-1252)
    message = refused.value.report.message()
    assert "nothing was exported" in message
    assert "row 3, column “Firma”: “ő” (U+0151 LATIN SMALL LETTER O WITH DOUBLE ACUTE)" in message


def test_a_refused_file_export_leaves_no_file(polish, admin_user, tmp_path):
    export = prepared(admin_user, encoding="iso-8859-15")
    target = tmp_path / "out.csv"
    with pytest.raises(EncodingRefused):
        export.save(target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_replace_writes_question_marks_and_reports(polish, admin_user):
    export = prepared(admin_user, encoding="windows-1252", on_unencodable="replace")
    data = b"".join(export.stream())
    rows = list(csv.reader(io.StringIO(data.decode("cp1252"), newline=""), delimiter=";"))
    assert rows[1][1] == "?ód? Zak?ady Sp. z o.o."
    assert rows[2][2] == "Büro € Süd"  # € and umlauts are in Windows-1252
    assert rows[3][1] == "Gy?r Kft. ?"
    summary = export.summary()["unencodable"]
    assert summary["policy"] == "replace"
    assert summary["count"] == 5
    assert summary["examples"][0] == {
        "row": 1,
        "column": "Firma",
        "character": "Ł",
        "code_point": "U+0141",
    }


def test_iso_8859_15_has_the_euro_sign(db, admin_user):
    make_company(name="Euro € AG", number="K-9")
    data = b"".join(prepared(admin_user, encoding="iso-8859-15").stream())
    assert "Euro € AG".encode("iso8859_15") in data


def test_headings_are_checked_too(db, admin_user):
    from merkur.transfer.export.encoding import Encoder
    from merkur.transfer.export.options import parse

    encoder = Encoder(parse({"encoding": "windows-1252", "on_unencodable": "replace"}))
    assert encoder.encode_row(0, "Zł;x", [("Heading", "Zł")]) == b"Z?;x"
    assert encoder.report.examples[0].describe().startswith("heading, column “Heading”")


def test_json_and_vcard_are_always_utf8(db, admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        prepared(admin_user, format="json", encoding="windows-1252")
    assert "encoding" in error.value.message_dict


def test_non_utf8_exports_run_in_the_worker_for_their_report(polish, admin_user):
    assert prepared(admin_user, encoding="windows-1252").runs_in_worker()
    assert not prepared(admin_user, encoding="utf-8").runs_in_worker()
