"""``/api/v1/jobs``: the same rules as the pages; somebody else's job is 404."""

import pytest

from merkur.jobs import services
from merkur.jobs.models import JobStatus
from merkur.jobs.worker import Worker
from tests.api.conftest import ApiClient, token_key


def run_all() -> None:
    Worker(threaded=False, purge_after=None).run(burst=True)


@pytest.fixture
def sales_api(sales_user):
    return ApiClient(token_key(sales_user))


@pytest.fixture
def admin_api(admin_user):
    return ApiClient(token_key(admin_user))


@pytest.fixture
def readonly_api(readonly_user):
    return ApiClient(token_key(readonly_user))


@pytest.fixture
def own_job(sales_user):
    return services.enqueue("tests.file", {"text": "x\n"}, user=sales_user, title="Export")


@pytest.fixture
def others_job(other_user):
    return services.enqueue("tests.echo", user=other_user)


def test_the_list_holds_the_callers_jobs_newest_first(sales_api, sales_user, own_job, others_job):
    newer = services.enqueue("tests.echo", user=sales_user)
    body = sales_api.get("/jobs/").json()
    assert [item["id"] for item in body["items"]] == [newer.pk, own_job.pk]
    assert body["count"] == 2 and body["count_exact"] is True


def test_an_administrator_lists_everybodys_jobs_or_their_own(admin_api, own_job, others_job):
    assert {item["id"] for item in admin_api.get("/jobs/").json()["items"]} == {
        own_job.pk,
        others_job.pk,
    }
    assert admin_api.get("/jobs/", {"mine": "true"}).json()["items"] == []


def test_the_list_filters_by_status_and_refuses_an_unknown_one(sales_api, own_job):
    assert sales_api.get("/jobs/", {"status": "done"}).json()["items"] == []
    assert len(sales_api.get("/jobs/", {"status": "queued"}).json()["items"]) == 1
    response = sales_api.get("/jobs/", {"status": "kaputt"})
    assert response.status_code == 422
    assert "status" in response.json()["errors"]


def test_the_list_pages_by_cursor(sales_api, sales_user):
    jobs = [services.enqueue("tests.echo", user=sales_user) for _ in range(3)]
    first = sales_api.get("/jobs/", {"limit": 2}).json()
    second = sales_api.get("/jobs/", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [i["id"] for i in first["items"] + second["items"]] == [j.pk for j in reversed(jobs)]
    assert sales_api.get("/jobs/", {"cursor": "kaputt"}).status_code == 400


def test_a_finished_job_has_its_summary_and_file_url(sales_api, own_job):
    run_all()
    body = sales_api.get(f"/jobs/{own_job.pk}").json()
    assert body["status"] == "done"
    assert body["title"] == "Export"
    assert body["kind"] == "tests.file"
    assert body["result"] == {"rows": 1}
    assert body["percent"] == 100
    assert body["file_url"] == f"/api/v1/jobs/{own_job.pk}/file"
    assert body["file_name"] == "adressen export.csv"
    assert body["page_url"] == f"/jobs/{own_job.pk}/"
    assert body["created_by"]["username"] == "vertrieb"


def test_the_file_is_downloaded(sales_api, own_job):
    run_all()
    response = sales_api.get(f"/jobs/{own_job.pk}/file")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"x\n"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_file_is_404(sales_api, own_job):
    assert sales_api.get(f"/jobs/{own_job.pk}/file").status_code == 404


def test_cancel_a_queued_job(sales_api, own_job):
    response = sales_api.post(f"/jobs/{own_job.pk}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == JobStatus.CANCELLED


def test_cancel_a_running_job_asks_it_to_stop(sales_api, own_job):
    services.claim("w")
    body = sales_api.post(f"/jobs/{own_job.pk}/cancel").json()
    assert (body["status"], body["cancel_requested"]) == ("running", True)


def test_cancelling_a_finished_job_is_a_conflict(sales_api, own_job):
    run_all()
    response = sales_api.post(f"/jobs/{own_job.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["detail"] == "The job has finished already."


@pytest.mark.parametrize(
    "method, path",
    [("get", ""), ("post", "/cancel"), ("get", "/file")],
)
def test_somebody_elses_job_is_404_even_for_a_read_only_user(
    sales_api, readonly_api, others_job, method, path
):
    for api in (sales_api, readonly_api):
        assert getattr(api, method)(f"/jobs/{others_job.pk}{path}").status_code == 404
    others_job.refresh_from_db()
    assert others_job.status == JobStatus.QUEUED


def test_an_administrator_may_cancel_anybodys_job(admin_api, others_job):
    assert admin_api.post(f"/jobs/{others_job.pk}/cancel").status_code == 200


@pytest.mark.parametrize("path", ["/jobs/", "/jobs/1", "/jobs/1/file"])
def test_without_authentication_the_answer_is_401(db, path):
    assert ApiClient().get(path).status_code == 401


def test_the_routes_are_in_the_openapi_description(sales_api):
    paths = sales_api.get("/openapi.json").json()["paths"]
    assert {"/api/v1/jobs/", "/api/v1/jobs/{job_id}", "/api/v1/jobs/{job_id}/cancel"} <= set(paths)
    assert "/api/v1/jobs/{job_id}/file" in paths
