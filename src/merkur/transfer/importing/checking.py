"""Checking the rows of a file, in worker processes when the file is large.

Checking a row with the forms' rules (``values.RowChecker``) is pure Python
and the most expensive part of reading a file. For a large file it runs in
``processes()`` forked worker processes, a chunk of rows at a time, while
this process reads the file and stages the checked rows (``COPY`` keeps
PostgreSQL busy meanwhile). The results come back in the order of the file,
so the outcome is the same as checking in this process — which is what
happens for small files, where starting processes costs more than it saves.

The workers are forks of this process (they see the same settings, language,
master tables and options) and never touch the database: the rows go to them
and the checked values come back through pipes. At most ``AHEAD`` chunks per
worker are on their way, so memory stays flat whatever the file's size.
"""

import gc
import json
import logging
import multiprocessing
import operator
import os
import signal
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone, translation

from merkur.transfer.importing.staging import COLUMN_NAMES
from merkur.transfer.importing.values import Problem, RowChecker, raw_fields

logger = logging.getLogger("merkur.transfer.importing")

PR_SET_PDEATHSIG = 1  # prctl(2)
CHUNK_ROWS = 1_000
AHEAD = 3  # chunks per worker on their way


def processes(size: int) -> int:
    """How many worker processes check a file of ``size`` bytes; 0: this process does.

    ``MERKUR_IMPORT_PROCESSES`` (default: one per CPU, at most 4) sets the
    number; 0 turns the workers off. Files below ``MERKUR_IMPORT_PARALLEL_FROM_BYTES``
    (1 MB, about 6,000 dealer rows: below it one process is faster) are checked here,
    and so is every file on systems other than Linux.
    """
    wanted = settings.MERKUR_IMPORT_PROCESSES
    if wanted is None:
        wanted = min(os.cpu_count() or 1, 4)
    minimum = settings.MERKUR_IMPORT_PARALLEL_FROM_BYTES
    # Forked workers on Linux only: macOS's system libraries may break in a fork.
    if wanted < 1 or size < minimum or not sys.platform.startswith("linux"):
        return 0
    return wanted


class ChunkChecker:
    """A chunk of rows (line, fields, problem) → (staged tuples, bad rows); the same anywhere.

    Bad rows are ``(line, fields, problems)``, in file order.
    """

    def __init__(self, checker: RowChecker, mapping, adapt):
        self.checker = checker
        self.mapping = mapping
        self.adapt = adapt

    def __call__(self, rows) -> tuple[list[tuple], list[tuple]]:
        staged, bad = [], []
        check, apply, adapt = self.checker.check, self.mapping.apply, self.adapt
        for line, fields, problem in rows:
            if problem is not None:
                bad.append((line, fields, [Problem("", "", str(problem))]))
                continue
            clean, problems = check(apply(fields))
            if problems:
                bad.append((line, fields, problems))
            else:
                staged.append(staged_row(line, fields, clean, adapt))
        return staged, bad


def checked_chunks(
    chunks: Iterable[list], work: ChunkChecker, *, workers: int
) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """``work(chunk)`` for each chunk, in order; in ``workers`` processes when > 0."""
    if workers < 1:
        for chunk in chunks:
            yield work(chunk)
        return
    pool = _start_pool(work, workers)
    if pool is None:  # no processes to be had: this one checks
        for chunk in chunks:
            yield work(chunk)
        return
    pending: deque = deque()
    try:
        for chunk in chunks:
            pending.append(pool.submit(_check, chunk))
            if len(pending) >= AHEAD * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_pool(work: ChunkChecker, workers: int) -> ProcessPoolExecutor | None:
    """The worker processes, started and ready; ``None`` when they cannot be started."""
    context = multiprocessing.get_context("fork")
    state = (work, translation.get_language(), timezone.get_current_timezone_name(), os.getpid())
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start, initargs=state
    )
    # Objects that exist now are left alone by the workers' garbage collector,
    # so that their pages stay shared with this process instead of being copied.
    gc.freeze()
    try:
        pool.submit(_check, []).result()  # forks the workers now
    except (OSError, BrokenProcessPool):
        logger.warning("import: no checking processes could be started", exc_info=True)
        pool.shutdown(wait=True, cancel_futures=True)
        return None
    finally:
        gc.unfreeze()
    return pool


_work: ChunkChecker | None = None


def _start(work: ChunkChecker, language: str | None, zone: str, parent: int) -> None:
    """In a worker: what the run set up, no signals of the parent's, no database."""
    global _work
    _work = work
    # Stopping is the parent's business: it ends the workers when it stops (the
    # job worker's handlers, inherited, would keep them from ending) …
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _end_with(parent)
    if language:
        translation.activate(language)
    timezone.activate(zone)
    for alias in connections:
        connections[alias].execute_wrappers.append(_no_database)


def _end_with(parent: int) -> None:
    """… and when it is killed, they end too (Linux), instead of waiting for chunks."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return  # not Linux: the pipes close when the parent ends
    if os.getppid() != parent:
        os._exit(1)  # it ended before the signal was asked for


def _no_database(*args, **kwargs):
    raise RuntimeError("an import's checking process must not use the database")


def _check(rows):
    return _work(rows)


_DEFAULTS = dict.fromkeys(COLUMN_NAMES, "")
_COLUMNS = operator.itemgetter(*COLUMN_NAMES)


def staged_row(line: int, fields: list[str], row: dict, adapt) -> tuple:
    """A checked row as a tuple of ``staging.COLUMN_NAMES``."""
    salutation = row.get("p_salutation")
    title = row.get("p_title")
    values = _DEFAULTS.copy()
    values.update(row)
    values["line"] = line
    values["raw"] = raw_fields(fields)
    values["p_salutation"] = salutation.pk if salutation else None
    values["p_title"] = title.pk if title else None
    values["p_new_title"] = title.name if title is not None and title.pk is None else ""
    values["p_consent"] = adapt(row.get("p_marketing_consent_at"))
    values["p_opt_out"] = adapt(row.get("p_marketing_opt_out_at"))
    values["p_functions"] = ",".join(map(str, row.get("p_functions", ())))
    new_functions = row.get("p_new_functions")
    values["p_new_functions"] = json.dumps(new_functions) if new_functions else ""
    values["k_email"] = row.get("p_email", "").lower() if row["has_person"] else ""
    values["k_cemail"] = row["c_email"].lower()
    return _COLUMNS(values)


def database_adapter():
    """How a datetime is given to the staging table (``COPY`` or ``INSERT``)."""
    return connection.ops.adapt_datetimefield_value
