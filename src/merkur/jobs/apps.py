from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "merkur.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        # Every app's ``jobs.py`` registers its kinds of job when imported, so the
        # web process (enqueue) and the worker (run) know the same kinds.
        from merkur.jobs.registry import autodiscover

        autodiscover()
