"""``/imports``: address imports over the API — upload, settings, dry run, run, outcome.

The same steps as the import screens and ``merkur import-addresses``, with their
functions: ``POST /imports`` takes the file (multipart, field ``file``) and
answers what was detected (encoding, separator, header) with the suggested
mapping; ``PATCH /imports/{id}`` changes reading, mapping and options;
``POST /imports/{id}/dry-run`` and ``/run`` start the background job (202 with
the job to poll, ``GET /jobs/{id}``). The outcome — counts, refused rows with
line, column, value and reason, the refused rows as CSV, the dry run's
duplicates to decide on — is on the import.
Like the screens every route needs ``EDIT_RECORDS``; an import is seen by its
uploader and administrators (404 for others). Bad input answers 4xx with a
message per field (``file``, ``mapping``, ``link.reference`` …).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from merkur.core.api.auth import require_capability
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ErrorOut
from merkur.core.api.pagination import PageQuery, paginate
from merkur.core.pagination import InvalidCursor, Ordering
from merkur.core.roles import Capability
from merkur.transfer.columns import TARGETS
from merkur.transfer.importing import api_schemas as schemas
from merkur.transfer.importing import api_services as services
from merkur.transfer.importing import records
from merkur.transfer.importing.api_schemas import (
    DuplicatePage,
    FieldOut,
    ImportOut,
    ImportPage,
    ImportQuery,
    ProfilePage,
    RefusedPage,
    SettingsIn,
    StartOut,
    UploadIn,
)
from merkur.transfer.importing.prepare import FileGone
from merkur.transfer.importing.result import KEPT
from merkur.transfer.importing.services import (
    BUSY,
    PREVIEW_ROWS,
    Conflict,
    bad_rows_download,
    jobs_of,
    locked,
    start,
)
from merkur.transfer.models import AddressImport, ImportProfile
from merkur.transfer.models.imports import ImportStatus

router = Router(tags=["Address imports"])

IMPORT_ORDERING = Ordering(("-created_at", "-id"))
PROFILE_ORDERING = Ordering(("name", "id"))


# --- helpers ---------------------------------------------------------------------------------


def can_import(request: HttpRequest) -> None:
    require_capability(request, Capability.EDIT_RECORDS)


def _import(request: HttpRequest, import_id: int) -> AddressImport:
    can_import(request)
    record = services.visible_imports(request.auth).filter(pk=import_id).first()
    if record is None:
        raise Http404
    return record


def _not_busy(record: AddressImport) -> None:
    reason = locked(record)
    if reason:
        raise HttpError(409, reason)


def _start(request: HttpRequest, import_id: int, *, dry_run: bool) -> Status:
    """Claim and queue the dry run or the real run (after a dry run); 409 if it cannot
    start or another request started it meanwhile."""
    record = _import(request, import_id)
    _not_busy(record)
    if not dry_run and record.status != ImportStatus.CHECKED:
        raise HttpError(409, _("Check the file (dry run) before importing it."))
    record.options = services.options_for_run(record).to_dict()
    try:  # ``start`` writes the options in the transaction that claims the import
        job = start(record, request.auth, dry_run=dry_run)
    except Conflict as error:
        raise HttpError(409, str(error)) from None
    return _started(record, job)


def _changes(payload: Schema) -> dict:
    """The fields sent; null means "not given", except for ``link`` (null: no link)."""
    sent = payload.model_dump(exclude_unset=True)
    return {key: value for key, value in sent.items() if value is not None or key == "link"}


def _started(record: AddressImport, job) -> Status:
    return Status(
        202,
        {
            "job": job.pk,
            "status": job.status,
            "url": f"/api/v1/jobs/{job.pk}",
            "import_url": f"/api/v1/imports/{record.pk}",
        },
    )


# --- imports ---------------------------------------------------------------------------------


@router.get(
    "",
    response={200: ImportPage, **LIST_ERRORS},
    summary="List address imports",
    description="The caller's imports (everybody's for administrators), newest first.",
)
def list_imports(request: HttpRequest, query: Query[ImportQuery]):
    can_import(request)
    imports = services.visible_imports(request.auth)
    if query.status:
        imports = imports.filter(status=query.status)
    page = paginate(imports, IMPORT_ORDERING, page=query, serialize=lambda record: record)
    jobs = jobs_of(page["items"])  # one query for the page, not one per import
    page["items"] = [schemas.import_summary(record, jobs) for record in page["items"]]
    return page


@router.post(
    "",
    response={201: ImportOut, 413: ErrorOut, **WRITE_ERRORS},
    summary="Upload an address file",
    description="Multipart: the file in `file` (CSV or text, at most `MERKUR_IMPORT_MAX_MB`), "
    "optionally a `profile` (id or name) and the reading settings (`encoding`, `separator`, "
    "`quotechar`, `has_header`) instead of the detected ones. The answer: what was detected, "
    "the columns with the first values and the suggested (or the profile's) mapping.",
)
def upload_import(request: HttpRequest, file: File[UploadedFile], reading: Form[UploadIn]):
    can_import(request)
    limit = settings.MERKUR_IMPORT_MAX_MB
    if file.size > records.max_bytes():
        message = _("The file is larger than %(limit)s MB.") % {"limit": limit}
        return Status(413, {"detail": message, "errors": {"file": [message]}})
    if file.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    choices = reading.model_dump(exclude_none=True)
    profile = choices.pop("profile", None)
    profile = services.find_profile(request.auth, profile) if profile else None
    try:
        record = records.store_upload(file.chunks(), file_name=file.name or "", user=request.auth)
    except records.FileTooLarge as error:
        return Status(413, {"detail": str(error), "errors": {"file": [str(error)]}})
    try:
        with transaction.atomic():
            services.prepare(record, profile=profile, reading=choices)
    except ValidationError:
        records.delete_import(record)
        raise
    return Status(201, schemas.import_out(record))


@router.get(
    "/fields",
    response={200: list[FieldOut], **LIST_ERRORS},
    summary="List the fields a column can be mapped to",
)
def list_import_fields(request: HttpRequest):
    can_import(request)
    return [{"key": target.key, "label": _(target.label)} for target in TARGETS]


@router.get(
    "/profiles",
    response={200: ProfilePage, **LIST_ERRORS},
    summary="List the import profiles",
    description="Saved mappings with their reading options: the caller's own and the ones "
    "colleagues share. Give one's id or name as `profile` on upload or in `PATCH`.",
)
def list_import_profiles(request: HttpRequest, query: Query[PageQuery]):
    can_import(request)
    profiles = ImportProfile.objects.visible_to(request.auth).select_related("owner")

    return paginate(
        profiles,
        PROFILE_ORDERING,
        page=query,
        serialize=lambda profile: schemas.profile_out(profile, request.auth),
    )


@router.get(
    "/{int:import_id}",
    response={200: ImportOut, **READ_ERRORS},
    summary="Get an address import",
    description=f"Status, the job's progress while it runs, the counts of the dry run and of "
    f"the real run, what was detected, the columns with their first {PREVIEW_ROWS} values "
    "and mapping, and the settings.",
)
def get_import(request: HttpRequest, import_id: int):
    return schemas.import_out(_import(request, import_id))


@router.patch(
    "/{int:import_id}",
    response={200: ImportOut, 409: ErrorOut, **WRITE_ERRORS},
    summary="Change an import's reading, mapping and options",
    description="Only the fields sent change. A checked import goes back to `uploaded` "
    "(check it again) unless only `decisions`/`row_decisions` changed. 409 while its job "
    "runs, once it is imported, and for a change that reads the file (reading, `mapping`, "
    "`profile`) when the uploaded file is gone.",
)
def update_import(request: HttpRequest, import_id: int, payload: SettingsIn):
    record = _import(request, import_id)
    _not_busy(record)
    try:
        with transaction.atomic():
            services.change_settings(record, _changes(payload), request.auth)
    except (FileGone, Conflict) as error:
        raise HttpError(409, str(error)) from None
    return schemas.import_out(record)


@router.delete(
    "/{int:import_id}",
    response={204: None, 409: ErrorOut, **READ_ERRORS},
    summary="Delete an import",
    description="The record, its file and its refused rows; the imported records stay. "
    "409 while its job runs.",
)
def delete_import(request: HttpRequest, import_id: int):
    record = _import(request, import_id)
    if record.status in BUSY:
        raise HttpError(409, _("The import is running; wait until it has finished."))
    records.delete_import(record)
    return Status(204, None)


@router.post(
    "/{int:import_id}/dry-run",
    response={202: StartOut, 409: ErrorOut, **WRITE_ERRORS},
    summary="Check an import (dry run, in the background)",
    description="Reads and checks every row and finds the duplicates; writes nothing. "
    "Then the import is `checked` with the counts in `dry_run`, or `failed`. 422 if the "
    "settings are incomplete (e.g. no column for the company name).",
)
def start_dry_run(request: HttpRequest, import_id: int):
    return _start(request, import_id, dry_run=True)


@router.post(
    "/{int:import_id}/run",
    response={202: StartOut, 409: ErrorOut, **WRITE_ERRORS},
    summary="Import (the real run, in the background)",
    description="After a dry run (409 otherwise), with the decisions on duplicates set by "
    "`PATCH`. Then the import is `done` (counts in `result`), `refused` (all or nothing, "
    "bad rows) or `failed`.",
)
def start_run(request: HttpRequest, import_id: int):
    return _start(request, import_id, dry_run=False)


# --- refused rows ----------------------------------------------------------------------------


def _cursor_line(cursor: str) -> tuple[str, int]:
    direction, _sep, line = cursor.partition(":")
    if direction not in ("n", "p") or not (line.isascii() and line.isdigit()) or len(line) > 12:
        raise InvalidCursor("malformed cursor")
    return direction, int(line)


@router.get(
    "/{int:import_id}/refused-rows",
    response={200: RefusedPage, **LIST_ERRORS, 404: ErrorOut},
    summary="List an import's refused rows",
    description="Of the real run once it ran, else of the dry run: line, and per problem "
    f"the column, its value and the reason. The first {KEPT} are listed; the CSV has all.",
)
def list_refused_rows(request: HttpRequest, import_id: int, query: Query[PageQuery]):
    record = _import(request, import_id)
    run = services.last_run(record)
    rows = sorted(run.get("bad", []), key=lambda row: row["line"])
    return _line_page(rows, query) | {
        "count": run.get("actions", {}).get("refuse", 0),
        "count_exact": True,
        "listed": len(rows),
    }


@router.get(
    "/{int:import_id}/duplicates",
    response={200: DuplicatePage, **LIST_ERRORS, 404: ErrorOut},
    summary="List the dry run's duplicates",
    description="The rows the last dry run found to match an existing company (by customer "
    "number, e-mail address or similar name) or an earlier row of the file, as the screen "
    "lists them to decide on: the line (the key of `row_decisions` in `PATCH`), the row, the "
    "rule, what it matched, what the dry run did and the decision that applies now. The "
    f"first {KEPT} are kept.",
)
def list_duplicates(request: HttpRequest, import_id: int, query: Query[PageQuery]):
    rows = services.duplicates_of(_import(request, import_id))
    return _line_page(rows, query) | {"count": len(rows), "count_exact": len(rows) < KEPT}


def _line_page(rows: list[dict], query: PageQuery) -> dict:
    """One page of ``rows`` (sorted by line), the cursor being a line."""
    if query.cursor:
        direction, line = _cursor_line(query.cursor)
        if direction == "n":
            after = [row for row in rows if row["line"] > line]
            page, more_before, more_after = after[: query.limit], True, len(after) > query.limit
        else:
            before = [row for row in rows if row["line"] < line]
            page = before[-query.limit :]
            more_before, more_after = len(before) > query.limit, True
    else:
        page, more_before, more_after = rows[: query.limit], False, len(rows) > query.limit
    return {
        "items": page,
        "next_cursor": f"n:{page[-1]['line']}" if page and more_after else None,
        "previous_cursor": f"p:{page[0]['line']}" if page and more_before else None,
    }


@router.get(
    "/{int:import_id}/refused-rows/csv",
    response={**READ_ERRORS},
    summary="Download an import's refused rows as CSV",
    description="The rows as the file had them plus a reason column (UTF-8, the file's "
    "separator): fix them and import the file again. 404 if there are none.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The CSV file.",
                "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_refused_rows(request: HttpRequest, import_id: int):
    return bad_rows_download(_import(request, import_id))
