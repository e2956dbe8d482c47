"""Starting, running, failing, cancelling, re-queuing and purging jobs (in-process worker)."""

import datetime
import logging

import pytest
from django.conf import settings
from django.utils import timezone

from merkur.jobs import services
from merkur.jobs import worker as worker_module
from merkur.jobs.models import Job, JobItem, JobStatus
from merkur.jobs.registry import UnknownJobKind
from merkur.jobs.worker import Worker


def run_all() -> int:
    return Worker(threaded=False, purge_after=None).run(burst=True)


def test_enqueue_stores_a_queued_job_with_its_params_and_user(sales_user):
    job = services.enqueue("tests.echo", {"a": [1, "ü"]}, user=sales_user, title="Mein Export")
    assert job.status == JobStatus.QUEUED
    assert job.params == {"a": [1, "ü"]}
    assert job.created_by == sales_user
    assert job.display_title == "Mein Export"
    assert job.get_absolute_url() == f"/jobs/{job.pk}/"


def test_a_job_without_title_shows_the_title_of_its_kind(sales_user):
    assert services.enqueue("tests.echo", user=sales_user).display_title == "Echo"


def test_enqueue_refuses_an_unknown_kind_and_stores_nothing(sales_user):
    with pytest.raises(UnknownJobKind):
        services.enqueue("tests.nonexistent", {}, user=sales_user)
    assert not Job.objects.exists()


@pytest.mark.parametrize("params", [{"when": datetime.date(2026, 1, 1)}, {1: "x"}, ["a"]])
def test_enqueue_refuses_params_that_are_not_json_data(sales_user, params):
    with pytest.raises(TypeError):
        services.enqueue("tests.echo", params, user=sales_user)
    assert not Job.objects.exists()


def test_the_worker_runs_a_job_to_done_with_its_summary(sales_user):
    job = services.enqueue("tests.echo", {"x": 1}, user=sales_user)
    assert run_all() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result == {"params": {"x": 1}, "user": "vertrieb"}
    assert job.attempts == 1
    assert job.started_at is not None and job.finished_at >= job.started_at
    assert job.error == ""


def test_jobs_run_oldest_first(sales_user, tmp_path):
    log = tmp_path / "order.txt"
    jobs = [services.enqueue("tests.mark", {"log": str(log)}, user=sales_user) for _ in range(3)]
    Job.objects.filter(pk=jobs[2].pk).update(created_at=timezone.now() - datetime.timedelta(1))
    run_all()
    assert log.read_text().split() == [str(jobs[2].pk), str(jobs[0].pk), str(jobs[1].pk)]


def test_claim_takes_nothing_when_no_job_is_queued(sales_user):
    services.enqueue("tests.echo", user=sales_user)
    assert services.claim("w1") is not None
    assert services.claim("w2") is None


