"""Address labels: a PDF on A4 label sheets, starting at a chosen label of the first sheet.

Formats (millimetres): Avery Zweckform 3474 (70 × 37, 3 × 8, no margins left and right,
0.5 top), 3475 and 3490 (70 × 36, 3 × 8, 4.5 top), L7163 (99.1 × 38.1, 2 × 7, 15.15 top,
4.65 left, 2.5 between the columns) and a custom layout (``LabelLayout.custom``: page
margins, rows, columns, label size, gaps).

Each label holds the address block (and, optionally, the small return line); text that
does not fit gets smaller type (down to ``MIN_SIZE``), then long lines are cut with "…"
and surplus lines replaced by "…" — and everything is clipped to the label, so nothing
ever spills into the next one. ``start`` (1-based, counted row by row) skips the labels
already used on a half-used first sheet.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from merkur.core.pdf_fonts import pdf_fonts

MAX_SIZE, MIN_SIZE = 10.0, 6.0
PADDING_X, PADDING_Y = 4 * mm, 3 * mm
RETURN_SIZE = 5.5


@dataclass(frozen=True)
class LabelLayout:
    """A label sheet; every length in millimetres."""

    name: str
    label_width: float
    label_height: float
    columns: int
    rows: int
    margin_top: float = 0.0
    margin_left: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    page_width: float = 210.0
    page_height: float = 297.0

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def check(self) -> None:
        """``ValueError`` (German message via gettext) when the labels do not fit the page."""
        numbers = (self.label_width, self.label_height, self.page_width, self.page_height)
        if min(numbers) <= 0 or min(self.margin_top, self.margin_left, self.gap_x, self.gap_y) < 0:
            raise ValueError(_("Sizes must be positive and margins and gaps not negative."))
        if not (1 <= self.columns <= 20 and 1 <= self.rows <= 50):
            raise ValueError(_("A sheet has 1 to 20 columns and 1 to 50 rows."))
        width = self.margin_left + self.columns * self.label_width + (self.columns - 1) * self.gap_x
        height = self.margin_top + self.rows * self.label_height + (self.rows - 1) * self.gap_y
        if width > self.page_width + 0.01:
            raise ValueError(
                _("The labels are %(width)s mm wide with the margin: the page is %(page)s mm.")
                % {"width": round(width, 2), "page": self.page_width}
            )
        if height > self.page_height + 0.01:
            raise ValueError(
                _("The labels are %(height)s mm high with the margin: the page is %(page)s mm.")
                % {"height": round(height, 2), "page": self.page_height}
            )

    @classmethod
    def custom(cls, **sizes) -> "LabelLayout":
        layout = cls(name="custom", **sizes)
        layout.check()
        return layout

    def position(self, index: int) -> tuple[float, float]:
        """The bottom left corner (points) of the label ``index`` (0-based) of a sheet."""
        row, column = divmod(index, self.columns)
        x = self.margin_left + column * (self.label_width + self.gap_x)
        top = self.margin_top + row * (self.label_height + self.gap_y)
        return x * mm, (self.page_height - top - self.label_height) * mm


FORMATS: dict[str, LabelLayout] = {
    layout.name: layout
    for layout in (
        LabelLayout("3474", 70, 37, 3, 8, margin_top=0.5),
        LabelLayout("3475", 70, 36, 3, 8, margin_top=4.5),
        LabelLayout("3490", 70, 36, 3, 8, margin_top=4.5),
        LabelLayout("L7163", 99.1, 38.1, 2, 7, margin_top=15.15, margin_left=4.65, gap_x=2.5),
    )
}


def layout_of(name: str) -> LabelLayout:
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(
            _("Unknown label format “%(name)s”: one of %(names)s or a custom layout.")
            % {"name": name, "names": ", ".join(FORMATS)}
        ) from None


def _cut(text: str, size: float, width: float, font: str) -> str:
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def fit_lines(
    lines: list[str], width: float, height: float, font: str | None = None
) -> tuple[float, list[str]]:
    """The type size and the lines as drawn in ``width`` × ``height`` points: smaller type
    until all lines fit (not below ``MIN_SIZE``), then cut visibly with "…"."""
    font = font or pdf_fonts().regular
    size = MAX_SIZE
    longest = max((stringWidth(line, font, MAX_SIZE) for line in lines), default=0)
    while size > MIN_SIZE and (
        len(lines) * size * 1.15 > height or longest * size / MAX_SIZE > width
    ):
        size -= 0.5
    room = max(int(height // (size * 1.15)), 1)
    if len(lines) > room:
        lines = [*lines[: room - 1], (lines[room - 1] if room > 1 else "") + " …"]
    return size, [_cut(line, size, width, font) for line in lines]


def write_labels(
    records: Iterable[dict],
    target,
    *,
    layout: LabelLayout | str = "3474",
    start: int = 1,
    return_line: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Labels of the records' ``address_block`` (``merge_rows``) as a PDF to ``target``.

    ``start``: the first label to print on on the first sheet (1-based, row by row);
    ``return_line``: our own address in small type above the address. Returns the count.
    """
    if isinstance(layout, str):
        layout = layout_of(layout)
    layout.check()
    if not 1 <= start <= layout.per_sheet:
        raise ValueError(
            _("The first label is a number from 1 to %(count)s.") % {"count": layout.per_sheet}
        )
    canvas = Canvas(
        target if not hasattr(target, "__fspath__") else str(target),
        pagesize=(layout.page_width * mm, layout.page_height * mm),
    )
    canvas.setTitle(_("Address labels"))
    canvas.setCreator("Merkur")
    font = pdf_fonts().regular
    width = layout.label_width * mm - 2 * PADDING_X
    height = layout.label_height * mm - 2 * PADDING_Y
    index = start - 1
    count = 0
    for values in records:
        if index == layout.per_sheet:
            canvas.showPage()
            index = 0
        x, y = layout.position(index)
        lines = [line for line in (values.get("address_block") or "").split("\n") if line.strip()]
        room = height
        canvas.saveState()
        path = canvas.beginPath()
        path.rect(x, y, layout.label_width * mm, layout.label_height * mm)
        canvas.clipPath(path, stroke=0, fill=0)
        top = y + layout.label_height * mm - PADDING_Y
        if return_line and values.get("org_sender_line"):
            canvas.setFont(font, RETURN_SIZE)
            top -= RETURN_SIZE
            canvas.drawString(
                x + PADDING_X, top, _cut(values["org_sender_line"], RETURN_SIZE, width, font)
            )
            top -= 2
            room -= RETURN_SIZE + 2
        size, drawn = fit_lines(lines, width, room, font)
        text = canvas.beginText(x + PADDING_X, top - size)
        text.setFont(font, size, size * 1.15)
        for line in drawn:
            text.textLine(line)
        canvas.drawText(text)
        canvas.restoreState()
        index += 1
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count)
    canvas.showPage()
    canvas.save()
    return count
