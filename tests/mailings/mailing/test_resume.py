"""A worker killed half-way through a mailing: the next one sends nothing twice."""

import asyncio
import signal
import time
from collections import Counter

from aiosmtpd.controller import Controller

from merkur.jobs import services
from merkur.jobs.models import Job, JobStatus
from merkur.mailings.models import ItemState, MailingItem, MailingStatus
from tests.factories import make_company, make_person
from tests.jobs.conftest import wait_for, worker_processes  # noqa: F401  (fixture)
from tests.mailings.mailing.conftest import Sink, free_port, make_mailing, make_run

FAST = ("--poll", "0.1", "--heartbeat", "0.2", "--stale-after", "1")


class SlowSink(Sink):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


def test_a_killed_worker_is_taken_over_and_no_e_mail_reaches_the_sink_twice(
    worker_processes,  # noqa: F811  (the fixture imported above)
    sales_user,
    monkeypatch,
):
    sink = SlowSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("MERKUR_EMAIL_URL", f"smtp://127.0.0.1:{controller.port}")
    monkeypatch.setenv("MERKUR_EMAIL_PER_MINUTE", "0")  # G's Sender, unthrottled
    try:
        company = make_company(name="Kill GmbH")
        count = 40
        people = [
            make_person(company, first_name=f"P{n}", email=f"p{n}@example.com")
            for n in range(count)
        ]
        mailing = make_mailing(make_run(people), by=sales_user)
        job = services.enqueue("mailings.run", {"mailing": mailing.pk}, user=sales_user)
        worker_processes.share()

        first = worker_processes.start("--once", *FAST)
        wait_for(lambda: len(sink.envelopes) >= 10, what="10 e-mails from the first worker")
        first.send_signal(signal.SIGKILL)
        first.wait()
        sent_by_first = len(sink.envelopes)
        assert sent_by_first < count, "the mailing finished before the worker was killed"

        time.sleep(1.5)  # the heartbeat goes stale; the next worker takes the job over
        second = worker_processes.start("--burst", *FAST)
        assert worker_processes.wait(second) == 0, worker_processes.output(second)
        worker_processes.take_back()
    finally:
        controller.stop()

    job = Job.objects.get(pk=job.pk)
    assert job.status == JobStatus.DONE, (job.error, worker_processes.output(second))
    assert job.attempts == 2
    received = Counter(envelope.rcpt_tos[0] for envelope in sink.envelopes)
    # Sent by the Sender of merkur.mailings.email, with the personal unsubscribe link.
    assert all(b"List-Unsubscribe-Post:" in envelope.content for envelope in sink.envelopes)
    assert max(received.values()) == 1, [k for k, n in received.items() if n > 1]
    items = Counter(MailingItem.objects.filter(mailing=mailing).values_list("state", flat=True))
    # The one item the kill cut off in "sending" may or may not have reached the sink.
    assert items[ItemState.SENT] <= len(received) <= items[ItemState.SENT] + items[ItemState.FAILED]
    assert items[ItemState.FAILED] == job.result["uncertain"] <= 1
    assert items[ItemState.SENT] + items[ItemState.FAILED] == count
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE
