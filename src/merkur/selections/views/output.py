"""What a built selection gives: its first recipients, a CSV of all of them, a frozen run.

The builder posts its draft to each; a draft that is not complete gives the
builder back with the problem at its node, never an error page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from merkur.core import listexport
from merkur.core.listexport import Column, Listing
from merkur.core.pagination import capped_count
from merkur.core.roles import require
from merkur.core.views import capability_required
from merkur.selections import runs
from merkur.selections.compiler import compile_definition
from merkur.selections.definition import dump
from merkur.selections.errors import DefinitionError
from merkur.selections.recipients import letter_lines, person_line, recipients
from merkur.selections.views.pages import SAVE, VIEW, render_builder, visible
from merkur.selections.views.state import Builder

PAGE_SIZE = 50


def _rows(builder: Builder):
    """The recipients of the checked definition, sorted by postal code."""
    selected = compile_definition(builder.definition)
    return recipients(selected, address=builder.definition.address, sort="postal_code")


@capability_required(VIEW)
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    """The first page of recipients (an htmx fragment under the builder)."""
    builder = Builder.from_post(request.POST, request.user)
    context = {"builder": builder, "rows": [], "count": None}
    if builder.definition is not None:
        try:
            rows = _rows(builder)
            found = list(rows[:PAGE_SIZE])
            context["count"] = capped_count(rows)
        except DefinitionError as error:
            builder.errors.setdefault("", []).append(error.message)
        else:
            context["rows"] = [
                {
                    "name": person_line(row),
                    "company": row["company_name"],
                    "lines": letter_lines(row),
                }
                for row in found
            ]
    return render(request, "selections/partials/recipients.html", context)


COLUMNS = [
    Column(gettext_lazy("Name"), person_line, 30),
    Column(gettext_lazy("Letter salutation"), lambda row: row["person_letter_salutation"], 30),
    Column(gettext_lazy("Company"), lambda row: row["company_name"], 30),
    Column(gettext_lazy("Company (2)"), lambda row: row["company_name2"], 20),
    Column(gettext_lazy("Street"), lambda row: row["address_street"], 25),
    Column(gettext_lazy("Street (2)"), lambda row: row["address_street2"], 20),
    Column(gettext_lazy("PO box"), lambda row: row["address_po_box"], 10),
    Column(gettext_lazy("Postal code"), lambda row: row["address_postal_code"], 10),
    Column(gettext_lazy("City"), lambda row: row["address_city"], 20),
    Column(gettext_lazy("Region"), lambda row: row["address_region"], 10),
    Column(gettext_lazy("Country"), lambda row: row["address_country"], 8),
    Column(gettext_lazy("E-mail"), lambda row: row["person_email"], 25),
]


@capability_required(VIEW)
@require_POST
def recipients_csv(request: HttpRequest) -> HttpResponse:
    """Every recipient as CSV, streamed; cells a spreadsheet would run are neutralised."""
    builder = Builder.from_post(request.POST, request.user)
    selection = visible(request.user, request.POST.get("selection"))
    if builder.definition is None:
        messages.error(request, _("The selection is not complete yet: see the marked conditions."))
        return render_builder(request, builder, selection=selection, status=422)
    listing = Listing(
        title=selection.name if selection else _("Selection"),
        columns=[Column(str(column.label), column.get, column.width) for column in COLUMNS],
        rows=_rows(builder),
        filename=selection.name if selection else _("selection"),
        user=request.user,
    )
    return listexport.csv_response(listing)


@capability_required(VIEW)
@require_POST
def freeze(request: HttpRequest) -> HttpResponse:
    """Keep who is in the selection now (a run); linked to the saved selection if the
    definition is the saved one."""
    require(request.user, SAVE)
    builder = Builder.from_post(request.POST, request.user)
    selection = visible(request.user, request.POST.get("selection"))
    if builder.definition is None:
        messages.error(request, _("The selection is not complete yet: see the marked conditions."))
        return render_builder(request, builder, selection=selection, status=422)
    linked = selection
    if selection is not None and selection.definition != dump(builder.definition):
        linked = None  # changed since it was saved: a run of its own
    try:
        frozen = runs.freeze(builder.definition, by=request.user, selection=linked)
    except ValidationError as error:  # a reference that no longer resolves
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Frozen: %(count)s records on %(day)s.")
            % {"count": frozen.count, "day": frozen.today},
        )
    return render_builder(request, builder, selection=selection)
