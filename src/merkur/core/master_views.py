"""Pages for maintaining the master tables (Stammdaten) in the app.

Every view is generic over the registry in ``merkur.core.masterdata``: a table
registered there gets its list, add, edit, move, (de)activate and delete pages
without new code. Only users who may ``MANAGE_MASTER_DATA`` get in.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from merkur.core.audit import field_label, history_of
from merkur.core.master_forms import MasterEntryForm, create_form_class, edit_form_class
from merkur.core.masterdata import (
    MasterTable,
    master_create,
    master_delete,
    master_move,
    master_set_active,
    master_update,
    table,
    tables,
    usage_count,
    with_usage,
)
from merkur.core.models import MasterData
from merkur.core.roles import Capability
from merkur.core.views import capability_required

# Log in first (anonymous → login page), then the capability (others → 403).
master_data_view = capability_required(Capability.MANAGE_MASTER_DATA)


def _table_or_404(slug: str) -> MasterTable:
    found = table(slug)
    if found is None:
        raise Http404
    return found


def _entry_or_404(master: MasterTable, pk: int) -> MasterData:
    return get_object_or_404(master.model, pk=pk)


@dataclass(frozen=True)
class Cell:
    value: object
    is_bool: bool


@dataclass(frozen=True)
class Row:
    entry: MasterData
    cells: list[Cell]
    usage: int


def _extra_field_objects(master: MasterTable) -> list[models.Field]:
    return [master.model._meta.get_field(name) for name in master.extra_fields]


def _cell(entry: MasterData, field: models.Field) -> Cell:
    if isinstance(field, models.BooleanField):
        return Cell(getattr(entry, field.name), True)
    if field.choices:
        return Cell(getattr(entry, f"get_{field.name}_display")(), False)
    value = getattr(entry, field.name)
    return Cell("" if value is None else value, False)


def _rows(master: MasterTable) -> list[Row]:
    """All entries in their order, with their usage: one query for the whole table."""
    fields = _extra_field_objects(master)
    queryset = master.model.objects.order_by("sort_order", "name", "pk")
    related = [field.name for field in fields if field.many_to_one]
    if related:
        queryset = queryset.select_related(*related)
    return [
        Row(entry=entry, cells=[_cell(entry, field) for field in fields], usage=entry.usage)
        for entry in with_usage(queryset)
    ]


def _table_context(master: MasterTable, *, focus: tuple[int, str] | None = None) -> dict:
    rows = _rows(master)
    focus_pk, focus_action = focus or (None, "")
    if focus_pk is not None:
        # After a move the button pressed may now be disabled (first/last row):
        # put the keyboard focus on the other arrow instead of losing it.
        ids = [row.entry.pk for row in rows]
        if focus_pk in ids:
            index = ids.index(focus_pk)
            if focus_action == "up" and index == 0:
                focus_action = "down"
            elif focus_action == "down" and index == len(ids) - 1:
                focus_action = "up"
    return {
        "table": master,
        "table_label": capfirst(master.label),
        "columns": [capfirst(field.verbose_name) for field in _extra_field_objects(master)],
        "colspan": len(master.extra_fields) + 5,
        "rows": rows,
        "focus_pk": focus_pk,
        "focus_action": focus_action,
    }


def _list_page(
    request: HttpRequest, master: MasterTable, form: MasterEntryForm, *, status: int = 200
) -> HttpResponse:
    context = _table_context(master)
    context["form"] = form
    return render(request, "master/list.html", context, status=status)


def _table_changed(
    request: HttpRequest,
    master: MasterTable,
    message: str,
    *,
    focus: tuple[int, str] | None = None,
) -> HttpResponse:
    """htmx: the new table plus the message in the status area; otherwise back to the list."""
    if request.htmx:
        context = _table_context(master, focus=focus)
        context["status_message"] = message
        return HttpResponse(render_to_string("master/partials/table.html", context, request))
    messages.success(request, message)
    return redirect("master:list", slug=master.slug)


@dataclass(frozen=True)
class HistoryLine:
    record: object
    changes: list[tuple[str, object, object]]  # (field label, old, new)


def _shown(value: object) -> object:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "–" if value in (None, "") else value


def _history(entry: MasterData, limit: int = 20) -> list[HistoryLine]:
    """The entry's recent changes with field labels instead of column names."""
    lines = []
    for record in history_of(entry)[:limit]:
        changes = []
        for name, (old, new) in record.changes.items():
            label = capfirst(field_label(type(entry), name))
            changes.append((label, _shown(old), _shown(new)))
        lines.append(HistoryLine(record=record, changes=changes))
    return lines


