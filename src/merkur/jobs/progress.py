"""Reporting progress without slowing the job: throttled writes and the heartbeat.

A job may call ``context.progress`` a million times; the reporters keep the latest
values in memory and pass them on at most every ``FLUSH_INTERVAL`` seconds.

``DatabaseReporter`` writes them to the job's row together with the heartbeat and
reads back whether a user asked to cancel. In the worker it does so from its own
thread with its own database connection, so that

- the heartbeat goes on while the job waits (an SMTP server, one long statement),
- progress is visible while the job holds a transaction open (an all-or-nothing
  import): it is written outside that transaction and not rolled back with it.
"""

import logging
import threading
import time
from collections.abc import Callable

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from merkur.jobs.context import Reporter

logger = logging.getLogger("merkur.jobs")

FLUSH_INTERVAL = 0.5  # seconds between two progress writes, at most
HEARTBEAT_INTERVAL = 5.0  # seconds between two heartbeats when nothing else changed


class _Latest:
    """The latest progress values and whether they changed since the last write."""

    def __init__(self) -> None:
        self.done: int | None = None
        self.total: int | None = None
        self.message: str | None = None
        self.dirty = False

    def set(self, done, total, message) -> None:
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if message is not None:
            self.message = message
        self.dirty = True


class CallbackReporter(Reporter):
    """For in-process runs: ``callback(done, total, message)``, throttled, never cancels."""

    def __init__(
        self,
        callback: Callable[[int | None, int | None, str | None], None] | None,
        *,
        interval: float = FLUSH_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.callback = callback
        self.interval = interval
        self.clock = clock
        self.latest = _Latest()
        self._last = None

    def update(self, done, total, message) -> None:
        self.latest.set(done, total, message)
        now = self.clock()
        if self._last is None or now - self._last >= self.interval:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        """Pass on the latest values if they changed (the run's last values, too)."""
        if self.callback is not None and self.latest.dirty:
            self._last = self.clock() if now is None else now
            self.latest.dirty = False
            self.callback(self.latest.done, self.latest.total, self.latest.message)


class DatabaseReporter(Reporter):
    """Progress, heartbeat and the cancel flag of one claimed job, in its row.

    Every write is conditional on the row still being ``running`` under this
    worker's id: if another worker took the job over (this one was thought dead),
    ``lost`` becomes true and the job is asked to stop.

    ``threaded=False`` writes from the job's own thread instead (throttled the same
    way), for tests inside one transaction and in-memory SQLite.
    """

    def __init__(
        self,
        *,
        job_id: int,
        worker_id: str,
        threaded: bool = True,
        stopping: threading.Event | None = None,
        flush_interval: float = FLUSH_INTERVAL,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.job_id = job_id
        self.worker_id = worker_id
        self.threaded = threaded
        self.stopping = stopping or threading.Event()
        self.flush_interval = flush_interval
        self.heartbeat_interval = heartbeat_interval
        self.clock = clock
        self.latest = _Latest()
        self.cancelled = False  # a user asked to cancel
        self.lost = False  # the row is no longer ours
        self.writes = 0  # progress/heartbeat UPDATEs so far (for tests and the log)
        self._lock = threading.Lock()
        self._last_write = clock()
        self._last_poll = clock()
        self._finish = threading.Event()
        self._thread: threading.Thread | None = None

    # --- called from the job's thread ------------------------------------------------

    def update(self, done, total, message) -> None:
        with self._lock:
            self.latest.set(done, total, message)
        if not self.threaded and self.clock() - self._last_write >= self.flush_interval:
            self.tick()

    def should_stop(self) -> bool:
        if not self.threaded and self.clock() - self._last_poll >= self.flush_interval:
            self.tick()
        return self.cancelled or self.lost or self.stopping.is_set()

    def start(self) -> None:
        if self.threaded:
            self._thread = threading.Thread(
                target=self._run, name=f"job-{self.job_id}-heartbeat", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread; the final values are written by whoever finishes the job."""
        self._finish.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def progress_fields(self) -> dict:
        """The latest progress as the job row's fields (for the final write)."""
        with self._lock:
            return self._fields(self.latest)

    # --- the writes --------------------------------------------------------------------

    @staticmethod
    def _fields(latest: _Latest) -> dict:
        fields = {}
        if latest.done is not None:
            fields["progress_done"] = latest.done
        if latest.total is not None:
            fields["progress_total"] = latest.total
        if latest.message is not None:
            fields["progress_message"] = latest.message
        return fields

    def tick(self) -> None:
        """Write progress if it changed (or the heartbeat if it is due); read the cancel flag."""
        from merkur.jobs.models import Job, JobStatus

        now = self.clock()
        with self._lock:
            fields = self._fields(self.latest) if self.latest.dirty else {}
            self.latest.dirty = False
        mine = Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING, worker=self.worker_id)
        if fields or now - self._last_write >= self.heartbeat_interval:
            fields["heartbeat_at"] = timezone.now()
            self.writes += 1
            self._last_write = now
            if mine.update(**fields) == 0:
                self.lost = True
                return
        self._last_poll = now
        row = mine.values_list("cancel_requested", flat=True).first()
        if row is None:
            self.lost = True
        elif row:
            self.cancelled = True

    def _run(self) -> None:
        try:
            while not self._finish.wait(self.flush_interval):
                try:
                    self.tick()
                except DatabaseError:
                    # SQLite is busy while the job holds a long write transaction; the
                    # next tick tries again. Only a stale heartbeat is a real problem.
                    logger.warning("job %s: heartbeat not written", self.job_id, exc_info=True)
                    close_old_connections()
                if self.lost:
                    return
        finally:
            connection.close()  # this thread's own connection
