"""What the selection routes share: who may see what, reading definitions, paging rows.

A definition a client sends is read by ``definition.parse``; its first problem is a
``DefinitionError`` that the API answers with 422 naming the node (``path``). The
saved selections a definition refers to must be visible to the caller — otherwise
counting an ad-hoc definition would tell them about a colleague's private list.
"""

import base64
import binascii
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from merkur.core.api.auth import require_capability
from merkur.core.pagination import InvalidCursor
from merkur.core.roles import Capability
from merkur.core.users import display_name
from merkur.selections.definition import Definition, parse
from merkur.selections.errors import DefinitionError
from merkur.selections.models import SavedSelection, SelectionRun
from merkur.selections.recipients import letter_lines
from merkur.selections.services import references_of

MAX_OFFSET = 10**9
LARGEST_INT = 2**63 - 1
# "where.and.2.value: message" — how the services name the node in their field errors.
NODE_MESSAGE = re.compile(r"^((?:where|version|target|address)(?:\.[\w-]+)*): (.+)$", re.DOTALL)


def can_view(request: HttpRequest) -> None:
    require_capability(request, Capability.VIEW_RECORDS)


def can_save(request: HttpRequest) -> None:
    require_capability(request, Capability.SAVE_SELECTIONS)


def user_out(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.get_username(), "name": display_name(user)}


def visible_selection(request: HttpRequest, selection_id: int) -> SavedSelection:
    """A saved selection the caller may see (own or shared); 404 for any other."""
    can_view(request)
    queryset = SavedSelection.objects.visible_to(request.auth).select_related("owner")
    return get_object_or_404(queryset, pk=selection_id)


def visible_runs(user) -> QuerySet:
    """Runs of selections the user may see, and runs the user froze."""
    visible = SavedSelection.objects.visible_to(user).values("pk")
    return SelectionRun.objects.filter(Q(selection__in=visible) | Q(by=user))


def visible_run(request: HttpRequest, run_id: int) -> SelectionRun:
    can_view(request)
    return get_object_or_404(
        visible_runs(request.auth).select_related("selection", "by"), pk=run_id
    )


# --- definitions -------------------------------------------------------------------------------


def check_json(data, path: str) -> None:
    """Refuse what no database column or parameter can hold: NUL characters and integers
    beyond 64 bits (PostgreSQL rejects both with an error, not an answer)."""
    stack = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            raise DefinitionError(where, _("Null characters are not allowed."))
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > LARGEST_INT:
            raise DefinitionError(where, _("The number is too large."))
        if isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    raise DefinitionError(where, _("Null characters are not allowed."))
                stack.append((item, f"{where}.{key}" if where else key))
        elif isinstance(value, list):
            # Items counted from 1, as ``parse`` names them.
            stack.extend((item, f"{where}.{n}") for n, item in enumerate(value, start=1))


def read_definition(request: HttpRequest, data: dict) -> Definition:
    """The checked definition a client sent; references only to selections it may see."""
    check_json(data, "")
    definition = parse(data)
    visible = set(
        SavedSelection.objects.visible_to(request.auth)
        .filter(pk__in=list(references_of(definition)))
        .values_list("pk", flat=True)
    )
    for pk, path in references_of(definition).items():
        if pk not in visible:
            raise DefinitionError(path, _("No saved selection with the id %(id)s.") % {"id": pk})
    return definition


@contextmanager
def definition_errors() -> Iterator[None]:
    """The services' ``definition`` field errors as ``DefinitionError`` naming the node."""
    try:
        yield
    except ValidationError as error:
        messages = error.message_dict.get("definition") if hasattr(error, "error_dict") else None
        if not messages:
            raise
        found = NODE_MESSAGE.match(messages[0])
        if found is None:
            raise DefinitionError("", messages[0]) from None
        raise DefinitionError(found.group(1), found.group(2)) from None


def definition_error_body(error: DefinitionError) -> dict:
    field = f"definition.{error.path}" if error.path else "definition"
    return {
        "detail": _("The definition is not valid: %(error)s") % {"error": error},
        "errors": {field: [error.message]},
        "path": error.path,
    }


# --- pages of recipients -----------------------------------------------------------------------
# Recipients are sorted by computed keys (the address chosen per row, then names), so a
# page is found by its position: the cursor holds the offset, opaque to the client.


def _encode(offset: int) -> str:
    payload = json.dumps({"o": offset}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _decode(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        offset = data["o"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InvalidCursor("malformed cursor") from None
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise InvalidCursor("cursor does not fit this list")
    return offset


def recipient_out(row: dict) -> dict:
    return {**row, "lines": letter_lines(row)}


def recipient_page(rows: QuerySet, *, cursor: str | None, limit: int) -> dict:
    """One page of ``recipients(...)`` rows with cursors to the next and previous page."""
    offset = _decode(cursor)
    found = list(rows[offset : offset + limit + 1])
    more = len(found) > limit
    return {
        "items": [recipient_out(row) for row in found[:limit]],
        "next_cursor": _encode(offset + limit) if more else None,
        "previous_cursor": _encode(max(0, offset - limit)) if offset else None,
    }
