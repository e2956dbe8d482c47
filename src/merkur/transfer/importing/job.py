"""The import as a background job: a dry run or the real run of an import record.

Params: ``{"import_id": …, "dry_run": bool}``; the options are on the record.
The run and the record's new status commit together, so a job the worker
starts again after a crash either finds the import done (and reports it) or
runs it from the start — never twice.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from merkur.jobs.registry import JobError
from merkur.transfer.importing import master_entries, records
from merkur.transfer.importing.options import ImportOptions, OptionsError
from merkur.transfer.models.imports import AddressImport, ImportStatus

FINISHED = (ImportStatus.DONE, ImportStatus.REFUSED)


def import_addresses(context, *, import_id: int, dry_run: bool = False) -> dict:
    record = AddressImport.objects.filter(pk=import_id).first()
    if record is None:
        raise JobError(_("The import was deleted."))
    if not dry_run and record.status in FINISHED and record.result:
        return _summary(record, record.result)  # an earlier attempt committed it
    try:
        options = ImportOptions.from_dict(record.options)
    except OptionsError as error:
        raise JobError(str(error)) from None
    if options.add_to_master_tables and not master_entries.may_add(context.user):
        raise JobError(str(master_entries.NOT_ALLOWED))  # the user lost the right, or is gone
    if not record.stored_path.exists():
        raise JobError(_("The uploaded file is gone; upload it again."))
    AddressImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.RUNNING, job_id=context.job_id
    )
    record.job_id = context.job_id

    def progress(done: int, total: int, message: str) -> None:
        context.progress(done=done, total=total, message=message)
        context.check_cancelled()  # rolls the whole run back

    with transaction.atomic():
        result = records.run_recorded(
            record, options, dry_run=dry_run, user=context.user, progress=progress
        )
    if record.bad_rows_path is not None and record.bad_rows_path.exists():
        context.set_result_file(
            record.bad_rows_path,
            content_type="text/csv",
            name=_("bad-rows-%(name)s") % {"name": record.file_name},
        )
    return _summary(record, result.as_dict())


def _summary(record: AddressImport, result: dict) -> dict:
    actions = result.get("actions", {})
    return {
        "import_id": record.pk,
        "summary": result.get("summary", ""),
        "rows": result.get("rows", 0),
        "created": actions.get("create", 0),
        "added": actions.get("add", 0),
        "updated": actions.get("update", 0),
        "skipped": actions.get("skip", 0),
        "refused": actions.get("refuse", 0),
        "linked": result.get("linked", 0),
        "written": result.get("written", False),
        "dry_run": result.get("dry_run", False),
    }
