"""Two workers in threads, each with its own PostgreSQL connection, never share a job.

Both ways of claiming are raced: ``FOR UPDATE SKIP LOCKED`` (PostgreSQL's) and the
compare-and-swap update SQLite uses. (On SQLite itself two worker processes race in
``test_worker_processes``.)
"""

import threading
from collections import Counter

import pytest
from django.db import connection

from merkur.jobs import services
from merkur.jobs.models import Job, JobStatus
from merkur.jobs.worker import Worker

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="threads with their own connections: PostgreSQL"
)


@pytest.mark.parametrize("skip_locked", [True, False], ids=["skip-locked", "compare-and-swap"])
def test_two_workers_in_threads_never_run_the_same_job(
    transactional_db, sales_user, tmp_path, monkeypatch, skip_locked
):
    features = type(connection.features)
    monkeypatch.setattr(features, "has_select_for_update_skip_locked", skip_locked)
    log = tmp_path / "runs.txt"
    jobs = [services.enqueue("tests.mark", {"log": str(log)}, user=sales_user) for _ in range(60)]
    ran: dict[str, int] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(name: str) -> None:
        try:
            start.wait()
            ran[name] = Worker(worker_id=name, threaded=False, purge_after=None).run(burst=True)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(name,)) for name in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert Counter(log.read_text().split()) == Counter({str(job.pk): 1 for job in jobs})
    assert ran["w1"] + ran["w2"] == len(jobs)
    assert set(Job.objects.values_list("status", "attempts")) == {(JobStatus.DONE, 1)}
