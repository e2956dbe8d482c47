"""The shapes of ``/imports`` (``api``): what comes in, what goes out, and the builders
of the answers from an import record."""

import datetime
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema

from merkur.companies.models import CompanyRole
from merkur.core.api.pagination import PageQuery, page_schema
from merkur.core.api.schemas import BodySchema, InSchema, Ref
from merkur.core.users import display_name
from merkur.transfer.columns import Mapping, MappingError
from merkur.transfer.importing import api_services as services
from merkur.transfer.importing.options import (
    ACTIONS,
    DATE_FORMATS,
    MAX_ROW_DECISIONS,
    MODES,
    NUMBER_FORMATS,
    RULES,
)
from merkur.transfer.importing.prepare import columns_of
from merkur.transfer.importing.services import job_of, preview_of
from merkur.transfer.models import AddressImport, ImportProfile
from merkur.transfer.models.imports import ImportStatus
from merkur.transfer.sniff import DELIMITERS, ENCODINGS, Detection, display_encoding

MAX_COLUMNS = 1000

Encoding = Literal[ENCODINGS]
Separator = Literal[DELIMITERS]
Quote = Literal['"', "'", ""]
Rule = Literal[RULES]
Action = Literal[ACTIONS]
Line = Annotated[int, Field(ge=1, le=10**9)]
ImportState = Literal[tuple(ImportStatus.values)]


class UploadIn(InSchema):
    profile: str | None = Field(
        None, max_length=100, description="A saved import profile (id or name) to start from."
    )
    encoding: Encoding | None = Field(None, description="Default: detected.")
    separator: Separator | None = Field(None, description="Default: detected.")
    quotechar: Quote | None = Field(None, description="Default: detected.")
    has_header: bool | None = Field(None, description="Default: detected.")


class LinkIn(BodySchema):
    kind: str = Field(..., max_length=50, description="`sales_order` or `event`.")
    reference: str = Field(
        ..., min_length=1, max_length=100, description="The order's number; the event's id/name."
    )
    status: str = Field(
        "", max_length=50, description="A marketing event's member status (default `planned`)."
    )


class SettingsIn(BodySchema):
    profile: int | str | None = Field(
        None, description="Start again from this profile's reading options, mapping and formats."
    )
    encoding: Encoding | None = None
    separator: Separator | None = None
    quotechar: Quote | None = None
    has_header: bool | None = None
    mapping: dict[str, str | None] | None = Field(
        None,
        max_length=MAX_COLUMNS,
        description='Column (its header or its number from 1) → field (`"Firma": '
        '"company.name"`, `"3": "person.email"`); `""` or null leaves a column out. '
        "Changes the current mapping; see `GET /imports/fields`.",
    )
    replace_mapping: bool = Field(False, description="Map only the columns in `mapping`.")
    mode: Literal[MODES] | None = Field(
        None, description="`all_or_nothing` (default) or `good_rows` (keep the good rows)."
    )
    decisions: dict[Rule, Action] | None = Field(
        None, description="What to do with a duplicate, per rule (default: skip)."
    )
    row_decisions: dict[Line, Action] | None = Field(
        None,
        max_length=MAX_ROW_DECISIONS,
        description="Per line of the file, over the rule's decision (lines of the dry run's "
        "duplicates).",
    )
    roles: list[Literal[tuple(CompanyRole.values)]] | None = Field(None, min_length=1)
    country: str | None = Field(None, max_length=3, description="For rows without a country.")
    number_format: Literal[NUMBER_FORMATS] | None = None
    date_format: Literal[DATE_FORMATS] | None = None
    similarity: int | None = Field(None, ge=50, le=100)
    link: LinkIn | None = Field(None, description="Link the records to this; null: no link.")
    link_matches: bool | None = Field(
        None, description="Link the existing records that rows matched, too (default true)."
    )
    add_to_master_tables: bool | None = Field(
        None,
        description="Add unknown functions and titles to their master tables instead of "
        "refusing the rows (default false; needs the right to maintain master tables).",
    )


class ColumnOut(Schema):
    number: int = Field(..., description="From 1.")
    header: str
    field: str | None = Field(..., description="The field it is mapped to, or null.")
    samples: list[str]


class ReadingOut(Schema):
    encoding: str
    encoding_label: str
    separator: str
    quotechar: str
    has_header: bool


class DetectedOut(ReadingOut):
    columns: int
    confidence: float
    notes: list[str]


