"""Running imports in tests: a file's text in, the result out."""

import datetime

import pytest

from merkur.companies.demo import catalog
from merkur.mailings.events import services as events
from merkur.mailings.models import EventKind
from merkur.transfer.importing import ImportOptions, records, run_import
from merkur.transfer.importing.prepare import detect, header_of, mapping_for


@pytest.fixture
def master(db):
    """The standard master tables (Herr/Frau, Dr., Einkäufer …)."""
    return catalog.seed_master_data()


@pytest.fixture
def event(db, marketing_user):
    """A marketing event to link imported records to."""
    return events.event_create(
        data={
            "name": "Hausmesse 2026",
            "kind": EventKind.objects.create(name="Messe"),
            "starts_on": datetime.date(2026, 5, 4),
            "ends_on": datetime.date(2026, 5, 6),
        },
        by=marketing_user,
    )


@pytest.fixture
def run(db, tmp_path):
    """``run(text, dry_run=False, columns=None, encoding="utf-8", **options)`` → ImportResult.

    ``text`` is written in ``encoding`` (or given as bytes); the mapping is the
    suggested one, changed by ``columns`` ({index: target}); ``options`` are
    ``ImportOptions`` fields (``decisions``, ``mode`` …) plus ``user``.
    """
    counter = iter(range(1, 1000))

    def _run(text, *, dry_run=False, columns=None, encoding="utf-8", user=None, **options):
        number = next(counter)
        path = tmp_path / f"import-{number}.csv"
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        detection = detect(path)
        mapping = mapping_for(header_of(path, detection), columns)
        import_options = ImportOptions(detection=detection, mapping=mapping, **options)
        return run_import(
            path,
            import_options,
            dry_run=dry_run,
            user=user,
            bad_rows_path=tmp_path / f"bad-{number}.csv",
        )

    return _run


SMALL_FILE = b"Firma;Strasse;PLZ;Ort\nAlpha GmbH;Weg 1;10115;Berlin\nBeta AG;Weg 2;10115;Berlin\n"


@pytest.fixture
def record(db, admin_user):
    """An uploaded two-row file with the suggested mapping, ready for a dry run."""
    record = records.store_upload([SMALL_FILE], file_name="liste.csv", user=admin_user)
    detection = detect(record.stored_path)
    mapping = mapping_for(header_of(record.stored_path, detection))
    record.options = ImportOptions(detection=detection, mapping=mapping).to_dict()
    record.save()
    return record
