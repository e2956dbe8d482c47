"""``/selections/explain`` and ``/selections/counts``: why a list is as it is.

``explain``: for one person or company, the result of every node of the tree and
the branch that decided (``merkur.selections.explain.why``), with the record's own
figures for business conditions. ``counts``: the count of every node alone and
step by step through its group (``explain.counts``) — one statement.
"""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from merkur.core.api.errors import WRITE_ERRORS
from merkur.core.api.schemas import Id
from merkur.selections import explain
from merkur.selections.api.common import can_view
from merkur.selections.api.schemas import ErrorPathOut, SourceIn
from merkur.selections.api.selections import _source

router = Router(tags=["Selections"])

NODE_HELP = (
    "A node: `path` (e.g. `where.and.2`), `kind` (`and`, `or`, `not`, `criterion`), "
    "`description`, `matched`, `figure` (the record's own figure for business "
    "conditions, e.g. `2025: 143.250,00 EUR`) and `children`."
)


class ExplainIn(SourceIn):
    record: Id = Field(..., description="The id of a person (people selection) or company.")


class ExplainOut(Schema):
    target: str
    record: int
    active: bool = Field(..., description="False: the record (or its company) is archived.")
    selected: bool
    summary: str = Field(..., description="The deciding conditions in one line.")
    tree: dict[str, Any] | None = Field(None, description=NODE_HELP)
    deciding: dict[str, Any] | None = Field(
        None,
        description="The part of the tree that decided: the branch that let the "
        "record in, or the conditions that kept it out. " + NODE_HELP,
    )


class StepOut(Schema):
    path: str = Field(..., description="The node (`` for all records of the target).")
    description: str
    count: int = Field(..., description="Records the node matches on its own.")
    running: int | None = Field(
        None,
        description="In an AND group: what is left after this item; in an OR group: "
        "the union so far.",
    )


class CountsOut(Schema):
    target: str
    steps: list[StepOut]


def _node(node: explain.NodeResult | None) -> dict | None:
    if node is None:
        return None
    return {
        "path": node.path,
        "kind": node.kind,
        "description": node.description,
        "matched": node.matched,
        "figure": node.figure,
        "children": [_node(child) for child in node.children],
    }


@router.post(
    "/explain",
    response={200: ExplainOut, **WRITE_ERRORS, 422: ErrorPathOut},
    summary="Explain why a record is in a selection or not",
)
def explain_record(request: HttpRequest, payload: ExplainIn):
    can_view(request)
    definition, context = _source(request, payload)
    try:
        found = explain.why(definition, payload.record, context)
    except explain.RecordNotFound as error:
        raise HttpError(404, str(error)) from None
    return {
        "target": found.target,
        "record": found.pk,
        "active": found.active,
        "selected": found.selected,
        "summary": found.summary,
        "tree": _node(found.tree),
        "deciding": _node(found.deciding),
    }


@router.post(
    "/counts",
    response={200: CountsOut, **WRITE_ERRORS, 422: ErrorPathOut},
    summary="Count after each criterion",
)
def count_steps(request: HttpRequest, payload: SourceIn):
    can_view(request)
    definition, context = _source(request, payload)
    steps = explain.counts(definition, context)
    return {"target": definition.target, "steps": [step._asdict() for step in steps]}
