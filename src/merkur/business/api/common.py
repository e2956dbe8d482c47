"""Shared pieces of the business data routes: permissions, JSON bodies, record look-ups."""

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from merkur.business.api import inputs
from merkur.core.api.auth import require_capability
from merkur.core.roles import Capability

PUT_HELP = (
    "Creates the record (201) or replaces it (200). Idempotent: sending the same body "
    "again writes nothing and keeps the version. References go by number — articles by "
    "article number, companies by id or by customer/supplier number (`…_number`). "
    "Every problem is answered at once with 422, named by its path; lines are counted "
    "from 1, like positions (`lines.2.quantity`)."
)


def can_view(request: HttpRequest) -> None:
    require_capability(request, Capability.VIEW_RECORDS)


def can_edit(request: HttpRequest) -> None:
    require_capability(request, Capability.EDIT_RECORDS)


def can_manage_rates(request: HttpRequest) -> None:
    require_capability(request, Capability.MANAGE_MASTER_DATA)


def key(value: str) -> str:
    """A record key from the path; 404 for one that no record can have (a NUL character)."""
    if "\x00" in value:
        raise Http404
    return value


def json_body(request: HttpRequest) -> Any:
    """The request's JSON body (400 if it is not JSON)."""
    try:
        body = request.body
    except RequestDataTooBig:
        raise HttpError(
            413,
            _("The request is larger than %(size)s MB; send the records in smaller parts.")
            % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)},
        ) from None
    try:
        return json.loads(body or b"null")
    except ValueError as error:
        # The API's error handler turns this into its "not valid JSON" answer.
        raise HttpError(400, _("The request body is not valid JSON.")) from error


def _inline(schema: dict, definitions: dict) -> dict | list | Any:
    """Replace ``$ref``s to ``$defs`` by the definitions (our schemas do not recurse)."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline(definitions[schema["$ref"].rsplit("/", 1)[-1]], definitions)
        return {key: _inline(value, definitions) for key, value in schema.items() if key != "$defs"}
    if isinstance(schema, list):
        return [_inline(value, definitions) for value in schema]
    return schema


def body_doc(schema) -> dict:
    """``openapi_extra`` describing a JSON body that the route reads itself.

    The PUT routes check their body with the same code as the bulk import (so
    errors name ``lines.2.quantity`` the same way); ninja does not parse it.
    """
    json_schema = schema.model_json_schema()
    inlined = _inline(json_schema, json_schema.get("$defs", {}))
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inlined}},
        }
    }


def put(kind: str, keys: dict, request: HttpRequest):
    """Check a PUT body against ``kind`` and write it: (record, created)."""
    write = inputs.check_put(kind, keys, json_body(request))
    if write.unchanged:
        return write.existing, False
    return write.run()
