"""The file formats of an export: one writer class per format, chosen by ``for_format``.

A writer gets the chosen columns, the options and the export's context; ``bind``
turns the columns into functions of a row (a writer such as vCard asks for the
fields it needs itself), ``chunks`` turns the rows — lists of typed values — into
bytes as they come (``streams``), ``save`` writes a file (XLSX only knows its end
at the end), ``summary`` tells what happened (characters replaced, values cut).
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from merkur.transfer.export import catalog
from merkur.transfer.export.catalog import Column

BATCH = 1000  # rows joined into one piece of a streamed file


@dataclass
class Context:
    """What a file may say about itself: title, filter in words, who and when."""

    title: str
    target: str
    language: str
    description: list[str] = field(default_factory=list)
    user: str = ""
    now: datetime.datetime | None = None


class Writer:
    extension = ""
    content_type = "application/octet-stream"
    streams = True
    uses_columns = True

    def __init__(self, columns: list[Column], options, context: Context):
        self.columns = columns
        self.options = options
        self.context = context

    def bind(self, plan) -> list[Callable]:
        return catalog.bind(self.columns, plan)

    def chunks(self, rows: Iterable[list]) -> Iterator[bytes]:
        raise NotImplementedError

    def save(self, rows: Iterable[list], target) -> None:
        for piece in self.chunks(rows):
            target.write(piece)

    def summary(self) -> dict:
        return {}

    def headings(self) -> list[str]:
        header = self.options.header
        if header == "keys":
            return [column.key for column in self.columns]
        language = header if header in ("de", "en") else self.context.language
        return [column.label(language) for column in self.columns]


def batches(rows: Iterable[list], size: int = BATCH) -> Iterator[list[list]]:
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def for_format(name: str) -> type[Writer]:
    from merkur.transfer.export.writers import delimited, jsondata, spreadsheet, templated, vcards

    return {
        "csv": delimited.CsvWriter,
        "xlsx": spreadsheet.XlsxWriter,
        "json": jsondata.JsonWriter,
        "jsonl": jsondata.JsonLinesWriter,
        "vcard3": vcards.VCard3Writer,
        "vcard4": vcards.VCard4Writer,
        "template": templated.TemplateWriter,
    }[name]
