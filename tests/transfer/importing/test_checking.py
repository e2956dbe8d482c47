"""Checking rows in worker processes gives exactly what checking in one process gives."""

import csv
from collections import Counter

import pytest

from merkur.companies.models import Company, Function, Person
from merkur.jobs import services
from merkur.jobs.models import JobStatus
from merkur.jobs.worker import Worker
from merkur.transfer.importing import ImportOptions, checking, records, run_import
from merkur.transfer.importing.options import GOOD_ROWS
from merkur.transfer.importing.pipeline import column_labels
from merkur.transfer.importing.prepare import detect, header_of, mapping_for
from merkur.transfer.importing.values import RowChecker
from merkur.transfer.reading import open_table

HEADER = "Kundennr;Firma;Straße;PLZ;Ort;Land;Anrede;Vorname;Nachname;Position;Telefon;E-Mail\n"
# Good rows, bad rows of every kind, repetitions and a ragged row.
KINDS = [
    "K{n};Müller Bau {n} GmbH;Hauptstr. {n};80331;München;;Herr;Hans;Müller;Einkäufer;"
    "089 {n:06d};hans{n}@mueller.de",
    ";Schmidt {n} AG;Am Markt 3;1067;Dresden;D;Frau;Anna;Schmidt;;+49 351 {n:07d};",
    ";Kaputt {n} KG;Weg 1;123;Berlin;;;Eva;Kaputt;;;eva@",
    ";Fon {n} GmbH;Weg 2;10115;Berlin;;;;;;12;",
    ";Ohne Ort {n};Weg 3;10115;;;;;;;;",
    ";Zürcher {n} AG;Bahnhofstrasse 1;CH-8001;Zürich;Schweiz;Herr;Urs;Meier;;044 {n:07d};",
    ";Niemand {n};Weg 4;10115;Berlin;Atlantis;;;;;;",
    ";Master {n} GmbH;Weg 5;10115;Berlin;;Majestät;;Kaiser;;;",
    ";Funktion {n} GmbH;Weg 6;10115;Berlin;;;;Lang;Kaiser;;",
    # The first row of its dozen again, written differently.
    ";Mueller-Bau {m} KG;Hauptstrasse {m};80331;München;;Herr;Hans;Müller;;;hans{m}@mueller.de",
    ";Wien {n} GmbH;Ring 1;1010;Wien;AT;;;;;01 5{n:06d};office@wien{n}.at",
    ";Kurz {n};nur drei Felder",
]


def varied_file(path, rows: int) -> None:
    lines = [KINDS[n % len(KINDS)].format(n=n, m=n - n % len(KINDS)) for n in range(rows)]
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def parallel(settings):
    """Worker processes for any file, small chunks so that many are on their way."""

    def _set(processes: int) -> None:
        settings.MERKUR_IMPORT_PROCESSES = processes
        settings.MERKUR_IMPORT_PARALLEL_FROM_BYTES = 0

    return _set


def options_for(path, **options) -> ImportOptions:
    detection = detect(path)
    mapping = mapping_for(header_of(path, detection))
    return ImportOptions(detection=detection, mapping=mapping, **options)


def comparable(result) -> dict:
    summary = result.as_dict()
    for key in ("seconds", "phases", "steps", "bad_rows_file"):
        summary.pop(key, None)
    return summary


def test_the_number_of_workers_follows_the_settings_and_the_file_size(settings):
    settings.MERKUR_IMPORT_PROCESSES = 2
    assert checking.processes(100) == 0  # a small file is checked here
    assert checking.processes(50 * 1024 * 1024) == 2
    settings.MERKUR_IMPORT_PROCESSES = 0
    assert checking.processes(50 * 1024 * 1024) == 0


def test_workers_check_each_chunk_as_this_process_does(master, tmp_path, parallel, monkeypatch):
    path = tmp_path / "varied.csv"
    varied_file(path, 600)
    options = options_for(path)
    with open_table(path, options.detection) as table:
        rows = list(table)
        mapping = options.mapping.rebind(table.header)
        labels = column_labels(mapping, table.header)
    chunks = [rows[start : start + 7] for start in range(0, len(rows), 7)]
    adapt = checking.database_adapter()

    def outcome(workers: int) -> list:
        work = checking.ChunkChecker(RowChecker(options, dict(labels)), mapping, adapt)
        return list(checking.checked_chunks(iter(chunks), work, workers=workers))

    alone, shared = outcome(0), outcome(2)
    assert alone == shared
    staged = [row for good, _bad in alone for row in good]
    bad = [row for _good, bad in alone for row in bad]
    assert (len(staged), len(bad)) == (250, 350)  # 5 of the 12 kinds are good
    assert [row[0] for row in staged] == sorted(row[0] for row in staged)


