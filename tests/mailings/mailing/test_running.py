"""The job ``mailings.run``: items from the run, skips with reasons, e-mails, journal."""

from email import message_from_bytes, policy

import pytest
from django.utils import translation

from merkur.jobs.registry import JobError
from merkur.jobs.services import run_inline
from merkur.journal.models import Contact, ContactLink
from merkur.mailings import running
from merkur.mailings.models import ItemState, MailingItem, MailingStatus
from tests.mailings.mailing.conftest import make_mailing, make_run


def states(mailing) -> dict[str, str]:
    return {
        item.person.first_name: (item.state, item.reason)
        for item in MailingItem.objects.filter(mailing=mailing).select_related("person")
    }


def test_items_are_created_once_per_member_and_channel(people, sales_user):
    mailing = make_mailing(make_run(people), by=sales_user, channels=["email", "fax"])
    assert running.create_items(mailing) == 8
    assert running.create_items(mailing) == 0  # a resumed job keeps its items
    assert MailingItem.objects.filter(mailing=mailing, state=ItemState.PENDING).count() == 8


def test_opted_out_and_email_less_people_are_skipped_with_reasons(people, sales_user):
    mailing = make_mailing(make_run(people), by=sales_user)
    running.create_items(mailing)
    skipped = running.mark_skips(mailing)
    assert sum(skipped.values()) == 2
    result = states(mailing)
    assert result["Anna"] == (ItemState.PENDING, "")
    assert result["Clara"][0] == ItemState.SKIPPED and result["Clara"][1]
    assert result["Dora"][0] == ItemState.SKIPPED
    assert result["Clara"][1] != result["Dora"][1]


def test_the_job_sends_each_e_mail_and_records_it_in_the_journal(people, sales_user, smtp):
    mailing = make_mailing(make_run(people), by=sales_user)
    summary = run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)

    assert summary["items"] == {"sent": 2, "skipped": 2}
    received = sorted(envelope.rcpt_tos[0] for envelope in smtp.sink.envelopes)
    assert received == ["anna@example.com", "bernd@example.com"]
    message = message_from_bytes(smtp.sink.envelopes[0].content, policy=policy.default)
    assert message["Subject"] == "Einladung Hausmesse 2026"
    assert message.get_content_type() == "multipart/alternative"
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.DONE

    contacts = Contact.objects.filter(company=people[0].company).order_by("id")
    assert [contact.kind.name for contact in contacts] == ["E-Mail", "E-Mail"]
    assert contacts[0].type == mailing.contact_type
    assert "Einladung Hausmesse 2026" in contacts[0].subject
    assert {p.first_name for c in contacts for p in c.people.all()} == {"Anna", "Bernd"}
    links = ContactLink.objects.filter(contact__in=contacts, kind="mailing")
    assert {link.object_id for link in links} == {mailing.pk}
    sent = MailingItem.objects.filter(mailing=mailing, state=ItemState.SENT)
    assert all(item.contact_id and item.done_at for item in sent)


def test_an_invalid_address_or_a_late_objection_is_skipped_not_failed(people, sales_user, smtp):
    from django.utils import timezone

    mailing = make_mailing(make_run(people), by=sales_user)
    running.create_items(mailing)
    running.mark_skips(mailing)
    # after the set-based skips: Anna's address turns out invalid, Bernd objects
    people[0].email = "anna@@example.com"
    people[0].save(update_fields=["email"])
    people[1].marketing_opt_out_at = timezone.now()
    people[1].save(update_fields=["marketing_opt_out_at"])
    from merkur.mailings.email import Sender

    with translation.override("en"), Sender() as sender:
        counts = running.send_emails(mailing, sender=sender, by=sales_user)

    assert counts == {"sent": 0, "failed": 0, "skipped": 2}
    assert smtp.sink.envelopes == []
    result = states(mailing)
    assert result["Anna"] == (ItemState.SKIPPED, "Invalid e-mail address: anna@@example.com")
    assert result["Bernd"][0] == ItemState.SKIPPED
    assert result["Bernd"][1].startswith("Objected to marketing on ")
    assert not Contact.objects.filter(company=people[0].company).exists()


