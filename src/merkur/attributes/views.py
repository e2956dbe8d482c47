"""Attribute pages: the attribute master (administrators) and the value panel on record pages.

The panel is rendered into the company and person pages by the
``attribute_panel`` template tag; its forms post here and htmx swaps only the
panel. Without JavaScript a post redirects back to the record page (or shows
the panel on a page of its own when the input needs correcting).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from merkur.attributes import services
from merkur.attributes.forms import (
    ChoiceAddForm,
    ChoiceUpdateForm,
    DefinitionEditForm,
    DefinitionForm,
    ValueCorrectForm,
    ValueSetForm,
)
from merkur.attributes.models import (
    CHOICE_TYPES,
    AttributeChoice,
    AttributeDefinition,
    AttributeValue,
)
from merkur.attributes.queries import timelines, values_as_of
from merkur.companies.access import get_company_for, get_person_for
from merkur.companies.forms.base import apply_service_errors
from merkur.core import linkable
from merkur.core.locking import EditConflict
from merkur.core.roles import Capability, has_capability, require

# --- the attribute master ------------------------------------------------------------------


def master_view(view: Callable) -> Callable:
    """Log in first (anonymous → login page), then the capability (others → 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        require(request.user, Capability.MANAGE_MASTER_DATA)
        return view(request, *args, **kwargs)

    return wrapper


@master_view
@require_GET
def definition_list(request: HttpRequest) -> HttpResponse:
    definitions = AttributeDefinition.objects.annotate(value_count=Count("values")).order_by(
        "group", "sort_order", "label"
    )
    return render(request, "attributes/definition_list.html", {"definitions": definitions})


@master_view
def definition_create(request: HttpRequest) -> HttpResponse:
    form = DefinitionForm(request.POST or None, initial={"for_companies": True, "is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.definition_create(
                data=form.data_for_service(), choices=form.choice_labels(), by=request.user
            )
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(request, _("Attribute “%(name)s” created.") % {"name": definition})
            return redirect(definition.get_absolute_url())
    return render(request, "attributes/definition_form.html", {"form": form, "definition": None})


def _edit_context(definition: AttributeDefinition, form, *, choice_form=None) -> dict:
    return {
        "definition": definition,
        "form": form,
        "has_choices": definition.type in CHOICE_TYPES,
        "choices": list(definition.choices.annotate(value_count=Count("values"))),
        "choice_form": choice_form or ChoiceAddForm(),
        "value_count": definition.values.count(),
    }


@master_view
def definition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    definition = get_object_or_404(AttributeDefinition, pk=pk)
    initial = {name: getattr(definition, name) for name in services.DEFINITION_FIELDS}
    initial["version"] = definition.version
    form = DefinitionEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.definition_update(
                definition=definition,
                data=form.data_for_service(),
                expected_version=form.cleaned_data["version"],
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(error, form)
        except EditConflict as conflict:
            form.refresh_version(conflict.current.version)
            form.add_error(
                None,
                _("Somebody else changed this attribute meanwhile. Check and save again."),
            )
        else:
            messages.success(request, _("Attribute “%(name)s” saved.") % {"name": definition})
            return redirect("attributes:list")
        definition.refresh_from_db()
    return render(request, "attributes/definition_form.html", _edit_context(definition, form))


@master_view
def definition_delete(request: HttpRequest, pk: int) -> HttpResponse:
    definition = get_object_or_404(AttributeDefinition, pk=pk)
    if request.method == "POST":
        try:
            services.definition_delete(definition=definition, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(definition.get_absolute_url())
        messages.success(request, _("Attribute “%(name)s” deleted.") % {"name": definition})
        return redirect("attributes:list")
    return render(
        request,
        "attributes/definition_delete.html",
        {"definition": definition, "value_count": definition.values.count()},
    )


@master_view
@require_POST
def choice_add(request: HttpRequest, pk: int) -> HttpResponse:
    definition = get_object_or_404(AttributeDefinition, pk=pk)
    form = ChoiceAddForm(request.POST)
    if form.is_valid():
        try:
            choice = services.choice_add(
                definition=definition, label=form.cleaned_data["label"], by=request.user
            )
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            messages.success(request, _("Choice “%(name)s” added.") % {"name": choice})
            return redirect(definition.get_absolute_url())
    edit_form = DefinitionEditForm(
        initial={
            **{name: getattr(definition, name) for name in services.DEFINITION_FIELDS},
            "version": definition.version,
        }
    )
    return render(
        request,
        "attributes/definition_form.html",
        _edit_context(definition, edit_form, choice_form=form),
        status=400,
    )


@master_view
@require_POST
def choice_update(request: HttpRequest, pk: int) -> HttpResponse:
    choice = get_object_or_404(AttributeChoice.objects.select_related("definition"), pk=pk)
    form = ChoiceUpdateForm(request.POST)
    if form.is_valid():
        label = form.cleaned_data["label"] or None
        try:
            services.choice_update(
                choice=choice,
                label=label,
                is_active=form.cleaned_data["is_active"],
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Choice “%(name)s” saved.") % {"name": choice})
    return redirect(choice.definition.get_absolute_url())


# --- the panel on record pages -------------------------------------------------------------

KINDS = {"company": get_company_for, "person": get_person_for}


@dataclass
class TimelineRow:
    row: AttributeValue
    text: str
    current: bool
    form: ValueCorrectForm | None


@dataclass
class PanelItem:
    definition: AttributeDefinition
    current: list[str]
    timeline: list[TimelineRow]
    form: ValueSetForm | None
    open: bool = False


@dataclass
class PanelGroup:
    name: str
    items: list[PanelItem] = field(default_factory=list)


def _kind_of(record) -> str:
    return "company" if record._meta.model_name == "company" else "person"


def panel_context(request: HttpRequest, record, *, bound=None, status_message="") -> dict:
    """Everything the panel shows; ``bound`` is a form with the user's input and its errors."""
    kind = _kind_of(record)
    can_edit = has_capability(request.user, Capability.EDIT_RECORDS)
    today = datetime.date.today()
    current = values_as_of(record, today)
    history = timelines(record)
    # Deactivated attributes are no longer offered, but a record's history of
    # them stays visible (read-only).
    definitions = AttributeDefinition.objects.filter(
        Q(is_active=True) | Q(pk__in=list(history))
    ).prefetch_related("choices")
    definitions = definitions.for_companies() if kind == "company" else definitions.for_people()
    groups: list[PanelGroup] = []
    for name, members in groupby(definitions, key=lambda d: d.group):
        group = PanelGroup(name=name)
        for definition in members:
            rows = history.get(definition.pk, [])
            timeline = []
            for row in rows:
                row.definition = definition
                form = None
                if can_edit and definition.is_active:
                    if isinstance(bound, ValueCorrectForm) and bound.row.pk == row.pk:
                        form = bound
                    else:
                        form = ValueCorrectForm(row)
                timeline.append(TimelineRow(row, services.display(row), row.covers(today), form))
            for row in current.get(definition.pk, []):
                row.definition = definition
            set_form = None
            if can_edit and definition.is_active:
                if isinstance(bound, ValueSetForm) and bound.definition.pk == definition.pk:
                    set_form = bound
                else:
                    set_form = ValueSetForm(definition)
            bound_here = bound is not None and (
                set_form is bound or any(entry.form is bound for entry in timeline)
            )
            group.items.append(
                PanelItem(
                    definition=definition,
                    current=[services.display(row) for row in current.get(definition.pk, [])],
                    timeline=timeline,
                    form=set_form,
                    open=bound_here,
                )
            )
        groups.append(group)
    return {
        "record": record,
        "record_kind": kind,
        "groups": groups,
        "can_edit": can_edit,
        "today": today,
        "status_message": status_message,
        "panel_errors": bound is not None and bool(bound.errors),
    }


def _record_or_404(request: HttpRequest, kind: str, pk: int, *, write: bool = False):
    getter = KINDS.get(kind)
    if getter is None:
        raise Http404
    return getter(request, pk, write=write)


def _answer(request: HttpRequest, record, *, bound=None, done: str = "") -> HttpResponse:
    """htmx: the new panel; otherwise back to the record page, or the panel page on errors."""
    failed = bound is not None and bool(bound.errors)
    if request.htmx:
        context = panel_context(request, record, bound=bound, status_message=done)
        return HttpResponse(render_to_string("attributes/partials/panel.html", context, request))
    if not failed:
        messages.success(request, done)
        return redirect(record.get_absolute_url() + "#attributes")
    context = panel_context(request, record, bound=bound)
    return render(request, "attributes/record_attributes.html", context)


@login_required
@require_GET
def panel(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    record = _record_or_404(request, kind, pk)
    context = panel_context(request, record)
    if request.htmx:
        return HttpResponse(render_to_string("attributes/partials/panel.html", context, request))
    return render(request, "attributes/record_attributes.html", context)


@login_required
@require_POST
def value_set(request: HttpRequest, kind: str, pk: int, definition: int) -> HttpResponse:
    record = _record_or_404(request, kind, pk, write=True)
    definitions = AttributeDefinition.objects.prefetch_related("choices")
    found = get_object_or_404(definitions, pk=definition)
    form = ValueSetForm(found, request.POST)
    if form.is_valid():
        try:
            services.value_set(
                definition=found,
                record=record,
                value=form.cleaned_data["value"],
                valid_from=form.cleaned_data["valid_from"],
                valid_to=form.cleaned_data["valid_to"],
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            return _answer(request, record, done=_("“%(name)s” saved.") % {"name": found})
    return _answer(request, record, bound=form)


@login_required
@require_POST
def value_correct(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(AttributeValue.objects.select_related("definition"), pk=pk)
    kind = "company" if row.company_id else "person"
    record = _record_or_404(request, kind, row.company_id or row.person_id, write=True)
    if not has_capability(request.user, Capability.EDIT_RECORDS):  # pragma: no cover
        raise PermissionDenied
    form = ValueCorrectForm(row, request.POST)
    if form.is_valid():
        valid_to = form.cleaned_data["valid_to"]
        try:
            services.value_correct(
                row=row,
                value=form.changed_value(),
                valid_from=form.cleaned_data["valid_from"],
                valid_to=valid_to,
                clear_valid_to=valid_to is None,
                by=request.user,
            )
        except ValidationError as error:
            apply_service_errors(error, form)
        else:
            done = _("“%(name)s” corrected.") % {"name": row.definition}
            return _answer(request, record, done=done)
    return _answer(request, record, bound=form)


LINK_OPTIONS = 20


@login_required
@require_GET
def link_options(request: HttpRequest) -> HttpResponse:
    """``<option>``s of the records of one linkable kind whose names match what was typed."""
    if not has_capability(request.user, Capability.VIEW_RECORDS):
        raise PermissionDenied
    target = linkable.kind(request.GET.get("kind", ""))
    if target is None:
        raise Http404
    typed = next((v for k, v in request.GET.items() if k != "kind"), "").strip()
    found = []
    if typed:
        records = target.model.objects.all()
        if hasattr(records, "search"):
            records = records.search(typed)
        elif typed.isdigit():
            records = records.filter(pk=int(typed))
        else:
            records = records.none()
        if hasattr(target.model, "archived_at"):
            records = records.filter(archived_at__isnull=True)
        found = list(records[:LINK_OPTIONS])  # in the model's own order
    options = format_html_join(
        "", '<option value="{} (#{})"></option>', ((str(r), r.pk) for r in found)
    )
    return HttpResponse(options)