@pytest.mark.parametrize("mode", ["all_or_nothing", GOOD_ROWS])
def test_an_import_with_workers_reports_and_writes_the_same(
    master, tmp_path, parallel, monkeypatch, mode
):
    path = tmp_path / "varied.csv"
    varied_file(path, 1_200)
    monkeypatch.setattr(checking, "CHUNK_ROWS", 50)
    results = {}
    for processes in (0, 2):
        parallel(processes)
        bad_rows = tmp_path / f"bad-{processes}.csv"
        dry = run_import(path, options_for(path, mode=mode), dry_run=True, bad_rows_path=bad_rows)
        results[processes] = (comparable(dry), bad_rows.read_text(encoding="utf-8-sig"))
    assert results[0] == results[2]
    summary, bad_file = results[2]
    assert summary["actions"]["refuse"] == 700
    assert len(list(csv.reader(bad_file.splitlines(), delimiter=";"))) == 701
    parallel(2)
    real = run_import(path, options_for(path, mode=mode), dry_run=False)
    assert +real.actions == Counter(summary["actions"])
    assert real.actions["skip"] == 100  # the repetitions
    if mode == GOOD_ROWS:
        assert Company.objects.filter(name="Zürcher 5 AG", postal_code="8001").exists()
        assert Person.objects.get(email="hans0@mueller.de").phone == "+49 89 000000"
    else:
        assert not Company.objects.exists()


def test_new_master_entries_are_the_same_with_workers(master, tmp_path, parallel, monkeypatch):
    path = tmp_path / "varied.csv"
    varied_file(path, 1_200)
    monkeypatch.setattr(checking, "CHUNK_ROWS", 50)
    options = options_for(path, mode=GOOD_ROWS, add_to_master_tables=True)
    results = {}
    for processes in (0, 2):
        parallel(processes)
        results[processes] = comparable(run_import(path, options, dry_run=True))
    assert results[0] == results[2]
    assert results[2]["new_entries"] == {"titles": [], "functions": ["Kaiser"]}
    assert results[2]["actions"]["refuse"] == 600  # the "Kaiser" rows are good now
    real = run_import(path, options, dry_run=False)
    assert real.written
    assert Person.objects.filter(functions=Function.objects.get(name="Kaiser")).count() == 100


def test_the_rows_before_a_read_error_are_reported_with_workers(master, tmp_path, parallel):
    path = tmp_path / "broken.csv"
    varied_file(path, 2_000)  # past the 64 KB that detection reads
    path.write_bytes(path.read_bytes() + "Zürich AG;Weg 1;8001;Zürich\n".encode("cp1252"))
    parallel(0)
    alone = run_import(path, options_for(path), dry_run=True)
    parallel(2)
    shared = run_import(path, options_for(path), dry_run=True)
    assert shared.failure.startswith("Line 2002 cannot be read as utf-8")
    assert comparable(alone) == comparable(shared)
    assert shared.refused == 1_167  # every bad row before the unreadable one


def test_a_failing_check_in_a_worker_stops_the_run(master, tmp_path, parallel, monkeypatch):
    path = tmp_path / "varied.csv"
    varied_file(path, 300)
    parallel(2)

    def broken(self, values):
        if values.get("company.name", "").startswith("Wien 250 "):
            raise ValueError("broken rule")
        return original(self, values)

    original = RowChecker.check
    monkeypatch.setattr(RowChecker, "check", broken)
    with pytest.raises(ValueError, match="broken rule"):
        run_import(path, options_for(path), dry_run=False)
    assert not Company.objects.exists()


def test_without_worker_processes_this_process_checks(master, tmp_path, parallel, monkeypatch):
    path = tmp_path / "varied.csv"
    varied_file(path, 120)
    parallel(0)
    alone = run_import(path, options_for(path), dry_run=True)

    def cannot_start(*args):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(checking, "_start", cannot_start)  # the workers end at once
    parallel(2)
    shared = run_import(path, options_for(path), dry_run=True)
    assert comparable(shared) == comparable(alone)
    assert shared.refused == 70


def test_a_worker_cannot_use_the_database(master, tmp_path, parallel, monkeypatch):
    path = tmp_path / "varied.csv"
    varied_file(path, 50)
    parallel(1)

    def querying(self, values):
        Company.objects.count()

    monkeypatch.setattr(RowChecker, "check", querying)
    with pytest.raises(RuntimeError, match="must not use the database"):
        run_import(path, options_for(path), dry_run=True)


def test_the_job_worker_runs_an_import_with_checking_processes(
    master, tmp_path, parallel, admin_user
):
    path = tmp_path / "varied.csv"
    varied_file(path, 240)
    parallel(2)
    record = records.record_file(path, user=admin_user)
    record.options = options_for(record.stored_path, mode=GOOD_ROWS).to_dict()
    record.save()
    job = services.enqueue(
        "transfer.import_addresses", {"import_id": record.pk, "dry_run": False}, user=admin_user
    )
    assert Worker(threaded=False, purge_after=None).run(burst=True) == 1
    job.refresh_from_db()
    record.refresh_from_db()
    assert (job.status, record.status) == (JobStatus.DONE, "done")
    assert (job.result["refused"], job.result["written"]) == (140, True)
    assert Company.objects.filter(name="Schmidt 1 AG", postal_code="01067").exists()
