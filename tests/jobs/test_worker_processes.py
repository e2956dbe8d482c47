"""Real ``merkur worker`` processes: killed half-way, stopped by a signal, two at once.

The kill test is the pattern mailings rely on: a job records each item before its
effect outside the database (``tests.items`` appends a line to a file, standing in
for an e-mail), so a second worker that takes over the job of a killed one repeats
no item.
"""

import signal
import time
from collections import Counter
from pathlib import Path

from merkur.jobs import services
from merkur.jobs.models import Job, JobItem, JobStatus
from tests.jobs.conftest import wait_for

FAST = ("--poll", "0.1", "--heartbeat", "0.2", "--stale-after", "1")


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def test_a_worker_killed_half_way_is_taken_over_and_no_item_is_done_twice(
    worker_processes, sales_user, tmp_path
):
    effects = tmp_path / "sent.txt"
    count = 40
    job = services.enqueue(
        "tests.items", {"count": count, "effects": str(effects), "delay": 0.05}, user=sales_user
    )
    worker_processes.share()

    first = worker_processes.start("--once", *FAST)
    wait_for(lambda: len(lines(effects)) >= 10, what="the first worker to send 10 items")
    first.send_signal(signal.SIGKILL)
    first.wait()
    sent_by_first = len(lines(effects))
    assert sent_by_first < count, "the job finished before the worker was killed"

    # Once the heartbeat is stale (1 s), the next worker queues the job again and runs it.
    time.sleep(1.5)
    second = worker_processes.start("--burst", *FAST)
    assert worker_processes.wait(second) == 0, worker_processes.output(second)
    worker_processes.take_back()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE, (job.status, job.error, worker_processes.output(second))
    assert job.attempts == 2
    summary = job.result
    assert summary["attempt"] == 2
    uncertain = set(summary["uncertain"])
    assert len(uncertain) <= 1  # at most the item the kill cut off
    sent = Counter(lines(effects))
    assert max(sent.values()) == 1, f"items sent twice: {[k for k, n in sent.items() if n > 1]}"
    all_items = {str(number) for number in range(count)}
    assert set(sent) | {key.split(":")[1] for key in uncertain} == all_items
    assert summary["skipped"] >= sent_by_first
    assert summary["sent"] + summary["skipped"] == count
    states = Counter(JobItem.objects.filter(job=job).values_list("state", flat=True))
    assert states == Counter(
        {"done": count - len(uncertain), **({"started": 1} if uncertain else {})}
    )


def test_sigterm_hands_the_running_job_back_and_the_worker_exits_cleanly(
    worker_processes, sales_user, tmp_path
):
    marker = tmp_path / "started"
    job = services.enqueue("tests.wait", {"seconds": 30, "marker": str(marker)}, user=sales_user)
    worker_processes.share()
    worker = worker_processes.start(*FAST)
    wait_for(marker.exists, what="the job to start")
    worker.send_signal(signal.SIGTERM)
    assert worker_processes.wait(worker, timeout=20) == 0, worker_processes.output(worker)
    worker_processes.take_back()

    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.attempts == 0  # a shutdown does not count as an attempt
    assert job.worker == ""
    assert "handed back" in worker_processes.output(worker)


def test_two_worker_processes_never_run_the_same_job(worker_processes, sales_user, tmp_path):
    log = tmp_path / "runs.txt"
    jobs = [
        services.enqueue("tests.mark", {"log": str(log), "delay": 0.05}, user=sales_user)
        for _ in range(24)
    ]
    worker_processes.share()
    workers = [worker_processes.start("--burst", *FAST) for _ in range(2)]
    for worker in workers:
        assert worker_processes.wait(worker) == 0, worker_processes.output(worker)
    worker_processes.take_back()

    runs = Counter(lines(log))
    assert runs == Counter({str(job.pk): 1 for job in jobs})
    assert set(Job.objects.values_list("status", "attempts")) == {(JobStatus.DONE, 1)}
    # Both took part (each logs one line per job it ran).
    assert all(" done in " in worker_processes.output(worker) for worker in workers)
