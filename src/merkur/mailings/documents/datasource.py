"""The data source for the word processor's own mail merge (Serienbrief-Datenquelle).

CSV as German Word and LibreOffice open it without an import wizard: UTF-8 with BOM,
``;`` between fields, CRLF line ends, the first line the fields' labels; text that a
spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@`` …) is neutralised as in
every list export (``core.listexport.neutralise``). XLSX (openpyxl's write-only mode,
every value a text cell) with the same columns. Both stream: constant memory.
"""

import csv
import io
from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _

from merkur.core.listexport import XLSX_ROW_LIMIT, neutralise
from merkur.mailings import fields as merge_fields

DEFAULT_KEYS = tuple(merge_fields.FIELDS)


def columns(
    keys: Iterable[str] | None = None, *, free: dict | None = None, language: str = "de"
) -> list[tuple[str, str]]:
    """``(key, label)`` of the columns: ``keys`` in their order (default: every static
    field and the free fields); ``ValueError`` naming an unknown key."""
    catalogue = merge_fields.catalogue(free, attributes=keys is not None)
    if keys is None:
        keys = [*DEFAULT_KEYS, *merge_fields.check_free(free)]
    chosen = []
    for key in keys:
        if key not in catalogue:
            raise ValueError(_("“%(key)s” is not a merge field.") % {"key": key})
        chosen.append((key, catalogue[key].label(language)))
    return chosen


def _clean(value) -> str:
    # Word reads a line break inside a quoted field as a paragraph mark: the address block
    # keeps its lines. Control characters other than line breaks and tabs are dropped.
    text = "" if value is None else str(value)
    return "".join(char for char in text if char >= " " or char in "\n\t")


def write_csv(
    records: Iterable[dict],
    target,
    *,
    keys: Iterable[str] | None = None,
    free: dict | None = None,
    language: str = "de",
    progress: Callable[[int], None] | None = None,
) -> int:
    """The records (``merge_rows``) as CSV to ``target`` (path or binary file)."""
    chosen = columns(keys, free=free, language=language)
    own = isinstance(target, str) or hasattr(target, "__fspath__")
    stream = open(target, "wb") if own else target  # noqa: SIM115 (closed below)
    count = 0
    try:
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=False)
        writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
        writer.writerow([neutralise(label) for _key, label in chosen])
        for values in records:
            writer.writerow([neutralise(_clean(values.get(key))) for key, _label in chosen])
            count += 1
            if progress is not None and count % 1000 == 0:
                progress(count)
        text.flush()
        text.detach()
    finally:
        if own:
            stream.close()
    return count


def write_xlsx(
    records: Iterable[dict],
    target,
    *,
    keys: Iterable[str] | None = None,
    free: dict | None = None,
    language: str = "de",
    progress: Callable[[int], None] | None = None,
) -> int:
    """The records as a workbook (one sheet, text cells) to ``target``."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    chosen = columns(keys, free=free, language=language)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Data source")[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for _key, label in chosen:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for values in records:
        if count >= XLSX_ROW_LIMIT - 1:
            raise ValueError(_("More recipients than a worksheet holds: use the CSV file."))
        cells = []
        for key, _label in chosen:
            cell = WriteOnlyCell(
                sheet, value=ILLEGAL_CHARACTERS_RE.sub("", _clean(values.get(key)))
            )
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        count += 1
        if progress is not None and count % 1000 == 0:
            progress(count)
    workbook.save(target)
    return count
