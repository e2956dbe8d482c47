"""The sample files: each gives its documented result, never an error or half an import.

One table of (file, what detection finds, what happens to its rows); the
files are in ``tests/transfer/samples/`` (see docs/import.md, "What happens
to the files people have"). Every file is imported twice: with "commit good
rows" (the good rows are written) and all or nothing (written only without
bad rows).
"""

import tracemalloc
from pathlib import Path

import pytest

from merkur.companies.models import Company
from merkur.transfer.importing import ImportOptions, run_import
from merkur.transfer.importing.options import GOOD_ROWS
from merkur.transfer.importing.prepare import detect, header_of, mapping_for
from merkur.transfer.reading import ReadError

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SIMPLE_NAMES = {"Müller Bau GmbH", "Café Zürich AG; Gastro", 'Öko, "Grün" & Co. KG'}

# file: (encoding, separator, rows created, {refused line: words of the reason}) or a failure
CASES = {
    "utf8_bom_semicolon.csv": ("utf-8", ";", 3, {}),
    "utf8_comma.csv": ("utf-8", ",", 3, {}),
    "cp1252_semicolon.csv": ("cp1252", ";", 3, {}),
    "latin1_tab.txt": ("cp1252", "\t", 3, {}),  # ISO-8859-1 reads the same as Windows-1252
    "utf16_excel_unicode.txt": ("utf-16-le", "\t", 3, {}),
    "pipe.csv": ("utf-8", "|", 3, {}),
    "mixed_line_endings.csv": ("utf-8", ";", 3, {}),
    "outlook_de.csv": ("cp1252", ",", 3, {}),
    "outlook_en.csv": ("cp1252", ",", 1, {3: "Head of Purchasing"}),
    "google_contacts.csv": ("utf-8", ",", 1, {3: "company name is missing"}),
    "apple_contacts.csv": ("utf-8", ",", 1, {}),
    "dealer.csv": ("cp1252", ";", 2, {4: "valid email"}),
    "broken_quoting.csv": ("utf-8", ";", 3, {3: "has 4 fields, the header has 5"}),
    "stray_quote.csv": ("utf-8", ";", 3, {}),
    "truncated_last_line.csv": ("utf-8", ";", 2, {4: "has 2 fields, the header has 8"}),
    "no_header.csv": "Map a column to each of: Company name, City.",
    "header_only.csv": "The file has no data rows.",
    "empty.csv": "The file is empty.",
    "binary_renamed.csv": "The file is not a text file",
}


def test_every_sample_file_has_its_case():
    assert set(CASES) == {path.name for path in SAMPLES.iterdir()}


def _import(path: Path, *, dry_run=False, mode="all_or_nothing", columns=None, bad_rows=None,
            **extra):  # fmt: skip
    """As the upload screen does it: detect, suggest, run; read errors are the failure."""
    try:
        detection = detect(path)
        mapping = mapping_for(header_of(path, detection), columns)
    except ReadError as error:
        return None, str(error)
    options = ImportOptions(detection=detection, mapping=mapping, mode=mode, **extra)
    result = run_import(path, options, dry_run=dry_run, bad_rows_path=bad_rows)
    return result, result.failure


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_sample_gives_its_documented_result(name, master, tmp_path):
    expected = CASES[name]
    result, failure = _import(SAMPLES / name, mode=GOOD_ROWS, bad_rows=tmp_path / "bad.csv")
    if isinstance(expected, str):
        assert failure.startswith(expected)
        assert not Company.objects.exists()
        return
    encoding, separator, created, refused = expected
    assert failure == ""
    assert (result.detection["encoding"], result.detection["delimiter"]) == (encoding, separator)
    assert result.actions["create"] == created
    assert {row.line for row in result.bad} == set(refused)
    for row in result.bad:
        assert refused[row.line] in row.reason()
    assert Company.objects.count() == created
    if separator != "|" and name.startswith(("utf", "cp", "latin", "mixed", "pipe")):
        assert set(Company.objects.values_list("name", flat=True)) == SIMPLE_NAMES


@pytest.mark.parametrize(
    "name", sorted(n for n, case in CASES.items() if not isinstance(case, str))
)
def test_all_or_nothing_writes_a_sample_only_without_bad_rows(name, master):
    _encoding, _separator, created, refused = CASES[name]
    result, _failure = _import(SAMPLES / name)
    assert result.written == (not refused)
    assert Company.objects.count() == (0 if refused else created)


def test_outlooks_unknown_function_is_added_with_the_option(master):
    result, failure = _import(SAMPLES / "outlook_en.csv", add_to_master_tables=True)
    assert failure == "" and result.written
    assert result.new_entries == {"titles": [], "functions": ["Head of Purchasing"]}
    assert Company.objects.count() == 2


def test_a_file_without_header_imports_once_its_columns_are_mapped(master):
    columns = {0: "company.name", 1: "address.street", 2: "address.postal_code", 3: "address.city",
               4: "address.country", 5: "person.first_name", 6: "person.last_name"}  # fmt: skip
    result, failure = _import(SAMPLES / "no_header.csv", columns=columns)
    assert failure == "" and result.written
    assert set(Company.objects.values_list("name", flat=True)) == SIMPLE_NAMES


def test_a_30_mb_file_is_read_in_constant_memory(master, tmp_path):
    """Rows with long notes make 30 MB; the import holds no more than a few rows of it."""
    path = tmp_path / "gross.csv"
    note = "Ausführliche Notiz zum Gespräch; " * 45  # about 1.5 KB per row
    rows = 20_000
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write("Firma;Straße;PLZ;Ort;Nachname;Notizen\r\n")
        for number in range(rows):
            handle.write(f'Firma {number} GmbH;Weg {number % 200 + 1};{10115 + number % 50};'
                         f'Berlin;Muster;"{note}"\r\n')  # fmt: skip
    assert path.stat().st_size > 30_000_000
    tracemalloc.start()
    try:
        result, failure = _import(path, dry_run=True)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert failure == ""
    assert result.actions["create"] == rows, (result.summary(), result.bad[:2])
    # well above the file's 30 MB would mean rows pile up; the staged rows are in the
    # database, and what is held is the chunks on their way to the checking processes
    # (up to 2 × 3 × 1,000 rows of 1.5 KB), whatever the file's size
    assert peak < 48_000_000
