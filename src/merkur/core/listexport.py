"""Lists as files: CSV, Excel (XLSX) and PDF from one description of the columns.

A view describes *what* to print (title, columns, rows, the filter in words);
this module decides *how*. CSV and XLSX hold every row and run in constant
memory (rows are read in chunks, CSV is streamed); the PDF is for reading and
stops after ``PDF_ROW_LIMIT`` rows with a note saying so.

Cells that a spreadsheet would run as a formula (``=HYPERLINK(…)`` typed into
a company name) are written as text with a leading apostrophe, in CSV and XLSX.
"""

import csv
import datetime
import decimal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from xml.sax.saxutils import escape

from django import forms
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import formats, timezone, translation
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _

from merkur.core.pdf_fonts import Fonts, pdf_fonts
from merkur.core.users import display_name

FORMATS = ("csv", "xlsx", "pdf")
PDF_ROW_LIMIT = 5000
XLSX_ROW_LIMIT = 1_048_575  # a worksheet's rows, less the header
CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATOR = " · "

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Column:
    """A column: its heading, how to read the value from a row, its width in characters."""

    label: str
    get: Callable[[object], object]
    width: int = 15


@dataclass
class Listing:
    """What to print: the rows of a (filtered) list and how to describe it."""

    title: str
    columns: list[Column]
    rows: QuerySet | Iterable
    filename: str  # base name without date and extension, e.g. "kontakte" (slugified)
    description: list[str] = field(default_factory=list)  # the filter in words
    user: object | None = None
    now: datetime.datetime | None = None

    def stamp(self) -> datetime.datetime:
        return timezone.localtime(self.now or timezone.now())

    def full_description(self) -> str:
        stamp = _("As of %(when)s") % {
            "when": formats.date_format(self.stamp(), "SHORT_DATETIME_FORMAT")
        }
        return SEPARATOR.join([*self.description, stamp])

    def file_name(self, fmt: str) -> str:
        base = slugify(self.filename) or "liste"
        return f"{base}-{self.stamp():%Y-%m-%d}.{fmt}"


def neutralise(text: str) -> str:
    """Text that a spreadsheet would read as a formula, made plain text."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain_value(value) -> object:
    """A cell's value as data: local naive datetimes, numbers, text (lists joined)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date | int | float | decimal.Decimal):
        return value
    if isinstance(value, list | tuple | set):
        return ", ".join(str(item) for item in value if item not in (None, ""))
    return str(value)


def as_text(value) -> str:
    """A cell's value as the user's locale writes it (CSV and PDF)."""
    value = plain_value(value)
    if isinstance(value, datetime.datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, float | decimal.Decimal):
        return formats.number_format(value, use_l10n=True)
    return str(value)


def _iterate(rows) -> Iterator:
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=CHUNK_SIZE)
    return iter(rows)


def requested_format(request) -> str | None:
    """The ``format`` a list export asks for, if it is one of ``FORMATS``."""
    fmt = request.GET.get("format", "")
    return fmt if fmt in FORMATS else None


def unknown_format() -> HttpResponse:
    return HttpResponse(
        _("Choose the format: csv, xlsx or pdf."), status=400, content_type="text/plain"
    )


def respond(listing: Listing, fmt: str) -> HttpResponse:
    """The listing as a download in ``fmt`` (one of ``FORMATS``)."""
    writer = {"csv": csv_response, "xlsx": xlsx_response, "pdf": pdf_response}[fmt]
    return writer(listing)


