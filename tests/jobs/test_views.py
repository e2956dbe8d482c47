"""The job pages: who sees which job, the polled progress, cancelling, the download."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from merkur.jobs import services
from merkur.jobs.models import Job, JobStatus
from merkur.jobs.worker import Worker
from tests.conftest import client_for

HTMX = {"HX-Request": "true"}


def run_all() -> None:
    Worker(threaded=False, purge_after=None).run(burst=True)


@pytest.fixture
def own_job(sales_user):
    return services.enqueue("tests.file", {"text": "a;b\n"}, user=sales_user, title="Adressexport")


@pytest.fixture
def others_job(other_user):
    return services.enqueue("tests.file", user=other_user, title="Fremder Export")


# --- who may see what (one table drives the matrix) -----------------------------------------

ACCESS = [
    # (who, whose job, url name, method, expected status)
    ("owner", "own", "jobs:detail", "get", 200),
    ("owner", "other", "jobs:detail", "get", 404),
    ("admin", "other", "jobs:detail", "get", 200),
    ("readonly", "other", "jobs:detail", "get", 404),
    ("owner", "own", "jobs:cancel", "post", 302),
    ("owner", "other", "jobs:cancel", "post", 404),
    ("readonly", "other", "jobs:cancel", "post", 404),
    ("admin", "other", "jobs:cancel", "post", 302),
    ("owner", "own", "jobs:cancel", "get", 405),
    ("owner", "own", "jobs:download", "get", 200),
    ("owner", "other", "jobs:download", "get", 404),
    ("readonly", "other", "jobs:download", "get", 404),
    ("admin", "other", "jobs:download", "get", 200),
]


@pytest.mark.parametrize("who, whose, name, method, expected", ACCESS)
def test_access_to_a_job(
    who, whose, name, method, expected, sales_user, admin_user, readonly_user, own_job, others_job
):
    from django.urls import reverse

    if name == "jobs:download":
        run_all()
    client = client_for({"owner": sales_user, "admin": admin_user, "readonly": readonly_user}[who])
    job = own_job if whose == "own" else others_job
    response = getattr(client, method)(reverse(name, args=[job.pk]))
    assert response.status_code == expected


@pytest.mark.parametrize("url", ["/jobs/", "/jobs/1/", "/jobs/1/download/"])
def test_anonymous_visitors_are_sent_to_the_login(db, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_user_without_a_role_is_refused(db):
    user = get_user_model().objects.create_user("ohne-rolle", password="x")  # no profile
    assert client_for(user).get("/jobs/").status_code == 403


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_own_jobs_only(sales_user, own_job, others_job):
    page = client_for(sales_user).get("/jobs/").content.decode()
    assert "Adressexport" in page
    assert "Fremder Export" not in page


def test_an_administrator_sees_everybodys_jobs_or_only_their_own(admin_user, own_job, others_job):
    client = client_for(admin_user)
    page = client.get("/jobs/").content.decode()
    assert "Adressexport" in page and "Fremder Export" in page
    assert "kollegin" in page  # who started it
    mine = client.get("/jobs/", {"scope": "mine"}).content.decode()
    assert "Adressexport" not in mine and "Fremder Export" not in mine


def test_the_list_filters_by_status(sales_user, own_job):
    services.enqueue("tests.echo", user=sales_user, title="Wartet noch")
    worker = Worker(threaded=False, purge_after=None)
    worker.execute(services.claim(worker.worker_id))  # runs own_job, the older one
    page = client_for(sales_user).get("/jobs/", {"status": "queued"}).content.decode()
    assert "Wartet noch" in page and "Adressexport" not in page
    page = client_for(sales_user).get("/jobs/", {"status": "done"}).content.decode()
    assert "Wartet noch" not in page and "Adressexport" in page


def test_the_list_refreshes_itself_only_while_a_job_is_unfinished(sales_user, own_job):
    client = client_for(sales_user)
    assert 'hx-trigger="every 3s"' in client.get("/jobs/").content.decode()
    run_all()
    assert 'hx-trigger="every' not in client.get("/jobs/").content.decode()


def test_a_bad_page_cursor_falls_back_to_the_first_page(sales_user, own_job):
    response = client_for(sales_user).get("/jobs/", {"cursor": "kaputt"})
    assert response.status_code == 200
    assert "Adressexport" in response.content.decode()


def test_the_user_menu_links_to_the_jobs(sales_user):
    assert 'href="/jobs/" id="nav-jobs"' in client_for(sales_user).get("/jobs/").content.decode()


# --- one job ----------------------------------------------------------------------------------


def test_a_queued_job_polls_and_says_it_waits_for_a_worker(sales_user, own_job):
    page = client_for(sales_user).get(f"/jobs/{own_job.pk}/").content.decode()
    assert f'hx-get="/jobs/{own_job.pk}/" hx-trigger="every 1s"' in page
    assert "waiting for a worker" in page
    assert 'id="job-cancel"' in page


def test_the_htmx_poll_answers_only_the_status_with_the_progress(sales_user, own_job):
    Job.objects.filter(pk=own_job.pk).update(
        status=JobStatus.RUNNING, progress_done=1234, progress_total=5000, progress_message="Lese"
    )
    response = client_for(sales_user).get(f"/jobs/{own_job.pk}/", headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="job-status"')
    assert "<html" not in body
    assert 'aria-valuenow="24"' in body
    assert "1,234 of 5,000" in body
    assert "Lese" in body


def test_the_progress_part_alone_for_other_pages(sales_user, own_job):
    response = client_for(sales_user).get(f"/jobs/{own_job.pk}/?part=progress", headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="job-progress"')
    assert "hx-trigger" in body


def test_a_finished_job_stops_polling_and_offers_summary_and_download(sales_user, own_job):
    run_all()
    page = client_for(sales_user).get(f"/jobs/{own_job.pk}/").content.decode()
    assert "hx-trigger" not in page
    assert f'href="/jobs/{own_job.pk}/download/"' in page
    assert "Download adressen export.csv" in page
    assert 'id="job-summary"' in page and "rows" in page
    assert 'id="job-cancel"' not in page


def test_the_download_is_the_result_file_as_an_attachment(sales_user, own_job):
    run_all()
    response = client_for(sales_user).get(f"/jobs/{own_job.pk}/download/")
    assert b"".join(response.streaming_content) == b"a;b\n"
    assert response["Content-Type"] == "text/csv"
    assert 'attachment; filename="adressen export.csv"' in response["Content-Disposition"]


def test_the_download_of_a_job_without_file_or_with_a_deleted_file_is_404(sales_user, own_job):
    client = client_for(sales_user)
    assert client.get(f"/jobs/{own_job.pk}/download/").status_code == 404  # not run yet
    run_all()
    own_job.refresh_from_db()
    own_job.result_path.unlink()
    assert client.get(f"/jobs/{own_job.pk}/download/").status_code == 404
    page = client.get(f"/jobs/{own_job.pk}/").content.decode()
    assert "The result file has been deleted." in page


def test_a_failed_job_shows_its_error(sales_user):
    job = services.enqueue("tests.fail", {"message": "Die Datei ist leer."}, user=sales_user)
    run_all()
    page = client_for(sales_user).get(f"/jobs/{job.pk}/").content.decode()
    assert "Die Datei ist leer." in page
    assert 'id="job-error"' in page


def test_the_summary_is_formatted_in_the_users_locale(sales_user):
    sales_user.profile.locale = "de"
    sales_user.profile.save()
    job = services.enqueue("tests.echo", user=sales_user)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, result={"created": 12345, "ok": True, "names": ["a", "b"]}
    )
    page = client_for(sales_user).get(f"/jobs/{job.pk}/").content.decode()
    with translation.override("de"):
        yes = translation.gettext("yes")
    assert "12.345" in page
    assert f"<td>{yes}</td>" in page
    assert "<td>a, b</td>" in page


# --- cancelling -------------------------------------------------------------------------------


def test_cancelling_a_queued_job_by_form_ends_it_and_says_so(sales_user, own_job):
    client = client_for(sales_user)
    response = client.post(f"/jobs/{own_job.pk}/cancel/", follow=True)
    own_job.refresh_from_db()
    assert own_job.status == JobStatus.CANCELLED
    assert "The job was cancelled." in response.content.decode()


def test_cancelling_by_htmx_answers_the_new_status(sales_user, own_job):
    services.claim("w")
    response = client_for(sales_user).post(f"/jobs/{own_job.pk}/cancel/", headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="job-status"')
    assert "cancelling …" in body
    assert 'id="job-cancel"' not in body
    own_job.refresh_from_db()
    assert (own_job.status, own_job.cancel_requested) == (JobStatus.RUNNING, True)


def test_cancelling_a_finished_job_changes_nothing(sales_user, own_job):
    run_all()
    response = client_for(sales_user).post(f"/jobs/{own_job.pk}/cancel/", follow=True)
    own_job.refresh_from_db()
    assert own_job.status == JobStatus.DONE
    assert "The job had finished already." in response.content.decode()
