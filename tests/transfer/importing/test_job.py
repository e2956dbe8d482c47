"""The import job: runs the record's options, keeps the outcome, never imports twice."""

import pytest

from merkur.companies.models import Company
from merkur.jobs.registry import JobError
from merkur.jobs.services import run_inline
from merkur.transfer.importing import records


def test_the_dry_run_and_the_run_keep_their_outcome_on_the_record(record, admin_user):
    summary = run_inline(
        "transfer.import_addresses", {"import_id": record.pk, "dry_run": True}, user=admin_user
    )
    record.refresh_from_db()
    assert (summary["created"], summary["dry_run"], record.status) == (2, True, "checked")
    assert not Company.objects.exists()
    summary = run_inline("transfer.import_addresses", {"import_id": record.pk}, user=admin_user)
    record.refresh_from_db()
    assert (summary["created"], record.status, record.result["written"]) == (2, "done", True)
    assert Company.objects.count() == 2


def test_a_job_started_again_after_the_import_committed_does_not_import_twice(record):
    run_inline("transfer.import_addresses", {"import_id": record.pk})
    again = run_inline("transfer.import_addresses", {"import_id": record.pk})
    assert again["created"] == 2
    assert Company.objects.count() == 2


def test_a_deleted_import_or_file_fails_the_job_with_a_message(record):
    record.stored_path.unlink()
    with pytest.raises(JobError, match="upload it again"):
        run_inline("transfer.import_addresses", {"import_id": record.pk})
    records.delete_import(record)
    with pytest.raises(JobError, match="deleted"):
        run_inline("transfer.import_addresses", {"import_id": record.pk})


def test_adding_to_master_tables_needs_a_user_with_the_right(record, admin_user, sales_user):
    record.options = {**record.options, "add_to_master_tables": True}
    record.save()
    for user in (None, sales_user):  # a job whose user was deleted runs without one
        with pytest.raises(JobError, match="maintain the master tables"):
            run_inline("transfer.import_addresses", {"import_id": record.pk}, user=user)
    summary = run_inline("transfer.import_addresses", {"import_id": record.pk}, user=admin_user)
    assert summary["written"]