def _attachment(response: HttpResponse, listing: Listing, fmt: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=listing.file_name(fmt)
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- CSV -----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(listing: Listing) -> Iterator[str]:
    """The CSV text line by line: BOM, ``;``-separated, CRLF — German Excel opens it as is."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff"
    yield writer.writerow([neutralise(str(column.label)) for column in listing.columns])
    for row in _iterate(listing.rows):
        yield writer.writerow([_csv_cell(column.get(row)) for column in listing.columns])


def _csv_cell(value) -> str:
    # Only text is neutralised: a negative number is a number, not a formula.
    text = as_text(value)
    return neutralise(text) if isinstance(plain_value(value), str) else text


def csv_response(listing: Listing) -> StreamingHttpResponse:
    language = translation.get_language()

    def stream() -> Iterator[bytes]:
        # The response is read after the view returned: keep the user's language.
        with translation.override(language):
            for line in csv_lines(listing):
                yield line.encode("utf-8")

    response = StreamingHttpResponse(stream(), content_type=CONTENT_TYPES["csv"])
    return _attachment(response, listing, "csv")


# --- XLSX ----------------------------------------------------------------------------------


def _xlsx_value(value):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = plain_value(value)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write_xlsx(listing: Listing, target) -> None:
    """The listing as a workbook, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=listing.title[:31] or "Liste")
    for index, column in enumerate(listing.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in listing.columns:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(column.label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for number, row in enumerate(_iterate(listing.rows), start=1):
        if number > XLSX_ROW_LIMIT - 1:
            # Say so in the file rather than write a workbook Excel cannot open.
            sheet.append([_("More rows than a worksheet holds: export as CSV for all of them.")])
            break
        cells = []
        for column in listing.columns:
            value = _xlsx_value(column.get(row))
            if isinstance(value, str):
                # Stored as a text cell: a spreadsheet shows "=HYPERLINK(…)" or
                # "+41 44 …" as written and never evaluates it (no apostrophe needed).
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                cells.append(cell)
            elif isinstance(value, datetime.datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD.MM.YYYY HH:MM"
                cells.append(cell)
            elif isinstance(value, datetime.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "DD.MM.YYYY"
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    workbook.save(target)


def xlsx_response(listing: Listing) -> FileResponse:
    # Built in a temporary file (openpyxl zips at the end), then streamed from disk.
    target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    write_xlsx(listing, target)
    target.seek(0)
    response = FileResponse(target, content_type=CONTENT_TYPES["xlsx"])
    return _attachment(response, listing, "xlsx")


# --- PDF -----------------------------------------------------------------------------------


def _numbered_canvas(listing: Listing, font: str):
    """A canvas that knows the page count: pages are drawn after all are laid out."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    stamp = formats.date_format(listing.stamp(), "SHORT_DATETIME_FORMAT")
    who = ""
    if listing.user is not None:
        who = display_name(listing.user)
    footer_left = SEPARATOR.join(part for part in (listing.title, stamp, who) if part)

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages = []

        def showPage(self):
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self._footer(total)
                super().showPage()
            super().save()

        def _footer(self, total: int) -> None:
            width, _height = self._pagesize
            self.setFont(font, 8)
            self.setFillGray(0.35)
            self.drawString(12 * mm, 8 * mm, footer_left)
            page = _("Page %(page)d of %(pages)d") % {"page": self._pageNumber, "pages": total}
            self.drawRightString(width - 12 * mm, 8 * mm, page)

    return NumberedCanvas


def _head(listing: Listing, count: int, total: int, fonts: Fonts) -> list:
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.platypus import Paragraph, Spacer

    sample = getSampleStyleSheet()
    title = ParagraphStyle("title", parent=sample["Title"], fontName=fonts.bold)
    normal = ParagraphStyle("normal", parent=sample["Normal"], fontName=fonts.regular)
    parts = [
        Paragraph(escape(listing.title), title),
        Paragraph(escape(listing.full_description()), normal),
    ]
    if total > count:
        note = _("The first %(shown)s of %(total)s entries — export as CSV or Excel for all.") % {
            "shown": formats.number_format(count, use_l10n=True, force_grouping=True),
            "total": formats.number_format(total, use_l10n=True, force_grouping=True),
        }
        parts.append(Paragraph(f"<b>{escape(note)}</b>", normal))
    parts.append(Spacer(1, 4))
    return parts


FONT_SIZE, LEADING = 7.5, 9
PADDING = 2
MAX_CELL_LINES = 30  # a row must fit on a page: a long text is cut with "…"
MAX_CELL_CHARS = 10_000


def _measure(font: str):
    from reportlab.pdfbase.pdfmetrics import stringWidth

    @lru_cache(maxsize=100_000)
    def width(text: str) -> float:
        return stringWidth(text, font, FONT_SIZE)

    return width


def wrap_cell(text: str, width: float, measure) -> str:
    """The text broken into lines that fit ``width`` points.

    Done here with word widths cached, instead of by Paragraphs: thousands of
    rows would otherwise take minutes to lay out.
    """
    lines = []
    space = measure(" ")
    # No more than 30 lines are shown: a whole report need not be measured.
    for paragraph in text[:MAX_CELL_CHARS].split("\n"):
        line, line_width = "", 0.0
        for word in paragraph.split():
            if len(lines) > MAX_CELL_LINES:
                break
            parts = [word] if measure(word) <= width else _cut(word, width, measure)
            for part in parts:
                part_width = measure(part)
                if line and line_width + space + part_width > width:
                    lines.append(line)
                    line, line_width = part, part_width
                    if len(lines) > MAX_CELL_LINES:
                        break
                elif line:
                    line, line_width = f"{line} {part}", line_width + space + part_width
                else:
                    line, line_width = part, part_width
        lines.append(line)
        if len(lines) > MAX_CELL_LINES:
            break
    if len(lines) > MAX_CELL_LINES:
        lines = [*lines[: MAX_CELL_LINES - 1], lines[MAX_CELL_LINES - 1] + " …"]
    return "\n".join(lines).strip("\n")


def _cut(word: str, width: float, measure) -> list[str]:
    """A word too long for its column, cut where it reaches the edge."""
    pieces, piece = [], ""
    for char in word:
        if piece and measure(piece + char) > width:
            pieces.append(piece)
            piece = char
        else:
            piece += char
    return [*pieces, piece]


def write_pdf(listing: Listing, target, *, limit: int = PDF_ROW_LIMIT) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, SimpleDocTemplate, TableStyle

    page = landscape(A4)
    margin = 12 * mm
    widths_total = sum(column.width for column in listing.columns) or 1
    usable = page[0] - 2 * margin
    col_widths = [usable * column.width / widths_total for column in listing.columns]
    text_widths = [width - 2 * PADDING for width in col_widths]
    fonts = pdf_fonts(condensed=True)  # table cells are narrow
    measure, measure_bold = _measure(fonts.regular), _measure(fonts.bold)

    rows = []
    total = 0
    iterator = _iterate(listing.rows)
    for row in iterator:
        if len(rows) == limit:
            # Only the number of the rest is needed: ask the database, don't read them.
            if isinstance(listing.rows, QuerySet):
                total = listing.rows.count()
            else:
                total = limit + 1 + sum(1 for _rest in iterator)
            break
        rows.append(
            [
                wrap_cell(as_text(column.get(row)), width, measure)
                for column, width in zip(listing.columns, text_widths, strict=True)
            ]
        )
    count = len(rows)
    total = max(total, count)

    document = SimpleDocTemplate(
        target,
        pagesize=page,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=16 * mm,
        title=listing.title,
        author=_author(listing.user),
    )
    header = [
        wrap_cell(str(column.label), width, measure_bold)
        for column, width in zip(listing.columns, text_widths, strict=True)
    ]
    table = LongTable([header, *rows], colWidths=col_widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), fonts.regular, FONT_SIZE, LEADING),
                ("FONT", (0, 0), (-1, 0), fonts.bold, FONT_SIZE, LEADING),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    document.build(
        [*_head(listing, count, total, fonts), table],
        canvasmaker=_numbered_canvas(listing, fonts.regular),
    )


def _author(user) -> str:
    if user is None:
        return ""
    return display_name(user)


def pdf_response(listing: Listing) -> FileResponse:
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    write_pdf(listing, target)
    target.seek(0)
    response = FileResponse(target, content_type=CONTENT_TYPES["pdf"])
    return _attachment(response, listing, "pdf")


# --- describing a filter -------------------------------------------------------------------


def describe_form(form: forms.Form, *, skip: Iterable[str] = ("sort", "cursor")) -> list[str]:
    """The filter a list form holds, in words: ``["Land: Deutschland", "PLZ beginnt mit: 66"]``.

    Only fields that passed validation and hold a value are described (the list
    is filtered by exactly those).
    """
    form.is_valid()
    values = getattr(form, "cleaned_data", {})
    parts = []
    for name, bound in form.fields.items():
        if name in skip or name not in values:
            continue
        text = _describe_value(bound, values[name])
        if text:
            parts.append(f"{bound.label or name}: {text}")
    return parts


def _describe_value(form_field: forms.Field, value) -> str:
    if value in (None, "", [], ()) or value is False:
        return ""
    if hasattr(value, "all") and callable(value.all):  # a queryset of chosen entries
        value = list(value)
    choices = dict(_flat_choices(getattr(form_field, "choices", None)))
    if isinstance(value, list | tuple):
        return ", ".join(str(choices.get(item, item)) for item in value)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if value is True:
        return _("yes")
    return str(choices.get(value, value)) if _hashable(value) else str(value)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _flat_choices(choices) -> list[tuple]:
    if not choices or hasattr(choices, "queryset"):
        return []
    flat = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((key, label))
    return flat