class SettingsOut(Schema):
    mode: str
    roles: list[str]
    country: str
    number_format: str
    date_format: str
    similarity: int
    link: dict | None
    link_matches: bool
    add_to_master_tables: bool
    decisions: dict[str, str]
    row_decisions: dict[str, str]


class CountsOut(Schema):
    dry_run: bool
    rows: int
    created: int = Field(..., description="Rows that create a company.")
    added: int = Field(..., description="Rows that add a person to an existing company.")
    updated: int
    skipped: int
    refused: int
    linked: int
    link_label: str
    new_entries: dict[str, list[str]] = Field(
        ...,
        description="Entries added to the master tables (a dry run: to be added), "
        '{"titles": [...], "functions": [...]}.',
    )
    companies_created: int
    people_created: int
    companies_updated: int
    people_updated: int
    written: bool
    failure: str
    summary: str


class JobRefOut(Schema):
    id: int
    status: str
    percent: int | None
    progress_message: str
    url: str


class UserRefOut(Schema):
    id: int
    username: str
    name: str


class ImportSummaryOut(Schema):
    id: int
    file_name: str
    file_size: int
    status: ImportState
    status_label: str
    created_by: UserRefOut | None
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    profile: Ref | None
    job: JobRefOut | None
    dry_run: CountsOut | None
    result: CountsOut | None
    message: str
    url: str
    refused_rows_url: str
    refused_rows_csv_url: str | None = Field(
        ..., description="The refused rows as CSV (to fix and import again), if any."
    )
    page_url: str


class ImportOut(ImportSummaryOut):
    detected: DetectedOut
    reading: ReadingOut
    columns: list[ColumnOut]
    preview_error: str = Field(..., description="Why the first rows could not all be read.")
    settings: SettingsOut


ImportPage = page_schema(ImportSummaryOut, "ImportPage")


class ImportQuery(PageQuery):
    status: ImportState | None = None


class StartOut(Schema):
    job: int
    status: str
    url: str = Field(..., description="The job to poll (`GET /jobs/{id}`).")
    import_url: str


class ProblemOut(Schema):
    column: str = Field(..., description="The file's column (its header), empty for the row.")
    value: str
    reason: str


class RefusedRowOut(Schema):
    line: int = Field(..., description="Line of the file where the row starts.")
    problems: list[ProblemOut]


class RefusedPage(Schema):
    items: list[RefusedRowOut]
    next_cursor: str | None
    previous_cursor: str | None
    count: int = Field(..., description="All refused rows of the run.")
    count_exact: bool
    listed: int = Field(..., description="How many of them are listed here; the CSV has all.")


class MatchedOut(Schema):
    kind: Literal["company", "line"] = Field(
        ..., description="An existing company, or an earlier line of the file."
    )
    id: int = Field(..., description="The company's id, or the line's number.")
    name: str = Field(..., description="The company's name (empty for a line).")
    person: int | None = Field(..., description="The existing person the row matched, if any.")


class DuplicateRowOut(Schema):
    line: int = Field(..., description="Line of the file: the key of `row_decisions`.")
    name: str = Field(..., description="The row's company name.")
    person: str = Field(..., description="The row's person.")
    place: str = Field(..., description="The row's postal code and city.")
    rule: Rule
    rule_label: str
    matched: MatchedOut | None
    action: str = Field(
        ...,
        description="What the dry run did with the row: `skip`, `update`, `create`, `add` "
        "(its person joins the company an earlier row creates) or `refuse`.",
    )
    decision: Action = Field(
        ..., description="The decision that applies now: the line's own, else the rule's."
    )
    row_decision: Action | None = Field(..., description="The line's own decision, if any.")


class DuplicatePage(Schema):
    items: list[DuplicateRowOut]
    next_cursor: str | None
    previous_cursor: str | None
    count: int = Field(..., description="The duplicates the dry run kept.")
    count_exact: bool = Field(..., description="False if the dry run found more than it kept.")


class FieldOut(Schema):
    key: str
    label: str


class ProfileOut(Schema):
    id: int
    name: str
    owner: UserRefOut
    shared: bool
    mine: bool
    encoding: str
    separator: str
    has_header: bool | None
    number_format: str
    date_format: str
    mapping: list[ColumnOut]


ProfilePage = page_schema(ProfileOut, "ImportProfilePage")


# --- answers ---------------------------------------------------------------------------------


