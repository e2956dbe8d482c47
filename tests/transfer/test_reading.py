import codecs
import csv
import io
import pickle
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merkur.transfer import reading
from merkur.transfer.reading import (
    EmptyFile,
    FieldTooLong,
    LineTooLong,
    RaggedRow,
    ReadError,
    UndecodableBytes,
    open_table,
    preview,
)
from merkur.transfer.sniff import Detection, sniff

SEMICOLON = Detection("utf-8", ";")

QUOTED = (
    "Firma;Straße;Ort\r\n"
    '"Meier; Söhne";"Hauptstraße 1\r\nHinterhaus";Bonn\r\n'
    '"Schulze ""Die Zweite"" GmbH";"Am Markt 2";Köln\r\n'
    "Lang AG;Ring 3;Ulm\r\n"
)


def _rows(source, detection):
    with open_table(source, detection) as table:
        return table.header, [(row.line, row.fields) for row in table]


def test_records_give_the_physical_line_they_start_on(write):
    header, rows = _rows(write(QUOTED.encode()), SEMICOLON)
    assert header == ["Firma", "Straße", "Ort"]
    assert rows == [
        (2, ["Meier; Söhne", "Hauptstraße 1\r\nHinterhaus", "Bonn"]),
        (4, ['Schulze "Die Zweite" GmbH', "Am Markt 2", "Köln"]),
        (5, ["Lang AG", "Ring 3", "Ulm"]),
    ]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + QUOTED.encode(), "utf-8"),
        (codecs.BOM_UTF16_LE + QUOTED.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + QUOTED.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_a_byte_order_mark_is_not_part_of_the_first_header(write, data, encoding):
    header, rows = _rows(write(data), Detection(encoding, ";"))
    assert header[0] == "Firma"
    assert rows[-1] == (5, ["Lang AG", "Ring 3", "Ulm"])


def test_sniffed_detection_reads_excel_unicode_text(write):
    data = codecs.BOM_UTF16_LE + QUOTED.replace(";", "\t").encode("utf-16-le")
    path = write(data)
    header, rows = _rows(path, sniff(path))
    assert header == ["Firma", "Straße", "Ort"]
    assert rows[0] == (2, ["Meier\t Söhne", "Hauptstraße 1\r\nHinterhaus", "Bonn"])


def test_cp1252_with_euro_sign_reads_back(write):
    data = "Firma;Umsatz\r\nMüller GmbH;1.000 €\r\n„Groß“ KG;5 €\r\n".encode("cp1252")
    path = write(data)
    _header, rows = _rows(path, sniff(path))
    assert rows == [(2, ["Müller GmbH", "1.000 €"]), (3, ["„Groß“ KG", "5 €"])]


def test_mixed_line_endings_count_as_lines(write):
    data = b"a;b\r\nc;d\ne;f\rg;h\r\n\r\ni;j"
    header, rows = _rows(write(data), SEMICOLON)
    assert header == ["a", "b"]
    assert rows == [(2, ["c", "d"]), (3, ["e", "f"]), (4, ["g", "h"]), (6, ["i", "j"])]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64 * 1024])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "cp1252"])
def test_chunk_boundaries_do_not_change_what_is_read(write, monkeypatch, chunk, encoding):
    monkeypatch.setattr(reading, "CHUNK_SIZE", chunk)
    data = (QUOTED + "x;y\rz;Straße\r\n").encode(encoding)
    header, rows = _rows(write(data), Detection(encoding, ";"))
    assert header == ["Firma", "Straße", "Ort"]
    assert [line for line, _fields in rows] == [2, 4, 5, 6, 7]
    assert rows[-1][1] == ["z", "Straße"]


def test_undecodable_bytes_are_reported_with_their_line(write):
    data = "Firma;Ort\nMeier;Bonn\nMüller;Köln\n".encode("cp1252")
    with open_table(write(data), SEMICOLON) as table:
        rows = iter(table)
        assert next(rows).line == 2
        with pytest.raises(UndecodableBytes) as error:
            next(rows)
    assert error.value.line == 3
    assert str(error.value) == (
        "Line 3 cannot be read as utf-8 (bytes FC at byte offset 22). Choose another encoding."
    )


@pytest.mark.parametrize("chunk", [1, 5, 64 * 1024])
def test_the_line_of_an_undecodable_byte_is_right_at_any_chunk_size(write, monkeypatch, chunk):
    monkeypatch.setattr(reading, "CHUNK_SIZE", chunk)
    data = b"a;b\r\n" * 7 + b'"x\r\ny";\x81\r\n'
    with (
        pytest.raises(UndecodableBytes) as error,
        open_table(write(data), Detection("cp1252", ";")) as table,
    ):
        list(table)
    assert error.value.line == 9
    assert error.value.params["offset"] == len(data) - 3


def test_rows_with_another_field_count_are_reported_and_reading_goes_on(write):
    data = "Firma;PLZ;Ort\nMeier;53111;Bonn\nSchulze;Köln\nLang;89073;Ulm;extra\nKurz;1;2\n"
    with open_table(write(data.encode()), SEMICOLON) as table:
        rows = list(table)
    assert [row.line for row in rows] == [2, 3, 4, 5]
    problems = {row.line: row.problem for row in rows if row.problem}
    assert set(problems) == {3, 4}
    assert isinstance(problems[3], RaggedRow)
    assert str(problems[3]) == "Line 3 has 2 fields, the header has 3."
    assert rows[1].fields == ["Schulze", "Köln"]


