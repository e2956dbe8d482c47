"""``merkur worker`` options, and ``merkur serve --with-worker``."""

import datetime
import io
import signal
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from merkur.core.management.commands import serve
from merkur.jobs import services
from merkur.jobs.models import Job, JobStatus


def worker(*args: str) -> str:
    out = io.StringIO()
    call_command("worker", *args, stdout=out)
    return out.getvalue()


def test_burst_runs_every_queued_job_and_logs_one_line_each(sales_user):
    jobs = [services.enqueue("tests.echo", {"n": n}, user=sales_user) for n in range(3)]
    handler = signal.getsignal(signal.SIGTERM)
    output = worker("--burst")
    assert signal.getsignal(signal.SIGTERM) is handler  # the command puts it back
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.DONE}
    for job in jobs:
        assert f"job {job.pk} tests.echo: done in " in output
    assert "stopped after 3 job(s)" in output


def test_once_runs_one_job(sales_user):
    services.enqueue("tests.echo", user=sales_user)
    services.enqueue("tests.echo", user=sales_user)
    assert "stopped after 1 job(s)" in worker("--once")
    assert Job.objects.filter(status=JobStatus.QUEUED).count() == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--poll", "0"], "--poll must be between"),
        (["--heartbeat", "0"], "--heartbeat must be between"),
        (["--heartbeat", "5", "--stale-after", "9"], "--stale-after must be at least twice"),
        (["--purge-days", "-1"], "--purge-days must be 0"),
        (["--purge-only", "--purge-days", "0"], "--purge-only needs"),
        (["--once", "--burst"], "not allowed with"),
        (["--poll", "soon"], "invalid float value"),
    ],
)
def test_bad_options_are_refused_with_a_reason(db, args, message):
    with pytest.raises(CommandError, match=message):
        worker(*args)


def test_purge_only_deletes_old_finished_jobs_and_runs_nothing(sales_user):
    old = services.enqueue("tests.echo", user=sales_user)
    services.cancel(old)
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=9))
    queued = services.enqueue("tests.echo", user=sales_user)
    assert "Deleted 1 finished job(s)" in worker("--purge-only", "--purge-days", "7")
    assert list(Job.objects.values_list("pk", "status")) == [(queued.pk, JobStatus.QUEUED)]


def test_serve_with_worker_starts_a_worker_and_stops_it_with_the_server(monkeypatch, settings):
    started = []

    def fake_worker() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        started.append(process)
        return process

    monkeypatch.setattr(serve, "start_job_worker", fake_worker)
    monkeypatch.setattr(serve.MerkurServer, "run", lambda self: None)
    call_command("serve", "--with-worker", "--bind", "127.0.0.1:8123", stdout=io.StringIO())
    assert len(started) == 1
    assert started[0].poll() is not None  # stopped when the server returned


def test_serve_without_the_option_starts_no_worker(monkeypatch):
    monkeypatch.setattr(serve, "start_job_worker", lambda: pytest.fail("worker started"))
    monkeypatch.setattr(serve.MerkurServer, "run", lambda self: None)
    call_command("serve", "--bind", "127.0.0.1:8123", stdout=io.StringIO())


def test_the_started_worker_is_merkur_worker_with_the_same_settings(monkeypatch, settings):
    seen = {}

    def fake_popen(args, env):
        seen.update(args=args, env=env)
        return "process"

    monkeypatch.setattr(serve.subprocess, "Popen", fake_popen)
    assert serve.start_job_worker() == "process"
    assert seen["args"] == [sys.executable, "-m", "merkur.cli", "worker"]
    assert seen["env"]["DJANGO_SETTINGS_MODULE"] == settings.SETTINGS_MODULE
