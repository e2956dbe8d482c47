"""A job's page in a real browser: the progress bar follows the job, then the download."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

import tests.jobs.kinds  # noqa: F401  (registers the test kinds)
from merkur.jobs import services
from merkur.jobs.models import Job, JobStatus
from merkur.jobs.worker import Worker

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_follows_the_job_until_the_download_is_offered(logged_in_page):
    page = logged_in_page
    erika = get_user_model().objects.get(username="erika")
    job = services.enqueue("tests.file", {"text": "Firma;Ort\nMüller;Köln\n"}, user=erika)

    page.click("a.dropdown-toggle:has(.bi-person-circle)")  # the user menu
    page.click("#nav-jobs")
    page.wait_for_url("**/jobs/")
    page.click(f"tr[data-job='{job.pk}'] a")
    page.wait_for_url(f"**/jobs/{job.pk}/")
    status = page.locator("#job-status")
    expect(status).to_have_attribute("data-job-status", "queued")

    # The worker has got halfway: the page shows it without being reloaded.
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, progress_done=5, progress_total=10, progress_message="Schreibe"
    )
    expect(page.locator("#job-status .progress")).to_have_attribute("aria-valuenow", "50")
    expect(page.locator("#job-status")).to_contain_text("Schreibe")

    # The job ends: the summary and the download appear and the polling stops.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    Worker(threaded=False, purge_after=None).run(once=True)
    download_link = page.locator("#job-download")
    expect(download_link).to_be_visible(timeout=10_000)
    expect(status).to_have_attribute("data-job-status", "done")
    assert page.locator("#job-status[hx-trigger]").count() == 0
    expect(page.locator("#job-summary")).to_contain_text("2")

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename == "adressen export.csv"
    assert Path(download.path()).read_text(encoding="utf-8") == "Firma;Ort\nMüller;Köln\n"


def test_cancelling_a_queued_job_from_its_page(logged_in_page):
    page = logged_in_page
    erika = get_user_model().objects.get(username="erika")
    job = services.enqueue("tests.wait", {"seconds": 30}, user=erika, title="Langer Export")
    page.goto(f"/jobs/{job.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#job-cancel")
    expect(page.locator("#job-status")).to_have_attribute("data-job-status", "cancelled")
    expect(page.locator("#job-cancel")).to_have_count(0)
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert re.search(r"/jobs/\d+/$", page.url)
