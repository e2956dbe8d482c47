"""Explaining a selection: how many records are left after each criterion, and why one
person or company is in it or not.

The saved version of a selection is explained at a page of its own (GET); the draft in
the builder posts its definition here, like running it. A definition that is not
complete, a record that does not exist or a reference that no longer resolves is a
message on the page, never an error page.
"""

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from merkur.companies.models import Company, Person
from merkur.core.views import capability_required
from merkur.selections import explain
from merkur.selections.context import Context
from merkur.selections.definition import Definition, parse
from merkur.selections.errors import DefinitionError
from merkur.selections.models import SavedSelection
from merkur.selections.views.pages import VIEW, visible
from merkur.selections.views.state import check
from merkur.selections.views.tree import Draft, DraftError

SEARCH_LIMIT = 20
GROUP_KINDS = ("and", "or", "not")


@dataclass(frozen=True)
class StepRow:
    """One row of the "count after each criterion" table."""

    description: str
    depth: int
    group: bool
    count: int
    running: int | None
    change: int | None  # running minus the running count before it in its group

    @property
    def size_of_change(self) -> int:
        return abs(self.change or 0)


def _depth(path: str) -> int:
    """How deep a node sits: "where.and.5.or.2" is 2; the "and" a "none of" group of
    several items is written with does not count."""
    parts = path.split(".")
    depth = 0
    for index, part in enumerate(parts[1:], start=1):
        if part in GROUP_KINDS and not (part == "and" and parts[index - 1] == "not"):
            depth += 1
    return depth


def _previous(path: str) -> str | None:
    """The path of the item before this one in its AND/OR group."""
    head, _sep, index = path.rpartition(".")
    if not index.isdigit() or int(index) < 2 or not head.endswith((".and", ".or")):
        return None
    return f"{head}.{int(index) - 1}"


def step_rows(steps: list[explain.Step], groups: set[str]) -> list[StepRow]:
    running = {step.path: step.running for step in steps}
    rows = []
    for step in steps:
        before = _previous(step.path)
        change = None
        if step.running is not None and before is not None and running.get(before) is not None:
            change = step.running - running[before]
        rows.append(
            StepRow(
                description=step.description,
                depth=_depth(step.path) if step.path else 0,
                group=step.path in groups,
                count=step.count,
                running=step.running,
                change=change,
            )
        )
    return rows


def _groups(definition: Definition) -> tuple[set[str], bool]:
    """The paths of the tree's groups, and whether a group is too large for running
    counts (``explain.RUNNING_MAX``)."""
    paths, too_large = set(), False
    stack = [definition.where] if definition.where is not None else []
    while stack:
        node = stack.pop()
        items = getattr(node, "items", None)
        if items is None:
            continue
        paths.add(node.path)
        if node.op in ("and", "or") and len(items) > explain.RUNNING_MAX:
            too_large = True
        stack.extend(items)
    return paths, too_large


def _record_id(data) -> int | None:
    text = str(data.get("record", "")).strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def _candidates(target: str, term: str) -> list[dict]:
    """People or companies matching what was typed, to pick one to explain."""
    term = term.strip()[:100]
    if not term:
        return []
    if target == "people":
        found = Person.objects.search(term).select_related("company").order_by("sort_name", "pk")
        return [
            {"pk": person.pk, "name": person.full_name, "company": person.company.name}
            for person in found[:SEARCH_LIMIT]
        ]
    found = Company.objects.search(term).order_by("sort_name", "pk")
    return [
        {"pk": company.pk, "name": company.name, "company": ""} for company in found[:SEARCH_LIMIT]
    ]


def _record(target: str, pk: int):
    if target == "people":
        return Person.objects.select_related("company").filter(pk=pk).first()
    return Company.objects.filter(pk=pk).first()


def _why(definition: Definition, pk: int, context: Context) -> dict:
    try:
        found = explain.why(definition, pk, context)
    except explain.RecordNotFound as error:
        return {"error": str(error)}
    except DefinitionError as error:  # a reference expanded now (a cycle)
        return {"error": error.message}
    deciding = set()
    stack = [found.deciding] if found.deciding is not None else []
    while stack:
        node = stack.pop()
        deciding.add(node.path)
        stack.extend(node.children)
    return {
        "explanation": found,
        "deciding": deciding,
        "record": _record(definition.target, pk),
    }


def _page(
    request: HttpRequest,
    data,
    *,
    definition: Definition | None,
    context: Context,
    selection: SavedSelection | None,
    draft: str = "",
    error: str = "",
) -> HttpResponse:
    page = {
        "selection": selection,
        "draft": draft,
        "definition": definition,
        "error": error,
        "q": str(data.get("q", ""))[:100],
    }
    if definition is not None and not error:
        groups, too_large = _groups(definition)
        try:
            steps = explain.counts(definition, context)
        except DefinitionError as problem:
            page["error"] = problem.message
        else:
            page["steps"] = step_rows(steps, groups)
            page["too_large"] = too_large
            page["running_max"] = explain.RUNNING_MAX
            page["candidates"] = _candidates(definition.target, page["q"])
            record = _record_id(data)
            if record is not None:
                page["why"] = _why(definition, record, context)
    status = 422 if page["error"] else 200
    return render(request, "selections/explain.html", page, status=status)


@capability_required(VIEW)
@require_GET
def explain_saved(request: HttpRequest, pk: int) -> HttpResponse:
    """The saved version of a selection, explained (on today)."""
    queryset = SavedSelection.objects.visible_to(request.user).select_related("owner")
    selection = get_object_or_404(queryset, pk=pk)
    try:
        definition, error = parse(selection.definition), ""
    except DefinitionError as problem:  # e.g. a master-table entry deleted since
        definition, error = None, str(problem)
    context = Context(stack=(selection.pk,))
    return _page(
        request,
        request.GET,
        definition=definition,
        context=context,
        selection=selection,
        error=error,
    )


@capability_required(VIEW)
@require_POST
def explain_draft(request: HttpRequest) -> HttpResponse:
    """The selection being built, explained: the builder posts its draft here."""
    selection = visible(request.user, request.POST.get("selection"))
    text = request.POST.get("definition", "")
    try:
        draft = Draft.from_text(text)
        definition, error = check(draft.to_json(), request.user), ""
    except DraftError as problem:
        definition, error, draft = None, str(problem), Draft()
    except DefinitionError:
        definition = None
        error = _("The selection is not complete yet: see the marked conditions.")
    return _page(
        request,
        request.POST,
        definition=definition,
        context=Context(),
        selection=selection,
        draft=draft.to_text(),
        error=error,
    )
