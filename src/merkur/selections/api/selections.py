"""``/selections``: the catalog, saved selections (CRUD), and checking, counting, running
and freezing a definition or a saved selection.

Who may do what: every user who may see records (``VIEW_RECORDS``) reads the catalog,
lists and reads the selections visible to them (their own and shared ones) and
counts and runs them or any definition; saving, changing, deleting and freezing
needs ``SAVE_SELECTIONS``, and changing or deleting is for the owner. A private
selection of somebody else is answered with 404, as if it did not exist.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError

from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, WRITE_ERRORS, ErrorOut
from merkur.core.api.pagination import PageQuery, paginate
from merkur.core.api.schemas import refs
from merkur.core.pagination import Ordering, capped_count
from merkur.core.roles import Capability, has_capability
from merkur.selections import runs, schema, services
from merkur.selections.api.common import (
    can_save,
    can_view,
    definition_errors,
    read_definition,
    recipient_page,
    user_out,
    visible_selection,
)
from merkur.selections.api.runs import run_out
from merkur.selections.api.schemas import (
    CatalogOut,
    CountIn,
    CountOut,
    DefinitionIn,
    ErrorPathOut,
    FreezeIn,
    RunIn,
    RunOut,
    RunPage,
    RunResultOut,
    SelectionIn,
    SelectionOut,
    SelectionPage,
    SelectionPatch,
    SelectionQuery,
    SourceIn,
    ValidOut,
)
from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import dump, parse
from merkur.selections.models import SavedSelection
from merkur.selections.recipients import recipients

router = Router(tags=["Selections"])

BY_NAME = Ordering(("name", "id"))
NEWEST_FIRST = Ordering(("-run_at", "-id"))
DEFINITION_ERRORS = {422: ErrorPathOut}


def summary_out(selection: SavedSelection) -> dict:
    return {
        "id": selection.pk,
        "name": selection.name,
        "description": selection.description,
        "owner": user_out(selection.owner),
        "shared": selection.shared,
        "target": selection.target,
        "version": selection.version,
        "updated_at": selection.updated_at,
    }


def selection_out(request: HttpRequest, selection: SavedSelection) -> dict:
    users = selection.referenced_by.filter(
        pk__in=SavedSelection.objects.visible_to(request.auth).values("pk")
    )
    return {
        **summary_out(selection),
        "definition": selection.definition,
        "references": refs(selection.references.order_by("name", "pk")),
        "referenced_by": refs(users.order_by("name", "pk")),
        "can_change": selection.owner_id == request.auth.pk
        and has_capability(request.auth, Capability.SAVE_SELECTIONS),
        "created_at": selection.created_at,
    }


# --- catalog and checks ------------------------------------------------------------------------


@router.get(
    "/catalog",
    response={200: CatalogOut, **READ_ERRORS},
    summary="The criteria catalog",
    description="Every criterion a definition can use, grouped by area, with its operators "
    "(and the value each takes) and its parameters — what a query builder offers in its "
    "menus. Labels are in the caller's language.",
)
def selection_catalog(request: HttpRequest):
    can_view(request)
    return schema.catalog_data()


@router.post(
    "/validate",
    response={200: ValidOut, **LIST_ERRORS, **DEFINITION_ERRORS},
    summary="Check a definition",
    description="200 with the definition as it would be stored, or 422 naming the first "
    "node that is wrong (`path`, e.g. `where.and.2.value`; items counted from 1).",
)
def validate_selection(request: HttpRequest, payload: DefinitionIn):
    can_view(request)
    definition = read_definition(request, payload.definition)
    return {
        "valid": True,
        "target": definition.target,
        "address": definition.address,
        "conditions": sum(1 for _item in definition.conditions()),
        "definition": dump(definition),
    }


def _source(request: HttpRequest, payload: SourceIn):
    """The definition to run, its reference stack and the day it runs on."""
    today = payload.today or timezone.localdate()
    if payload.selection is not None:
        selection = visible_selection(request, payload.selection)
        return parse(selection.definition), Context(today, (selection.pk,))
    return read_definition(request, payload.definition), Context(today)


@router.post(
    "/count",
    response={200: CountOut, **WRITE_ERRORS, **DEFINITION_ERRORS},
    summary="Count a selection",
    description="How many people or companies a definition — or a saved selection "
    "(`selection`) — selects on `today`. The count stops at a cap unless `exact` is true.",
)
def count_selection(request: HttpRequest, payload: CountIn):
    can_view(request)
    definition, context = _source(request, payload)
    selected = compile_definition(definition, context)
    if payload.exact:
        count, exact = selected.count(), True
    else:
        capped = capped_count(selected)
        count, exact = capped.value, capped.exact
    return {
        "target": definition.target,
        "today": context.today,
        "count": count,
        "count_exact": exact,
    }


@router.post(
    "/run",
    response={200: RunResultOut, **WRITE_ERRORS, **DEFINITION_ERRORS},
    summary="Run a selection",
    description="The recipients of a definition or saved selection on `today`: person, "
    "company and postal address with the formatted address block, sorted, de-duplicated, "
    "without people who objected to marketing (unless `purpose` is `non_marketing`). "
    "Paged: pass `next_cursor` back as `cursor` with the same body. Nothing is stored; "
    "freeze a saved selection to keep who was in it.",
)
def run_selection(request: HttpRequest, payload: RunIn):
    can_view(request)
    definition, context = _source(request, payload)
    selected = compile_definition(definition, context)
    rows = recipients(
        selected,
        address=payload.address or definition.address,
        sort=payload.sort,
        dedupe=None if payload.dedupe == "none" else payload.dedupe,
        purpose=payload.purpose,
    )
    count = capped_count(rows)
    return {
        "target": definition.target,
        "today": context.today,
        **recipient_page(rows, cursor=payload.cursor, limit=payload.limit),
        "count": count.value,
        "count_exact": count.exact,
    }


# --- saved selections --------------------------------------------------------------------------


@router.get(
    "",
    response={200: SelectionPage, **LIST_ERRORS},
    summary="List saved selections",
    description="The caller's own selections and everybody's shared ones, by name, paged "
    "by cursor.",
)
def list_selections(request: HttpRequest, filters: Query[SelectionQuery]):
    can_view(request)
    queryset = SavedSelection.objects.visible_to(request.auth).select_related("owner")
    if filters.mine:
        queryset = queryset.filter(owner=request.auth)
    if filters.target:
        queryset = queryset.filter(target=filters.target)
    if filters.q:
        queryset = queryset.filter(Q(name__icontains=filters.q.strip()))
    return paginate(queryset, BY_NAME, page=filters, serialize=summary_out)


@router.post(
    "",
    response={201: SelectionOut, **WRITE_ERRORS, **DEFINITION_ERRORS},
    summary="Save a selection",
    description="The caller becomes its owner. Names are unique per owner, and among shared "
    "selections. A shared selection may only use shared selections; references that "
    "lead back to the selection itself are refused.",
)
def create_selection(request: HttpRequest, payload: SelectionIn):
    can_save(request)
    read_definition(request, payload.definition)
    with definition_errors():
        selection = services.selection_save(data=payload.model_dump(), by=request.auth)
    return Status(201, selection_out(request, visible_selection(request, selection.pk)))


@router.get(
    "/{int:selection_id}",
    response={200: SelectionOut, **READ_ERRORS},
    summary="Get a saved selection",
    description="With its definition, the selections it uses and those that use it.",
)
def get_selection(request: HttpRequest, selection_id: int):
    return selection_out(request, visible_selection(request, selection_id))


@router.patch(
    "/{int:selection_id}",
    response={200: SelectionOut, **UPDATE_ERRORS, **DEFINITION_ERRORS},
    summary="Change a saved selection",
    description="Only its owner may. Only the fields sent are changed. Send `version` to "
    "refuse a stale edit (409 with what changed meanwhile). A selection others use cannot "
    "be made private.",
)
def update_selection(request: HttpRequest, selection_id: int, payload: SelectionPatch):
    selection = visible_selection(request, selection_id)
    can_save(request)
    data = payload.model_dump(exclude_unset=True, exclude={"version"})
    for name in ("name", "description", "shared", "definition"):
        if name in data and data[name] is None:
            raise ValidationError({name: _("This field cannot be null.")})
    if "definition" in data:
        read_definition(request, data["definition"])
    with definition_errors():
        services.selection_save(
            data=data, by=request.auth, selection=selection, expected_version=payload.version
        )
    return selection_out(request, visible_selection(request, selection_id))


@router.delete(
    "/{int:selection_id}",
    response={204: None, 409: ErrorOut, **WRITE_ERRORS},
    summary="Delete a saved selection",
    description="Only its owner may. Refused with 409 while other selections use it. Its "
    "frozen runs are kept.",
)
def delete_selection(request: HttpRequest, selection_id: int):
    selection = visible_selection(request, selection_id)
    can_save(request)
    try:
        services.selection_delete(selection=selection, by=request.auth)
    except ValidationError as error:
        raise HttpError(409, " ".join(error.messages)) from None
    return Status(204, None)


@router.post(
    "/{int:selection_id}/freeze",
    response={201: RunOut, **WRITE_ERRORS, **DEFINITION_ERRORS},
    summary="Freeze a run",
    description="Runs the saved selection on `today` and keeps who was in it, each with the "
    "address chosen now: the input of a mailing, reproducible after the data changed. "
    "Read it at `/selection-runs/{id}`.",
)
def freeze_selection(request: HttpRequest, selection_id: int, payload: FreezeIn):
    selection = visible_selection(request, selection_id)
    can_save(request)
    with definition_errors():
        run = runs.freeze(
            selection.definition, by=request.auth, today=payload.today, selection=selection
        )
    return Status(201, run_out(run))


@router.get(
    "/{int:selection_id}/runs",
    response={200: RunPage, **LIST_ERRORS, 404: ErrorOut},
    summary="List the frozen runs of a selection",
    description="Newest first, paged by cursor.",
)
def list_selection_runs(request: HttpRequest, selection_id: int, page: Query[PageQuery]):
    selection = visible_selection(request, selection_id)
    queryset = selection.runs.select_related("selection", "by")
    return paginate(queryset, NEWEST_FIRST, page=page, serialize=run_out)
