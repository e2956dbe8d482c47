"""Sending e-mails over SMTP: one connection, a throttle, a result per message.

``Sender`` sends through the server of ``MERKUR_EMAIL_URL`` (read with
``merkur.env.email_settings``), keeps one connection open for all messages,
spaces messages ``60 / MERKUR_EMAIL_PER_MINUTE`` seconds apart and answers every
``send`` with a ``SendResult``:

- ``accepted``: the server took the message (for all or some recipients);
- ``refused``: a permanent error (5xx), with the server's code and text;
- ``temporary``: a temporary error (4xx), an unreachable server or a connection
  that broke off. ``uncertain`` is set when it broke off while the message itself
  was being transferred: it may have arrived, so a job must not send it again
  blindly.

A connection unused for ``IDLE_CHECK`` seconds is checked (``NOOP``) before the
next message; one the server dropped in between (idle timeout, restart) fails
before the message's data is sent and is retried once on a new connection.
Problems no retry can fix (wrong password, STARTTLS not offered) raise
``SenderError``. ``console://`` prints messages, ``memory://`` keeps them in
``outbox`` (tests).

``skip_reason(row)`` says why a recipient row gets no marketing e-mail.
"""

import contextlib
import datetime
import smtplib
import ssl
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merkur.env import email_settings
from merkur.mailings.email.message import POLICY

ACCEPTED = "accepted"
REFUSED = "refused"
TEMPORARY = "temporary"

IDLE_CHECK = 10.0  # seconds unused after which the connection is checked (NOOP) first
outbox: list[EmailMessage] = []  # messages "sent" with memory://


@dataclass(frozen=True)
class SendResult:
    """What became of one message."""

    status: str  # ACCEPTED, REFUSED or TEMPORARY
    code: int | None = None  # the SMTP reply code, if the server answered
    text: str = ""  # the server's text or what went wrong
    uncertain: bool = False  # broke off during the transfer: it may have arrived
    refused_recipients: tuple[str, ...] = ()  # of an accepted message, who was refused

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED

    def __str__(self) -> str:
        return f"{self.code} {self.text}".strip() if self.code else self.text


class SenderError(Exception):
    """The mail server cannot be used at all (login refused, TLS not offered)."""


def _reply(code: int, text: bytes | str) -> SendResult:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    status = TEMPORARY if 400 <= code < 500 else REFUSED
    return SendResult(status=status, code=code, text=" ".join(text.split()))


def _ascii_address(address: str) -> str:
    local, _at, domain = address.rpartition("@")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


