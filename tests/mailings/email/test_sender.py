"""The SMTP sender against a real in-process server: results, throttle, reconnects."""

import datetime
import email
import email.policy
import io
import time

import pytest
from django.utils import timezone, translation

from merkur.mailings.email import (
    ACCEPTED,
    REFUSED,
    TEMPORARY,
    Sender,
    SenderError,
    build_message,
    skip_reason,
)
from merkur.mailings.email import sender as sender_module
from tests.mailings.email.smtp_sink import free_port


def message(to="jo@example.com", subject="Einladung für Jörg"):
    return build_message(
        to=("Jörg Öztürk", to),
        subject=subject,
        text="Grüße\n",
        html="<p>Grüße</p>",
        sender="Merkur <info@merkur.example>",
        unsubscribe_url="https://crm.example/mailings/unsubscribe/t:1/",
    )


def received(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.original_content, policy=email.policy.default)


def test_messages_arrive_over_one_connection_with_headers_intact(smtp):
    with Sender(smtp.url, per_minute=0) as sender:
        results = [sender.send(message(f"p{n}@example.com")) for n in range(3)]
        assert sender.connections_opened == 1
    assert [r.status for r in results] == [ACCEPTED] * 3
    assert results[0].code == 250
    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [
        ["p0@example.com"], ["p1@example.com"], ["p2@example.com"]
    ]  # fmt: skip
    envelope = smtp.handler.envelopes[0]
    assert envelope.mail_from == "info@merkur.example"
    mail = received(envelope)
    assert mail["Subject"] == "Einladung für Jörg"
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].startswith("<https://crm.example/mailings/unsubscribe/t:1/>")
    assert mail.get_body(("plain",)).get_content().strip() == "Grüße"


def test_a_refused_recipient_gives_the_smtp_code_and_text(smtp):
    smtp.handler.refuse_rcpt["nobody@example.com"] = "550 5.1.1 No such user"
    with Sender(smtp.url, per_minute=0) as sender:
        refused = sender.send(message("nobody@example.com"))
        after = sender.send(message("jo@example.com"))
    assert refused.status == REFUSED
    assert refused.code == 550
    assert refused.text == "5.1.1 No such user"
    assert str(refused) == "550 5.1.1 No such user"
    assert after.accepted  # the connection goes on after a refusal
    assert len(smtp.handler.envelopes) == 1


def test_a_4xx_reply_is_a_temporary_error(smtp):
    smtp.handler.refuse_rcpt["busy@example.com"] = "452 4.2.2 Mailbox full"
    with Sender(smtp.url, per_minute=0) as sender:
        result = sender.send(message("busy@example.com"))
    assert result.status == TEMPORARY
    assert result.code == 452
    assert not result.uncertain


def test_refused_data_is_reported(smtp):
    smtp.handler.refuse_data = "554 5.7.1 Spam"
    with Sender(smtp.url, per_minute=0) as sender:
        result = sender.send(message())
    assert (result.status, result.code, result.text) == (REFUSED, 554, "5.7.1 Spam")


def test_a_dropped_connection_is_opened_again(smtp):
    smtp.handler.hang_up_after = True  # the server closes the connection after each message
    with Sender(smtp.url, per_minute=0) as sender:
        first = sender.send(message("a@example.com"))
        time.sleep(0.2)
        second = sender.send(message("b@example.com"))
        assert sender.connections_opened == 2
    assert first.accepted and second.accepted
    assert [e.rcpt_tos for e in smtp.handler.envelopes] == [["a@example.com"], ["b@example.com"]]


def test_a_connection_lost_during_the_data_is_uncertain_and_not_retried(smtp):
    smtp.handler.hang_up_in_data = True
    with Sender(smtp.url, per_minute=0) as sender:
        result = sender.send(message())
        assert sender.connections_opened == 1  # not sent again on a new connection
    assert result.status == TEMPORARY
    assert result.uncertain


def test_an_unreachable_server_is_a_temporary_error():
    with translation.override("en"), Sender(f"smtp://127.0.0.1:{free_port()}") as sender:
        result = sender.send(message())
    assert result.status == TEMPORARY
    assert "cannot be reached" in result.text
    assert not result.uncertain


def test_starttls_not_offered_stops_the_sender(smtp):
    with Sender(smtp.url + "?tls=1", per_minute=0) as sender, pytest.raises(SenderError):
        sender.send(message())


def test_throttle_spaces_messages_by_the_per_minute_limit(smtp):
    now = [1000.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    with Sender(smtp.url, per_minute=6, clock=lambda: now[0], sleep=sleep) as sender:
        starts = []
        for n in range(4):
            starts.append(now[0])
            sender.send(message(f"p{n}@example.com"))
            now[0] += 1.0  # the message itself took a second
    # 6 a minute: one every 10 s, the first at once
    assert sleeps == [9.0, 9.0, 9.0]
    assert len(smtp.handler.envelopes) == 4


def test_throttle_off_never_sleeps(smtp):
    sleeps = []
    with Sender(smtp.url, per_minute=0, sleep=sleeps.append) as sender:
        for n in range(3):
            sender.send(message(f"p{n}@example.com"))
    assert sleeps == []


def test_the_per_minute_default_comes_from_the_settings(settings):
    settings.MERKUR_EMAIL_PER_MINUTE = 30
    assert Sender("memory://").interval == 2.0


def test_memory_and_console_urls():
    sender_module.outbox.clear()
    assert Sender("memory://").send(message()).accepted
    assert len(sender_module.outbox) == 1
    stream = io.StringIO()
    assert Sender("console://", stream=stream).send(message()).accepted
    assert "Subject: Einladung =?utf-8?" in stream.getvalue()


# --- who may receive it -------------------------------------------------------------------


def row(**values):
    return {"person_pk": 1, "person_email": "jo@example.com", **values}


def test_skip_reason():
    with translation.override("en"):
        assert skip_reason(row()) is None
        assert skip_reason(row(person_email="jo@müller.example")) is None
        assert skip_reason(row(person_pk=None)).startswith("No contact person")
        assert skip_reason(row(person_email="")) == "No e-mail address."
        assert skip_reason(row(person_email="jo@@x")) == "Invalid e-mail address: jo@@x"
        when = timezone.make_aware(datetime.datetime(2026, 3, 1, 10, 0))
        assert "Objected to marketing" in skip_reason(row(person_marketing_opt_out_at=when))
