"""Retrying temporarily failed e-mails/faxes, and one "Brief" contact for both letter formats."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from merkur.jobs.models import Job, JobStatus
from merkur.jobs.services import run_inline
from merkur.jobs.worker import Worker
from merkur.journal.models import Contact
from merkur.mailings import running, services
from merkur.mailings.email import ACCEPTED, REFUSED, TEMPORARY, SendResult
from merkur.mailings.fax import FaxResult, SmtpGatewayFax
from merkur.mailings.models import ItemState, Mailing, MailingItem, MailingStatus
from tests.conftest import client_for
from tests.mailings.mailing.conftest import make_mailing, make_run
from tests.mailings.mailing.test_files import LETTER, PDF, data_dir, run_job  # noqa: F401
from tests.mailings.mailing.test_views import docx_bytes


def by_name(mailing) -> dict[str, MailingItem]:
    return {
        item.person.first_name: item
        for item in MailingItem.objects.filter(mailing=mailing).select_related("person")
    }


def finished(mailing, status=MailingStatus.DONE) -> None:
    Mailing.objects.filter(pk=mailing.pk).update(status=status)
    mailing.refresh_from_db()


class ScriptedSender:
    """Answers per recipient address: a temporary, a permanent or an uncertain failure."""

    ANSWERS = {
        "anna@example.com": SendResult(status=TEMPORARY, code=451, text="4.3.0 Try again later"),
        "bernd@example.com": SendResult(status=REFUSED, code=550, text="Mailbox unavailable"),
    }

    def send(self, message):
        address = message["To"].addresses[0].addr_spec
        return self.ANSWERS.get(
            address,
            SendResult(status=TEMPORARY, text="connection reset", uncertain=True),
        )


def mixed_failures(people, user) -> Mailing:
    """Anna refused for now (451), Bernd for good (550), Dora's outcome unknown."""
    # Dora objected to marketing; here she did not, so that she gets an e-mail.
    people[3].marketing_opt_out_at = None
    people[3].save()
    mailing = make_mailing(make_run([people[0], people[1], people[3]]), by=user)
    running.create_items(mailing)
    running.mark_skips(mailing)
    counts = running.send_emails(mailing, sender=ScriptedSender(), by=user)
    assert counts == {"sent": 0, "failed": 3, "skipped": 0}
    finished(mailing)
    return mailing


# --- recording and the service ---------------------------------------------------------


def test_a_temporary_refusal_is_retried_and_then_sent(people, sales_user, smtp):
    smtp.sink.refuse = "451 4.3.0 Try again later"
    mailing = make_mailing(make_run(people[:2]), by=sales_user)
    summary = run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)
    assert summary["items"] == {"failed": 2}
    assert all(item.retryable for item in MailingItem.objects.filter(mailing=mailing))
    assert smtp.sink.envelopes == [] and not Contact.objects.exists()

    smtp.sink.refuse = ""
    mailing.refresh_from_db()
    job, count = services.retry_failed(mailing=mailing, by=sales_user)
    assert count == 2 and job.kind == "mailings.run" and job.status == JobStatus.QUEUED
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.RUNNING and mailing.job_id == job.pk
    item = MailingItem.objects.filter(mailing=mailing).first()
    assert (item.state, item.reason, item.detail, item.done_at, item.retryable) == (
        ItemState.PENDING,
        "",
        "",
        None,
        False,
    )

    Worker(threaded=False).run(burst=True)
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE
    received = sorted(envelope.rcpt_tos[0] for envelope in smtp.sink.envelopes)
    assert received == ["anna@example.com", "bernd@example.com"]
    assert set(MailingItem.objects.filter(mailing=mailing).values_list("state", flat=True)) == {
        ItemState.SENT
    }
    assert [c.kind.name for c in Contact.objects.all()] == ["E-Mail", "E-Mail"]


def test_permanent_refusals_and_uncertain_outcomes_are_never_retried(people, sales_user, smtp):
    mailing = mixed_failures(people, sales_user)
    items = by_name(mailing)
    assert items["Anna"].retryable
    assert not items["Bernd"].retryable and "550" in items["Bernd"].detail
    assert not items["Dora"].retryable and items["Dora"].state == ItemState.FAILED

    _job, count = services.retry_failed(mailing=mailing, by=sales_user)
    assert count == 1
    items = by_name(mailing)
    assert items["Anna"].state == ItemState.PENDING
    assert items["Bernd"].state == items["Dora"].state == ItemState.FAILED
    assert items["Bernd"].reason and "550" in items["Bernd"].detail

    Worker(threaded=False).run(burst=True)
    assert [envelope.rcpt_tos for envelope in smtp.sink.envelopes] == [["anna@example.com"]]
    items = by_name(mailing)
    assert items["Anna"].state == ItemState.SENT
    assert items["Bernd"].state == items["Dora"].state == ItemState.FAILED
    # Nothing left to retry.
    mailing.refresh_from_db()
    with pytest.raises(ValidationError):
        services.retry_failed(mailing=mailing, by=sales_user)