def test_claim_marks_the_job_running_for_the_worker(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    claimed = services.claim("worker-a")
    assert claimed.pk == job.pk
    assert (claimed.status, claimed.worker, claimed.attempts) == (JobStatus.RUNNING, "worker-a", 1)
    assert claimed.heartbeat_at is not None


def test_a_job_error_is_shown_to_the_user_as_it_is(sales_user):
    job = services.enqueue("tests.fail", {"message": "Spalte „PLZ“ fehlt."}, user=sales_user)
    run_all()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "Spalte „PLZ“ fehlt."


def test_an_unexpected_error_fails_the_job_with_a_general_message_and_logs_the_traceback(
    sales_user, caplog
):
    job = services.enqueue("tests.fail", {"crash": True}, user=sales_user)
    with caplog.at_level(logging.ERROR, logger="merkur.jobs"):
        run_all()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "secret internal detail" not in job.error
    assert "worker's log" in job.error and str(job.pk) in job.error
    assert "secret internal detail" in caplog.text  # the traceback is in the log


@pytest.mark.parametrize("locale", ["de-ch", "en"])
def test_a_job_runs_in_the_language_of_who_started_it(sales_user, locale):
    sales_user.profile.locale = locale
    sales_user.profile.save()
    job = services.enqueue("tests.language", user=sales_user)
    run_all()
    job.refresh_from_db()
    assert job.result == {"language": locale}


def test_a_job_of_a_kind_the_worker_does_not_know_fails(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    Job.objects.filter(pk=job.pk).update(kind="gone.kind")
    run_all()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "This kind of job is unknown here."


def test_a_result_file_is_recorded_relative_to_the_data_dir(sales_user):
    job = services.enqueue("tests.file", {"text": "x;y\n"}, user=sales_user)
    run_all()
    job.refresh_from_db()
    assert job.result_file == f"jobs/{job.pk}/adressen export.csv"  # no "../" survived
    assert job.result_name == "adressen export.csv"
    assert job.result_content_type == "text/csv"
    assert job.result_path == settings.DATA_DIR / "jobs" / str(job.pk) / "adressen export.csv"
    assert job.result_path.read_text() == "x;y\n"


def test_a_result_file_outside_the_data_dir_is_refused(sales_user, tmp_path):
    from merkur.jobs.context import JobContext, MemoryItems
    from merkur.jobs.progress import CallbackReporter

    context = JobContext(
        job_id=1,
        user=None,
        attempt=1,
        reporter=CallbackReporter(None),
        items=MemoryItems(),
        result_dir=tmp_path,
    )
    with pytest.raises(ValueError):
        context.set_result_file(tmp_path / "x.csv", content_type="text/csv")


def test_a_stored_result_path_outside_the_data_dir_is_never_served(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    Job.objects.filter(pk=job.pk).update(result_file="../../etc/passwd")
    job.refresh_from_db()
    assert job.result_path is None
    assert not job.has_result_file


# --- cancelling ---------------------------------------------------------------------------


def test_cancelling_a_queued_job_ends_it_at_once(sales_user):
    job = services.cancel(services.enqueue("tests.echo", user=sales_user))
    assert job.status == JobStatus.CANCELLED
    assert job.finished_at is not None
    assert run_all() == 0


def test_cancelling_a_running_job_asks_it_to_stop_and_it_ends_cancelled(sales_user):
    job = services.enqueue("tests.wait", {"seconds": 30}, user=sales_user)
    worker = Worker(threaded=False, purge_after=None)
    claimed = services.claim(worker.worker_id)
    services.cancel(claimed)
    claimed.refresh_from_db()
    assert (claimed.status, claimed.cancel_requested) == (JobStatus.RUNNING, True)
    assert worker.execute(claimed) == JobStatus.CANCELLED
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_cancelling_a_finished_job_changes_nothing(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    run_all()
    job.refresh_from_db()
    assert services.cancel(job).status == JobStatus.DONE


def test_a_worker_shutting_down_hands_the_job_back_without_counting_the_attempt(sales_user):
    job = services.enqueue("tests.wait", {"seconds": 30}, user=sales_user)
    worker = Worker(threaded=False, purge_after=None)
    claimed = services.claim(worker.worker_id)
    worker.stopping.set()  # what the first SIGTERM does
    assert worker.execute(claimed) == "handed back"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker) == (JobStatus.QUEUED, 0, "")


def test_a_worker_that_lost_its_job_does_not_overwrite_the_new_owner(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    worker = Worker(threaded=False, purge_after=None)
    claimed = services.claim(worker.worker_id)
    Job.objects.filter(pk=job.pk).update(worker="somebody-else")
    worker.execute(claimed)
    job.refresh_from_db()
    assert (job.status, job.worker, job.result) == (JobStatus.RUNNING, "somebody-else", None)


# --- stale heartbeats ---------------------------------------------------------------------


def _stale(job: Job, *, attempts: int = 1, cancel: bool = False) -> None:
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        worker="dead",
        attempts=attempts,
        cancel_requested=cancel,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=10),
    )


def test_a_running_job_with_a_stale_heartbeat_is_queued_again(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    _stale(job)
    assert [j.pk for j in services.requeue_stale()] == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.worker, job.attempts) == (JobStatus.QUEUED, "", 1)
    run_all()
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)


def test_a_job_whose_worker_keeps_dying_fails_after_its_last_attempt(sales_user):
    job = services.enqueue("tests.fail", {"message": "x"}, user=sales_user)  # max_attempts=2
    _stale(job, attempts=2)
    services.requeue_stale()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == (
        "The worker running this job stopped responding 2 times; the job was given up."
    )


def test_a_stale_job_that_was_being_cancelled_ends_cancelled(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    _stale(job, cancel=True)
    services.requeue_stale()
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED


def test_a_job_with_a_fresh_heartbeat_is_left_alone(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    services.claim("alive")
    assert services.requeue_stale() == []
    job.refresh_from_db()
    assert (job.status, job.worker) == (JobStatus.RUNNING, "alive")


# --- items: resuming without repeating ----------------------------------------------------


def test_a_job_run_again_skips_the_items_begun_before_and_reports_the_cut_off_one(
    sales_user, tmp_path
):
    effects = tmp_path / "sent.txt"
    job = services.enqueue("tests.items", {"count": 5, "effects": str(effects)}, user=sales_user)
    # An earlier run finished items 0 and 1 and was cut off while sending item 2.
    JobItem.objects.create(job=job, key="item:0", state="done")
    JobItem.objects.create(job=job, key="item:1", state="done")
    JobItem.objects.create(job=job, key="item:2", state="started")
    Job.objects.filter(pk=job.pk).update(attempts=1)
    run_all()
    job.refresh_from_db()
    assert effects.read_text().split() == ["3", "4"]
    assert job.result == {"sent": 2, "skipped": 3, "uncertain": ["item:2"], "attempt": 2}
    assert dict(JobItem.objects.filter(job=job).values_list("key", "state")) == {
        "item:0": "done",
        "item:1": "done",
        "item:2": "started",
        "item:3": "done",
        "item:4": "done",
    }


# --- in-process runs (CLI) ----------------------------------------------------------------


def test_run_inline_returns_the_summary_and_reports_the_last_progress(sales_user, tmp_path):
    calls = []
    summary = services.run_inline(
        "tests.steps",
        {"count": 50_000},
        user=sales_user,
        progress=lambda done, total, message: calls.append((done, total)),
    )
    assert summary == {"steps": 50_000}
    assert calls[-1] == (50_000, 50_000)
    assert len(calls) < 100  # throttled, not 50,000 calls
    assert not Job.objects.exists()


def test_run_inline_writes_result_files_to_the_given_directory(tmp_path):
    services.run_inline("tests.file", {"text": "a\n"}, result_dir=tmp_path)
    assert (tmp_path / "adressen export.csv").read_text() == "a\n"


def test_run_inline_passes_job_errors_to_the_caller():
    from merkur.jobs.registry import JobError

    with pytest.raises(JobError, match="kaputt"):
        services.run_inline("tests.fail", {"message": "kaputt"})


# --- purging ------------------------------------------------------------------------------


def test_purge_deletes_old_finished_jobs_and_their_files_only(sales_user):
    old_done = services.enqueue("tests.file", user=sales_user)
    recent_done = services.enqueue("tests.file", user=sales_user)
    run_all()
    queued = services.enqueue("tests.echo", user=sales_user)
    old_done.refresh_from_db()
    old_file = old_done.result_path
    assert old_file.exists()
    long_ago = timezone.now() - datetime.timedelta(days=40)
    Job.objects.filter(pk__in=[old_done.pk, queued.pk]).update(
        finished_at=long_ago, created_at=long_ago
    )
    assert services.purge_finished(older_than=datetime.timedelta(days=30)) == 1
    assert set(Job.objects.values_list("pk", flat=True)) == {recent_done.pk, queued.pk}
    assert not old_file.parent.exists()


def test_a_long_running_worker_survives_a_database_error_and_goes_on(sales_user, monkeypatch):
    from django.db import OperationalError

    job = services.enqueue("tests.echo", user=sales_user)
    worker = Worker(threaded=False, purge_after=None, poll=0.05)
    real_claim = services.claim
    calls = []

    def flaky_claim(worker_id):
        calls.append(worker_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        found = real_claim(worker_id)
        if found is None or len(calls) > 5:
            worker.stopping.set()
        return found

    monkeypatch.setattr(services, "claim", flaky_claim)
    monkeypatch.setattr(worker.stopping, "wait", lambda timeout: worker.stopping.is_set())
    # The real one would end the test's transaction on PostgreSQL (and its rows with it).
    monkeypatch.setattr(worker_module, "close_old_connections", lambda: None)
    assert worker.run() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.DONE


def test_a_one_off_worker_reports_a_database_error(sales_user, monkeypatch):
    from django.db import OperationalError

    def broken(worker_id):
        raise OperationalError("no database")

    monkeypatch.setattr(services, "claim", broken)
    with pytest.raises(OperationalError):
        Worker(threaded=False, purge_after=None).run(burst=True)
