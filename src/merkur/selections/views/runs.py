"""Frozen runs: the runs of a saved selection, one run with its members, comparing two.

A run is visible to whoever may see its saved selection and to who froze it
(``visible_runs``); any other run is answered with 404, as if it did not exist.
Looking needs the view capability; freezing needs SAVE_SELECTIONS.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from merkur.companies.templatetags.company_tags import list_url
from merkur.companies.views.common import fetch_page
from merkur.core import listexport
from merkur.core.listexport import Listing
from merkur.core.pagination import Ordering, capped_count
from merkur.core.roles import has_capability, require
from merkur.core.views import capability_required
from merkur.selections import runs
from merkur.selections.api.common import visible_runs
from merkur.selections.models import SavedSelection, SelectionRun
from merkur.selections.recipients import recipients
from merkur.selections.views.choices import PURPOSES, SORTS, Output
from merkur.selections.views.members import MemberPage, for_purpose, member_page
from merkur.selections.views.output import columns, row_view
from merkur.selections.views.pages import SAVE, VIEW

NEWEST_FIRST = Ordering(("-run_at", "-id"))
PER_PAGE = 50
OTHER_RUNS = 100  # runs offered to compare with on a run's page


def _selection(request: HttpRequest, pk: int) -> SavedSelection:
    queryset = SavedSelection.objects.visible_to(request.user).select_related("owner")
    return get_object_or_404(queryset, pk=pk)


def _run(request: HttpRequest, pk) -> SelectionRun:
    """A run the user may see, by its id (from the path or a query parameter)."""
    text = str(pk or "")
    if not text.isdigit() or len(text) > 18:
        raise Http404(_("No such run."))
    queryset = visible_runs(request.user).select_related("selection", "by")
    return get_object_or_404(queryset, pk=int(text))


def _links(request: HttpRequest, page: MemberPage, name: str = "cursor") -> dict:
    """The URLs of the first, previous and next page, keeping the other parameters."""
    return {
        "first": list_url(request, **{name: None}) if page.previous_cursor else None,
        "previous": list_url(request, **{name: page.previous_cursor})
        if page.previous_cursor
        else None,
        "next": list_url(request, **{name: page.next_cursor}) if page.next_cursor else None,
    }


@capability_required(VIEW)
@require_GET
def run_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The frozen runs of a saved selection (or, without one, every run the user may see),
    newest first, with two chosen for comparing."""
    selection = _selection(request, pk) if pk is not None else None
    queryset = (
        selection.runs.all() if selection is not None else visible_runs(request.user)
    ).select_related("selection", "by")
    page, notice = fetch_page(queryset, NEWEST_FIRST, request.GET.get("cursor", ""))
    if notice:
        messages.warning(request, notice)
    return render(
        request,
        "selections/runs.html",
        {
            "selection": selection,
            "page": page,
            "can_freeze": selection is not None and has_capability(request.user, SAVE),
        },
    )


@capability_required(VIEW)
@require_POST
def freeze_saved(request: HttpRequest, pk: int) -> HttpResponse:
    """Freeze the saved selection as it is stored, today."""
    selection = _selection(request, pk)
    require(request.user, SAVE)
    try:
        run = runs.freeze(selection.definition, by=request.user, selection=selection)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Frozen: %(count)s records on %(day)s.")
            % {
                "count": number_format(run.count, force_grouping=True),
                "day": date_format(run.today, "SHORT_DATE_FORMAT"),
            },
        )
    return redirect(reverse("selections:runs", args=[selection.pk]))


@capability_required(VIEW)
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """A run: who froze it when, and its members page by page."""
    run = _run(request, run_id)
    output = Output.read(request.GET, purpose="non_marketing")
    members = for_purpose(run.members.all(), output.purpose)
    cursor = request.GET.get("cursor")
    page = member_page(members, sort=output.sort, cursor=cursor, per_page=PER_PAGE)
    if page.notice:
        messages.warning(request, page.notice)
    if output.purpose == "non_marketing":
        count = run.count
        exact = True
    else:
        capped = capped_count(members)
        count, exact = capped.value, capped.exact
    others = (
        visible_runs(request.user)
        .filter(target=run.target)
        .exclude(pk=run.pk)
        .filter(Q(selection=run.selection_id) if run.selection_id else Q(selection__isnull=True))
        .select_related("by")[:OTHER_RUNS]
    )
    return render(
        request,
        "selections/run.html",
        {
            "run": run,
            "output": output,
            "sorts": SORTS,
            "purposes": PURPOSES,
            "page": page,
            "links": _links(request, page),
            "rows": [row_view(row, run.target) for row in page.rows],
            "count": count,
            "exact": exact,
            "others": others,
        },
    )


@capability_required(VIEW)
@require_GET
def run_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    """Every member of the run as CSV, sorted and for the purpose chosen."""
    run = _run(request, run_id)
    output = Output.read(request.GET, purpose="non_marketing")
    name = run.selection.name if run.selection else _("selection run")
    listing = Listing(
        title=name,
        columns=columns(),
        rows=recipients(run, sort=output.sort, dedupe=None, purpose=output.purpose),
        filename=f"{name}-{run.pk}",
        description=[_("Frozen on %(day)s") % {"day": date_format(run.today, "SHORT_DATE_FORMAT")}],
        user=request.user,
    )
    return listexport.csv_response(listing)


@capability_required(VIEW)
@require_GET
def run_compare(request: HttpRequest) -> HttpResponse:
    """Who is new in the later run and who dropped out since the earlier one, each paged."""
    first = _run(request, request.GET.get("earlier", ""))
    second = _run(request, request.GET.get("later", ""))
    earlier, later = sorted((first, second), key=lambda item: (item.run_at, item.pk))
    output = Output.read(request.GET)
    context = {"earlier": earlier, "later": later, "output": output, "sorts": SORTS, "error": ""}
    try:
        found = runs.compare(earlier, later)
    except ValidationError as error:
        context["error"] = " ".join(error.messages)
        return render(request, "selections/compare.html", context, status=422)
    for name, members, run in (("new", found.new, later), ("dropped", found.dropped, earlier)):
        page = member_page(
            members, sort=output.sort, cursor=request.GET.get(f"{name}_cursor"), per_page=PER_PAGE
        )
        if page.notice:
            messages.warning(request, page.notice)
        context[name] = {
            "page": page,
            "links": _links(request, page, f"{name}_cursor"),
            "rows": [row_view(row, run.target) for row in page.rows],
            "count": members.count(),
        }
    return render(request, "selections/compare.html", context)
