"""The job pages: "Meine Aufträge", one job with its live progress, cancel, download.

Everybody with a role sees their own jobs; who may manage jobs (administrators)
sees everybody's. Somebody else's job answers 404 (``services.get_job_for``).
"""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from merkur.companies.views.common import fetch_page, render_page_or_fragment, wants_fragment
from merkur.core.pagination import Ordering
from merkur.core.roles import Capability
from merkur.core.views import capability_required
from merkur.jobs import services
from merkur.jobs.models import Job, JobStatus
from merkur.jobs.registry import UnknownJobKind, get_kind

# Every role may start jobs (an export is reading), so every role sees its own.
VIEW = Capability.VIEW_RECORDS
JOB_ORDERING = Ordering(("-created_at", "-id"))
SUMMARY_ITEMS = 50  # list entries shown of one summary value


def _value(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return number_format(value, use_l10n=True, force_grouping=True)
    if isinstance(value, list):
        shown = ", ".join(_value(item) for item in value[:SUMMARY_ITEMS])
        if len(value) > SUMMARY_ITEMS:
            shown += " " + _("… and %(count)s more") % {"count": len(value) - SUMMARY_ITEMS}
        return shown or "–"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_value(item)}" for key, item in value.items()) or "–"
    return "–" if value is None else str(value)


def summary_rows(job: Job) -> list[tuple[str, str]]:
    """The summary as (label, text) rows, labelled as the job's kind asks."""
    if not isinstance(job.result, dict):
        return []
    try:
        labels = get_kind(job.kind).summary_labels or {}
    except UnknownJobKind:
        labels = {}
    return [(str(labels.get(key, key)), _value(value)) for key, value in job.result.items()]


def status_context(request: HttpRequest, job: Job) -> dict:
    try:
        summary_template = get_kind(job.kind).summary_template
    except UnknownJobKind:
        summary_template = None
    return {
        "job": job,
        "summary": job.result,
        "summary_rows": summary_rows(job),
        "summary_template": summary_template,
        "can_manage_jobs": services.can_manage_jobs(request.user),
    }


@capability_required(VIEW)
@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    manager = services.can_manage_jobs(request.user)
    jobs = Job.objects.visible_to(request.user).select_related("created_by")
    mine = not manager or request.GET.get("scope") == "mine"
    if mine:
        jobs = jobs.filter(created_by=request.user)
    status = request.GET.get("status", "")
    if status in JobStatus.values:
        jobs = jobs.filter(status=status)
    else:
        status = ""
    page, notice = fetch_page(jobs, JOB_ORDERING, request.GET.get("cursor", ""))
    if notice:
        messages.info(request, notice)
    context = {
        "page": page,
        "manager": manager,
        "mine": mine,
        "status": status,
        "statuses": JobStatus.choices,
        "active": any(not job.is_finished for job in page.items),
    }
    return render_page_or_fragment(
        request, page="jobs/list.html", fragment="jobs/partials/list_table.html", context=context
    )


@capability_required(VIEW)
@require_safe
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = services.get_job_for(request.user, pk)
    template = "jobs/detail.html"
    if wants_fragment(request):
        # ``part=progress``: only the bar, for pages that show a job's progress themselves.
        progress = request.GET.get("part") == "progress"
        template = "jobs/partials/progress.html" if progress else "jobs/partials/status.html"
    return render(request, template, status_context(request, job))


@capability_required(VIEW)
@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = services.get_job_for(request.user, pk)
    if not job.is_finished:
        job = services.cancel(job)
    if wants_fragment(request):
        # The swapped status tells what happened ("cancelled" or "cancelling …").
        return render(request, "jobs/partials/status.html", status_context(request, job))
    if job.status == JobStatus.CANCELLED:
        messages.success(request, _("The job was cancelled."))
    elif job.is_finished:
        messages.info(request, _("The job had finished already."))
    else:
        messages.success(request, _("The job will stop at its next safe point."))
    return redirect(job)


@capability_required(VIEW)
@require_safe
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    return result_file_response(services.get_job_for(request.user, pk))


def result_file_response(job: Job) -> FileResponse:
    """The job's result file as a download (the page's and the API's); 404 if none."""
    if not job.has_result_file:
        raise Http404
    response = FileResponse(
        job.result_path.open("rb"),
        as_attachment=True,
        filename=job.result_name or job.result_path.name,
        content_type=job.result_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