def test_without_header_the_first_row_sets_the_width(write):
    data = "Meier;53111;Bonn\nSchulze;Köln\n"
    with open_table(write(data.encode()), Detection("utf-8", ";", has_header=False)) as table:
        rows = list(table)
    assert table.header is None
    assert [(row.line, row.problem is not None) for row in rows] == [(1, False), (2, True)]


def test_blank_records_are_skipped_and_counted(write):
    data = "Firma;Ort\n\nMeier;Bonn\n;\n  ; \nLang;Ulm\n"
    with open_table(write(data.encode()), SEMICOLON) as table:
        lines = [row.line for row in table]
    assert lines == [3, 6]
    assert table.blank_rows == 2


def test_a_last_line_without_line_end_is_read(write):
    assert _rows(write(b"a;b\nc;d"), SEMICOLON)[1] == [(2, ["c", "d"])]


def test_an_unclosed_quote_at_the_end_is_reported_as_a_ragged_row(write):
    data = b'Firma;Ort\nMeier;Bonn\n"Schulze;K\xc3\xb6ln\nLang;Ulm\n'
    with open_table(write(data), SEMICOLON) as table:
        rows = list(table)
    assert rows[-1].line == 3
    assert isinstance(rows[-1].problem, RaggedRow)


def test_a_runaway_quote_in_a_big_file_is_reported(write):
    data = b'Firma;Ort\nMeier;Bonn\n"Schulze;Koeln\n' + b"Lang;Ulm\n" * 20_000
    with pytest.raises(FieldTooLong) as error, open_table(write(data), SEMICOLON) as table:
        list(table)
    assert error.value.line == 3
    assert "quote is probably not closed" in str(error.value)


def test_a_file_without_line_breaks_stops_early(write, monkeypatch):
    monkeypatch.setattr(reading, "MAX_LINE", 1000)
    with pytest.raises(LineTooLong) as error, open_table(write(b"a;" * 5000), SEMICOLON) as table:
        list(table)
    assert error.value.line == 1


def test_an_empty_file_has_no_header(write):
    with pytest.raises(EmptyFile):
        open_table(write(b""), SEMICOLON)


def test_a_file_with_only_a_header_has_no_rows(write):
    header, rows = _rows(write(b"Firma;Ort\r\n"), SEMICOLON)
    assert (header, rows) == (["Firma", "Ort"], [])


def test_an_uploaded_file_object_is_read_and_left_open():
    upload = io.BytesIO(QUOTED.encode())
    _header, rows = _rows(upload, SEMICOLON)
    assert len(rows) == 3
    assert not upload.closed


def test_a_path_is_closed_after_reading(write):
    with open_table(write(QUOTED.encode()), SEMICOLON) as table:
        pass
    assert table._binary.closed


def test_preview_gives_the_first_rows(write):
    data = "Firma;Nr\n" + "".join(f"Firma {n};{n}\n" for n in range(100))
    shown = preview(write(data.encode()), SEMICOLON, rows=20)
    assert shown.header == ["Firma", "Nr"]
    assert [row.line for row in shown.rows] == list(range(2, 22))
    assert shown.error is None


def test_preview_shows_the_rows_before_a_read_error(write):
    data = "Firma;Ort\nMeier;Bonn\nMüller;Köln\n".encode("cp1252")
    shown = preview(write(data), SEMICOLON)
    assert [row.fields for row in shown.rows] == [["Meier", "Bonn"]]
    assert isinstance(shown.error, UndecodableBytes)


def test_a_large_file_is_read_in_constant_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="cp1252", newline="") as out:
        out.write("Firma;Straße;PLZ;Ort;E-Mail\r\n")
        for n in range(200_000):
            out.write(
                f'"Müller {n} GmbH";"Hauptstraße {n}";{n % 99999:05d};Köln;m{n}@example.de\r\n'
            )
    detection = sniff(path)
    tracemalloc.start()
    try:
        count = 0
        with open_table(path, detection) as table:
            for row in table:
                assert row.problem is None
                count += 1
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert row.line == 200_001
    assert peak < 2 * 1024 * 1024


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_the_reader(data):
    source = io.BytesIO(data)
    try:
        detection = sniff(source)
        with open_table(source, detection) as table:
            for row in table:
                assert row.line >= 1
    except ReadError as error:
        assert str(error)


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(st.lists(_TEXT, min_size=2, max_size=5), min_size=1, max_size=10),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-16-le", "utf-16-be"]),
)
def test_well_formed_csv_reads_back_as_written(rows, delimiter, encoding):
    text = io.StringIO(newline="")
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    source = io.BytesIO(text.getvalue().encode(encoding))
    detection = Detection(encoding, delimiter, has_header=False)
    with open_table(source, detection) as table:
        read = [row.fields for row in table]
    assert read == [row for row in rows if any(field.strip() for field in row)]
    source.seek(0)
    try:
        sniff(source)
    except ReadError as error:
        assert str(error)


def test_a_quote_inside_an_unquoted_field_is_text(write):
    rows = _rows(write(b'Firma;Ort\nMeier "Bau" GmbH;Bonn\n'), SEMICOLON)[1]
    assert rows == [(2, ['Meier "Bau" GmbH', "Bonn"])]


def test_read_errors_survive_pickling_for_the_worker():
    error = RaggedRow(7, found=2, expected=3)
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.line, str(again)) == (RaggedRow, 7, str(error))
