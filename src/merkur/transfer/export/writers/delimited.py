"""CSV: separator, quoting, line ending, encoding and headings as chosen.

Values are written as the export's language writes them (``value_format="locale"``:
"1.234,5", "31.12.2024", "ja") or in a neutral form for other programs (``iso``:
"1234.5", "2024-12-31", "true"). Text that a spreadsheet would run as a formula
(``=``, ``+``, ``-``, ``@``, tab, CR at the start) gets a leading apostrophe —
``listexport.neutralise``, the same rule as every list download — unless the user
turned ``formula_protection`` off for a file meant for another program.
"""

import csv
import datetime
import decimal
from collections.abc import Callable, Iterable, Iterator

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from merkur.core.listexport import FORMULA_STARTS, neutralise
from merkur.transfer.export import catalog
from merkur.transfer.export.encoding import Encoder
from merkur.transfer.export.writers import Writer, batches

FORMULA_FIRST = frozenset(start[0] for start in FORMULA_STARTS)
QUOTE = '"'


class _Echo:
    def write(self, value: str) -> str:
        return value


def text_converter(column, options) -> Callable[[object], str]:
    """How ``column``'s values are written as text (CSV, and lists in XLSX)."""
    iso = options.value_format == "iso"
    protect = options.formula_protection
    kind = column.type

    def text(value) -> str:
        if value is None:
            return ""
        if value.__class__ is not str:
            value = str(value)
        # Checked here first: the call is only made for the few cells it changes.
        if protect and value and value[0] in FORMULA_FIRST:
            return neutralise(value)
        return value

    if kind == catalog.TEXT:
        return text
    if kind == catalog.LIST:
        separator = options.list_separator
        item = _plain(iso)

        def joined(value) -> str:
            return text(
                separator.join(
                    [v if v.__class__ is str else item(v) for v in value if v not in (None, "")]
                )
            )

        return joined
    return _plain(iso, kind)


def _plain(iso: bool, kind: str | None = None) -> Callable[[object], str]:
    """A value that is not text, written as text (or text as it is)."""
    yes, no = ("true", "false") if iso else (_("yes"), _("no"))

    def convert(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return yes if value else no
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            if iso:
                return value.replace(tzinfo=None).isoformat(timespec="seconds")
            return formats.date_format(value, "SHORT_DATETIME_FORMAT")
        if isinstance(value, datetime.date):
            return value.isoformat() if iso else formats.date_format(value, "SHORT_DATE_FORMAT")
        if isinstance(value, decimal.Decimal | float):
            if isinstance(value, decimal.Decimal):
                value = _trimmed(value)
            return str(value) if iso else formats.number_format(value, use_l10n=True)
        return str(value)

    if kind == catalog.INTEGER:
        return lambda value: "" if value is None else str(value)
    return convert


def _trimmed(value: decimal.Decimal) -> decimal.Decimal:
    """``12.500000`` (six places in the database) as ``12.5``; ``100`` stays ``100``."""
    if value == value.to_integral_value():
        return value.quantize(decimal.Decimal(1))
    return value.normalize()


class CsvWriter(Writer):
    extension = "csv"

    @property
    def content_type(self) -> str:
        return f"text/csv; charset={self.options.encoding.removesuffix('-sig')}"

    def __init__(self, columns, options, context):
        super().__init__(columns, options, context)
        self.encoder = Encoder(options)

    def line_writer(self):
        """A ``csv.writer`` whose ``writerow`` returns the row's line as text."""
        options = self.options
        return csv.writer(
            _Echo(),
            delimiter=options.separator,
            quotechar=QUOTE,
            quoting=csv.QUOTE_ALL if options.quoting == "all" else csv.QUOTE_MINIMAL,
            lineterminator=options.newline,
        )

    def head(self) -> bytes:
        """What comes before the rows: the byte order mark and the heading line."""
        options = self.options
        encoder = self.encoder
        start = encoder.start()
        if options.header == "none":
            return start
        headings = self.headings()
        if options.formula_protection:
            headings = [neutralise(heading) for heading in headings]
        labels = [column.label(self.context.language) for column in self.columns]
        cells = list(zip(labels, headings, strict=True))
        return start + encoder.encode_row(0, self.line_writer().writerow(headings), cells)

    def chunks(self, rows: Iterable[list]) -> Iterator[bytes]:
        options = self.options
        writer = self.line_writer()
        converters = [text_converter(column, options) for column in self.columns]
        labels = [column.label(self.context.language) for column in self.columns]
        encoder = self.encoder
        writerow = writer.writerow
        guard = FORMULA_FIRST if options.formula_protection else None
        yield self.head()
        number = 0
        for batch in batches(rows):
            lines = []
            cells_of = []
            for row in batch:
                # Plain text that needs no apostrophe is taken as it is, without a call.
                cells = [
                    value
                    if value.__class__ is str and not (guard and value and value[0] in guard)
                    else convert(value)
                    for convert, value in zip(converters, row, strict=True)
                ]
                lines.append(writerow(cells))
                cells_of.append(cells)
            text = "".join(lines)
            encoded = encoder.encode(text)
            if encoded is not None and not (encoder.refusing and encoder.report.count):
                number += len(batch)
                yield encoded
                continue
            pieces = []
            for line, cells in zip(lines, cells_of, strict=True):
                number += 1
                named = list(zip(labels, cells, strict=True))
                pieces.append(encoder.encode_row(number, line, named))
            yield b"".join(pieces)
        encoder.finish()

    def summary(self) -> dict:
        report = self.encoder.report
        return {"unencodable": report.to_dict()} if report.count else {}
