"""The worker: claim a queued job, run it, record how it ended; again.

One job at a time per process; run more processes for more at once. Between jobs
the worker queues again jobs whose worker died (stale heartbeat) and, once an
hour, deletes old finished jobs and their files.

Stopping: the first SIGTERM/SIGINT makes ``context.cancel_requested()`` true, so a
job stops at its next safe point and is queued again for the next worker (it does
not count as an attempt); a job that ignores it runs to its end. A second signal
stops at once; the job is queued again as well.
"""

import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from merkur.jobs import services
from merkur.jobs.context import Cancelled, DatabaseItems, JobContext, JobError
from merkur.jobs.models import Job, JobStatus
from merkur.jobs.progress import HEARTBEAT_INTERVAL, DatabaseReporter
from merkur.jobs.registry import UnknownJobKind, get_kind

logger = logging.getLogger("merkur.jobs")

STALE_CHECK_INTERVAL = 10.0  # seconds between two looks for jobs of dead workers
PURGE_INTERVAL = 3600.0


def new_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


class Worker:
    def __init__(
        self,
        *,
        worker_id: str | None = None,
        poll: float = 1.0,
        stale_after: timedelta = services.STALE_AFTER,
        purge_after: timedelta | None = timedelta(days=services.PURGE_AFTER_DAYS),
        threaded: bool = True,
        heartbeat: float = HEARTBEAT_INTERVAL,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.worker_id = worker_id or new_worker_id()
        self.poll = poll
        self.stale_after = stale_after
        self.purge_after = purge_after
        self.threaded = threaded
        self.heartbeat = heartbeat
        self.stale_check_interval = min(STALE_CHECK_INTERVAL, stale_after.total_seconds() / 2)
        self.log = log or logger.info
        self.stopping = threading.Event()  # a first signal: finish or hand back the job
        self._last_stale_check: float | None = None
        self._last_purge: float | None = None

    # --- the loop ------------------------------------------------------------------------

    def run(self, *, once: bool = False, burst: bool = False) -> int:
        """Run jobs until stopped (``once``: at most one; ``burst``: until none is queued).

        Returns the number of jobs run.
        """
        count = 0
        while not self.stopping.is_set():
            try:
                self.housekeeping()
                job = services.claim(self.worker_id)
                if job is not None:
                    count += 1
                    self.execute(job)
            except DatabaseError:
                if once or burst:
                    raise
                # The database restarted or is unreachable: wait and try again. A job
                # cut off here keeps a stale heartbeat and is queued again.
                logger.exception("worker %s: database error", self.worker_id)
                close_old_connections()
                self.stopping.wait(max(self.poll, 5.0))
                continue
            if job is not None and not once:
                continue
            if once or burst:
                break
            self.stopping.wait(self.poll)
            close_old_connections()
        return count

    def housekeeping(self) -> None:
        now = time.monotonic()
        if (
            self._last_stale_check is None
            or now - self._last_stale_check >= self.stale_check_interval
        ):
            self._last_stale_check = now
            for job in services.requeue_stale(stale_after=self.stale_after):
                self.log(
                    f"job {job.pk} {job.kind}: worker stopped responding, "
                    f"now {job.status} (attempt {job.attempts})"
                )
        if self.purge_after is not None and (
            self._last_purge is None or now - self._last_purge >= PURGE_INTERVAL
        ):
            self._last_purge = now
            purged = services.purge_finished(older_than=self.purge_after)
            if purged:
                self.log(f"purged {purged} finished job(s) older than {self.purge_after.days} days")

    def install_signal_handlers(self) -> Callable[[], None]:
        """SIGTERM/SIGINT stop gracefully, a second one at once; returns the undo."""

        def on_signal(signum, frame) -> None:
            if self.stopping.is_set():
                raise SystemExit(128 + signum)
            self.stopping.set()
            self.log("stopping after the current job (signal again to stop at once)")

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore

    # --- one job -----------------------------------------------------------------------

    def execute(self, job: Job) -> str:
        """Run a claimed job to its end and record the outcome; return the new status."""
        started = time.monotonic()
        with translation.override(services.user_locale(job.created_by)):
            outcome = self._execute(job)
        status = outcome.get("status", "lost")
        line = f"job {job.pk} {job.kind}: {status} in {time.monotonic() - started:.1f} s"
        self.log(f"{line} (attempt {job.attempts}, worker {self.worker_id})")
        return status

    def _execute(self, job: Job) -> dict:
        try:
            kind = get_kind(job.kind)
        except UnknownJobKind:
            return self._finish(
                job, None, status=JobStatus.FAILED, error=_("This kind of job is unknown here.")
            )
        reporter = DatabaseReporter(
            job_id=job.pk,
            worker_id=self.worker_id,
            threaded=self.threaded,
            stopping=self.stopping,
            heartbeat_interval=self.heartbeat,
        )
        context = JobContext(
            job_id=job.pk,
            user=job.created_by,
            attempt=job.attempts,
            reporter=reporter,
            items=DatabaseItems(job.pk),
            result_dir=services.job_dir(job.pk),
        )
        reporter.start()
        try:
            summary = kind.func(context, **job.params)
        except Cancelled:
            reporter.stop()
            if reporter.lost:
                return {}
            if self.stopping.is_set() and not self._cancel_requested(job):
                return self._hand_back(job, reporter)
            return self._finish(job, reporter, status=JobStatus.CANCELLED, context=context)
        except JobError as error:
            reporter.stop()
            return self._finish(job, reporter, status=JobStatus.FAILED, error=str(error))
        except Exception:
            reporter.stop()
            logger.exception("job %s %s failed", job.pk, job.kind)
            error = _(
                "The job failed because of an unexpected error. "
                "The administrator finds the details in the worker's log (job %(id)s)."
            ) % {"id": job.pk}
            return self._finish(job, reporter, status=JobStatus.FAILED, error=error)
        except BaseException:
            # A second signal (SystemExit) or Ctrl+C: hand the job back, then stop.
            reporter.stop()
            self._hand_back(job, reporter)
            raise
        reporter.stop()
        if summary is not None and not isinstance(summary, dict):
            summary = {"result": summary}
        return self._finish(job, reporter, status=JobStatus.DONE, summary=summary, context=context)

    @staticmethod
    def _cancel_requested(job: Job) -> bool:
        return Job.objects.filter(pk=job.pk, cancel_requested=True).exists()

    def _mine(self, job: Job):
        return Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, worker=self.worker_id)

    def _finish(
        self,
        job: Job,
        reporter: DatabaseReporter | None,
        *,
        status: str,
        summary: dict | None = None,
        error: str = "",
        context: JobContext | None = None,
    ) -> dict:
        fields = reporter.progress_fields() if reporter is not None else {}
        if status == JobStatus.DONE and fields.get("progress_total") is not None:
            fields["progress_done"] = max(fields.get("progress_done", 0), fields["progress_total"])
        fields.update(
            status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(), error=error
        )
        if summary is not None:
            fields["result"] = summary
        if context is not None and context.result_file is not None:
            path, name, content_type = context.result_file
            fields.update(
                result_file=str(path.relative_to(Path(settings.DATA_DIR).resolve())),
                result_name=name,
                result_content_type=content_type[:100],
            )
        if not self._mine(job).update(**fields):
            return {}  # another worker took the job over meanwhile
        return {"status": status}

    def _hand_back(self, job: Job, reporter: DatabaseReporter) -> dict:
        """Queue a job interrupted by the worker's shutdown again, not counting the attempt."""
        fields = reporter.progress_fields()
        self._mine(job).update(
            status=JobStatus.QUEUED, worker="", attempts=F("attempts") - 1, **fields
        )
        return {"status": "handed back"}
