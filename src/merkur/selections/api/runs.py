"""``/selection-runs``: frozen runs, their members and the comparison of two runs.

A run is visible to whoever may see its saved selection, and to who froze it.
Members are listed as recipients (person, company, the address chosen when the run
was frozen); by default every member, ``purpose=marketing`` leaves out people who
objected to marketing since, as a mailing from the run would.
"""

from django.http import HttpRequest
from ninja import Query, Router

from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, ErrorOut
from merkur.core.api.schemas import ref
from merkur.core.pagination import capped_count
from merkur.selections import runs
from merkur.selections.api.common import recipient_out, recipient_page, user_out, visible_run
from merkur.selections.api.schemas import (
    CompareOut,
    CompareQuery,
    MembersQuery,
    RecipientPage,
    RunOut,
)
from merkur.selections.models import SelectionRun
from merkur.selections.recipients import recipients

router = Router(tags=["Selections"])


def run_out(run: SelectionRun) -> dict:
    return {
        "id": run.pk,
        "selection": ref(run.selection),
        "definition": run.definition,
        "target": run.target,
        "address": run.address,
        "run_at": run.run_at,
        "by": user_out(run.by),
        "today": run.today,
        "count": run.count,
    }


@router.get(
    "/{int:run_id}",
    response={200: RunOut, **READ_ERRORS},
    summary="Get a frozen run",
    description="The definition as it was run, the day that fixed its relative periods, "
    "who froze it and how many members it has.",
)
def get_selection_run(request: HttpRequest, run_id: int):
    return run_out(visible_run(request, run_id))


@router.get(
    "/{int:run_id}/members",
    response={200: RecipientPage, **LIST_ERRORS, 404: ErrorOut},
    summary="List the members of a frozen run",
    description="Sorted as asked, paged by cursor (pass `next_cursor` back as `cursor`).",
)
def list_selection_run_members(request: HttpRequest, run_id: int, query: Query[MembersQuery]):
    run = visible_run(request, run_id)
    rows = recipients(run, sort=query.sort, dedupe=None, purpose=query.purpose)
    count = capped_count(rows)
    return {
        **recipient_page(rows, cursor=query.cursor, limit=query.limit),
        "count": count.value,
        "count_exact": count.exact,
    }


@router.get(
    "/{int:earlier_id}/compare/{int:later_id}",
    response={200: CompareOut, **READ_ERRORS, 422: ErrorOut},
    summary="Compare two frozen runs",
    description="Who is new in the later run and who dropped out since the earlier one "
    "(people runs by person, company runs by company), with the counts and the first "
    "`limit` of each. Runs of different targets are refused with 422.",
)
def compare_selection_runs(
    request: HttpRequest, earlier_id: int, later_id: int, query: Query[CompareQuery]
):
    earlier = visible_run(request, earlier_id)
    later = visible_run(request, later_id)
    found = runs.compare(earlier, later)

    def first(members) -> list[dict]:
        rows = recipients(members, sort=query.sort, dedupe=None, purpose="non_marketing")
        return [recipient_out(row) for row in rows[: query.limit]]

    return {
        "earlier": earlier.pk,
        "later": later.pk,
        "new_count": found.new.count(),
        "dropped_count": found.dropped.count(),
        "new": first(found.new),
        "dropped": first(found.dropped),
    }
