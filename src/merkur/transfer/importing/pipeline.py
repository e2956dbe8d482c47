"""One import run, from the file to the records: read → check → stage → match → decide → write.

Everything happens in one transaction. A dry run rolls it back at the end;
so does a real run that must not write: the file cannot be read to its end,
or (all-or-nothing, the default) any row is bad. With "commit good rows" the
good rows are written and the bad ones reported. Either way nothing is ever
half written: an error anywhere rolls back the whole run.
"""

import json
import time
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from merkur.transfer.columns import Assign, MappingError, Split
from merkur.transfer.importing import checking, links, master_entries, matching
from merkur.transfer.importing.decide import decide
from merkur.transfer.importing.options import (
    ALL_OR_NOTHING,
    SPLIT_TARGETS,
    ImportOptions,
    OptionsError,
)
from merkur.transfer.importing.result import KEPT, BadRow, BadRowsFile, ImportResult
from merkur.transfer.importing.staging import PLAN, ROWS, Tables, batches
from merkur.transfer.importing.timing import timed
from merkur.transfer.importing.values import Problem, RowChecker
from merkur.transfer.importing.writing import Ids, new_ids_sql, write
from merkur.transfer.reading import ReadError, open_table

Progress = Callable[[int, int, str], None]  # (done, total, message)
PROGRESS_ROWS = 10_000
STAGE_BATCH = 2_000


def run_import(
    path: Path | str,
    options: ImportOptions,
    *,
    dry_run: bool,
    user=None,
    file_name: str | None = None,
    bad_rows_path: Path | str | None = None,
    progress: Progress | None = None,
    source=None,
) -> ImportResult:
    """Import ``path`` with ``options``; see the module's docstring.

    Bad data never raises: it is in the result (``failure``, ``bad``, the
    bad-rows file). ``source`` is the ``AddressImport`` record, for links.
    """
    path = Path(path)
    started = time.monotonic()
    result = ImportResult(
        file=file_name or path.name,
        dry_run=dry_run,
        mode=options.mode,
        detection=options.detection.to_dict(),
    )
    run = _Run(path, options, result, user, bad_rows_path, progress, source)
    try:
        run.start()
    finally:
        run.close()
        result.seconds = time.monotonic() - started
    return result