def test_a_refused_e_mail_is_failed_with_the_servers_answer(people, sales_user, smtp):
    smtp.sink.refuse = "550 Mailbox unavailable"
    mailing = make_mailing(make_run(people[:1]), by=sales_user)
    summary = run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)
    assert summary["items"] == {"failed": 1}
    item = MailingItem.objects.get(mailing=mailing)
    assert "Mailbox unavailable" in item.detail
    assert not Contact.objects.exists()


def test_an_item_cut_off_while_sending_is_reported_and_not_sent_again(people, sales_user, smtp):
    mailing = make_mailing(make_run(people[:2]), by=sales_user)
    running.create_items(mailing)
    cut = MailingItem.objects.get(mailing=mailing, person=people[0])
    MailingItem.objects.filter(pk=cut.pk).update(state=ItemState.SENDING)

    summary = run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)

    assert summary["uncertain"] == 1
    assert [envelope.rcpt_tos for envelope in smtp.sink.envelopes] == [["bernd@example.com"]]
    cut.refresh_from_db()
    assert cut.state == ItemState.FAILED and cut.reason


def test_running_the_job_again_sends_nothing_twice(people, sales_user, smtp):
    mailing = make_mailing(make_run(people), by=sales_user)
    run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)
    run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)
    assert len(smtp.sink.envelopes) == 2
    assert Contact.objects.count() == 2


def test_a_template_with_an_unknown_field_fails_the_job_with_its_line(people, sales_user, smtp):
    options = {"email": {"subject": "Hallo", "text": "Zeile\n{{ gibt_es_nicht.x }}"}}
    mailing = make_mailing(make_run(people[:1]), by=sales_user, options=options)
    with pytest.raises(JobError):
        run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)
    assert not smtp.sink.envelopes


# --- e-mail through the throttled Sender of merkur.mailings.email -------------------------


def test_each_e_mail_carries_the_persons_unsubscribe_link(people, sales_user, smtp):
    import re

    from merkur.mailings.unsubscribe import read_token

    mailing = make_mailing(make_run(people[:1]), by=sales_user)
    run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)
    [envelope] = smtp.sink.envelopes
    message = message_from_bytes(envelope.content, policy=policy.default)
    token = re.search(r"/unsubscribe/([^/>]+)/>", message["List-Unsubscribe"]).group(1)
    assert read_token(token) == (people[0].pk, mailing.pk)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_refused_login_fails_the_job_with_its_message_and_leaves_items_pending(
    people, sales_user, smtp, settings
):
    # The sink offers no AUTH: the Sender cannot log in and raises SenderError.
    settings.MERKUR_EMAIL_URL = f"smtp://user:secret@127.0.0.1:{smtp.port}"
    mailing = make_mailing(make_run(people[:2]), by=sales_user)
    with pytest.raises(JobError) as raised:
        run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)
    assert "MERKUR_EMAIL_URL" in str(raised.value)
    assert not smtp.sink.envelopes
    states_ = set(MailingItem.objects.filter(mailing=mailing).values_list("state", flat=True))
    assert states_ == {ItemState.PENDING}
    mailing.refresh_from_db()
    assert mailing.status == MailingStatus.FAILED


def test_a_temporary_refusal_fails_the_item_with_the_answer(people, sales_user, smtp):
    smtp.sink.refuse = "451 4.3.0 Try again later"
    mailing = make_mailing(make_run(people[:1]), by=sales_user)
    summary = run_inline("mailings.run", {"mailing": mailing.pk}, user=sales_user)
    assert summary["items"] == {"failed": 1}
    item = MailingItem.objects.get(mailing=mailing)
    assert item.reason and "451" in item.detail and "Try again later" in item.detail


class UncertainSender:
    """A sender whose connection always breaks off during the transfer."""

    def __init__(self):
        self.sent = 0

    def send(self, message):
        from merkur.mailings.email import TEMPORARY, SendResult

        self.sent += 1
        return SendResult(status=TEMPORARY, text="connection reset", uncertain=True)