def test_a_running_mailing_or_a_draft_cannot_be_retried(people, sales_user):
    mailing = mixed_failures(people, sales_user)
    for status in (MailingStatus.RUNNING, MailingStatus.DRAFT, MailingStatus.CANCELLED):
        finished(mailing, status)
        with pytest.raises(ValidationError):
            services.retry_failed(mailing=mailing, by=sales_user)
    # Done, but its job still runs (or waits): refused as well.
    job = Job.objects.create(kind="mailings.run", params={"mailing": mailing.pk})
    Mailing.objects.filter(pk=mailing.pk).update(status=MailingStatus.DONE, job=job)
    mailing.refresh_from_db()
    with pytest.raises(ValidationError):
        services.retry_failed(mailing=mailing, by=sales_user)
    assert by_name(mailing)["Anna"].state == ItemState.FAILED  # nothing was reset
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
    mailing.refresh_from_db()
    _job, count = services.retry_failed(mailing=mailing, by=sales_user)
    assert count == 1


def test_a_failed_mailing_can_be_retried(people, sales_user):
    mailing = mixed_failures(people, sales_user)
    finished(mailing, MailingStatus.FAILED)
    job, count = services.retry_failed(mailing=mailing, by=sales_user)
    assert count == 1 and Job.objects.filter(pk=job.pk).exists()


# --- fax -------------------------------------------------------------------------------


class ScriptedGatewaySender:
    def __init__(self, result):
        self.result = result

    def send(self, message):
        return self.result


@pytest.mark.parametrize(
    ("result", "temporary"),
    [
        (SendResult(status=TEMPORARY, code=421, text="busy"), True),
        (SendResult(status=TEMPORARY, text="connection reset", uncertain=True), False),
        (SendResult(status=REFUSED, code=554, text="no"), False),
        (SendResult(status=ACCEPTED, code=250, text="ok"), False),
    ],
)
def test_the_fax_gateway_calls_only_a_temporary_refusal_temporary(result, temporary, tmp_path):
    pdf = tmp_path / "fax.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    backend = SmtpGatewayFax(domain="fax.example", sender=ScriptedGatewaySender(result))
    answer = backend.send(number="+4930123456", pdf=pdf)
    assert answer.temporary is temporary


class ScriptedFax:
    """A fax backend failing the first number for now and the second for good."""

    def __init__(self):
        self.numbers = []

    def send(self, *, number, pdf, subject=""):
        self.numbers.append(number)
        if len(self.numbers) == 1:
            return FaxResult(accepted=False, reason="line busy", temporary=True)
        return FaxResult(accepted=False, reason="not a fax machine")


def test_a_temporary_fax_failure_is_retryable_a_permanent_one_not(db, sales_user):
    from tests.factories import make_company, make_person

    company = make_company(name="Fax GmbH", fax="030 1234567")
    first = make_person(company, first_name="Eins", fax="+49 40 7654321")
    second = make_person(company, first_name="Zwei")
    mailing = make_mailing(
        make_run([first, second]), by=sales_user, channels=["fax"], options={"pdf": PDF}
    )
    running.create_items(mailing)
    backend = ScriptedFax()
    assert running.send_faxes(mailing, backend=backend, by=sales_user)["failed"] == 2
    items = by_name(mailing)
    assert [items["Eins"].retryable, items["Zwei"].retryable] == [True, False]
    assert "line busy" in items["Eins"].detail
    finished(mailing)
    _job, count = services.retry_failed(mailing=mailing, by=sales_user)
    assert count == 1 and by_name(mailing)["Eins"].state == ItemState.PENDING


# --- page, API, command ----------------------------------------------------------------


