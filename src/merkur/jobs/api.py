"""``/jobs``: the caller's background jobs (everybody's for administrators).

Jobs are started by the routes of the work they do (an import, an export, a
mailing); here they are followed, cancelled and their result file fetched. Somebody
else's job answers 404.
"""

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from merkur.core.api.auth import require_capability
from merkur.core.api.errors import LIST_ERRORS, READ_ERRORS, ErrorOut
from merkur.core.api.pagination import PageQuery, page_schema, paginate
from merkur.core.roles import Capability
from merkur.core.users import display_name
from merkur.jobs import services
from merkur.jobs.models import Job, JobStatus
from merkur.jobs.views import JOB_ORDERING, result_file_response

router = Router(tags=["Jobs"])

Status = Literal[tuple(JobStatus.values)]


class UserOut(Schema):
    id: int
    username: str
    name: str


class JobOut(Schema):
    id: int
    kind: str = Field(..., description="The registered kind, e.g. `transfer.export_addresses`.")
    title: str
    status: Status
    created_by: UserOut | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    heartbeat_at: datetime.datetime | None
    progress_done: int
    progress_total: int | None
    progress_message: str
    percent: int | None = Field(..., description="Whole percent; null while the total is unknown.")
    result: Any = Field(None, description="The summary the job returned (JSON), once done.")
    error: str = Field(..., description="Why the job failed, in the starter's language.")
    attempts: int
    cancel_requested: bool
    file_url: str | None = Field(
        None, description="Where to fetch the result file (`GET /jobs/{id}/file`), if any."
    )
    file_name: str | None = None
    file_content_type: str | None = None
    page_url: str = Field(..., description="The job's page in the web UI.")


JobPage = page_schema(JobOut, "JobPage")


class JobQuery(PageQuery):
    status: Status | None = Field(None, description="Only jobs in this status.")
    mine: bool = Field(
        False, description="Only the caller's own jobs (for administrators, who see all)."
    )


def can_view(request: HttpRequest) -> None:
    require_capability(request, Capability.VIEW_RECORDS)


def visible_job(request: HttpRequest, job_id: int) -> Job:
    can_view(request)
    return services.get_job_for(request.auth, job_id)


def job_out(job: Job) -> dict:
    user = job.created_by
    has_file = job.has_result_file
    return {
        "id": job.pk,
        "kind": job.kind,
        "title": job.display_title,
        "status": job.status,
        "created_by": (
            {"id": user.pk, "username": user.get_username(), "name": display_name(user)}
            if user is not None
            else None
        ),
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "heartbeat_at": job.heartbeat_at,
        "progress_done": job.progress_done,
        "progress_total": job.progress_total,
        "progress_message": job.progress_message,
        "percent": job.percent,
        "result": job.result,
        "error": job.error,
        "attempts": job.attempts,
        "cancel_requested": job.cancel_requested,
        "file_url": f"/api/v1/jobs/{job.pk}/file" if has_file else None,
        "file_name": job.result_name if has_file else None,
        "file_content_type": job.result_content_type if has_file else None,
        "page_url": job.get_absolute_url(),
    }


@router.get(
    "/",
    response={200: JobPage, **LIST_ERRORS},
    summary="List background jobs",
    description="The caller's jobs, newest first; administrators see everybody's "
    "(`mine=true` for their own). Paged by cursor.",
)
def list_jobs(request: HttpRequest, query: Query[JobQuery]):
    can_view(request)
    jobs = Job.objects.visible_to(request.auth).select_related("created_by")
    if query.mine:
        jobs = jobs.filter(created_by=request.auth)
    if query.status:
        jobs = jobs.filter(status=query.status)
    return paginate(jobs, JOB_ORDERING, page=query, serialize=job_out)


@router.get(
    "/{int:job_id}",
    response={200: JobOut, **READ_ERRORS},
    summary="Get a background job",
    description="Status, progress, the summary or the error, and the result file's URL. "
    "Poll it (every second or two) to follow a running job.",
)
def get_job(request: HttpRequest, job_id: int):
    return job_out(visible_job(request, job_id))


@router.post(
    "/{int:job_id}/cancel",
    response={200: JobOut, **READ_ERRORS, 409: ErrorOut},
    summary="Cancel a background job",
    description="A queued job is cancelled at once; a running one stops at its next safe "
    "point (`cancel_requested` is true until then). A finished job answers 409.",
)
def cancel_job(request: HttpRequest, job_id: int):
    job = visible_job(request, job_id)
    if job.is_finished:
        raise HttpError(409, _("The job has finished already."))
    return job_out(services.cancel(job))


@router.get(
    "/{int:job_id}/file",
    response={**READ_ERRORS},
    summary="Download a job's result file",
    description="The file a finished job produced (an export, letters, labels). "
    "404 if the job has none (yet) or it was deleted.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_job_file(request: HttpRequest, job_id: int):
    return result_file_response(visible_job(request, job_id))