def user_ref(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": display_name(user)}


def counts(summary: dict) -> dict | None:
    if not summary:
        return None
    actions = summary.get("actions", {})
    return {
        "dry_run": summary.get("dry_run", False),
        "rows": summary.get("rows", 0),
        "created": actions.get("create", 0),
        "added": actions.get("add", 0),
        "updated": actions.get("update", 0),
        "skipped": actions.get("skip", 0),
        "refused": actions.get("refuse", 0),
        **{key: summary.get(key, 0) for key in ("linked", "companies_created", "people_created",
                                                "companies_updated", "people_updated")},
        "link_label": summary.get("link_label", ""),
        "new_entries": summary.get("new_entries") or {},
        "written": summary.get("written", False),
        "failure": summary.get("failure", ""),
        "summary": summary.get("summary", ""),
    }  # fmt: skip


def job_ref(job) -> dict | None:
    if job is None:
        return None
    return {
        "id": job.pk,
        "status": job.status,
        "percent": job.percent,
        "progress_message": job.progress_message,
        "url": f"/api/v1/jobs/{job.pk}",
    }


def import_summary(record: AddressImport, jobs: dict | None = None) -> dict:
    """``jobs``: the page's jobs by id (``services.jobs_of``), else the job is read."""
    job = job_of(record, jobs)  # first: a failed job fails the record
    base = f"/api/v1/imports/{record.pk}"
    bad_rows = record.bad_rows_path
    return {
        "id": record.pk,
        "file_name": record.file_name,
        "file_size": record.file_size,
        "status": record.status,
        "status_label": str(record.get_status_display()),
        "created_by": user_ref(record.created_by),
        "created_at": record.created_at,
        "finished_at": record.finished_at,
        "profile": {"id": record.profile.pk, "name": record.profile.name}
        if record.profile
        else None,
        "job": job_ref(job),
        "dry_run": counts(record.dry_run),
        "result": counts(record.result),
        "message": record.message,
        "url": base,
        "refused_rows_url": f"{base}/refused-rows",
        "refused_rows_csv_url": f"{base}/refused-rows/csv"
        if bad_rows is not None and bad_rows.exists()
        else None,
        "page_url": record.get_absolute_url(),
    }


def _reading(detection: dict) -> dict:
    return {
        "encoding": detection.get("encoding", ""),
        "encoding_label": display_encoding(detection.get("encoding", "")),
        "separator": detection.get("delimiter", ""),
        "quotechar": detection.get("quotechar", '"'),
        "has_header": detection.get("has_header", True),
    }


def import_out(record: AddressImport) -> dict:
    draft = record.options or {}
    detection = Detection.from_dict(draft.get("detection") or record.detection)
    if record.stored_path.exists():
        shown = preview_of(record, detection)
    else:  # the data folder was cleaned up behind our back
        shown = {"samples": [], "error": _("The uploaded file is gone; upload it again.")}
    try:
        chosen = columns_of(Mapping.from_dict(draft.get("mapping")))
    except MappingError:
        chosen = {}
    found = record.detection or {}
    return import_summary(record) | {
        "detected": _reading(found)
        | {
            "columns": found.get("columns", 0),
            "confidence": found.get("confidence", 1.0),
            "notes": found.get("notes", []),
        },
        "reading": _reading(detection.to_dict()),
        "columns": [
            {
                "number": index + 1,
                "header": sample["header"],
                "field": chosen.get(index),
                "samples": sample["values"],
            }
            for index, sample in enumerate(shown["samples"])
        ],
        "preview_error": shown["error"],
        "settings": services.settings_of(record),
    }


def profile_out(profile: ImportProfile, user) -> dict:
    try:
        mapping = Mapping.from_dict(profile.mapping)
    except MappingError:
        mapping = Mapping(())
    headers = mapping.headers
    return {
        "id": profile.pk,
        "name": profile.name,
        "owner": user_ref(profile.owner),
        "shared": profile.shared,
        "mine": profile.owner_id == user.pk,
        "encoding": profile.encoding,
        "separator": profile.delimiter,
        "has_header": profile.has_header,
        "number_format": profile.number_format,
        "date_format": profile.date_format,
        "mapping": [
            {
                "number": index + 1,
                "header": headers[index] if index < len(headers) else "",
                "field": field,
                "samples": [],
            }
            for index, field in sorted(columns_of(mapping).items())
        ],
    }
