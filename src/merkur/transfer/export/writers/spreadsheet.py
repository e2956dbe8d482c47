"""XLSX: openpyxl's write-only workbook with typed cells, written row by row.

Numbers are numbers, dates are dates (formatted for the export's language), yes/no
are Excel booleans, lists are text. Every text is an inline string, never a
formula; text that a spreadsheet would read as one (``listexport.FORMULA_STARTS``)
carries Excel's "quote prefix" as well, so it stays text even when a user edits the
cell. The headings are bold, the first row is frozen. A sheet holds 1,048,576 rows;
more rows continue on a second sheet ("Adressen (2)"), nothing is cut.

openpyxl builds an XML element per cell, which caps it near 10,000 rows a second
for a dozen columns. The workbook, its styles and each sheet's head and tail are
openpyxl's; only the cells of the data rows are written by ``_FastSheet`` as XML
text straight into the sheet's file (the same elements, escaped the same way), at
several times the speed. The tests read every file back with openpyxl.
"""

import datetime
import decimal
from collections.abc import Iterable
from itertools import chain
from xml.sax.saxutils import escape

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml import LXML
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import xmlfile

from merkur.core.listexport import FORMULA_STARTS, XLSX_ROW_LIMIT
from merkur.transfer.export import catalog
from merkur.transfer.export.writers import Writer
from merkur.transfer.export.writers.delimited import text_converter

DATE_FORMATS = {"de": ("DD.MM.YYYY", "DD.MM.YYYY HH:MM"), "en": ("YYYY-MM-DD", "YYYY-MM-DD HH:MM")}


class _RawWriter(WorksheetWriter):
    """openpyxl's sheet writer, on a file we can also write raw XML to."""

    def get_stream(self):
        with open(self.out, "wb") as handle, xmlfile(handle) as xf:
            self.handle = handle
            with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        element = yield
                        if element is True:
                            yield xf
                        elif element is not None:
                            xf.write(element)
                except GeneratorExit:
                    pass


class _FastSheet(WriteOnlyWorksheet):
    """A write-only sheet whose data rows are written as XML text (see the module)."""

    def _get_writer(self):
        if self._writer is None:
            self._writer = _RawWriter(self)
            self._writer.write_top()

    def write_rows(self, rows: Iterable[str]) -> None:
        """Write ``rows`` — each the complete ``<row>`` element — as the sheet's data."""
        self._get_writer()
        xf = self._writer.xf.send(True)
        xf.flush()
        handle = self._writer.handle
        handle.write(b"<sheetData>")
        for row in rows:
            handle.write(row.encode("utf-8"))
        handle.write(b"</sheetData>")
        self._writer.xf.send(None)
        self._rows = iter(())  # close() must not write the rows again

    def close(self):
        if self._rows is not None:
            self._rows = None
            self._writer.write_tail()
            self._writer.close()
            self._WriteOnlyWorksheet__saved = True
            return
        super().close()


