"""Reading an import file row by row with constant memory: CSV, JSON Lines or JSON.

CSV: a header row names the columns (any order, case-insensitive); the separator
(``;`` ``,`` tab ``|``) is taken from the header line unless given; the encoding
is UTF-8 (with or without BOM) unless given (ERP exports: often ``cp1252``).
Rows are numbered by the physical line they start on, so a field with a line
break inside quotes does not shift the numbers of the rows after it.

JSON Lines (``.jsonl``, ``.ndjson``): one record per line, as the API's bulk
import takes it. JSON (``.json``): an array of such records, read whole — for
large files use CSV or JSON Lines.
"""

import codecs
import csv
import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from merkur.business.importer.result import ImportResult

SEPARATORS = ";,\t|"
FORMATS = ("csv", "jsonl", "json")


class FileProblem(Exception):
    """The file as a whole cannot be read (encoding, header, JSON syntax)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.line = line


def file_format(path: Path, given: str | None = None) -> str:
    if given:
        return given
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    return "csv"


def column_key(name: str) -> str:
    """``"Company Number"`` / ``"company-number"`` → ``company_number``."""
    # A BOM is left on the first name when the file is read as plain ``utf-8``.
    return "_".join(name.replace("\ufeff", "").strip().lower().replace("-", " ").split())


def undecodable_at(path: Path, encoding: str) -> tuple[int, int]:
    """(line, byte) of the first byte of ``path`` that is not ``encoding``: the text
    reader's error only knows the position inside the block it was decoding."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, offset = 1, 0
    with open(path, "rb") as raw:
        for block in iter(lambda: raw.read(1 << 16), b""):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                # ``error.object`` is the bytes held back from the last block, then this one.
                position = offset - (len(error.object) - len(block)) + error.start
                return line + block.count(b"\n", 0, max(position - offset, 0)), position
            line += block.count(b"\n")
            offset += len(block)
    return line, offset


def _open_text(path: Path, encoding: str | None):
    if encoding is None:
        with open(path, "rb") as raw:
            start = raw.read(4)
        encoding = "utf-16" if start.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    return open(path, encoding=encoding, newline="", errors="strict")


def _sniff_separator(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ";"


def csv_rows(
    path: Path,
    columns: dict[str, bool],
    result: ImportResult,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    on_header: Callable[[list[str]], None] | None = None,
) -> Iterator[tuple[int, dict[str, str] | list[str]]]:
    """(line, {column: text}) for every data row; ``columns`` maps name → required.

    With ``on_header``, which is called with the column names first, the rows come
    as lists of fields in that order (no dict per row: for the millions of lines).
    Header problems raise ``FileProblem``; a row with the wrong number of fields
    is reported in ``result`` and skipped.
    """
    try:
        handle = _open_text(path, encoding)
    except LookupError:
        raise FileProblem(_("Unknown encoding “%(encoding)s”.") % {"encoding": encoding}) from None
    with handle:
        try:
            header_line = handle.readline()
            separator = delimiter or _sniff_separator(header_line)
            reader = csv.reader(
                itertools.chain([header_line], handle), delimiter=separator, strict=False
            )
            header = next(reader, None)
            if not header or not any(cell.strip() for cell in header):
                raise FileProblem(_("The file is empty or has no header row."), 1)
            names = _check_header(header, columns)
            width = len(names)
            if on_header is not None:
                on_header(names)
            previous_end = reader.line_num
            for fields in reader:
                line = previous_end + 1
                previous_end = reader.line_num
                if not any(field.strip() for field in fields):
                    continue  # blank lines
                if len(fields) != width:
                    result.rows += 1
                    result.add_error(
                        line,
                        "",
                        separator.join(fields)[:200],
                        _("The row has %(count)s fields; the header has %(width)s.")
                        % {"count": len(fields), "width": width},
                    )
                    continue
                yield line, fields if on_header else dict(zip(names, fields, strict=True))
        except UnicodeDecodeError:
            line, position = undecodable_at(path, handle.encoding)
            raise FileProblem(
                _(
                    "The file is not in %(encoding)s (byte %(position)s); give its encoding, "
                    "e.g. cp1252 for Excel’s “CSV (Trennzeichen-getrennt)”."
                )
                % {"encoding": handle.encoding, "position": position},
                line,
            ) from None
        except csv.Error as error:
            raise FileProblem(str(error), reader.line_num) from None


def _check_header(header: list[str], columns: dict[str, bool]) -> list[str]:
    names = [column_key(cell) for cell in header]
    unknown = [header[i] for i, name in enumerate(names) if name not in columns]
    if unknown:
        raise FileProblem(
            _("Unknown columns: %(unknown)s. The columns of this kind are: %(known)s.")
            % {"unknown": ", ".join(unknown), "known": ", ".join(columns)},
            1,
        )
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise FileProblem(_("Columns given twice: %(columns)s.") % {"columns": ", ".join(twice)}, 1)
    missing = [name for name, required in columns.items() if required and name not in names]
    if missing:
        raise FileProblem(
            _("Required columns missing: %(columns)s.") % {"columns": ", ".join(missing)}, 1
        )
    return names


def json_items(
    path: Path, result: ImportResult, *, encoding: str | None = None, lines: bool
) -> Iterator[tuple[int, object]]:
    """(line or position, item) for JSON Lines (line numbers) or a JSON array (from 1)."""
    try:
        handle = open(path, encoding=encoding or "utf-8-sig")  # noqa: SIM115 (closed below)
    except LookupError:
        raise FileProblem(_("Unknown encoding “%(encoding)s”.") % {"encoding": encoding}) from None
    with handle:
        try:
            if not lines:
                try:
                    items = json.load(handle, parse_float=str)
                except json.JSONDecodeError as error:
                    raise FileProblem(
                        _("Not valid JSON: %(error)s") % {"error": error.msg}, error.lineno
                    ) from None
                except RecursionError:
                    raise FileProblem(_("The JSON is nested too deeply."), 1) from None
                if not isinstance(items, list):
                    raise FileProblem(_("The file must hold a JSON array of records."), 1)
                yield from enumerate(items, start=1)
                return
            for number, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    item = json.loads(text, parse_float=str)
                except json.JSONDecodeError as error:
                    result.rows += 1
                    result.add_error(
                        number,
                        "",
                        text.strip()[:200],
                        _("Not valid JSON: %(error)s") % {"error": error.msg},
                    )
                    continue
                except RecursionError:
                    result.rows += 1
                    result.add_error(number, "", "", _("The JSON is nested too deeply."))
                    continue
                yield number, item
        except UnicodeDecodeError:
            line, position = undecodable_at(path, handle.encoding)
            raise FileProblem(
                _("The file is not in UTF-8 (byte %(position)s).") % {"position": position}, line
            ) from None


def text_of(value) -> str:
    """A JSON value as the text a CSV field would hold (numbers exactly as written)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, str)):  # floats arrive as their text (``parse_float=str``)
        return str(value)
    return json.dumps(value)