class _Run:
    def __init__(self, path, options, result, user, bad_rows_path, progress, source):
        self.path = path
        self.options = options
        self.result = result
        self.user = user
        self.bad_rows_path = Path(bad_rows_path) if bad_rows_path else None
        self.progress = progress or (lambda done, total, message: None)
        self.source = source
        self.bad_file: BadRowsFile | None = None
        self.header: list[str] | None = None
        self.target = None
        self._phase_started = time.monotonic()
        self._read_error: ReadError | None = None

    def close(self) -> None:
        if self.bad_file is not None:
            self.bad_file.close()
            self.result.bad_rows_file = self.bad_file.path

    def _phase(self, name: str) -> None:
        now = time.monotonic()
        self.result.phases[name] = round(now - self._phase_started, 2)
        self._phase_started = now

    def start(self) -> None:
        try:
            self.options.validate()
        except OptionsError as error:
            self.result.failure = str(error)
            return
        if not self._find_target():
            return
        with transaction.atomic():
            tables = Tables()
            tables.create()
            try:
                self._steps(tables)
            finally:
                if not self.result.written:
                    transaction.set_rollback(True)
                else:
                    tables.drop()

    def _steps(self, tables: Tables) -> None:
        result = self.result
        try:
            self._stage(tables)
        except (ReadError, MappingError) as error:
            result.failure = str(error)
            return
        self._phase("read")
        if result.rows == 0:
            result.failure = _("The file has no data rows.")
            return
        self.progress(0, result.rows, _("Looking for duplicates …"))
        matching.find_duplicates(
            tables,
            similarity=self.options.similarity,
            progress=lambda done: self._tick(done, result.rows, _("Looking for duplicates …")),
            steps=result.steps,
        )
        self._phase("match")
        plan = decide(tables, self.options, result)
        self._phase("decide")
        refused = list(plan.refused)
        writing = not result.dry_run and (
            result.refused == 0 or self.options.mode != ALL_OR_NOTHING
        )
        if self.options.add_to_master_tables and not self._new_entries(writing):
            return
        if writing:
            self.progress(result.rows, result.rows, _("Writing …"))
            late, ids = write(plan, self.options, result, user=self.user, file_name=result.file)
            if late:
                result.actions["update"] -= len(late)
                result.actions["refuse"] += len(late)
                refused += late
            if late and self.options.mode == ALL_OR_NOTHING:
                writing = False
            else:
                self._link(ids)
            self._phase("write")
        elif self.target is not None:
            self.result.linked = self._count_links()
        self._report_refused(refused)
        result.written = writing

    def _new_entries(self, writing: bool) -> bool:
        """Add (or, not writing, list) the new master table entries; False: the run stops.

        The command line runs without a user; a user must have the right (the screens,
        the API and the job ask first: this is the last line of defence).
        """
        if self.user is not None and not master_entries.may_add(self.user):
            self.result.failure = str(master_entries.NOT_ALLOWED)
            return False
        entries = master_entries.planned()
        self.result.new_entries = entries.listed()
        self.result.failure = master_entries.too_many(entries)
        if self.result.failure:
            return False
        if writing and entries:
            master_entries.add(entries, user=self.user)
        return True

    # --- reading and checking ------------------------------------------------------------------

    def _stage(self, tables: Tables) -> None:
        options, result = self.options, self.result
        size = max(self.path.stat().st_size, 1)
        with open_table(self.path, options.detection) as table:
            self.header = table.header
            mapping = options.mapping
            if table.header is not None:
                mapping = mapping.rebind(table.header)
            checker = RowChecker(options, column_labels(mapping, table.header))
            work = checking.ChunkChecker(checker, mapping, checking.database_adapter())
            rows = tables.rows
            chunks = self._chunks(table, size)
            workers = checking.processes(size)
            for staged, bad in checking.checked_chunks(chunks, work, workers=workers):
                for line, fields, problems in bad:
                    self._bad(fields, line, problems)
                rows.buffer += staged
                if len(rows.buffer) >= STAGE_BATCH:
                    rows.flush()  # a few MB at most, whatever the rows' width
            result.blank_rows = table.blank_rows
        if self._read_error is not None:
            raise self._read_error
        with timed(result.steps, "read.index"):
            tables.index_rows()

    def _chunks(self, table, size: int):
        """The file's rows in chunks; a read error ends them (raised after the last)."""
        result = self.result
        message = _("Reading and checking rows …")
        chunk = []
        try:
            for row in table:
                result.rows += 1
                chunk.append(tuple(row))  # a plain tuple travels faster to a worker
                if len(chunk) >= checking.CHUNK_ROWS:
                    yield chunk
                    chunk = []
                if result.rows % PROGRESS_ROWS == 0:
                    self._tick(table.bytes_read(), size, message)
        except ReadError as error:
            # The rows before it are checked first, so their problems are reported too.
            self._read_error = error
        if chunk:
            yield chunk

    def _bad(self, fields: list[str], line: int, problems) -> None:
        self.result.add_bad(line, problems)
        self._bad_file().write(fields, line, problems)

    def _bad_file(self) -> BadRowsFile:
        if self.bad_file is None:
            path = self.bad_rows_path or Path("/dev/null")
            self.bad_file = BadRowsFile(
                path, delimiter=self.options.detection.delimiter, header=self.header
            )
        return self.bad_file

    def _report_refused(self, refused: list[tuple[int, Problem]]) -> None:
        """Rows refused after checking (decisions, updates) join the bad rows."""
        if not refused:
            return
        by_line = dict(refused)
        for line, problem in refused:
            if len(self.result.bad) < KEPT:
                self.result.bad.append(BadRow(line, (problem,)))
        lines = sorted(by_line)
        with connection.cursor() as cursor:
            for start in range(0, len(lines), 500):
                chunk = lines[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT line, raw FROM {ROWS} WHERE line IN ({marks}) ORDER BY line", chunk
                )
                for line, raw in cursor.fetchall():
                    self._bad_file().write(json.loads(raw), line, [by_line[line]])

    def _tick(self, done: int, total: int, message: str) -> None:
        self.progress(done, total, message)

    # --- links ---------------------------------------------------------------------------------

    def _find_target(self) -> bool:
        link = self.options.link
        if link is None:
            return True
        kind = links.TARGETS[link.kind]
        self.target = kind.find(link.reference)
        if self.target is None:
            self.result.failure = _("%(kind)s %(reference)s does not exist.") % {
                "kind": kind.label,
                "reference": link.reference,
            }
            return False
        self.result.link_label = kind.describe(self.target)
        return True

    def _link_condition(self) -> str:
        condition = "p.action IN ('create', 'add', 'update')"
        if self.options.link_matches:
            condition = f"({condition} OR (p.action = 'skip' AND p.company IS NOT NULL))"
        return condition

    def _link(self, ids: Ids) -> None:
        if self.target is None:
            return
        company, person, params = new_ids_sql(ids)
        sql = (
            f"SELECT p.line, {company}, {person} FROM {PLAN} p"
            f" WHERE {self._link_condition()} AND p.line > %s ORDER BY p.line LIMIT %s"
        )
        pairs = ((row[1], row[2]) for row in batches(sql, params))
        kind = links.TARGETS[self.options.link.kind]
        self.result.linked = kind.link(
            self.target, pairs, source=self.source, status=self.options.link.status
        )

    def _count_links(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {PLAN} p WHERE {self._link_condition()}")
            return cursor.fetchone()[0]


def column_labels(mapping, header: list[str] | None) -> dict[str, str]:
    """Target → the file's column(s) it comes from, as the user knows them."""

    def name(index: int) -> str:
        if header is not None and index < len(header) and header[index].strip():
            return header[index].strip()
        return _("column %(number)s") % {"number": index + 1}

    labels = {}
    for rule in mapping.rules:
        if isinstance(rule, Split):
            for target in SPLIT_TARGETS.get(rule.splitter, ()):
                labels[target] = name(rule.source)
        elif isinstance(rule, Assign):
            labels[rule.target] = " + ".join(name(index) for index in rule.sources)
    return labels
