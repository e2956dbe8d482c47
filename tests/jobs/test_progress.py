"""Progress is cheap to report and throttled on its way to the database."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from merkur.jobs import services
from merkur.jobs.models import Job, JobStatus
from merkur.jobs.progress import CallbackReporter, DatabaseReporter
from merkur.jobs.worker import Worker


class FakeClock:
    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def job_updates(queries) -> int:
    return sum(1 for q in queries if q["sql"].startswith("UPDATE") and "jobs_job" in q["sql"])


def test_a_million_progress_calls_over_100_seconds_write_about_200_times(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    services.claim("w")
    clock = FakeClock(step=0.0001)  # 1,000,000 calls take 100 simulated seconds
    reporter = DatabaseReporter(job_id=job.pk, worker_id="w", threaded=False, clock=clock)
    with CaptureQueriesContext(connection) as queries:
        for done in range(1, 1_000_001):
            reporter.update(done, 1_000_000, None)
    assert 150 <= job_updates(queries.captured_queries) <= 202
    assert reporter.writes == job_updates(queries.captured_queries)
    job.refresh_from_db()
    assert 995_000 <= job.progress_done <= 1_000_000  # within one interval of the end
    assert job.progress_total == 1_000_000


def test_the_final_progress_is_written_when_the_job_ends(sales_user):
    job = services.enqueue("tests.steps", {"count": 100_000}, user=sales_user)
    started = time.monotonic()
    with CaptureQueriesContext(connection) as queries:
        Worker(threaded=False, purge_after=None).run(once=True)
    elapsed = time.monotonic() - started
    # The claim, the throttled writes, the final one: nowhere near 100,000.
    assert job_updates(queries.captured_queries) <= 2 * elapsed + 4
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.DONE, 100_000, 100_000)
    assert job.percent == 100


def test_none_keeps_the_values_reported_before(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    services.claim("w")
    reporter = DatabaseReporter(job_id=job.pk, worker_id="w", threaded=False, clock=FakeClock(1))
    reporter.update(5, 10, "Lese …")
    reporter.update(6, None, None)
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total, job.progress_message) == (6, 10, "Lese …")


def test_the_reporter_notices_a_cancel_request_and_a_lost_job(sales_user):
    job = services.enqueue("tests.echo", user=sales_user)
    services.claim("w")
    reporter = DatabaseReporter(job_id=job.pk, worker_id="w", threaded=False, clock=FakeClock(1))
    assert not reporter.should_stop()
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    assert reporter.should_stop() and reporter.cancelled
    other = DatabaseReporter(job_id=job.pk, worker_id="x", threaded=False, clock=FakeClock(1))
    other.update(1, 2, None)
    assert other.lost and other.should_stop()


def test_the_callback_reporter_passes_on_at_most_every_half_second():
    calls = []
    reporter = CallbackReporter(lambda *args: calls.append(args), clock=FakeClock(0.001))
    for done in range(10_000):  # 10 simulated seconds
        reporter.update(done, 10_000, None)
    reporter.flush()
    assert 19 <= len(calls) <= 22
    assert calls[-1] == (9_999, 10_000, None)


def test_progress_refuses_a_negative_count():
    from merkur.jobs.context import JobContext, MemoryItems

    context = JobContext(
        job_id=None,
        user=None,
        attempt=1,
        reporter=CallbackReporter(None),
        items=MemoryItems(),
        result_dir=".",
    )
    with pytest.raises(ValueError):
        context.progress(done=-1)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer: an open write blocks it"
)
def test_progress_is_visible_while_the_job_holds_a_transaction_open(transactional_db, sales_user):
    """The heartbeat thread writes on its own connection, outside the job's transaction."""
    job = services.enqueue("tests.echo", user=sales_user)
    services.claim("w")
    reporter = DatabaseReporter(job_id=job.pk, worker_id="w", threaded=True, flush_interval=0.05)
    reporter.start()
    seen = []
    try:
        with transaction.atomic():
            reporter.update(7, 10, "halfway")
            deadline = time.monotonic() + 5

            def look() -> None:
                # Another connection, as the web server's page would read it.
                seen.append(Job.objects.values_list("progress_done", flat=True).get(pk=job.pk))
                connection.close()

            while time.monotonic() < deadline:
                reader = threading.Thread(target=look)
                reader.start()
                reader.join()
                if seen[-1] == 7:
                    break
                time.sleep(0.05)
    finally:
        reporter.stop()
    assert seen[-1] == 7
