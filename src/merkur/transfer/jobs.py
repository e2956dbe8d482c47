"""The transfer app's background jobs (found by ``merkur.jobs.registry.autodiscover``)."""

from django.utils.translation import gettext_lazy

from merkur.jobs.registry import job
from merkur.transfer.export import job as export_job
from merkur.transfer.importing import job as import_job

# --- export (address exports) --------------------------------------------------------------


@job(
    "transfer.export_addresses",
    title=gettext_lazy("Address export"),
    summary_template="transfer/export/job_summary.html",
)
def export_addresses(context, **params) -> dict:
    return export_job.export_addresses(context, **params)


# --- import (address imports) --------------------------------------------------------------


@job(
    "transfer.import_addresses",
    title=gettext_lazy("Address import"),
    max_attempts=2,
    summary_template="transfer/import/job_summary.html",
)
def import_addresses(context, **params) -> dict:
    return import_job.import_addresses(context, **params)
