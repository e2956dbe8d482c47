"""``merkur import-business-data``: business data from an ERP, one file per kind.

Kinds, in the order they depend on each other: ``rates``, ``articles``,
``documents`` (offers, sales orders, purchase orders with their lines),
``batches``, ``deliveries``, ``instances``. Each file is imported all or
nothing, in one transaction: if any row is bad, every bad row is reported
with its line, column, value and reason and nothing of the file is written.
``dry_run`` checks everything, counts what would be created and updated, and
writes nothing. Columns: docs/business-import.md.
"""

import time
from collections.abc import Callable
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from merkur.business.api import inputs
from merkur.business.importer import documents, records, source
from merkur.business.importer.result import ImportResult, RowError

KINDS = ("rates", "articles", "documents", "batches", "deliveries", "instances")
PROGRESS_EVERY = 100_000

__all__ = ["KINDS", "ImportResult", "RowError", "columns_of", "import_file"]


def columns_of(kind: str) -> dict[str, bool]:
    """The CSV columns of ``kind``: name → required."""
    return documents.COLUMNS if kind == "documents" else records.COLUMNS[kind]


def import_file(
    kind: str,
    path: Path | str,
    *,
    dry_run: bool = False,
    file_format: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal_comma: bool = False,
    errors_file: Path | str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportResult:
    """Import one file of ``kind``; see the module's docstring. Never raises for bad data:
    everything wrong is in the result's errors."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    path = Path(path)
    started = time.monotonic()
    result = ImportResult(kind=kind, file=path.name, dry_run=dry_run)
    if errors_file:
        result.open_errors_file(Path(errors_file))
    try:
        with transaction.atomic():
            try:
                _run(
                    kind,
                    path,
                    result,
                    source.file_format(path, file_format),
                    encoding,
                    delimiter,
                    decimal_comma,
                    progress,
                )
            except source.FileProblem as problem:
                result.add_error(problem.line, "", "", str(problem))
            if not result.ok or dry_run:
                transaction.set_rollback(True)
                if not result.ok:
                    result.created = result.updated = result.unchanged = 0
    finally:
        result.close()
        result.errors.sort(key=lambda error: error.line)
        result.seconds = time.monotonic() - started
    return result


def _run(kind, path, result, file_format, encoding, delimiter, decimal_comma, progress):
    started = {"phase": None, "at": time.monotonic()}

    def tick(phase: str, rows: int = 0) -> None:
        # Each phase's seconds, from its first tick to the next phase's.
        now = time.monotonic()
        if started["phase"] != phase:
            if started["phase"] is not None:
                result.phases[started["phase"]] = round(now - started["at"], 1)
                started["at"] = now  # the first phase starts with the import
            started["phase"] = phase
        if progress is not None:
            progress(phase, rows)

    if kind == "documents":
        _documents(path, result, file_format, encoding, delimiter, decimal_comma, tick)
        return
    if file_format == "csv":
        rows = source.csv_rows(
            path, columns_of(kind), result, encoding=encoding, delimiter=delimiter
        )
    else:
        rows = source.json_items(path, result, encoding=encoding, lines=file_format == "jsonl")
    _records(kind, rows, result, decimal_comma, tick, json=file_format != "csv")


def _documents(path, result, file_format, encoding, delimiter, decimal_comma, tick) -> None:
    readers: list[documents.DocumentReader] = []
    staged = documents.Staged()

    def start(names: list[str]) -> None:
        readers.append(documents.DocumentReader(result, names, staged, decimal_comma=decimal_comma))

    if file_format == "csv":
        rows = source.csv_rows(
            path,
            documents.COLUMNS,
            result,
            encoding=encoding,
            delimiter=delimiter,
            on_header=start,
        )
    else:
        names = list(documents.COLUMNS)
        start(names)
        items = source.json_items(path, result, encoding=encoding, lines=file_format == "jsonl")
        rows = (
            (line, [row.get(name, "") for name in names]) for line, row in _flattened(items, result)
        )
    staged.create()
    try:
        for line, fields in rows:
            readers[0].row(line, fields)
            if result.rows % PROGRESS_EVERY == 0:
                tick("read", result.rows)
        if readers:
            readers[0].close()
        tick("read", result.rows)
        documents.index_staged(staged)
        tick("check", result.rows)
        documents.check(result)
        documents.count(result)
        if result.ok and not result.dry_run:
            tick("write", result.rows)
            documents.write(staged)
    finally:
        staged.drop()
    tick("done", result.rows)


def _records(kind, rows, result: ImportResult, decimal_comma: bool, tick, *, json: bool) -> None:
    importer = records.RecordImport(kind, result, decimal_comma=decimal_comma)
    with inputs.remembering(kind):
        for line, row in rows:
            if json:
                result.rows += 1
                importer.item(line, row, {})
            else:
                importer.csv_row(line, row)
            if result.rows % 10_000 == 0:
                tick("write", result.rows)
        importer.flush()
    tick("done", result.rows)


def _flattened(items, result: ImportResult):
    """JSON documents become CSV-like rows: one per line, the document's fields on each.

    A document given twice is refused: as rows, the second would join the first.
    """
    first_line: dict[tuple, int] = {}
    for line, item in items:
        if not isinstance(item, dict):
            result.rows += 1
            result.add_error(line, "", "", _("A record must be a JSON object."))
            continue
        unknown = set(item) - set(documents.COLUMNS) - {"lines"}
        if unknown:
            result.rows += 1
            result.add_error(line, ", ".join(sorted(unknown)), "", _("Unknown field."))
            continue
        key = (source.text_of(item.get("kind")), source.text_of(item.get("number")).strip())
        if key in first_line:
            result.rows += 1
            result.add_error(
                line,
                "number",
                key[1],
                _("This record appears again in the file (first at line %(line)s).")
                % {"line": first_line[key]},
            )
            continue
        first_line[key] = line
        header = {
            name: source.text_of(item.get(name))
            for name in documents.COLUMNS
            if name not in documents.LINE_COLUMNS
        }
        lines = item.get("lines") or []
        if not isinstance(lines, list) or not all(isinstance(entry, dict) for entry in lines):
            result.rows += 1
            result.add_error(line, "lines", "", _("The lines must be a list of objects."))
            continue
        if not lines:
            yield line, header | dict.fromkeys(documents.LINE_COLUMNS, "")
        for entry in lines:
            yield (
                line,
                header | {name: source.text_of(entry.get(name)) for name in documents.LINE_COLUMNS},
            )