def test_an_uncertain_send_fails_as_outcome_unknown_and_is_never_sent_again(people, sales_user):
    mailing = make_mailing(make_run(people[:1]), by=sales_user)
    running.create_items(mailing)
    sender = UncertainSender()
    with translation.override("en"):
        first = running.send_emails(mailing, sender=sender, by=sales_user)
        assert first == {"sent": 0, "failed": 1, "skipped": 0}
        again = running.send_emails(mailing, sender=sender, by=sales_user)
        assert again == {"sent": 0, "failed": 0, "skipped": 0}
    assert sender.sent == 1
    item = MailingItem.objects.get(mailing=mailing)
    assert item.state == ItemState.FAILED
    assert item.reason == "outcome unknown" and "connection reset" in item.detail
    assert not Contact.objects.exists()


class RecordingSender:
    """Accepts every message and counts them; ``after`` runs after each send."""

    def __init__(self, after=lambda: None):
        self.sent = []
        self.after = after

    def send(self, message):
        from merkur.mailings.email import ACCEPTED, SendResult

        self.sent.append(str(message["To"]))
        self.after()
        return SendResult(status=ACCEPTED, code=250, text="ok")


def test_an_item_another_worker_took_meanwhile_is_not_sent_again(people, sales_user):
    """Two runs of the job at once (one queued again while the first still runs):
    an item the other worker marked ``sending`` after this one read its batch is
    left alone."""
    mailing = make_mailing(make_run(people[:2]), by=sales_user)
    running.create_items(mailing)
    items = list(MailingItem.objects.filter(mailing=mailing).order_by("id"))

    def other_worker_takes_the_second():
        MailingItem.objects.filter(pk=items[1].pk).update(state=ItemState.SENDING)

    sender = RecordingSender(after=other_worker_takes_the_second)
    counts = running.send_emails(mailing, sender=sender, by=sales_user)
    assert len(sender.sent) == 1 and counts == {"sent": 1, "failed": 0, "skipped": 0}
    assert MailingItem.objects.get(pk=items[1].pk).state == ItemState.SENDING


def test_the_last_outcome_is_stored_when_the_job_is_cancelled(people, sales_user):
    """The outcome of a message is stored with the claim of the next one; a stop in
    between must still store it (and record the journal contact)."""
    mailing = make_mailing(make_run(people[:2]), by=sales_user)
    running.create_items(mailing)
    sender = RecordingSender()
    with pytest.raises(InterruptedError):
        running.send_emails(
            mailing, sender=sender, cancelled=lambda: len(sender.sent) == 1, by=sales_user
        )
    assert len(sender.sent) == 1
    first, second = MailingItem.objects.filter(mailing=mailing).order_by("id")
    assert (first.state, first.detail) == (ItemState.SENT, "250 ok")
    assert first.contact_id is not None
    assert second.state == ItemState.PENDING


def test_a_server_lost_after_one_message_keeps_that_outcome_and_the_rest_pending(
    people, sales_user
):
    from merkur.mailings.email import SenderError

    mailing = make_mailing(make_run(people[:2]), by=sales_user)
    running.create_items(mailing)

    class OnceSender(RecordingSender):
        def send(self, message):
            if self.sent:
                raise SenderError("535 login refused")
            return super().send(message)

    with pytest.raises(SenderError):
        running.send_emails(mailing, sender=OnceSender(), by=sales_user)
    first, second = MailingItem.objects.filter(mailing=mailing).order_by("id")
    assert first.state == ItemState.SENT and first.contact_id is not None
    assert second.state == ItemState.PENDING  # never left: may be sent once the server works


def test_a_failing_claim_keeps_the_outcome_of_the_message_before(people, sales_user):
    from django.db import DatabaseError

    mailing = make_mailing(make_run(people[:2]), by=sales_user)
    running.create_items(mailing)
    sender = RecordingSender()
    real_filter = MailingItem.objects.filter
    claims = []

    def failing_second_claim(*args, **kwargs):
        if kwargs.get("state") == ItemState.PENDING and "pk" in kwargs:
            claims.append(kwargs["pk"])
            if len(claims) == 2:
                raise DatabaseError("lock timeout")
        return real_filter(*args, **kwargs)

    from unittest import mock

    with (
        mock.patch.object(MailingItem.objects, "filter", side_effect=failing_second_claim),
        pytest.raises(DatabaseError),
    ):
        running.send_emails(mailing, sender=sender, by=sales_user)
    first, second = MailingItem.objects.filter(mailing=mailing).order_by("id")
    assert len(sender.sent) == 1
    assert first.state == ItemState.SENT and first.contact_id is not None
    assert second.state == ItemState.PENDING