class Sender:
    """Sends messages through one SMTP connection, throttled; use as a context manager.

    ``url``: default ``settings.MERKUR_EMAIL_URL``. ``per_minute``: default
    ``settings.MERKUR_EMAIL_PER_MINUTE``; 0 sends without pause. ``clock`` and
    ``sleep`` can be replaced (tests). ``stream``: where ``console://`` prints.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        per_minute: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float | None = None,
        stream=None,
    ):
        self.url = url if url is not None else settings.MERKUR_EMAIL_URL
        self.config = email_settings(self.url)
        self.scheme = self.url.partition(":")[0].lower()
        per_minute = settings.MERKUR_EMAIL_PER_MINUTE if per_minute is None else per_minute
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self.clock = clock
        self.sleep = sleep
        self.timeout = timeout or self.config.get("EMAIL_TIMEOUT", 30)
        self.stream = stream
        self.connection: smtplib.SMTP | None = None
        self.connections_opened = 0
        self._next_at: float | None = None
        self._last_used = 0.0

    # --- connection ------------------------------------------------------------------

    def __enter__(self) -> "Sender":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        host, port = self.config["EMAIL_HOST"], self.config["EMAIL_PORT"]
        context = ssl.create_default_context()
        if self.config["EMAIL_USE_SSL"]:
            connection = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        else:
            connection = smtplib.SMTP(host, port, timeout=self.timeout)
        try:
            connection.ehlo()
            if self.config["EMAIL_USE_TLS"]:
                connection.starttls(context=context)
                connection.ehlo()
            if self.config["EMAIL_HOST_USER"]:
                connection.login(self.config["EMAIL_HOST_USER"], self.config["EMAIL_HOST_PASSWORD"])
        except smtplib.SMTPAuthenticationError as error:
            _close_quietly(connection)
            raise SenderError(
                _("The mail server refused the login: %(reply)s")
                % {"reply": _reply(error.smtp_code, error.smtp_error)}
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            _close_quietly(connection)
            raise SenderError(
                _("The mail server does not offer what MERKUR_EMAIL_URL asks for: %(error)s")
                % {"error": error}
            ) from None
        self.connections_opened += 1
        return connection

    def _alive(self) -> bool:
        try:
            code, _text = self.connection.noop()
        except (smtplib.SMTPException, OSError):
            return False
        return code == 250

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                _close_quietly(self.connection)
            self.connection = None

    # --- sending ---------------------------------------------------------------------

    def _wait_turn(self) -> None:
        if not self.interval:
            return
        now = self.clock()
        if self._next_at is not None and now < self._next_at:
            self.sleep(self._next_at - now)
            now = self.clock()
        self._next_at = now + self.interval

    def send(
        self,
        message: EmailMessage,
        *,
        envelope_from: str | None = None,
        recipients: Iterable[str] | None = None,
    ) -> SendResult:
        """Send ``message`` (to its To/Cc addresses unless ``recipients`` are given;
        bounces go to ``envelope_from``, default the From address)."""
        if recipients is None:
            fields = [*message.get_all("To", []), *message.get_all("Cc", [])]
            recipients = [addr for _name, addr in getaddresses([str(f) for f in fields])]
        recipients = [_ascii_address(addr) for addr in recipients if addr]
        if not recipients:
            return SendResult(status=REFUSED, text=_("The message has no recipient."))
        envelope_from = _ascii_address(envelope_from or parseaddr(str(message["From"]))[1])
        self._wait_turn()
        if self.scheme == "console":
            stream = self.stream or sys.stdout
            stream.write(message.as_string(policy=POLICY.clone(linesep="\n")))
            stream.write("\n" + "-" * 79 + "\n")
            return SendResult(status=ACCEPTED, code=250, text="console")
        if self.scheme == "memory":
            outbox.append(message)
            return SendResult(status=ACCEPTED, code=250, text="memory")
        return self._send_smtp(message.as_bytes(policy=POLICY), envelope_from, recipients)

    def _send_smtp(self, data: bytes, envelope_from: str, recipients: list[str]) -> SendResult:
        for attempt in (1, 2):
            stage = "connect"
            try:
                if (
                    self.connection is not None
                    and self.clock() - self._last_used > IDLE_CHECK
                    and not self._alive()
                ):
                    _close_quietly(self.connection)
                    self.connection = None
                if self.connection is None:
                    self.connection = self._connect()
                stage = "envelope"
                self._last_used = self.clock()
                return self._transaction(data, envelope_from, recipients)
            except _InData as broken:
                self._drop()
                return SendResult(
                    status=TEMPORARY,
                    text=_(
                        "The connection broke off while the message was being transferred "
                        "(%(error)s); it may have arrived."
                    )
                    % {"error": broken.error or type(broken.error).__name__},
                    uncertain=True,
                )
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                self._drop()
                if attempt == 1 and stage == "envelope":
                    continue  # dropped before the message was sent: a new connection
                host = f"{self.config['EMAIL_HOST']}:{self.config['EMAIL_PORT']}"
                return SendResult(
                    status=TEMPORARY,
                    text=_("The mail server %(host)s cannot be reached: %(error)s")
                    % {"host": host, "error": error or type(error).__name__},
                )
            except smtplib.SMTPResponseException as error:
                # e.g. 421 in the greeting: the server is busy
                self._drop()
                return _reply(error.smtp_code, error.smtp_error)
        raise AssertionError("unreachable")  # pragma: no cover

    def _transaction(self, data: bytes, envelope_from: str, recipients: list[str]) -> SendResult:
        connection = self.connection
        code, text = connection.mail(envelope_from)
        if code != 250:
            self._reset()
            return _reply(code, text)
        refused = {}
        for recipient in recipients:
            code, text = connection.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, text)
        if len(refused) == len(recipients):
            self._reset()
            code, text = next(iter(refused.values()))
            return _reply(code, text)
        try:
            code, text = connection.data(data)
        except smtplib.SMTPDataError as error:
            return _reply(error.smtp_code, error.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise _InData(error) from None
        result = _reply(code, text)
        if code != 250:
            return result
        return SendResult(
            status=ACCEPTED, code=code, text=result.text, refused_recipients=tuple(refused)
        )

    def _reset(self) -> None:
        try:
            self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            _close_quietly(self.connection)
            self.connection = None


class _InData(Exception):
    def __init__(self, error: BaseException):
        self.error = error


def _close_quietly(connection: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        connection.close()


# --- who may receive a marketing e-mail ------------------------------------------------


# The reason for a recipient without an address, also given set-based by
# ``running.mark_skips``: one text for one cause.
NO_ADDRESS = gettext_lazy("No e-mail address.")


def skip_reason(row: dict) -> str | None:
    """Why this recipient row gets no e-mail, or ``None`` if it may get one.

    ``row``: a row of ``merkur.selections.recipients`` (``person_pk``,
    ``person_email``; ``person_marketing_opt_out_at`` when the caller read it —
    ``recipients()`` already leaves out people who objected to marketing).
    """
    if not row.get("person_pk"):
        return _("No contact person (a company without a person gets no e-mail).")
    if row.get("person_marketing_opt_out_at"):
        when = row["person_marketing_opt_out_at"]
        if isinstance(when, datetime.datetime):
            when = timezone.localtime(when)
        return _("Objected to marketing on %(date)s.") % {
            "date": formats.date_format(when, "SHORT_DATE_FORMAT")
        }
    address = (row.get("person_email") or "").strip()
    if not address:
        return str(NO_ADDRESS)
    try:
        validate_email(address)
    except ValidationError:
        return _("Invalid e-mail address: %(address)s") % {"address": address}
    return None
