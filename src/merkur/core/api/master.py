"""API routes for every master table, generated from the registry at import time.

Each registered table (``merkur.core.masterdata.tables()``) gets its own
paths under ``/master/<slug>`` with schemas built from its model, so the
OpenAPI shows every table with its own fields (a sales rep's e-mail, a
salutation's letter opening) instead of one opaque generic route. The
registry is filled in ``AppConfig.ready``, before the URLconf imports the API.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import create_model

from merkur.core import masterdata
from merkur.core.api.auth import require_capability
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, ErrorOut
from merkur.core.api.pagination import PageQuery, page_schema, paginate
from merkur.core.api.schemas import BodySchema, clean_values, resolve_ids
from merkur.core.masterdata import MasterTable
from merkur.core.pagination import Ordering
from merkur.core.roles import Capability

TAG = "Master data"
DELETE_HELP = "Refused with 409 while records use the entry; deactivate it instead."
ORDERING = Ordering(("sort_order", "name", "id"))


class MasterQuery(PageQuery):
    q: str = Field("", description="Part of the name (case-insensitive).")
    active: bool | None = Field(None, description="Only active (true) or inactive (false).")


class TableOut(Schema):
    slug: str
    label: str
    fields: list[str]
    path: str


def _type_of(field: models.Field) -> Any:
    if isinstance(field, models.ForeignKey):
        return int
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.IntegerField):
        return int
    return str


def _is_required(field: models.Field) -> bool:
    return not field.has_default() and not field.blank and not field.null


def _out_value(entry: models.Model, field: models.Field):
    if isinstance(field, models.ForeignKey):
        related = getattr(entry, field.name)
        return None if related is None else {"id": related.pk, "name": str(related)}
    return getattr(entry, field.name)


def _schemas(table: MasterTable) -> tuple[type[Schema], type[Schema], type[Schema]]:
    """Output, create and patch schemas of one table, named after its model."""
    name = table.model.__name__
    model_fields = [table.model._meta.get_field(f) for f in table.fields]
    out_fields: dict[str, Any] = {"id": (int, ...)}
    in_fields: dict[str, Any] = {}
    patch_fields: dict[str, Any] = {}
    for field in model_fields:
        kind = _type_of(field)
        text = str(field.verbose_name)
        if isinstance(field, models.ForeignKey):
            out_fields[field.name] = (dict | None, None)
        else:
            out_fields[field.name] = (kind, ...)
        if _is_required(field):
            in_fields[field.name] = (kind, Field(..., description=text))
        else:
            in_fields[field.name] = (kind | None, Field(None, description=text))
        patch_fields[field.name] = (kind | None, Field(None, description=text))
    out_fields["usage"] = (int, Field(..., description="Records using this entry."))
    return (
        create_model(f"{name}Out", __base__=Schema, **out_fields),
        create_model(f"{name}In", __base__=BodySchema, **in_fields),
        create_model(f"{name}Patch", __base__=BodySchema, **patch_fields),
    )


@dataclass
class _Table:
    """One master table with its schemas and the helpers its routes share."""

    table: MasterTable

    def __post_init__(self) -> None:
        model = self.model = self.table.model
        # The OpenAPI is written in English whatever language the first request had.
        with translation.override("en"):
            self.out, self.create_in, self.patch_in = _schemas(self.table)
            self.label = str(model._meta.verbose_name_plural).capitalize()
        self.page = page_schema(self.out, f"{model.__name__}Page")
        self.fields = [model._meta.get_field(name) for name in self.table.fields]
        self.fk_models = {
            f.name: f.related_model for f in self.fields if isinstance(f, models.ForeignKey)
        }
        self.op = self.table.slug.replace("-", "_")

    def serialize(self, entry) -> dict:
        data = {"id": entry.pk, **{f.name: _out_value(entry, f) for f in self.fields}}
        data["usage"] = entry.usage
        return data

    def get(self, entry_id: int) -> dict:
        queryset = masterdata.with_usage(self.model.objects.all())
        return self.serialize(get_object_or_404(queryset, pk=entry_id))

    def prepare(self, payload: Schema, instance=None) -> dict:
        data = clean_values(payload.model_dump(exclude_unset=True), self.model)
        return resolve_ids(data, self.fk_models, instance=instance)


def _views(t: _Table) -> dict:
    """The five operations of one table (closures: the body schemas differ per table)."""

    def list_entries(request: HttpRequest, filters: Query[MasterQuery]):
        require_capability(request, Capability.VIEW_RECORDS)
        queryset = t.model.objects.all()
        if filters.q:
            queryset = queryset.filter(name__icontains=filters.q)
        if filters.active is not None:
            queryset = queryset.filter(is_active=filters.active)
        return paginate(
            masterdata.with_usage(queryset),
            ORDERING,
            page=filters,
            serialize=t.serialize,
            count_queryset=queryset,
        )

    def create_entry(request: HttpRequest, payload: t.create_in):
        require_capability(request, Capability.MANAGE_MASTER_DATA)
        entry = masterdata.master_create(model=t.model, data=t.prepare(payload), by=request.auth)
        return Status(201, t.get(entry.pk))

    def read_entry(request: HttpRequest, entry_id: int):
        require_capability(request, Capability.VIEW_RECORDS)
        return t.get(entry_id)

    def update_entry(request: HttpRequest, entry_id: int, payload: t.patch_in):
        require_capability(request, Capability.MANAGE_MASTER_DATA)
        entry = get_object_or_404(t.model, pk=entry_id)
        masterdata.master_update(entry=entry, data=t.prepare(payload, entry), by=request.auth)
        return t.get(entry_id)

    def delete_entry(request: HttpRequest, entry_id: int):
        require_capability(request, Capability.MANAGE_MASTER_DATA)
        entry = get_object_or_404(t.model, pk=entry_id)
        try:
            masterdata.master_delete(entry=entry, by=request.auth)
        except ValidationError as error:
            # In use: deleting would break the records; the message says to deactivate.
            raise HttpError(409, " ".join(error.messages)) from None
        return Status(204, None)

    return {
        "list": list_entries,
        "create": create_entry,
        "get": read_entry,
        "update": update_entry,
        "delete": delete_entry,
    }


def _add_table_routes(router: Router, table: MasterTable) -> None:
    t = _Table(table)
    views = _views(t)
    one = f"/{table.slug}/{{entry_id}}"
    # (path, method, view, responses, summary)
    operations = [
        (f"/{table.slug}", "GET", "list", {200: t.page, **LIST_ERRORS}, "list entries"),
        (f"/{table.slug}", "POST", "create", {201: t.out, **WRITE_ERRORS}, "add an entry"),
        (one, "GET", "get", {200: t.out, **READ_ERRORS}, "get an entry"),
        (one, "PATCH", "update", {200: t.out, **WRITE_ERRORS}, "change an entry"),
        (one, "DELETE", "delete", {204: None, 409: ErrorOut, **WRITE_ERRORS},
         "delete an unused entry"),
    ]  # fmt: skip
    for path, method, name, responses, summary in operations:
        router.add_api_operation(
            path,
            [method],
            views[name],
            response=responses,
            summary=f"{t.label}: {summary}",
            description=DELETE_HELP if name == "delete" else None,
            operation_id=f"master_{t.op}_{name}",
            tags=[TAG],
        )


def build_router() -> Router:
    """A router with the routes of every registered master table."""
    router = Router()
    registered = masterdata.tables()

    @router.get(
        "",
        response={200: list[TableOut], 401: ErrorOut, 403: ErrorOut},
        summary="List the master tables",
        operation_id="master_tables",
        tags=[TAG],
    )
    def list_tables(request: HttpRequest):
        require_capability(request, Capability.VIEW_RECORDS)
        return [
            {
                "slug": t.slug,
                "label": t.label,
                "fields": list(t.fields),
                "path": f"{request.path.rstrip('/')}/{t.slug}",
            }
            for t in registered
        ]

    for table in registered:
        _add_table_routes(router, table)
    return router
