"""The whole import on random input: it never crashes, it only reports."""

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merkur.companies.models import Company
from merkur.transfer.importing import ImportOptions, run_import
from merkur.transfer.importing.options import GOOD_ROWS
from merkur.transfer.importing.prepare import detect, header_of, mapping_for
from merkur.transfer.reading import ReadError
from merkur.transfer.sniff import InvalidDetection

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HEADER = ["Firma", "Straße", "PLZ", "Ort", "Land", "Anrede", "Vorname", "Nachname", "E-Mail",
          "Telefon", "Position", "Kundennummer", "Webseite"]  # fmt: skip
TYPICAL = ["", "Müller GmbH", "80331", "München", "D", "Herr", "x@y.de", "089 12345",
           "K-1", '"', ";", "\r\n", "=1+1", "Österreich", "1067"]  # fmt: skip
cell = st.one_of(st.text(max_size=20), st.sampled_from(TYPICAL))


def _import(tmp_path, data: bytes, mode: str):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    try:
        detection = detect(path)
        mapping = mapping_for(header_of(path, detection))
    except (ReadError, InvalidDetection):
        return None  # reported to the user before an import starts
    options = ImportOptions(detection=detection, mapping=mapping, mode=mode)
    return run_import(path, options, dry_run=False, bad_rows_path=tmp_path / "bad.csv")


def _consistent(result) -> None:
    if result is None or result.failure:
        assert not result or not result.written
        return
    assert sum(result.actions.values()) == result.rows
    if result.written:
        assert Company.objects.count() >= result.actions["create"]


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_are_reported_never_raised(data, master, tmp_path):
    before = Company.objects.count()
    result = _import(tmp_path, data, "all_or_nothing")
    _consistent(result)
    if result is None or not result.written:
        assert Company.objects.count() == before


@FUZZ
@given(
    rows=st.lists(st.lists(cell, min_size=len(HEADER), max_size=len(HEADER)), max_size=8),
    delimiter=st.sampled_from([";", ",", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    mode=st.sampled_from(["all_or_nothing", GOOD_ROWS]),
)
def test_random_well_formed_files_are_imported_or_reported(
    rows, delimiter, encoding, mode, master, tmp_path
):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding, errors="replace")
    _consistent(_import(tmp_path, data, mode))
