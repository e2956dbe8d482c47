"""``POST /business-import/{kind}/file``: an ERP export file, imported as the CLI does.

The same import as ``merkur import-business-data`` (``merkur.business.importer``):
CSV with a header row, JSON Lines or a JSON array; all or nothing; every bad
row with line, column, value and reason. The file is stored in a temporary file
while it is read, so its size is bounded by ``MERKUR_IMPORT_MAX_MB``, not memory.
"""

import shutil
import tempfile
from pathlib import Path
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from merkur.business.api.common import can_edit, can_manage_rates
from merkur.business.importer import KINDS, import_file
from merkur.business.importer.result import KEPT_ERRORS
from merkur.business.importer.source import FORMATS
from merkur.core.api.errors import ErrorOut

router = Router(tags=["Business data import"])

FileKind = Literal[KINDS]


class FileOptions(Schema):
    dry_run: bool = Field(False, description="Check and count, write nothing.")
    format: Literal[FORMATS] | None = Field(
        None, description="`csv`, `jsonl` or `json`; default: from the file name."
    )
    encoding: str | None = Field(
        None, max_length=30, description="E.g. `cp1252`; default UTF-8 (BOM allowed)."
    )
    delimiter: Literal[";", ",", "\t", "|"] | None = Field(
        None, description="CSV separator; default: taken from the header line."
    )
    decimal_comma: bool = Field(False, description="Numbers are written `1.234,50`.")


class RowErrorOut(Schema):
    line: int = Field(..., description="Line of the file where the row starts.")
    column: str
    value: str
    reason: str


class FileResultOut(Schema):
    kind: str
    file: str
    dry_run: bool
    rows: int
    records: int
    created: int
    updated: int
    unchanged: int
    error_count: int = Field(..., description="All errors; `errors` lists the first ones.")
    errors: list[RowErrorOut]
    seconds: float


@router.post(
    "/{kind}/file",
    response={200: FileResultOut, 422: FileResultOut, 413: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    summary="Import an ERP export file",
    description=(
        "Multipart upload in the field `file` (CSV with a header row, JSON Lines or a JSON "
        "array; columns as in docs/business-import.md), options as form fields. Import "
        "`rates`, `articles`, `documents`, `batches`, `deliveries`, `instances` in this "
        "order. All or nothing: if any row is bad the answer is 422 with the counts of "
        f"what was read, `error_count` and the first {KEPT_ERRORS:,} errors, and nothing "
        "is written. Re-importing a document, delivery or record with the same number "
        "replaces it (no duplicates). Size limit: `MERKUR_IMPORT_MAX_MB`."
    ),
)
def import_business_file(
    request: HttpRequest,
    kind: FileKind,
    file: File[UploadedFile],
    options: Form[FileOptions],
):
    can_edit(request)
    if kind == "rates":
        can_manage_rates(request)
    limit = settings.MERKUR_IMPORT_MAX_MB
    if file.size > limit * 1024 * 1024:
        raise HttpError(413, _("The file is larger than %(size)s MB; split it.") % {"size": limit})
    # The name the file is read under: only its known suffix is taken from the upload.
    suffix = Path(file.name or "").suffix.lower()
    name = "upload" + (suffix if suffix in (".csv", ".txt", ".json", ".jsonl", ".ndjson") else "")
    with tempfile.TemporaryDirectory(prefix="merkur-import-") as folder:
        path = Path(folder) / name
        with open(path, "wb") as target:
            shutil.copyfileobj(file, target, 1024 * 1024)
        result = import_file(
            kind,
            path,
            dry_run=options.dry_run,
            file_format=options.format,
            encoding=options.encoding,
            delimiter=options.delimiter,
            decimal_comma=options.decimal_comma,
        )
    body = result.as_dict()
    return Status(200 if result.ok else 422, body)
