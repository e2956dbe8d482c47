"""The steps of an import that the screens and the API share.

Preparing an upload (detection, the profile's or the suggested mapping), its
preview, whether its settings may change, starting its job (claimed once, so
two requests cannot both enqueue) and following that job. What reads the file
again or changes the mapping is in ``prepare`` (the CLI uses it too).
"""

from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from merkur.transfer.columns import Mapping
from merkur.transfer.importing.prepare import detect, header_of, mapping_for
from merkur.transfer.models import AddressImport, ImportProfile
from merkur.transfer.models.imports import ImportStatus
from merkur.transfer.reading import ReadError, preview
from merkur.transfer.sniff import Detection

PREVIEW_ROWS = 8
BUSY = (ImportStatus.QUEUED, ImportStatus.RUNNING)
# Settings change and a dry run may start unless a job runs or the file was
# imported; the real run only after a dry run.
CHANGEABLE = (
    ImportStatus.UPLOADED,
    ImportStatus.CHECKED,
    ImportStatus.REFUSED,
    ImportStatus.FAILED,
)
RUN_FROM = (ImportStatus.CHECKED,)


class Conflict(Exception):
    """The import's status does not allow this (any more); ``str()`` is for the user."""


def locked(record: AddressImport) -> str:
    """Why the import's settings cannot change now, or "": a job runs, or it was imported."""
    return _refusal(record.status) if record.status in (*BUSY, ImportStatus.DONE) else ""


def _refusal(status: str | None) -> str:
    if status in BUSY:
        return _("The import is running; wait until it has finished.")
    if status == ImportStatus.DONE:
        return _("This file has been imported; upload it again to repeat.")
    return _("Check the file (dry run) before importing it.")


def prepare_upload(record: AddressImport, profile: ImportProfile | None) -> None:
    """Detect how the file is written and suggest (or take the profile's) mapping.

    Raises ``ReadError``, ``InvalidDetection`` or ``MappingError`` (the profile's).
    """
    overrides = profile.reading_options() if profile else {}
    found = detect(record.stored_path)
    detection = found
    reading = {k: overrides[k] for k in ("encoding", "delimiter", "has_header") if k in overrides}
    if reading:
        detection = found.override(**reading)
    header = header_of(record.stored_path, detection)
    if profile is not None:
        mapping = Mapping.from_dict(profile.mapping)
        mapping = mapping.rebind(header) if header is not None else mapping
    else:
        mapping = mapping_for(header)
    record.detection = {
        **found.to_dict(),
        "columns": found.columns,
        "confidence": found.confidence,
        "notes": list(found.notes),
    }
    draft = {"detection": detection.to_dict(), "mapping": mapping.to_dict()}
    if profile is not None:
        draft |= {
            "number_format": profile.number_format,
            "date_format": profile.date_format,
        }
    record.options = draft
    record.profile = profile
    record.save(update_fields=["detection", "options", "profile"])


def preview_of(record: AddressImport, detection: Detection) -> dict:
    """The header, the first rows, and per column its header and a few values."""
    try:
        found = preview(record.stored_path, detection, rows=PREVIEW_ROWS)
        header, rows, error = found.header, found.rows, found.error
    except ReadError as problem:
        header, rows, error = None, [], problem
    except OSError:  # the data folder was cleaned up behind our back
        header, rows, error = None, [], _("The uploaded file is gone; upload it again.")
    width = max([len(header or [])] + [len(row.fields) for row in rows] or [0])
    samples = []
    for index in range(width):
        name = header[index] if header is not None and index < len(header) else ""
        values = [row.fields[index] for row in rows if index < len(row.fields)]
        samples.append({"header": name, "values": [v for v in values if v.strip()][:3]})
    return {
        "header": header,
        "rows": rows,
        "error": str(error) if error else "",
        "width": width,
        "samples": samples,
    }


def start(record: AddressImport, user, *, dry_run: bool):
    """Queue the dry run or the real run of ``record`` with its ``options``; the job.

    The import is claimed with one conditional UPDATE, so of two requests that
    both saw it startable only one enqueues (the other gets ``Conflict``);
    only the fields a start changes are written. A dry run drops the outcome of
    an earlier real run (refused or failed): it no longer says what happens.
    """
    from merkur.jobs.services import enqueue

    changes = {"status": ImportStatus.QUEUED, "options": record.options, "message": ""}
    if dry_run:
        changes |= {"result": {}, "finished_at": None}
    title = (_("Checking %(file)s") if dry_run else _("Importing %(file)s")) % {
        "file": record.file_name
    }
    mine = AddressImport.objects.filter(pk=record.pk)
    with transaction.atomic():
        claimed = mine.filter(status__in=CHANGEABLE if dry_run else RUN_FROM).update(**changes)
        if not claimed:
            raise Conflict(_refusal(mine.values_list("status", flat=True).first()))
        job = enqueue(
            "transfer.import_addresses",
            params={"import_id": record.pk, "dry_run": dry_run},
            user=user,
            title=title,
        )
        mine.update(job_id=job.pk)
    for name, value in changes.items():
        setattr(record, name, value)
    record.job_id = job.pk
    return job


def save_settings(record: AddressImport) -> None:
    """Store what a change of settings touches (options, status, profile) unless a job was
    started or the file imported meanwhile (``Conflict``): a full save could undo that."""
    mine = AddressImport.objects.filter(pk=record.pk)
    saved = mine.filter(status__in=CHANGEABLE).update(
        options=record.options, status=record.status, profile=record.profile
    )
    if not saved:
        raise Conflict(_refusal(mine.values_list("status", flat=True).first()))


def jobs_of(imports) -> dict:
    """The jobs of ``imports`` by id, in one query (for ``job_of`` on a list)."""
    from merkur.jobs.models import Job

    ids = {record.job_id for record in imports if record.job_id}
    return Job.objects.in_bulk(ids) if ids else {}


def job_of(record: AddressImport, jobs: dict | None = None):
    """The record's job (from ``jobs`` if given); one that failed or was cancelled leaves
    the record failed."""
    if not record.job_id:
        return None
    from merkur.jobs.models import Job, JobStatus

    if jobs is None:
        jobs = Job.objects.in_bulk([record.job_id])
    job = jobs.get(record.job_id)
    if job is None:
        return None
    if record.status in BUSY and job.status in (JobStatus.FAILED, JobStatus.CANCELLED):
        message = job.error or str(job.get_status_display())
        AddressImport.objects.filter(pk=record.pk, status__in=BUSY, job_id=job.pk).update(
            status=ImportStatus.FAILED, message=message
        )
        record.status, record.message = ImportStatus.FAILED, message
    return job


def bad_rows_download(record: AddressImport) -> FileResponse:
    """The refused rows' CSV (the file's rows plus a reason) as a download; ``Http404``
    if the last run kept none."""
    path = record.bad_rows_path
    if path is None or not path.exists():
        raise Http404
    name = _("bad-rows-%(name)s") % {"name": record.file_name}
    return FileResponse(
        open(path, "rb"),  # the response closes it
        as_attachment=True,
        filename=name,
        content_type="text/csv",
    )
