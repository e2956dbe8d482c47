"""Helpers the company, people and address pages share: lists, history, confirmations."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from merkur.core.locking import EditConflict
from merkur.core.pagination import InvalidCursor, Ordering, Page, keyset_page

PER_PAGE = 50
HISTORY_LIMIT = 50


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for a part of the page (not a history restore, which needs it all)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def render_page_or_fragment(
    request: HttpRequest, *, page: str, fragment: str, context: dict
) -> HttpResponse:
    """One view, two answers: the whole page, or only the part htmx swaps."""
    response = render(request, fragment if wants_fragment(request) else page, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def fetch_page(
    queryset: models.QuerySet, ordering: Ordering, cursor: str
) -> tuple[Page, str | None]:
    """A keyset page; a cursor that does not fit falls back to the first page with a notice.

    Cursors come from URLs people bookmark, edit or carry between lists, so a
    bad one is an everyday case, not an error page.
    """
    if cursor:
        try:
            # A savepoint: on PostgreSQL a refused value must not break the transaction.
            with transaction.atomic():
                return keyset_page(queryset, ordering, cursor=cursor, per_page=PER_PAGE), None
        except (InvalidCursor, ValidationError, ValueError, TypeError, DatabaseError):
            notice = _("The page link was no longer valid; showing the first page.")
            return keyset_page(queryset, ordering, cursor=None, per_page=PER_PAGE), notice
    return keyset_page(queryset, ordering, cursor=None, per_page=PER_PAGE), None


@dataclass(frozen=True)
class ConflictRow:
    field: str
    old: object
    new: object
    user: str
    at: object


def conflict_rows(error: EditConflict) -> list[ConflictRow]:
    """What the other user changed, once per change (a shared address logs one per company)."""
    seen = set()
    rows = []
    for change in error.changes:
        key = (change.field, repr(change.old), repr(change.new), change.user, change.at)
        if key not in seen:
            seen.add(key)
            rows.append(ConflictRow(change.field, change.old, change.new, change.user, change.at))
    return rows


def confirm_action(
    request: HttpRequest,
    *,
    obj: models.Model,
    perform,
    title: str,
    question: str,
    button: str,
    done: str,
    back_url: str,
    breadcrumbs: list[tuple[str, str]],
    danger: bool = False,
) -> HttpResponse:
    """GET asks, POST does: archive, restore, remove all look and behave the same."""
    if request.method == "POST":
        try:
            perform()
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
        return redirect(back_url)
    return render(
        request,
        "companies/confirm.html",
        {
            "object": obj,
            "title": title,
            "question": question,
            "button": button,
            "back_url": back_url,
            "breadcrumbs": breadcrumbs,
            "danger": danger,
        },
    )
