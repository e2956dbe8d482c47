"""A file from reading to the written records: modes, dry run, bad rows, never half an import."""

import csv

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection

from merkur.addresses.models import Address
from merkur.companies.models import Company, CompanyAddress, Person
from merkur.core.models import ChangeRecord
from merkur.transfer.importing import writing
from merkur.transfer.importing.options import GOOD_ROWS

HEADER = "Firma;Straße;PLZ;Ort;Anrede;Vorname;Nachname;E-Mail;Telefon;Position\n"
GOOD = (
    "Müller Bau GmbH;Hauptstr. 1;80331;München;Herr;Hans;Müller;hans@mueller.de;089 123456;"
    "Einkäufer\n"
    "Schmidt AG;Am Markt 3;04109;Leipzig;Frau;Anna;Schmidt;;;\n"
)
BAD = "Kaputt KG;Weg 1;123;Berlin;;Eva;Kaputt;eva@;;\n"


def database_counts() -> tuple[int, ...]:
    return (
        Company.objects.count(),
        Person.objects.count(),
        Address.objects.count(),
        CompanyAddress.objects.count(),
        ChangeRecord.objects.count(),
    )


def test_records_are_written_as_the_services_write_them(run, master, admin_user):
    result = run(HEADER + GOOD, user=admin_user)
    assert result.written and result.actions["create"] == 2
    company = Company.objects.get(name="Müller Bau GmbH")
    hans = company.people.get()
    assert (company.city, company.postal_code, company.country) == ("München", "80331", "DE")
    assert company.role_list == ["prospect"]
    assert company.created_by == admin_user
    assert company.contact_link().address.street == "Hauptstr. 1"
    assert hans.phone == "+49 89 123456"
    assert [f.name for f in hans.functions.all()] == ["Einkäufer"]
    # The derived columns are what the models compute.
    stored = (company.sort_name, company.search_text, hans.letter_salutation, hans.search_text)
    company.refresh_derived()
    hans.refresh_derived()
    assert stored == (
        company.sort_name,
        company.search_text,
        hans.letter_salutation,
        hans.search_text,
    )
    assert "hans" in company.search_text.split()


def test_each_new_person_gets_each_of_its_functions_once(run, master):
    rows = (
        "Alpha GmbH;Weg 1;80331;München;;Eva;Alpha;;;Geschäftsführer, Einkäufer/Einkäufer\n"
        "Beta GmbH;Weg 2;80331;München;;Udo;Beta;;;\n"
        "Gamma GmbH;Weg 3;80331;München;;Ina;Gamma;;;Einkäufer\n"
    )
    result = run(HEADER + rows)
    assert result.written
    functions = {
        person.last_name: sorted(f.name for f in person.functions.all())
        for person in Person.objects.prefetch_related("functions")
    }
    assert functions == {
        "Alpha": ["Einkäufer", "Geschäftsführer"],
        "Beta": [],
        "Gamma": ["Einkäufer"],
    }


def test_each_new_company_and_person_has_its_history(run, master, admin_user):
    run(HEADER + GOOD, user=admin_user)
    company = Company.objects.get(name="Schmidt AG")
    record = ChangeRecord.objects.get(
        content_type=ContentType.objects.get_for_model(Company), object_id=company.pk
    )
    assert record.action == "create"
    assert record.user == admin_user
    assert record.changes == {"import": [None, "import-1.csv"]}
    anna = company.people.get()
    assert ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Person), object_id=anna.pk, company=company
    ).exists()


def test_one_bad_row_stops_an_all_or_nothing_import(run, master):
    before = database_counts()
    result = run(HEADER + GOOD + BAD)
    assert not result.written
    assert result.refused == 1
    assert database_counts() == before
    assert "not imported" in result.summary()


def test_commit_good_rows_writes_the_good_and_reports_the_bad(run, master):
    result = run(HEADER + GOOD + BAD, mode=GOOD_ROWS)
    assert result.written
    assert Company.objects.count() == 2
    assert [row.line for row in result.bad] == [4]
    problems = {p.column: p.reason for p in result.bad[0].problems}
    assert set(problems) == {"PLZ", "E-Mail"}


