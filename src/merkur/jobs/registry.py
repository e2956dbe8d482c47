"""The kinds of background job, registered by name with ``@job``.

An app declares its kinds in a ``jobs.py`` module; every app's ``jobs.py`` is imported
when Django starts (``autodiscover``), so the web process that enqueues a job and the
worker that runs it know the same kinds::

    from merkur.jobs.registry import JobContext, job

    @job("transfer.export_addresses", title=gettext_lazy("Address export"))
    def export_addresses(context: JobContext, **params) -> dict:
        context.progress(done=0, total=1000, message=gettext("Reading …"))
        ...
        return {"rows": 1000}

A job function gets the context and the job's JSON params as keyword arguments and
returns a JSON summary (or ``None``). It must be safe to run again after a crash:
the worker queues a job again when its heartbeat stops; work that must never be
repeated (an e-mail sent) is recorded per item with ``context.begin_item``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

from merkur.jobs.context import Cancelled, JobContext, JobError

__all__ = [
    "Cancelled",
    "JobContext",
    "JobError",
    "JobKind",
    "UnknownJobKind",
    "autodiscover",
    "get_kind",
    "job",
    "kind_title",
    "kinds",
]

DEFAULT_MAX_ATTEMPTS = 3


class UnknownJobKind(LookupError):
    """No job of this name is registered (a typo, or an app not installed)."""

    def __init__(self, name: str):
        super().__init__(f"unknown kind of job: {name!r}")
        self.name = name


@dataclass(frozen=True)
class JobKind:
    name: str
    func: Callable[..., dict | None]
    title: str  # usually a lazy translation
    max_attempts: int  # runs in all, counting those a dead worker left unfinished
    summary_template: str | None = None  # renders the summary on the job page
    summary_labels: dict | None = None  # summary key → label, for the default rendering

    @property
    def qualname(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"


_kinds: dict[str, JobKind] = {}


def job(
    name: str,
    *,
    title,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    summary_template: str | None = None,
    summary_labels: dict | None = None,
) -> Callable:
    """Register the decorated function as the job kind ``name`` (``app.what``).

    ``summary_template`` shows the summary on the job's page (context: ``job``,
    ``summary``); without one the page lists the summary's values under
    ``summary_labels`` (key → lazy translated label; unlabelled keys as they are).
    """
    if not name or len(name) > 100:
        raise ImproperlyConfigured(f"a job kind needs a name of 1 to 100 characters: {name!r}")
    if max_attempts < 1:
        raise ImproperlyConfigured(f"max_attempts of job kind {name!r} must be at least 1")

    def decorator(func: Callable) -> Callable:
        kind = JobKind(
            name=name,
            func=func,
            title=title,
            max_attempts=max_attempts,
            summary_template=summary_template,
            summary_labels=summary_labels,
        )
        known = _kinds.get(name)
        if known is not None and known.qualname != kind.qualname:
            raise ImproperlyConfigured(
                f"job kind {name!r} is registered twice: {known.qualname} and {kind.qualname}"
            )
        _kinds[name] = kind
        func.job_kind = name
        return func

    return decorator


def get_kind(name: str) -> JobKind:
    try:
        return _kinds[name]
    except KeyError:
        raise UnknownJobKind(name) from None


def kind_title(name: str) -> str:
    """The title of kind ``name`` in the current language; the name if it is unknown."""
    kind = _kinds.get(name)
    return str(kind.title) if kind is not None else name


def kinds() -> dict[str, JobKind]:
    return dict(_kinds)


def autodiscover() -> None:
    """Import ``jobs.py`` of every installed app (where it exists)."""
    autodiscover_modules("jobs")
