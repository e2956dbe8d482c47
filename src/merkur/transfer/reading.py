"""Stream the rows of a delimited text file of any size in constant memory.

The file is decoded chunk by chunk and cut into physical lines here (not by
``io.TextIOWrapper``) so that an undecodable byte and every record can be
reported with the physical line it is on; ``csv`` then joins the lines of
quoted fields that hold line breaks.
"""

import codecs
import csv
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, NamedTuple

from django.utils.translation import gettext, gettext_noop

if TYPE_CHECKING:
    from merkur.transfer.sniff import Detection

CHUNK_SIZE = 64 * 1024
# Longer lines are a file without line breaks (or not text at all); stop
# before holding it in memory.
MAX_LINE = 1024 * 1024

# Byte order marks, longest first; UTF-32 is listed so that its BOM is not
# taken for UTF-16's.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

Source = str | os.PathLike | IO[bytes]


class ReadError(Exception):
    """A problem with the file, for the user: ``str()`` is translated when shown.

    The message is kept as an English msgid plus parameters and translated
    in ``__str__``, so an error raised in the worker reads in the language of
    whoever looks at it.
    """

    message = gettext_noop("The file cannot be read.")

    def __init__(self, line: int | None = None, **params):
        self.line = line
        self.params = {"line": line, **params}
        super().__init__(line, params)

    def __reduce__(self):
        # Picklable for the worker: rebuild from line and parameters.
        params = {key: value for key, value in self.params.items() if key != "line"}
        return _rebuild, (type(self), self.line, params)

    def set_line(self, line: int) -> None:
        self.line = self.params["line"] = line

    def __str__(self) -> str:
        return gettext(self.message) % self.params


def _rebuild(cls, line, params):
    return cls(line, **params)


class EmptyFile(ReadError):
    message = gettext_noop("The file is empty.")


class NotText(ReadError):
    message = gettext_noop(
        "The file is not a text file (it may be a spreadsheet or other binary file); "
        "save it as CSV and upload it again."
    )


class UndecodableBytes(ReadError):
    message = gettext_noop(
        "Line %(line)s cannot be read as %(encoding)s (bytes %(bytes)s at byte offset "
        "%(offset)s). Choose another encoding."
    )


class BrokenRecord(ReadError):
    message = gettext_noop("The record starting on line %(line)s cannot be read: %(reason)s")


class LineTooLong(ReadError):
    message = gettext_noop(
        "Line %(line)s is longer than %(limit)s characters; the file has no line breaks "
        "where expected or is not a CSV file."
    )


class FieldTooLong(ReadError):
    message = gettext_noop(
        "The record starting on line %(line)s has a field longer than %(limit)s characters; "
        "a quote is probably not closed."
    )


class RaggedRow(ReadError):
    message = gettext_noop("Line %(line)s has %(found)s fields, the header has %(expected)s.")


class Row(NamedTuple):
    """One record: the physical line it starts on, its fields and any problem.

    ``problem`` is a ``RaggedRow`` when the field count differs from the
    header's; the row is still given so the caller decides what to do.
    """

    line: int
    fields: list[str]
    problem: ReadError | None = None


def open_binary(source: Source) -> tuple[IO[bytes], bool]:
    """The source as a binary file and whether we opened it (and must close it)."""
    if isinstance(source, str | os.PathLike):
        return open(source, "rb"), True
    return source, False


def skip_bom(binary: IO[bytes], encoding: str) -> int:
    """Skip a byte order mark that fits ``encoding``; return its length.

    Codecs that read the mark themselves ("utf-16", "utf-8-sig") are given it.
    """
    start = binary.read(4)
    family = codecs.lookup(encoding).name
    skipped = 0
    for bom, name in BOMS:
        if start.startswith(bom):
            if codecs.lookup(name).name == family:
                skipped = len(bom)
            break
    binary.seek(binary.tell() - len(start) + skipped)
    return skipped


_LINE_END = re.compile(r"\r\n?|\n")


