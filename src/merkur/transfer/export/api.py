"""``/exports``: export addresses over the API — the file at once, or a job.

``POST /exports`` takes the source (``companies``, ``people``, ``selection``,
``run`` …), its parameters (list filters as the list pages take them, or the id),
a profile and/or options (``format``, ``columns`` and the rest, see
``docs/export.md``). Options given override the profile's. The answer is the file
itself (200, streamed: CSV, JSON, vCard, templates) or, for XLSX, non-UTF-8
encodings, large exports and ``"mode": "job"``, 202 with the job to poll
(``GET /jobs/{id}``) and download (``GET /jobs/{id}/file``). Bad options, columns
or parameters are answered with 422 and a message per field (``options.format``,
``options.columns``, ``params.selection``, ``params.filters`` …).
``GET /exports/columns`` lists the columns a source's rows can have.
"""

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from merkur.core.api.auth import require_capability
from merkur.core.api.errors import LIST_ERRORS, WRITE_ERRORS
from merkur.core.api.schemas import BodySchema, InSchema
from merkur.core.roles import Capability
from merkur.transfer.export import catalog, profiles, runner, sources
from merkur.transfer.export import options as export_options

router = Router(tags=["Exports"])

SOURCE_ERRORS = {"selection", "run", "event", "id", "filters"}


class ExportIn(BodySchema):
    source: str = Field(
        description="Where the rows come from: `companies`, `people`, `selection`, `run` "
        "(and sources other apps register)."
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="The source's parameters: for `companies`/`people` the list filters "
        '(`{"country": "DE", "industry": [3, 4]}`), for `selection` `{"selection": id or '
        'name}`, for `run` `{"run": id}`.',
    )
    profile: int | str | None = Field(
        None, description="An export profile (id or name) whose options are the starting point."
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="Options (`format`, `columns`, `header`, `separator`, `encoding` …); "
        "they override the profile's.",
    )
    mode: Literal["auto", "stream", "job"] = Field(
        "auto",
        description="`auto`: the file at once where it can be streamed, else a job; `job`: "
        "always a job; `stream`: the file at once or 422 where it cannot be.",
    )


class JobOut(Schema):
    job: int
    status: str
    url: str
    file_url: str


class ColumnOut(Schema):
    key: str
    label_de: str
    label_en: str
    type: str
    group: str


class ColumnsQuery(InSchema):
    target: Literal["companies", "people"] = "companies"


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    return ValidationError({f"{prefix}{name}": messages for name, messages in
                            error.message_dict.items()})  # fmt: skip


def _options(request: HttpRequest, payload: ExportIn) -> export_options.Options:
    data = {}
    if payload.profile is not None:
        profile = profiles.find(request.user, payload.profile)
        if profile is None:
            raise ValidationError({"profile": [_("No export profile of this id or name.")]})
        data.update(profile.options or {})
        data.setdefault("format", profile.format)
    data.update(payload.options)
    try:
        return export_options.parse(data)
    except ValidationError as error:
        raise _prefixed(error, "options.") from None


def _prepare(request: HttpRequest, payload: ExportIn, options) -> runner.Export:
    try:
        sources.get(payload.source)
    except ValidationError as error:
        raise _prefixed(error, "") from None
    params = payload.params
    if payload.source in ("companies", "people"):
        query = QueryDict(mutable=True)
        query.update(sources.as_query(params))
        params = query
    try:
        return runner.prepare(
            source=payload.source, params=params, options=options, user=request.user
        )
    except ValidationError as error:
        fields = {}
        for name, messages in error.message_dict.items():
            if name in SOURCE_ERRORS:
                fields[f"params.{name}"] = messages
            elif name == "source":
                fields["source"] = messages
            else:
                fields[f"options.{name}"] = messages
        raise ValidationError(fields) from None


@router.post(
    "",
    response={200: None, 202: JobOut, **WRITE_ERRORS},
    summary="Export addresses",
    description="The file (streamed) or, for XLSX, other encodings than UTF-8, large "
    "exports and `mode: job`, a job (202) whose file `GET /jobs/{id}/file` downloads.",
)
def create_export(request: HttpRequest, payload: ExportIn):
    require_capability(request, Capability.VIEW_RECORDS)
    options = _options(request, payload)
    export = _prepare(request, payload, options)
    in_worker = payload.mode == "job" or (payload.mode == "auto" and export.runs_in_worker())
    if payload.mode == "stream" and not export.writer.streams:
        raise ValidationError({"mode": [_("An XLSX file cannot be streamed; use a job.")]})
    if in_worker:
        from merkur.jobs.services import enqueue

        params = export.params
        if isinstance(params, QueryDict):
            params = dict(params.lists())
        job = enqueue(
            runner.JOB_KIND,
            params={"source": payload.source, "params": params, "options": options.to_dict()},
            user=request.user,
        )
        return Status(
            202,
            {
                "job": job.pk,
                "status": job.status,
                "url": f"/api/v1/jobs/{job.pk}",
                "file_url": f"/api/v1/jobs/{job.pk}/file",
            },
        )
    try:
        pieces = export.primed()
    except ValidationError as error:
        raise _prefixed(error, "options.") from None
    response = StreamingHttpResponse(pieces, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=export.file_name
    )
    return response


@router.get(
    "/columns",
    response={200: list[ColumnOut], **LIST_ERRORS},
    summary="List the export columns",
    description="Every column a row about companies or people can have, attributes "
    "included (`company.attr.<code>`, as of the export's day; append `@YYYY-MM-DD` for "
    "another day).",
)
def list_export_columns(request: HttpRequest, query: Query[ColumnsQuery]):
    require_capability(request, Capability.VIEW_RECORDS)
    return [
        {
            "key": column.key,
            "label_de": column.label_de,
            "label_en": column.label_en,
            "type": column.type,
            "group": column.group,
        }
        for column in catalog.catalog(query.target)
    ]
