"""One JSON shape for every API error, and the handlers that produce it.

Every error answers ``{"detail": "…", "errors": {"field": ["message", …]}}``;
an edit conflict adds the record's current version and what changed. Status
codes: 400 malformed request (JSON, cursor), 401 not authenticated, 403 not
allowed, 404 unknown record, 409 conflict (stale version, entry in use,
clash with existing data), 422 invalid input (schema or business rules).
"""

import datetime
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from merkur.core.locking import EditConflict
from merkur.core.pagination import InvalidCursor


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class ChangeOut(Schema):
    field: str  # the field's name, as in the request and response bodies
    label: str  # its label in the caller's language
    old: Any = None
    new: Any = None
    user: str
    at: datetime.datetime


class ConflictOut(ErrorOut):
    current_version: int
    changes: list[ChangeOut]


# Response maps for the OpenAPI description of the operations.
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
LIST_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
UPDATE_ERRORS = {**WRITE_ERRORS, 409: ConflictOut}


def error_response(
    api: NinjaAPI, request: HttpRequest, status: int, detail: str, errors: dict | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


def messages_by_field(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: list(messages) for field, messages in error.message_dict.items()}
    return {NON_FIELD_ERRORS: list(error.messages)}


def _field_name(loc: tuple) -> str:
    """``("body", "payload", "contact_address", "postal_code")`` → ``contact_address.postal_code``.

    The source and the name of the parameter that holds the schema are dropped;
    list positions too, so ``roles.2`` reads ``roles`` as in the services' errors.
    """
    source, *rest = loc
    if source in ("body", "query") and len(rest) > 1:
        rest = rest[1:]
    parts = [str(part) for part in rest if not isinstance(part, int)]
    return ".".join(parts) or "body"


def _schema_errors(errors: list[dict]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for error in errors:
        name = _field_name(tuple(error.get("loc", ("body",))))
        if name == "payload":
            name = "body"
        result.setdefault(name, []).append(str(error.get("msg", "")))
    return result


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api`` (replacing ninja's defaults for these errors)."""

    def on_schema_error(request, exc: SchemaValidationError):
        return error_response(
            api, request, 422, _("The input is not valid."), _schema_errors(exc.errors)
        )

    def on_validation_error(request, exc: DjangoValidationError):
        errors = messages_by_field(exc)
        general = errors.get(NON_FIELD_ERRORS)
        detail = " ".join(general) if general else _("The input is not valid.")
        return error_response(api, request, 422, detail, errors)

    def on_conflict(request, exc: EditConflict):
        body = {
            "detail": _(
                "Somebody else changed this record since version %(expected)d; "
                "it is now at version %(current)d. Reload it and apply your changes again."
            )
            % {"expected": exc.expected_version, "current": exc.current.version},
            "errors": {},
            "current_version": exc.current.version,
            "changes": [
                {
                    "field": c.name,
                    "label": c.field,
                    "old": c.old,
                    "new": c.new,
                    "user": c.user,
                    "at": c.at,
                }
                for c in exc.changes
            ],
        }
        return api.create_response(request, body, status=409)

    def on_authentication(request, exc: AuthenticationError):
        response = error_response(
            api,
            request,
            401,
            _("Authentication required: send a valid API token or log in."),
        )
        response["WWW-Authenticate"] = 'Bearer realm="merkur"'
        return response

    def on_http_error(request, exc: HttpError):
        # ninja reports a body it cannot parse as an HttpError caused by the JSON decoder.
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            message = _("The request body is not valid JSON.")
            return error_response(api, request, 400, message, {"body": [message]})
        return error_response(api, request, exc.status_code, exc.message)

    def on_not_found(request, exc: Exception):
        return error_response(api, request, 404, _("Not found."))

    def on_forbidden(request, exc: PermissionDenied):
        return error_response(api, request, 403, _("You are not allowed to do this."))

    def on_invalid_cursor(request, exc: InvalidCursor):
        message = _("The cursor is not valid for this list; start again from the first page.")
        return error_response(api, request, 400, message, {"cursor": [message]})

    def on_integrity_error(request, exc: IntegrityError):
        # Validation catches these first; a race between two writers ends here.
        return error_response(
            api, request, 409, _("The change conflicts with existing data. Please try again.")
        )

    handlers = {
        SchemaValidationError: on_schema_error,
        DjangoValidationError: on_validation_error,
        EditConflict: on_conflict,
        AuthenticationError: on_authentication,
        HttpError: on_http_error,
        Http404: on_not_found,
        ObjectDoesNotExist: on_not_found,
        PermissionDenied: on_forbidden,
        InvalidCursor: on_invalid_cursor,
        IntegrityError: on_integrity_error,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)