def decoded_lines(binary: IO[bytes], encoding: str, *, offset: int = 0) -> Iterator[str]:
    """Yield the physical lines of ``binary`` with their line ends.

    Line ends are ``\\r\\n``, ``\\n`` and a lone ``\\r`` (old Mac files), as the
    ``csv`` module counts them. Raises ``UndecodableBytes`` with the line number
    of the first byte that ``encoding`` cannot decode.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    pending = ""  # text after the last complete line
    line_number = 1
    position = offset  # byte offset of the chunk being decoded
    while True:
        chunk = binary.read(CHUNK_SIZE)
        final = not chunk
        buffered = decoder.getstate()[0]
        failure = None
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as error:
            # Give the lines before the bad byte first, then stop.
            data = buffered + chunk
            text = data[: error.start].decode(encoding, errors="replace")
            failure = UndecodableBytes(
                encoding=encoding,
                bytes=data[error.start : error.end].hex(" ").upper(),
                offset=position - len(buffered) + error.start,
            )
        position += len(chunk)
        pending += text
        start = 0
        for match in _LINE_END.finditer(pending):
            end = match.end()
            if end == len(pending) and match.group() == "\r" and not final:
                break  # a "\n" may follow in the next chunk
            line_number += 1
            yield pending[start:end]
            start = end
        pending = pending[start:]
        if failure is not None:
            failure.set_line(line_number + _count_line_ends(pending))
            raise failure
        if len(pending) > MAX_LINE:
            raise LineTooLong(line_number, limit=MAX_LINE)
        if final:
            if pending:
                yield pending
            return


def _count_line_ends(text: str) -> int:
    return len(_LINE_END.findall(text))


def split_lines(text: str) -> list[str]:
    """``text`` cut into lines at the line ends ``decoded_lines`` knows, ends kept."""
    lines, start = [], 0
    for match in _LINE_END.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


@dataclass
class Table:
    """A file being read: its header (if it has one) and its data rows.

    Use as a context manager, or call ``close``. Iterating yields ``Row``s of
    the data; blank records (no field with text) are skipped and counted in
    ``blank_rows``.
    """

    detection: "Detection"
    header: list[str] | None
    width: int | None
    blank_rows: int
    _records: Iterator[Row]
    _binary: IO[bytes]
    _owned: bool

    def __iter__(self) -> Iterator[Row]:
        for row in self._records:
            if not "".join(row.fields).strip():  # no field with text (faster than any())
                self.blank_rows += 1
                continue
            if self.width is None:
                self.width = len(row.fields)
            elif len(row.fields) != self.width:
                row = row._replace(
                    problem=RaggedRow(row.line, found=len(row.fields), expected=self.width)
                )
            yield row

    def bytes_read(self) -> int:
        """How far into the file reading has got (in 64 KB steps): for progress bars."""
        return self._binary.tell()

    def close(self) -> None:
        if self._owned:
            self._binary.close()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_table(source: Source, detection: "Detection") -> Table:
    """Open ``source`` for reading with ``detection`` (sniffed or overridden).

    The header row, when ``detection.has_header``, is read at once; a file
    whose header cannot be read raises here. A seekable binary file object
    (an upload) is read from its current position.
    """
    binary, owned = open_binary(source)
    try:
        offset = skip_bom(binary, detection.encoding)
        records = _records(binary, detection, offset)
        header = None
        if detection.has_header:
            first = next(records, None)
            if first is None:
                raise EmptyFile()
            header = first.fields
        width = len(header) if header is not None else None
        return Table(detection, header, width, 0, records, binary, owned)
    except BaseException:
        if owned:
            binary.close()
        raise


def _records(binary: IO[bytes], detection: "Detection", offset: int) -> Iterator[Row]:
    lines = decoded_lines(binary, detection.encoding, offset=offset)
    reader = csv.reader(
        lines,
        delimiter=detection.delimiter,
        quotechar=detection.quotechar or None,
        quoting=csv.QUOTE_MINIMAL if detection.quotechar else csv.QUOTE_NONE,
        doublequote=True,
        skipinitialspace=False,
        # Not strict: a quote inside an unquoted field (Meier "Bau" GmbH) is
        # text, and an unclosed quote shows as a ragged row or FieldTooLong.
        strict=False,
    )
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise FieldTooLong(start, limit=csv.field_size_limit()) from None
            raise BrokenRecord(start, reason=str(error)) from None
        if fields:  # csv gives [] for an empty line
            yield Row(start, fields)
        start = reader.line_num + 1


@dataclass(frozen=True)
class Preview:
    """The first rows of a file for the mapping screen."""

    header: list[str] | None
    rows: list[Row]
    error: ReadError | None = None


def preview(source: Source, detection: "Detection", rows: int = 20) -> Preview:
    """The header and the first ``rows`` data rows.

    A read error after the header is returned with the rows before it, so the
    user sees what was read and why it stopped (and can change the encoding).
    """
    with open_table(source, detection) as table:
        found: list[Row] = []
        try:
            for row in table:
                found.append(row)
                if len(found) >= rows:
                    break
        except ReadError as error:
            return Preview(table.header, found, error)
        return Preview(table.header, found)
