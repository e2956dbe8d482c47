"""Starting, cancelling, claiming and cleaning up background jobs.

``enqueue`` stores a job for the worker; ``run_inline`` runs the same function in
this process (the CLI). Claiming is atomic with several workers: PostgreSQL skips
rows another worker has locked (``FOR UPDATE SKIP LOCKED``); SQLite, which has one
writer at a time, claims with a compare-and-swap ``UPDATE … WHERE status='queued'``.
"""

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from merkur.core.roles import Capability, has_capability, role_of
from merkur.jobs.context import JobContext, MemoryItems
from merkur.jobs.models import Job, JobStatus
from merkur.jobs.progress import CallbackReporter
from merkur.jobs.registry import get_kind

STALE_AFTER = timedelta(seconds=120)
PURGE_AFTER_DAYS = 30


def jobs_root() -> Path:
    return Path(settings.DATA_DIR) / "jobs"


def job_dir(job_id: int) -> Path:
    """Where the files of job ``job_id`` live (``MERKUR_DATA_DIR/jobs/<id>/``)."""
    return jobs_root() / str(int(job_id))


def check_params(params) -> dict:
    """``params`` as a dict of JSON data; ``TypeError`` for anything else."""
    if params is None:
        return {}
    if not isinstance(params, dict) or not all(isinstance(key, str) for key in params):
        raise TypeError("job params must be a dict with string keys")
    try:
        return json.loads(json.dumps(params))
    except (TypeError, ValueError) as error:
        raise TypeError(f"job params must be JSON data: {error}") from None


def user_locale(user) -> str:
    profile = getattr(user, "profile", None) if user is not None else None
    return getattr(profile, "locale", None) or settings.LANGUAGE_CODE


# --- starting and cancelling ----------------------------------------------------------


def enqueue(kind: str, params: dict | None = None, *, user=None, title: str = "") -> Job:
    """Store a job of ``kind`` for the worker and return it (its page: ``get_absolute_url``).

    Raises ``UnknownJobKind`` for a kind nobody registered and ``TypeError`` for
    params that are not JSON data, before anything is stored.
    """
    get_kind(kind)
    return Job.objects.create(
        kind=kind,
        params=check_params(params),
        title=str(title)[:200],
        created_by=user if user is not None and user.is_authenticated else None,
    )


def cancel(job: Job) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next safe point."""
    now = timezone.now()
    queued = Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED)
    if not queued.update(status=JobStatus.CANCELLED, cancel_requested=True, finished_at=now):
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(cancel_requested=True)
    job.refresh_from_db()
    return job


def run_inline(
    kind: str,
    params: dict | None = None,
    *,
    user=None,
    progress: Callable[[int | None, int | None, str | None], None] | None = None,
    result_dir: Path | str | None = None,
) -> dict:
    """Run a job's function in this process and return its summary (CLI commands).

    ``progress(done, total, message)`` is called at most twice a second and once
    more with the last values. Result files go to ``result_dir`` (default: a new
    directory under ``MERKUR_DATA_DIR/jobs/inline/``). Exceptions (``JobError``
    included) reach the caller.
    """
    job_kind = get_kind(kind)
    params = check_params(params)
    if result_dir is None:
        (jobs_root() / "inline").mkdir(parents=True, exist_ok=True)
        result_dir = tempfile.mkdtemp(prefix=f"{kind}-", dir=jobs_root() / "inline")
    reporter = CallbackReporter(progress)
    context = JobContext(
        job_id=None,
        user=user,
        attempt=1,
        reporter=reporter,
        items=MemoryItems(),
        result_dir=Path(result_dir),
    )
    summary = job_kind.func(context, **params)
    reporter.flush()
    return summary or {}


# --- who may see a job ----------------------------------------------------------------


def can_manage_jobs(user) -> bool:
    return has_capability(user, Capability.MANAGE_JOBS)


def get_job_for(user, pk) -> Job:
    """Job ``pk`` if ``user`` may see it (own jobs; all for administrators), else 404.

    Somebody else's job answers 404, not 403: its existence is nobody else's business.
    """
    if role_of(user) is None:
        raise PermissionDenied
    job = Job.objects.visible_to(user).select_related("created_by").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


# --- the worker's side ------------------------------------------------------------------


def _running_fields(worker_id: str, now) -> dict:
    return {
        "status": JobStatus.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "finished_at": None,
        "attempts": F("attempts") + 1,
        "worker": worker_id,
    }


def claim(worker_id: str) -> Job | None:
    """Take the oldest queued job for ``worker_id`` (``running``), or ``None``."""
    queued = Job.objects.filter(status=JobStatus.QUEUED).order_by("created_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            pk = queued.select_for_update(skip_locked=True).values_list("pk", flat=True).first()
            if pk is None:
                return None
            Job.objects.filter(pk=pk).update(**_running_fields(worker_id, timezone.now()))
        return Job.objects.select_related("created_by__profile").get(pk=pk)
    for _attempt in range(20):
        pk = queued.values_list("pk", flat=True).first()
        if pk is None:
            return None
        fields = _running_fields(worker_id, timezone.now())
        if Job.objects.filter(pk=pk, status=JobStatus.QUEUED).update(**fields) == 1:
            return Job.objects.select_related("created_by__profile").get(pk=pk)
        time.sleep(0.01)  # another worker was quicker; try the next job
    return None


def requeue_stale(*, stale_after: timedelta = STALE_AFTER, now=None) -> list[Job]:
    """Queue again the running jobs whose heartbeat stopped; fail those out of attempts.

    Each change is conditional on the heartbeat not having moved since it was read,
    so a worker that was only slow keeps its job.
    """
    from merkur.jobs.registry import DEFAULT_MAX_ATTEMPTS, kinds

    now = now or timezone.now()
    known = kinds()
    changed = []
    stale = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after)
    for job in stale.select_related("created_by__profile"):
        kind = known.get(job.kind)
        max_attempts = kind.max_attempts if kind else DEFAULT_MAX_ATTEMPTS
        same = Job.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at
        )
        if job.cancel_requested:
            fields = {"status": JobStatus.CANCELLED, "finished_at": now}
        elif job.attempts >= max_attempts:
            with translation.override(user_locale(job.created_by)):
                error = _(
                    "The worker running this job stopped responding %(count)s times; "
                    "the job was given up."
                ) % {"count": job.attempts}
            fields = {"status": JobStatus.FAILED, "finished_at": now, "error": error}
        else:
            fields = {"status": JobStatus.QUEUED}
        if same.update(worker="", **fields):
            job.refresh_from_db()
            changed.append(job)
    return changed


def purge_finished(*, older_than: timedelta, now=None) -> int:
    """Delete finished jobs older than ``older_than`` with their files; return how many."""
    now = now or timezone.now()
    cutoff = now - older_than
    count = 0
    old = Job.objects.finished().filter(finished_at__lt=cutoff)
    while ids := list(old.values_list("pk", flat=True)[:500]):
        Job.objects.filter(pk__in=ids).delete()
        for pk in ids:
            shutil.rmtree(job_dir(pk), ignore_errors=True)
        count += len(ids)
    inline = jobs_root() / "inline"
    if inline.is_dir():
        for path in inline.iterdir():
            if path.stat().st_mtime < cutoff.timestamp():
                shutil.rmtree(path, ignore_errors=True)
    return count