def test_the_bad_rows_file_has_the_original_rows_and_a_reason(run, master, tmp_path):
    text = HEADER.replace(";", ",") + BAD.replace(";", ",")
    result = run(text.encode("cp1252"))
    with open(result.bad_rows_file, encoding="utf-8") as handle:
        assert handle.read(1) == "\ufeff"  # BOM: Excel reads it as UTF-8
        rows = list(csv.reader(handle, delimiter=","))
    assert rows[0] == [*HEADER.strip().split(";"), "Reason"]
    assert rows[1][:-1] == BAD.strip().split(";")
    assert rows[1][-1].startswith("Line 2: PLZ „123“:")


def test_a_dry_run_counts_the_same_and_writes_nothing(run, master):
    before = database_counts()
    dry = run(HEADER + GOOD + BAD, dry_run=True, mode=GOOD_ROWS)
    assert database_counts() == before
    assert not dry.written
    real = run(HEADER + GOOD + BAD, mode=GOOD_ROWS)
    assert dict(dry.actions) == dict(real.actions)
    assert "dry run" in dry.summary()


def test_an_error_while_writing_leaves_the_database_as_before(run, master, monkeypatch):
    before = database_counts()

    def broken(ids):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing, "_links", broken)  # after addresses and companies
    with pytest.raises(RuntimeError):
        run(HEADER + GOOD)
    assert database_counts() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite checks at the commit")
def test_the_new_rows_foreign_keys_are_checked_within_the_import(run, master, monkeypatch):
    """Not at the commit: the import's time includes the checks, a failure is the import's."""
    links = writing._links

    def dangling(ids):
        links(writing.Ids(company=ids.company + 10**9, address=ids.address, person=ids.person))

    monkeypatch.setattr(writing, "_links", dangling)
    with pytest.raises(IntegrityError):
        run(HEADER + GOOD)


def test_a_file_unreadable_near_its_end_imports_nothing_in_either_mode(run, master):
    # Past the part that detection reads, a byte that is not UTF-8.
    rows = "".join(f"Firma {n} GmbH;Weg {n};80331;München;;;;;;\n" for n in range(2_000))
    data = (HEADER + rows).encode("utf-8") + "Zürich AG;Weg 1;8001;Zürich\n".encode("cp1252")
    before = database_counts()
    for mode in ("all_or_nothing", GOOD_ROWS):
        result = run(data, mode=mode)
        assert result.detection["encoding"] == "utf-8"
        assert result.failure.startswith("Line 2002 cannot be read as utf-8")
        assert not result.written
    assert database_counts() == before


def test_a_saved_mapping_finds_its_columns_in_another_order(run, master):
    from merkur.transfer.importing.prepare import mapping_for

    mapping = mapping_for(HEADER.strip().split(";"))
    reordered = "PLZ;Ort;Firma;Straße;Nachname\n80331;München;Neu GmbH;Weg 2;Maier\n"
    # The same options, a file with the columns elsewhere: rebind by header.
    result = run(reordered, columns=None)
    assert result.written
    assert mapping.rules  # the suggestion for the original header is not empty
    assert Person.objects.get(last_name="Maier").company.name == "Neu GmbH"


def test_progress_is_reported(run, master, tmp_path):
    from merkur.transfer.importing import ImportOptions, run_import
    from merkur.transfer.importing.prepare import detect, header_of, mapping_for

    path = tmp_path / "many.csv"
    lines = [HEADER.strip()] + [
        f"Firma {n} GmbH;Weg {n};80331;München;;;;;;" for n in range(1, 25_001)
    ]
    path.write_text("\n".join(lines))
    detection = detect(path)
    options = ImportOptions(detection=detection, mapping=mapping_for(header_of(path, detection)))
    seen = []
    result = run_import(path, options, dry_run=True, progress=lambda *args: seen.append(args))
    assert result.actions["create"] == 25_000
    assert any(message.startswith("Reading") for _d, _t, message in seen)
    assert any(message.startswith("Looking for duplicates") for _d, _t, message in seen)
