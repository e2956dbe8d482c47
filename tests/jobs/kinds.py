"""Job kinds for the tests, registered when this module is imported.

``tests.items`` is the resume pattern that mailings follow: every item is begun
(committed) before its effect outside the database happens — here a line appended
to a file, standing in for an e-mail — and finished after it. A job killed
half-way and run again skips what was begun, so no line is ever written twice.
"""

import time
from pathlib import Path

from django.utils.translation import get_language, gettext_lazy

from merkur.jobs.registry import JobContext, JobError, job


@job("tests.items", title=gettext_lazy("Test items"))
def items(context: JobContext, *, count: int, effects: str, delay: float = 0.0) -> dict:
    begun_before = context.item_states()
    sent = skipped = 0
    context.progress(done=0, total=count, message="starting")
    for number in range(count):
        key = f"item:{number}"
        if context.cancel_requested():
            raise context.Cancelled
        if not context.begin_item(key):
            skipped += 1
            continue
        with Path(effects).open("a") as file:  # the effect: "send" the item
            file.write(f"{number}\n")
        context.finish_item(key)
        sent += 1
        context.progress(done=number + 1, message=f"item {number}")
        time.sleep(delay)
    uncertain = sorted(k for k, state in begun_before.items() if state == "started")
    return {"sent": sent, "skipped": skipped, "uncertain": uncertain, "attempt": context.attempt}


@job("tests.echo", title=gettext_lazy("Echo"))
def echo(context: JobContext, **params) -> dict:
    return {"params": params, "user": context.user.username if context.user else None}


@job("tests.fail", title=gettext_lazy("Failing job"), max_attempts=2)
def fail(context: JobContext, *, message: str = "", crash: bool = False) -> dict:
    if crash:
        raise RuntimeError("secret internal detail")
    raise JobError(message)


@job("tests.file", title=gettext_lazy("File job"))
def file(context: JobContext, *, text: str = "a;b\n1;2\n") -> dict:
    path = context.result_path("../adressen export.csv")
    path.write_text(text, encoding="utf-8")
    context.set_result_file(path, content_type="text/csv")
    return {"rows": text.count("\n")}


@job("tests.steps", title=gettext_lazy("Many steps"))
def steps(context: JobContext, *, count: int) -> dict:
    for number in range(count):
        context.progress(done=number + 1, total=count)
    return {"steps": count}


@job("tests.wait", title=gettext_lazy("Waits for cancel"))
def wait(
    context: JobContext, *, seconds: float = 10.0, step: float = 0.05, marker: str = ""
) -> dict:
    if marker:
        Path(marker).write_text(str(context.attempt))
    deadline = time.monotonic() + seconds
    waited = 0
    while time.monotonic() < deadline:
        context.check_cancelled()
        time.sleep(step)
        waited += 1
        context.progress(done=waited, message="waiting")
    return {"waited": waited}


@job("tests.mark", title=gettext_lazy("Marks its run"))
def mark(context: JobContext, *, log: str, delay: float = 0.0) -> dict:
    """Appends the job's id to ``log`` once per run: two runs of one job show twice."""
    time.sleep(delay)
    with Path(log).open("a") as file:
        file.write(f"{context.job_id}\n")
    return {"job": context.job_id}


@job("tests.language", title=gettext_lazy("Language"))
def language(context: JobContext) -> dict:
    return {"language": get_language()}