def test_the_page_offers_the_retry_and_runs_it(people, marketing_user, readonly_user):
    mailing = mixed_failures(people, marketing_user)
    url = reverse("mailings:mailing", args=[mailing.pk])
    retry = reverse("mailings:mailing_retry", args=[mailing.pk])

    readonly = client_for(readonly_user)
    assert 'id="mailing-retry"' not in readonly.get(url).content.decode()
    assert readonly.post(retry).status_code == 403
    assert by_name(mailing)["Anna"].state == ItemState.FAILED

    client = client_for(marketing_user)
    page = client.get(url).content.decode()  # the user's language: German
    assert 'id="mailing-retry"' in page and "1 fehlgeschlagenen Eintrag erneut senden" in page
    response = client.post(retry, follow=True)
    assert response.status_code == 200
    assert by_name(mailing)["Anna"].state == ItemState.PENDING
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.RUNNING
    page = response.content.decode()
    assert 'id="mailing-retry"' not in page  # running: nothing to retry now

    # Again while it runs: refused with a message, nothing changes.
    response = client.post(retry, follow=True)
    assert response.status_code == 200
    assert Job.objects.filter(kind="mailings.run").count() == 1


def test_the_page_hides_the_retry_without_retryable_items(people, marketing_user, smtp):
    smtp.sink.refuse = "550 Mailbox unavailable"
    mailing = make_mailing(make_run(people[:1]), by=marketing_user)
    run_inline("mailings.run", {"mailing": mailing.pk}, user=marketing_user)
    page = client_for(marketing_user).get(reverse("mailings:mailing", args=[mailing.pk]))
    assert 'id="mailing-retry"' not in page.content.decode()


def test_the_api_retries_and_refuses_read_only_users_and_running_mailings(
    people, marketing_user, readonly_user
):
    mailing = mixed_failures(people, marketing_user)
    url = f"/api/v1/mailings/{mailing.pk}/retry"
    readonly = client_for(readonly_user)
    assert readonly.post(url, "{}", content_type="application/json").status_code == 403

    client = client_for(marketing_user)
    response = client.post(url, "{}", content_type="application/json")
    assert response.status_code == 202, response.content
    result = response.json()
    assert result["items"] == 1 and result["job_url"] == f"/api/v1/jobs/{result['job']}"
    items = client.get(f"/api/v1/mailings/{mailing.pk}/items?state=failed").json()
    assert {item["retryable"] for item in items["items"]} == {False}

    again = client.post(url, "{}", content_type="application/json")
    assert again.status_code == 422
    assert again.json()  # the reason, not a 500
    assert client.post("/api/v1/mailings/999999/retry").status_code == 404


def test_the_command_retries(people, marketing_user, readonly_user):
    mailing = mixed_failures(people, marketing_user)
    with pytest.raises(CommandError) as refused:
        call_command("mailing", "retry", str(mailing.pk), "--user", readonly_user.username)
    assert refused.value.returncode == 2
    out = io.StringIO()
    call_command("mailing", "retry", str(mailing.pk), "--user", marketing_user.username, stdout=out)
    assert out.getvalue().startswith("job ") and "1 items" in out.getvalue()
    with pytest.raises(CommandError) as running_now:
        call_command("mailing", "retry", str(mailing.pk), "--user", marketing_user.username)
    assert running_now.value.returncode == 2


# --- letters in both formats: one journal contact --------------------------------------


def test_docx_and_pdf_letters_make_one_brief_contact_per_recipient(
    people,
    sales_user,
    data_dir,  # noqa: F811
    tmp_path,
):
    template = services.store_template(docx_bytes(*LETTER))
    options = {"letters": {"template": template, "one_file": True}, "pdf": PDF}
    mailing = make_mailing(
        make_run(people[:2]),
        by=sales_user,
        channels=["letters_docx", "letters_pdf"],
        options=options,
    )
    summary, _out = run_job(mailing, sales_user, tmp_path)
    assert summary["items"] == {"produced": 4}
    contacts = list(Contact.objects.all())
    assert [c.kind.name for c in contacts] == ["Brief", "Brief"]
    assert {p.first_name for c in contacts for p in c.people.all()} == {"Anna", "Bernd"}
    for person in people[:2]:
        linked = set(
            MailingItem.objects.filter(mailing=mailing, person=person).values_list(
                "contact_id", flat=True
            )
        )
        assert len(linked) == 1 and None not in linked

    # A resumed job (a PDF item left without its contact) shares it too.
    MailingItem.objects.filter(mailing=mailing, channel="letters_pdf").update(contact=None)
    assert running.record_missing_contacts(mailing, by=sales_user) == 0
    assert Contact.objects.count() == 2
    assert not MailingItem.objects.filter(mailing=mailing, contact__isnull=True).exists()
