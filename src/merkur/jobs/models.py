"""Background jobs and the per-item records that make them safe to resume."""

from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merkur.core.roles import Capability, has_capability, role_of
from merkur.jobs.registry import kind_title


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class JobQuerySet(models.QuerySet):
    def visible_to(self, user) -> "JobQuerySet":
        """The user's own jobs; everybody's for who may manage jobs."""
        if role_of(user) is None:
            return self.none()
        if has_capability(user, Capability.MANAGE_JOBS):
            return self
        return self.filter(created_by=user)

    def finished(self) -> "JobQuerySet":
        return self.filter(status__in=FINISHED)


class Job(models.Model):
    """One piece of background work: a registered ``kind`` run with JSON ``params``.

    The worker claims a queued job, runs it and records progress, the summary it
    returns, a result file (under ``MERKUR_DATA_DIR``) or the error. A running job
    writes ``heartbeat_at``; one whose heartbeat stopped (the worker died) is queued
    again, at most ``max_attempts`` times in all (see ``merkur.jobs.services``).
    """

    kind = models.CharField(_("kind"), max_length=100)
    title = models.CharField(_("title"), max_length=200, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus, default=JobStatus.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    progress_done = models.BigIntegerField(_("done"), default=0)
    progress_total = models.BigIntegerField(_("total"), null=True, blank=True)
    progress_message = models.CharField(_("progress message"), max_length=300, blank=True)
    result = models.JSONField(_("summary"), null=True, blank=True, encoder=DjangoJSONEncoder)
    result_file = models.CharField(_("result file"), max_length=500, blank=True)
    result_name = models.CharField(_("file name"), max_length=255, blank=True)
    result_content_type = models.CharField(_("content type"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=100, blank=True)
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="jobs_job_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress_done__gte=0), name="jobs_job_progress_not_negative"
            ),
        ]
        indexes = [
            # Claiming: the oldest queued job first; a small partial index.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(status=JobStatus.QUEUED),
                name="jobs_job_queued",
            ),
            # Finding running jobs whose worker stopped writing its heartbeat.
            models.Index(
                fields=["heartbeat_at"],
                condition=Q(status=JobStatus.RUNNING),
                name="jobs_job_running",
            ),
            models.Index(fields=["created_by", "-created_at", "-id"], name="jobs_job_owner"),
            models.Index(fields=["-created_at", "-id"], name="jobs_job_created"),
            models.Index(fields=["status", "finished_at"], name="jobs_job_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.display_title} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def display_title(self) -> str:
        """The job's own title, else the title of its kind (in the current language)."""
        if self.title:
            return self.title
        return kind_title(self.kind)

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int | None:
        """Progress in whole percent, ``None`` while the total is unknown."""
        if self.status == JobStatus.DONE:
            return 100
        if not self.progress_total or self.progress_total <= 0:
            return None
        return max(0, min(100, int(self.progress_done * 100 / self.progress_total)))

    @property
    def result_path(self) -> Path | None:
        """The result file on disk, or ``None`` (no file, or a path outside the data dir)."""
        if not self.result_file:
            return None
        root = Path(settings.DATA_DIR).resolve()
        path = (root / self.result_file).resolve()
        if not path.is_relative_to(root):
            return None
        return path

    @property
    def has_result_file(self) -> bool:
        path = self.result_path
        return path is not None and path.is_file()


class JobItemState(models.TextChoices):
    STARTED = "started", _("Started")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class JobItem(models.Model):
    """One unit of a job's work (a recipient and channel, a chunk of rows), recorded so
    that a job run again after a crash skips what is done and never repeats an item
    whose outcome is unknown. See ``JobContext.begin_item``."""

    job = models.ForeignKey(Job, models.CASCADE, related_name="items")
    key = models.CharField(_("key"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=JobItemState)
    detail = models.TextField(_("detail"), blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("job item")
        verbose_name_plural = _("job items")
        ordering = ["job", "id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "key"], name="jobs_jobitem_unique_key"),
            models.CheckConstraint(
                condition=Q(state__in=JobItemState.values), name="jobs_jobitem_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.key} ({self.state})"
