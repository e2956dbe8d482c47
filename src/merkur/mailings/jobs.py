"""Background jobs of the mailings app: ``mailings.run`` produces and sends a mailing."""

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merkur.jobs.registry import JobContext, JobError, job
from merkur.mailings import running
from merkur.mailings.models import Channel, ItemState, Mailing, MailingItem, MailingStatus
from merkur.mailings.models.mailing import FILE_CHANNELS


@job("mailings.run", title=gettext_lazy("Mailing"))
def run_mailing(context: JobContext, *, mailing: int) -> dict:
    """Run the mailing ``mailing`` (its id): items, skips, files, e-mails, faxes, journal.

    Safe to run again after a crash: items exist once, sent items are never sent again.
    """
    found = Mailing.objects.select_related("run", "selection").filter(pk=mailing).first()
    if found is None:
        raise JobError(_("The mailing no longer exists."))
    mailing = found
    Mailing.objects.filter(pk=mailing.pk).update(status=MailingStatus.RUNNING)
    try:
        summary = _run(context, mailing)
    except context.Cancelled:
        if not context.cancel_requested() or not _user_cancelled(context):
            raise  # worker shutting down: the job is queued again and resumes
        Mailing.objects.filter(pk=mailing.pk).update(status=MailingStatus.CANCELLED)
        raise
    except Exception:
        Mailing.objects.filter(pk=mailing.pk).update(status=MailingStatus.FAILED)
        raise
    Mailing.objects.filter(pk=mailing.pk).update(status=MailingStatus.DONE)
    return summary


def _user_cancelled(context: JobContext) -> bool:
    from merkur.jobs.models import Job

    if context.job_id is None:
        return True
    return Job.objects.filter(pk=context.job_id, cancel_requested=True).exists()


def _run(context: JobContext, mailing: Mailing) -> dict:
    try:
        running.ensure_run(mailing, by=context.user)
    except ValueError as error:
        raise JobError(str(error)) from None
    running.create_items(mailing)
    uncertain = running.fail_cut_off(mailing)
    running.record_missing_contacts(mailing, by=context.user)
    running.mark_skips(mailing)
    total = MailingItem.objects.filter(mailing=mailing).count()
    done = MailingItem.objects.filter(mailing=mailing).exclude(state=ItemState.PENDING).count()
    context.progress(done=done, total=total, message=_("Producing the files …"))

    def advanced(item) -> None:
        nonlocal done
        done += 1
        context.progress(done=done)

    from merkur.core.templating import TemplateProblem
    from merkur.mailings.email import Sender, SenderError

    files = []
    try:
        for channel in FILE_CHANNELS:
            if channel in mailing.channels:
                path = running.produce_file(
                    mailing,
                    channel,
                    result_path=context.result_path,
                    progress=advanced,
                    cancelled=context.cancel_requested,
                    by=context.user,
                )
                if path is not None:
                    files.append(path)
        if len(files) == 1:
            context.set_result_file(files[0], content_type=running.content_type(files[0]))
        elif files:
            zipped = running.bundle(files, context.result_path(f"{mailing.name}.zip"))
            context.set_result_file(zipped, content_type="application/zip")
        context.progress(message=_("Sending …"))
        with Sender() as sender:  # one connection and one throttle for the whole run
            if Channel.EMAIL in mailing.channels:
                running.send_emails(
                    mailing,
                    sender=sender,
                    progress=advanced,
                    cancelled=context.cancel_requested,
                    by=context.user,
                )
            if Channel.FAX in mailing.channels:
                from merkur.mailings.fax import fax_backend

                with fax_backend(sender=sender) as backend:  # a gateway shares the connection
                    running.send_faxes(
                        mailing,
                        backend=backend,
                        progress=advanced,
                        cancelled=context.cancel_requested,
                        by=context.user,
                    )
    except InterruptedError:  # an OSError: caught before those below
        raise context.Cancelled from None
    except SenderError as error:  # e.g. the login was refused: nothing can be sent
        raise JobError(str(error)) from None
    except (TemplateProblem, ValueError, OSError) as problem:
        # a template that does not compile, a bad label layout, a stored template lost
        raise JobError(str(problem)) from None
    counts = dict(
        MailingItem.objects.filter(mailing=mailing)
        .order_by()
        .values_list("state")
        .annotate(count=Count("pk"))
    )
    return {
        "items": counts,
        "uncertain": uncertain,
        "files": [path.name for path in files],
        "attempt": context.attempt,
    }
