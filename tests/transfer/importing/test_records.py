"""The import record's steps shared by the screens, the API and the CLI: reading again,
remapping, starting a job (claimed once), keeping the outcome of the last run."""

import pytest
from django.utils import timezone

from merkur.jobs.models import Job
from merkur.transfer.columns import Mapping, MappingError
from merkur.transfer.importing import records
from merkur.transfer.importing.options import ImportOptions
from merkur.transfer.importing.prepare import detect, header_of, mapping_for
from merkur.transfer.models.imports import AddressImport, ImportStatus
from merkur.transfer.reading import ReadError


def test_a_recorded_dry_run_drops_the_last_real_runs_outcome(record):
    record.status = ImportStatus.REFUSED
    record.result = {"actions": {"refuse": 1}, "bad": [{"line": 3, "problems": []}]}
    record.finished_at = timezone.now()
    record.save()
    options = ImportOptions.from_dict(record.options)
    records.run_recorded(record, options, dry_run=True, user=None)
    record.refresh_from_db()
    assert (record.status, record.result, record.finished_at) == ("checked", {}, None)
    assert record.dry_run["actions"]["create"] == 2


def test_a_start_claims_the_import_once(record, admin_user):
    from merkur.transfer.importing import services

    record.status = ImportStatus.CHECKED
    record.save()
    first, second = AddressImport.objects.get(), AddressImport.objects.get()
    job = services.start(first, admin_user, dry_run=False)
    assert (first.status, first.job_id) == (ImportStatus.QUEUED, job.pk)
    with pytest.raises(services.Conflict, match="running"):
        services.start(second, admin_user, dry_run=False)
    with pytest.raises(services.Conflict, match="running"):
        services.start(second, admin_user, dry_run=True)
    assert list(Job.objects.all()) == [job]
    assert AddressImport.objects.get().job_id == job.pk


def test_a_start_writes_only_what_it_changes(record, admin_user):
    """What a finishing job wrote meanwhile survives the start from an older copy."""
    from merkur.transfer.importing import services

    seen = AddressImport.objects.get()
    AddressImport.objects.filter(pk=record.pk).update(
        dry_run={"actions": {"create": 2}}, message="written meanwhile"
    )
    seen.options = {**seen.options, "mode": "good_rows"}
    services.start(seen, admin_user, dry_run=True)
    stored = AddressImport.objects.get()
    assert stored.dry_run == {"actions": {"create": 2}}
    assert (stored.status, stored.options["mode"]) == (ImportStatus.QUEUED, "good_rows")


def test_a_dry_run_start_drops_the_last_real_runs_outcome(record, admin_user):
    from merkur.transfer.importing import services

    AddressImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.REFUSED, result={"actions": {"refuse": 1}}, finished_at=timezone.now()
    )
    record.refresh_from_db()
    services.start(record, admin_user, dry_run=True)
    stored = AddressImport.objects.get()
    assert (stored.result, stored.finished_at) == ({}, None)
    # A real run needs a dry run first; a running or imported import starts nothing.
    for status in (ImportStatus.UPLOADED, ImportStatus.REFUSED, ImportStatus.DONE):
        AddressImport.objects.filter(pk=record.pk).update(status=status)
        record.refresh_from_db()
        with pytest.raises(services.Conflict):
            services.start(record, admin_user, dry_run=False)


def test_reading_again_keeps_the_mapping_while_the_header_reads_the_same(record):
    from merkur.transfer.importing.prepare import reread

    detection = detect(record.stored_path)
    mapping = record.options["mapping"]
    same, kept = reread(record.stored_path, detection, {"quotechar": "'"}, mapping)
    assert same.quotechar == "'" and kept == mapping
    commas, new = reread(record.stored_path, detection, {"delimiter": ","}, mapping)
    assert commas.delimiter == "," and Mapping.from_dict(new).headers == ("Firma;Strasse;PLZ;Ort",)


def test_reading_again_refuses_null_characters_and_a_gone_file(record, tmp_path):
    from merkur.transfer.importing.prepare import FileGone, reread

    path = tmp_path / "utf16.csv"
    path.write_bytes("Firma;Ort\nAlpha;Köln\n".encode("utf-16-le"))
    detection = detect(path)
    with pytest.raises(ReadError, match="null characters"):
        reread(path, detection, {"encoding": "utf-8"}, None)
    with pytest.raises(ReadError, match="null characters"):
        header_of(path, detection.override(encoding="utf-8"))
    path.unlink()
    with pytest.raises(FileGone, match="upload it again"):
        reread(path, detection, {"encoding": "utf-8"}, None)


def test_remap_puts_columns_on_a_mapping_or_on_nothing():
    from merkur.transfer.importing.prepare import column_index, remap

    header = ["Firma", "a=b", "Ort"]
    mapping = mapping_for(header)
    changed = remap(mapping, {column_index("a=b", header): "company.name2", 2: ""}, header)
    assert {rule.target for rule in changed.rules} == {"company.name", "company.name2"}
    only = remap(None, {column_index("3", header): "address.city"}, header)
    assert [rule.target for rule in only.rules] == ["address.city"]
    with pytest.raises(MappingError, match="no column"):
        column_index("Fax", header)
