"""Faxes of a mailing: the number normalised to E.164 and the PDF handed to a fax server.

The backend is chosen by ``MERKUR_FAX_URL``:

- ``none://`` (default): fax is switched off; every fax is refused with that reason.
- ``smtp-gateway://gateway.example?domain=fax.example[&prefix=00]``: an e-mail-to-fax
  gateway — an e-mail with the PDF attached to ``<prefix><E.164 digits>@domain``
  (``domain`` defaults to the host), sent over the server of ``MERKUR_EMAIL_URL``.
- ``sendfax:///usr/bin/sendfax[?host=faxserver]``: HylaFAX's ``sendfax`` command,
  run with an argument list (never through a shell); its job id is read from the
  output, a non-zero exit is a failure with the command's error output.

The mailing job calls, per recipient::

    number = normalise_fax_number(raw, country=row["address_country"])  # FaxNumberError
    with fax_backend() as backend:                                       # once per run
        result = backend.send(number=number, pdf=path, subject=...)      # FaxResult
"""

import re
import subprocess
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import phonenumbers
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from merkur.mailings.email.message import build_message
from merkur.mailings.email.sender import TEMPORARY, Sender

SENDFAX_TIMEOUT = 120  # seconds sendfax may take to queue a job
_JOB_ID = re.compile(r"request id is (\d+)", re.IGNORECASE)


class FaxNumberError(ValueError):
    """A fax number that cannot be dialled; the message says why (for the user)."""