def _form_data(form: MasterEntryForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.fields}


@master_data_view
def index(request: HttpRequest) -> HttpResponse:
    overview = []
    for master in tables():
        counts = master.model.objects.aggregate(
            total=models.Count("pk"), active=models.Count("pk", filter=models.Q(is_active=True))
        )
        overview.append(
            {
                "table": master,
                "label": capfirst(master.label),
                "total": counts["total"],
                "inactive": counts["total"] - counts["active"],
            }
        )
    return render(request, "master/index.html", {"overview": overview})


@master_data_view
def entry_list(request: HttpRequest, slug: str) -> HttpResponse:
    master = _table_or_404(slug)
    return _list_page(request, master, create_form_class(master)())


@master_data_view
@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest, slug: str) -> HttpResponse:
    """The inline "add entry" form of the list posts here; errors show on the list page."""
    master = _table_or_404(slug)
    form = create_form_class(master)(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            entry = master_create(model=master.model, data=_form_data(form), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(name)s” added.") % {"name": entry.name})
            return redirect("master:list", slug=master.slug)
    return _list_page(request, master, form)


@master_data_view
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    master = _table_or_404(slug)
    entry = _entry_or_404(master, pk)
    original_name = entry.name
    form_class = edit_form_class(master)
    form = form_class(request.POST if request.method == "POST" else None, instance=entry)
    if request.method == "POST" and form.is_valid():
        try:
            entry = master_update(entry=entry, data=_form_data(form), by=request.user)
        except master.model.DoesNotExist:  # deleted by somebody else meanwhile
            raise Http404 from None
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("“%(name)s” saved.") % {"name": entry.name})
            return redirect("master:list", slug=master.slug)
    context = {
        "table": master,
        "table_label": capfirst(master.label),
        "entry": entry,
        "entry_name": original_name,
        "form": form,
        "usage": usage_count(entry),
        "history": _history(entry),
    }
    return render(request, "master/form.html", context)


@master_data_view
@require_http_methods(["GET", "POST"])
def entry_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes, or explains why an entry in use is kept."""
    master = _table_or_404(slug)
    entry = _entry_or_404(master, pk)
    if request.method == "POST":
        name = entry.name
        try:
            master_delete(entry=entry, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("“%(name)s” deleted.") % {"name": name})
        return redirect("master:list", slug=master.slug)
    context = {
        "table": master,
        "table_label": capfirst(master.label),
        "entry": entry,
        "usage": usage_count(entry),
    }
    return render(request, "master/delete.html", context)


@master_data_view
@require_POST
def entry_move(request: HttpRequest, slug: str, pk: int, direction: str) -> HttpResponse:
    master = _table_or_404(slug)
    if direction not in ("up", "down"):
        raise Http404
    entry = _entry_or_404(master, pk)
    try:
        moved = master_move(entry=entry, direction=direction)
    except master.model.DoesNotExist:
        raise Http404 from None
    if not moved:
        message = _("“%(name)s” is already at the edge of the list.") % {"name": entry.name}
    elif direction == "up":
        message = _("“%(name)s” moved up.") % {"name": entry.name}
    else:
        message = _("“%(name)s” moved down.") % {"name": entry.name}
    return _table_changed(request, master, message, focus=(entry.pk, direction))


@master_data_view
@require_POST
def entry_toggle(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Set ``active`` ("1"/"0") as posted — repeating a click changes nothing; without it, flip."""
    master = _table_or_404(slug)
    entry = _entry_or_404(master, pk)
    posted = request.POST.get("active")
    active = (posted == "1") if posted in ("0", "1") else not entry.is_active
    try:
        entry = master_set_active(entry=entry, active=active, by=request.user)
    except master.model.DoesNotExist:
        raise Http404 from None
    if active:
        message = _("“%(name)s” is active again and offered for new records.") % {
            "name": entry.name
        }
    else:
        message = _(
            "“%(name)s” is deactivated: it stays on the records that have it "
            "but is no longer offered for new ones."
        ) % {"name": entry.name}
    return _table_changed(request, master, message, focus=(entry.pk, "toggle"))
