"""What a running job sees: ``JobContext`` (progress, cancelling, result file, items).

The same context serves a job run by the worker (progress and items in the
database) and one run in-process by a CLI command (``run_inline``: progress to a
callback, items in memory), so a job function does not know where it runs.
"""

import re
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone


class Cancelled(Exception):
    """Raised by a job function that noticed ``context.cancel_requested()``."""


class JobError(Exception):
    """A failure whose message is shown to the user as it is (translate it).

    Any other exception fails the job with a general message; its traceback goes
    to the worker's log only.
    """


class Reporter:
    """Where progress goes and whether the job should stop; see ``merkur.jobs.progress``."""

    def update(self, done: int | None, total: int | None, message: str | None) -> None:
        raise NotImplementedError

    def should_stop(self) -> bool:
        return False


class ItemStore:
    """The per-item records of one job (see ``JobContext.begin_item``)."""

    def begin(self, key: str, attempt: int) -> bool:
        raise NotImplementedError

    def finish(self, key: str, *, failed: bool, detail: str) -> None:
        raise NotImplementedError

    def states(self) -> dict[str, str]:
        raise NotImplementedError


class MemoryItems(ItemStore):
    """Items of an in-process run: nothing survives the process, nothing needs to."""

    def __init__(self) -> None:
        self._states: dict[str, str] = {}

    def begin(self, key: str, attempt: int) -> bool:
        if key in self._states:
            return False
        self._states[key] = "started"
        return True

    def finish(self, key: str, *, failed: bool, detail: str) -> None:
        self._states[key] = "failed" if failed else "done"

    def states(self) -> dict[str, str]:
        return dict(self._states)


class DatabaseItems(ItemStore):
    """Items of a worker's job as ``JobItem`` rows, unique per job and key."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id

    def begin(self, key: str, attempt: int) -> bool:
        from merkur.jobs.models import JobItem, JobItemState

        try:
            with transaction.atomic():
                JobItem.objects.create(
                    job_id=self.job_id, key=key, state=JobItemState.STARTED, attempt=attempt
                )
        except IntegrityError:
            return False
        return True

    def finish(self, key: str, *, failed: bool, detail: str) -> None:
        from merkur.jobs.models import JobItem, JobItemState

        JobItem.objects.filter(job_id=self.job_id, key=key).update(
            state=JobItemState.FAILED if failed else JobItemState.DONE,
            detail=detail,
            finished_at=timezone.now(),
        )

    def states(self) -> dict[str, str]:
        from merkur.jobs.models import JobItem

        return dict(JobItem.objects.filter(job_id=self.job_id).values_list("key", "state"))


_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_file_name(name: str) -> str:
    """``name`` without directories or characters that trouble file systems."""
    name = _UNSAFE.sub("_", Path(str(name)).name).strip(" .")
    return name[:150] or "result"


class JobContext:
    """Handed to a job function as its first argument.

    - ``progress(done=, total=, message=)``: cheap to call for every row; the
      database sees at most about two writes a second.
    - ``cancel_requested()``: the user cancelled (or the worker is shutting down);
      stop at a safe point with ``raise context.Cancelled``.
    - ``result_path(name)`` / ``set_result_file(path, content_type=)``: a file
      offered for download on the job's page.
    - ``begin_item(key)`` / ``finish_item(key)``: the resume pattern for work that
      must not be repeated (see ``begin_item``).
    - ``user`` (who started the job, or ``None``), ``job_id`` (``None`` in-process),
      ``attempt`` (2 and up: an earlier run stopped half-way).
    """

    Cancelled = Cancelled
    Error = JobError

    def __init__(
        self,
        *,
        job_id: int | None,
        user,
        attempt: int,
        reporter: Reporter,
        items: ItemStore,
        result_dir: Path,
    ) -> None:
        self.job_id = job_id
        self.user = user
        self.attempt = attempt
        self._reporter = reporter
        self._items = items
        self.result_dir = Path(result_dir)
        self.result_file: tuple[Path, str, str] | None = None  # path, name, content type

    # --- progress and cancelling ------------------------------------------------------

    def progress(
        self, done: int | None = None, total: int | None = None, message: str | None = None
    ) -> None:
        """Report how far the job is; ``None`` keeps the value reported before."""
        if done is not None and done < 0:
            raise ValueError("done must not be negative")
        self._reporter.update(
            None if done is None else int(done),
            None if total is None else int(total),
            None if message is None else str(message)[:300],
        )

    def cancel_requested(self) -> bool:
        """True once the job should stop: cancelled by a user, or the worker stops."""
        return self._reporter.should_stop()

    def check_cancelled(self) -> None:
        """``raise context.Cancelled`` if the job should stop."""
        if self.cancel_requested():
            raise Cancelled

    # --- the result file ---------------------------------------------------------------

    def result_path(self, name: str) -> Path:
        """A path for a result file named ``name`` in the job's own directory."""
        self.result_dir.mkdir(parents=True, exist_ok=True)
        return self.result_dir / safe_file_name(name)

    def set_result_file(self, path, *, content_type: str, name: str | None = None) -> None:
        """Offer the file at ``path`` as the job's download.

        A worker's job must keep it under ``MERKUR_DATA_DIR`` (the web server serves
        it from there); an in-process run may use any directory its caller chose.
        """
        path = Path(path).resolve()
        root = Path(settings.DATA_DIR).resolve()
        if self.job_id is not None and not path.is_relative_to(root):
            raise ValueError(f"a result file must lie under MERKUR_DATA_DIR ({root}): {path}")
        self.result_file = (path, safe_file_name(name or path.name), content_type)

    # --- items: resuming without repeating ------------------------------------------

    def begin_item(self, key) -> bool:
        """Record that item ``key`` starts now; False if an earlier run began it already.

        The pattern for work with effects outside the database (an e-mail, a fax)::

            for recipient in recipients:
                key = f"email:{recipient.pk}"
                if not context.begin_item(key):   # done, failed, or cut off mid-way
                    continue
                try:
                    send(recipient)
                except SMTPException as error:
                    context.finish_item(key, failed=True, detail=str(error))
                else:
                    context.finish_item(key)

        ``begin_item`` is committed before the e-mail goes out (call it outside any
        ``transaction.atomic``), so after a crash the item is never sent again: an
        item left ``started`` was cut off with an unknown outcome; ``item_states()``
        lists it so the job can report it instead of repeating it.
        """
        key = str(key)
        if not key or len(key) > 200:
            raise ValueError("an item key has 1 to 200 characters")
        return self._items.begin(key, self.attempt)

    def finish_item(self, key, *, failed: bool = False, detail: str = "") -> None:
        self._items.finish(str(key), failed=failed, detail=str(detail))

    def item_states(self) -> dict[str, str]:
        """Every item begun so far: key → ``started`` / ``done`` / ``failed``."""
        return self._items.states()