def normalise_fax_number(value: str, *, country: str | None = None) -> str:
    """``value`` in E.164 (``+4930123456``); numbers without ``+`` are read as numbers of
    ``country`` (the recipient's, else ``MERKUR_DEFAULT_PHONE_REGION``)."""
    text = (value or "").strip()
    if not text:
        raise FaxNumberError(_("No fax number."))
    region = str(country or "").upper() or settings.MERKUR_DEFAULT_PHONE_REGION
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise FaxNumberError(_("“%(value)s” is not a fax number.") % {"value": text}) from None
    if not phonenumbers.is_valid_number(number):
        raise FaxNumberError(
            _("“%(value)s” is not a valid fax number for %(country)s.")
            % {"value": text, "country": phonenumbers.region_code_for_number(number) or region}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class FaxResult:
    """What the fax server said: accepted (with its job id) or failed (with the reason);
    ``temporary``: failed for now without anything sent (may be tried again)."""

    accepted: bool
    id: str = ""
    reason: str = ""
    temporary: bool = False

    def __str__(self) -> str:
        return self.id if self.accepted else self.reason


class FaxBackend:
    """A fax server; ``send`` never raises for a refused fax, it returns the reason."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    def send(self, *, number: str, pdf: Path, subject: str = "") -> FaxResult:
        raise NotImplementedError


class NoFax(FaxBackend):
    """``none://``: fax is switched off."""

    def send(self, *, number: str, pdf: Path, subject: str = "") -> FaxResult:
        return FaxResult(
            accepted=False,
            reason=_("Fax is switched off (MERKUR_FAX_URL is none://)."),
        )


class SmtpGatewayFax(FaxBackend):
    """An e-mail-to-fax gateway: the PDF attached to ``<digits>@domain``."""

    def __init__(self, *, domain: str, prefix: str = "", sender: Sender | None = None):
        self.domain = domain
        self.prefix = prefix
        self._sender = sender
        self._own_sender = sender is None

    @property
    def sender(self) -> Sender:
        if self._sender is None:
            self._sender = Sender(settings.MERKUR_EMAIL_URL)
        return self._sender

    def close(self) -> None:
        if self._own_sender and self._sender is not None:
            self._sender.close()
            self._sender = None

    def address(self, number: str) -> str:
        return f"{self.prefix}{normalise_fax_number(number).lstrip('+')}@{self.domain}"

    def send(self, *, number: str, pdf: Path, subject: str = "") -> FaxResult:
        try:
            to = self.address(number)
        except FaxNumberError as error:
            return FaxResult(accepted=False, reason=str(error))
        pdf = Path(pdf)
        try:
            content = pdf.read_bytes()
        except OSError as error:
            return FaxResult(accepted=False, reason=_("The PDF cannot be read: %s") % error)
        message: EmailMessage = build_message(
            to=to,
            subject=subject or number,
            text=_("Fax to %(number)s: %(file)s is attached.")
            % {"number": number, "file": pdf.name},
            sender=settings.DEFAULT_FROM_EMAIL,
        )
        message.add_attachment(content, maintype="application", subtype="pdf", filename=pdf.name)
        result = self.sender.send(message)
        if result.accepted:
            return FaxResult(accepted=True, id=str(message["Message-ID"]))
        return FaxResult(
            accepted=False,
            reason=str(result),
            temporary=result.status == TEMPORARY and not result.uncertain,
        )


class SendFax(FaxBackend):
    """HylaFAX's ``sendfax``: ``sendfax -n [-h host] -d <number> <pdf>``."""

    def __init__(self, *, command: str, host: str = "", timeout: float = SENDFAX_TIMEOUT):
        self.command = command
        self.host = host
        self.timeout = timeout

    def arguments(self, number: str, pdf: Path) -> list[str]:
        args = [self.command, "-n"]
        if self.host:
            args += ["-h", self.host]
        return [*args, "-d", normalise_fax_number(number), str(pdf)]

    def send(self, *, number: str, pdf: Path, subject: str = "") -> FaxResult:
        try:
            args = self.arguments(number, Path(pdf))
        except FaxNumberError as error:
            return FaxResult(accepted=False, reason=str(error))
        if not Path(pdf).is_file():
            return FaxResult(accepted=False, reason=_("The PDF %s does not exist.") % pdf)
        try:
            done = subprocess.run(
                args, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except FileNotFoundError:
            return FaxResult(
                accepted=False, reason=_("The fax command %s does not exist.") % self.command
            )
        except PermissionError:
            return FaxResult(
                accepted=False, reason=_("The fax command %s cannot be run.") % self.command
            )
        except subprocess.TimeoutExpired:
            return FaxResult(
                accepted=False,
                reason=_("The fax command did not finish within %s seconds.") % self.timeout,
            )
        if done.returncode != 0:
            detail = (done.stderr or done.stdout or "").strip()
            return FaxResult(
                accepted=False,
                reason=_("sendfax failed (exit code %(code)s): %(detail)s")
                % {"code": done.returncode, "detail": detail},
                temporary=True,  # not queued: the fax server refused or was not reached
            )
        found = _JOB_ID.search(done.stdout or "") or _JOB_ID.search(done.stderr or "")
        return FaxResult(accepted=True, id=found.group(1) if found else "")


def fax_backend(url: str | None = None, *, sender: Sender | None = None) -> FaxBackend:
    """The backend for ``url`` (default ``settings.MERKUR_FAX_URL``); ``sender``: an open
    e-mail ``Sender`` the gateway may share. ``ImproperlyConfigured`` for a bad URL."""
    url = url if url is not None else settings.MERKUR_FAX_URL
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query)
    if scheme == "none":
        return NoFax()
    if scheme == "smtp-gateway":
        domain = query.get("domain", [parts.hostname or ""])[0]
        if not domain:
            raise ImproperlyConfigured(f"MERKUR_FAX_URL names no gateway domain: {url!r}")
        return SmtpGatewayFax(domain=domain, prefix=query.get("prefix", [""])[0], sender=sender)
    if scheme == "sendfax":
        if not parts.path or not parts.path.startswith("/"):
            raise ImproperlyConfigured(
                f"MERKUR_FAX_URL must name the sendfax command's full path: {url!r}"
            )
        return SendFax(command=parts.path, host=query.get("host", [""])[0])
    raise ImproperlyConfigured(
        f"MERKUR_FAX_URL must start with none://, smtp-gateway:// or sendfax://, not {url!r}"
    )


__all__ = [
    "FaxBackend",
    "FaxNumberError",
    "FaxResult",
    "NoFax",
    "SendFax",
    "SmtpGatewayFax",
    "fax_backend",
    "normalise_fax_number",
]
