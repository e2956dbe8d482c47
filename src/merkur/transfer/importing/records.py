"""The import record: the uploaded file under ``MERKUR_DATA_DIR/imports/`` and what came of it."""

import secrets
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.transfer.importing.options import ImportOptions
from merkur.transfer.importing.pipeline import run_import
from merkur.transfer.importing.result import ImportResult
from merkur.transfer.models.imports import AddressImport, ImportStatus

CHUNK = 1024 * 1024


class FileTooLarge(ValueError):
    """The upload is over ``MERKUR_IMPORT_MAX_MB``; ``str()`` is for the user."""


def imports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_bytes() -> int:
    return settings.MERKUR_IMPORT_MAX_MB * 1024 * 1024


def _random_name(suffix: str) -> str:
    return f"{secrets.token_hex(16)}{suffix}"


def store_upload(chunks, *, file_name: str, user) -> AddressImport:
    """Write an upload (an iterable of bytes) under a random name; refuse it past the limit.

    The name the user gave is only shown, never used as a path.
    """
    stored = _random_name(".csv")
    path = imports_dir() / stored
    size, limit = 0, max_bytes()
    try:
        with open(path, "wb") as target:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise FileTooLarge(
                        _("The file is larger than %(limit)s MB.")
                        % {"limit": settings.MERKUR_IMPORT_MAX_MB}
                    )
                target.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return AddressImport.objects.create(
        created_by=user if user is not None and user.is_authenticated else None,
        file_name=Path(file_name).name[:255] or "import.csv",
        file_size=size,
        stored_name=stored,
    )


def record_file(path: Path, *, user=None) -> AddressImport:
    """An import record for a file given on the command line (copied, like an upload)."""
    with open(path, "rb") as source:
        return store_upload(iter(lambda: source.read(CHUNK), b""), file_name=path.name, user=user)


def run_recorded(
    record: AddressImport, options: ImportOptions, *, dry_run: bool, user, progress=None
) -> ImportResult:
    """Run the import of ``record``'s file and keep the outcome on the record."""
    bad_rows = _random_name("-bad.csv")
    result = run_import(
        record.stored_path,
        options,
        dry_run=dry_run,
        user=user,
        file_name=record.file_name,
        bad_rows_path=imports_dir() / bad_rows,
        progress=progress,
        source=record,
    )
    _remove_bad_rows(record)
    record.bad_rows_name = bad_rows if result.bad_rows_file is not None else ""
    record.options = options.to_dict()
    summary = result.as_dict()
    if dry_run:
        record.dry_run = summary
        record.status = ImportStatus.FAILED if result.failure else ImportStatus.CHECKED
        # An earlier real run (refused, failed) no longer says what happens.
        record.result, record.finished_at = {}, None
    else:
        record.result = summary
        record.finished_at = timezone.now()
        if result.failure:
            record.status = ImportStatus.FAILED
        elif not result.written:
            record.status = ImportStatus.REFUSED
        else:
            record.status = ImportStatus.DONE
    record.message = result.failure
    with transaction.atomic():
        record.save()
    return result


def _remove_bad_rows(record: AddressImport) -> None:
    if record.bad_rows_path is not None:
        record.bad_rows_path.unlink(missing_ok=True)


def copy_bad_rows(record: AddressImport, target: Path) -> bool:
    if record.bad_rows_path is None or not record.bad_rows_path.exists():
        return False
    shutil.copyfile(record.bad_rows_path, target)
    return True


def delete_import(record: AddressImport) -> None:
    """Remove the record and its files."""
    record.stored_path.unlink(missing_ok=True)
    _remove_bad_rows(record)
    record.delete()