class XlsxWriter(Writer):
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    streams = False

    def save(self, rows: Iterable[list], target) -> None:
        workbook = Workbook(write_only=True)
        styles = self._styles(workbook)
        rows = iter(rows)
        number = 1
        while True:
            title = self._sheet_title(number)
            sheet = _FastSheet(workbook, title)
            workbook._sheets.append(sheet)
            for index, column in enumerate(self.columns, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = column.width
            sheet.freeze_panes = "A2"
            left = self._fill(sheet, rows, styles)
            sheet.close()
            if left is None:
                break
            rows = chain([left], rows)
            number += 1
        workbook.save(target)

    def _sheet_title(self, number: int) -> str:
        base = (self.context.title or "Export")[:25]
        for char in "[]:*?/\\":
            base = base.replace(char, " ")
        return base if number == 1 else f"{base} ({number})"

    def _styles(self, workbook) -> dict:
        """Style ids of the heading, dates and quote-prefixed text (registered in the book)."""
        sheet = WriteOnlyWorksheet(workbook, "styles")
        date_format, time_format = DATE_FORMATS.get(self.context.language[:2], DATE_FORMATS["de"])
        bold = WriteOnlyCell(sheet, value="x")
        bold.font = Font(bold=True)
        date = WriteOnlyCell(sheet, value=datetime.date(2000, 1, 1))
        date.number_format = date_format
        moment = WriteOnlyCell(sheet, value=datetime.datetime(2000, 1, 1))
        moment.number_format = time_format
        quoted = WriteOnlyCell(sheet, value="x")
        quoted.quotePrefix = True
        return {
            "bold": bold.style_id,
            "date": date.style_id,
            "datetime": moment.style_id,
            "quoted": quoted.style_id,
        }

    def _fill(self, sheet: _FastSheet, rows, styles: dict) -> list | None:
        """Write the heading and up to a sheet's worth of rows; the first row left over
        for the next sheet, if any."""
        letters = [get_column_letter(index) for index in range(1, len(self.columns) + 1)]
        cells = [self._cell_writer(column, styles) for column in self.columns]
        state = {"more": False}

        def lines():
            if self.options.header != "none":
                heading = "".join(
                    f'<c r="{letter}1" s="{styles["bold"]}" t="inlineStr">{_text(text)}</c>'
                    for letter, text in zip(letters, self.headings(), strict=True)
                )
                yield f'<row r="1">{heading}</row>'
                first = 2
            else:
                first = 1
            limit = XLSX_ROW_LIMIT + 1  # rows of a sheet, heading included
            number = first
            for row in rows:
                r = str(number)
                yield (
                    f'<row r="{r}">'
                    + "".join(
                        write(letter + r, value)
                        for write, letter, value in zip(cells, letters, row, strict=True)
                        if value is not None
                    )
                    + "</row>"
                )
                number += 1
                if number > limit:
                    state["more"] = True
                    return

        sheet.write_rows(lines())
        if state["more"]:
            # Another sheet only if a row is left.
            return next(rows, None)
        return None

    def _cell_writer(self, column, styles: dict):
        kind = column.type
        if kind in (catalog.INTEGER, catalog.DECIMAL):
            return _number
        if kind == catalog.BOOLEAN:
            return lambda ref, value: f'<c r="{ref}" t="b"><v>{int(bool(value))}</v></c>'
        if kind == catalog.DATE:
            style = styles["date"]
            return lambda ref, value: f'<c r="{ref}" s="{style}"><v>{to_excel(value)}</v></c>'
        if kind == catalog.DATETIME:
            style = styles["datetime"]
            return lambda ref, value: (
                f'<c r="{ref}" s="{style}"><v>{to_excel(_local(value))}</v></c>'
            )
        convert = (
            text_converter(column, _NoProtection(self.options)) if kind == catalog.LIST else str
        )
        quoted = styles["quoted"]
        protect = self.options.formula_protection

        def text(ref: str, value) -> str:
            value = convert(value)
            if protect and value.startswith(FORMULA_STARTS):
                return f'<c r="{ref}" s="{quoted}" t="inlineStr">{_text(value)}</c>'
            return f'<c r="{ref}" t="inlineStr">{_text(value)}</c>'

        return text


def _number(ref: str, value) -> str:
    if isinstance(value, decimal.Decimal):
        value = format(value, "f")
    return f'<c r="{ref}" t="n"><v>{value}</v></c>'


def _local(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def _text(value: str) -> str:
    """An inline string element: illegal XML characters dropped, spaces kept."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value != value.strip():
        return f'<is><t xml:space="preserve">{escape(value)}</t></is>'
    return f"<is><t>{escape(value)}</t></is>"


class _NoProtection:
    """The options with the formula guard off: XLSX keeps text as text by the cell type."""

    def __init__(self, options):
        self._options = options

    def __getattr__(self, name):
        if name == "formula_protection":
            return False
        return getattr(self._options, name)


if not LXML:  # pragma: no cover — lxml comes with python-docx
    raise ImportError("the XLSX export needs lxml")
