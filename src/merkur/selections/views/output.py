"""What a built selection gives: its recipients page by page, a CSV of all of them, a
frozen run.

The builder posts its draft to each; a draft that is not complete gives the
builder back with the problem at its node, never an error page. How the list is
made — sort, duplicates, purpose — is chosen in the builder and holds for the
page and the CSV alike (``Output``).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
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
from merkur.selections.views.choices import Output, read_offset
from merkur.selections.views.pages import SAVE, VIEW, render_builder, visible
from merkur.selections.views.state import Builder

PAGE_SIZE = 50


def _rows(builder: Builder, output: Output):
    """The recipients of the checked definition, as chosen."""
    selected = compile_definition(builder.definition)
    return recipients(
        selected,
        address=builder.definition.address,
        sort=output.sort,
        dedupe=output.dedupe,
        purpose=output.purpose,
    )


def row_view(row: dict, target: str) -> dict:
    """A recipient as the tables show it, with the record "why" explains."""
    return {
        "name": person_line(row),
        "company": row["company_name"],
        "lines": letter_lines(row),
        "record": row["person_pk"] if target == "people" else row["company_pk"],
    }


@capability_required(VIEW)
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    """A page of recipients (an htmx fragment under the builder), ``offset`` rows on."""
    builder = Builder.from_post(request.POST, request.user)
    output = Output.read(request.POST)
    offset = read_offset(request.POST)
    context = {"builder": builder, "rows": [], "count": None, "output": output}
    if builder.definition is not None:
        try:
            rows = _rows(builder, output)
            count = capped_count(rows)
            if count.exact and offset >= count.value:
                offset = 0  # past the end (the data changed meanwhile): the first page
            found = list(rows[offset : offset + PAGE_SIZE + 1])
        except DefinitionError as error:
            builder.errors.setdefault("", []).append(error.message)
        else:
            target = builder.definition.target
            context.update(
                count=count,
                rows=[row_view(row, target) for row in found[:PAGE_SIZE]],
                first=offset + 1,
                last=offset + min(len(found), PAGE_SIZE),
                previous=max(0, offset - PAGE_SIZE) if offset else None,
                next=offset + PAGE_SIZE if len(found) > PAGE_SIZE else None,
            )
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
    output = Output.read(request.POST)
    listing = Listing(
        title=selection.name if selection else _("Selection"),
        columns=columns(),
        rows=_rows(builder, output),
        filename=selection.name if selection else _("selection"),
        user=request.user,
    )
    return listexport.csv_response(listing)


def columns() -> list[Column]:
    """The CSV's columns, headed in the user's language."""
    return [Column(str(column.label), column.get, column.width) for column in COLUMNS]


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
        text = _("Frozen: %(count)s records on %(day)s.") % {
            "count": number_format(frozen.count, force_grouping=True),
            "day": date_format(frozen.today, "SHORT_DATE_FORMAT"),
        }
        url = reverse("selections:run_detail", args=[frozen.pk])
        link = format_html('{} <a href="{}">{}</a>', text, url, _("Open the run"))
        messages.success(request, link)
    return render_builder(request, builder, selection=selection)
