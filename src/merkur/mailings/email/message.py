"""One personal e-mail: the user's templates rendered and the MIME message built.

``EmailTemplates`` compiles the subject, text and HTML templates once (in the
sandbox of ``merkur.core.templating``) and renders them per recipient with a dict
of merge fields; ``build_message`` makes the ``multipart/alternative`` message
with the unsubscribe headers of RFC 2369 and RFC 8058 (one-click).
"""

import datetime
import email.policy
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.core.templating import Sandbox, TemplateProblem, UserTemplate

POLICY = email.policy.SMTP  # CRLF line ends, RFC 2047 for non-ASCII header text
_SPACES = re.compile(r"\s+")


class MessageProblem(ValueError):
    """A message that cannot be built (a line break in a header, no recipient …)."""


def _keep_markup(value) -> str:
    # The sandbox's ``finalize`` turns values into plain text; in HTML a value the
    # template marked ``|safe`` (a Markup) must stay one, or it would be escaped.
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(value)


class HtmlSandbox(Sandbox):
    """The sandbox with HTML autoescaping: merge field values cannot inject markup."""

    def __init__(self):
        super().__init__()
        self.autoescape = True
        self.finalize = _keep_markup


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailTemplates:
    """The subject, text and HTML templates of one mailing, compiled once.

    ``EmailTemplates(subject=…, text=…, html=…)`` raises ``TemplateProblem``
    (with ``part`` "subject", "text" or "html" and the line) for a template that
    does not compile; ``render(fields)`` raises it for a missing field or a
    refused operation. An empty ``html`` gives a text-only e-mail.
    """

    def __init__(self, *, subject: str, text: str, html: str = ""):
        if not (subject or "").strip():
            raise TemplateProblem(_("The e-mail needs a subject."), part="subject")
        if not (text or "").strip():
            raise TemplateProblem(_("The e-mail needs a plain-text body."), part="text")
        plain = Sandbox()
        self.subject: UserTemplate = plain.compile(subject, part="subject")
        self.text: UserTemplate = plain.compile(text, part="text")
        self.html: UserTemplate | None = (
            HtmlSandbox().compile(html, part="html") if (html or "").strip() else None
        )

    def render(self, fields: dict) -> RenderedEmail:
        """The e-mail for one recipient; ``fields`` are the merge fields (any dict)."""
        subject = _SPACES.sub(" ", self.subject.render(fields)).strip()
        if not subject:
            raise TemplateProblem(_("The subject is empty for this recipient."), part="subject")
        return RenderedEmail(
            subject=subject,
            text=self.text.render(fields),
            html=self.html.render(fields) if self.html is not None else "",
        )


def _address(value: str | tuple[str, str] | Address, field: str) -> Address:
    """``"Name <a@b.example>"``, ``(name, address)`` or an ``Address``; IDN domains
    are written in their ASCII (punycode) form."""
    if isinstance(value, Address):
        return value
    if isinstance(value, tuple):
        name, addr = value
    else:
        if "\n" in value or "\r" in value:
            raise MessageProblem(_("%(field)s contains a line break.") % {"field": field})
        name, addr = parseaddr(value)
    if "\n" in (name or "") or "\r" in (name or ""):
        raise MessageProblem(_("%(field)s contains a line break.") % {"field": field})
    local, at, domain = (addr or "").rpartition("@")
    if not at or not local or not domain:
        raise MessageProblem(
            _("%(field)s is not an e-mail address: “%(value)s”.") % {"field": field, "value": value}
        )
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise MessageProblem(
            _("%(field)s has an invalid domain: “%(value)s”.") % {"field": field, "value": value}
        ) from None
    if not local.isascii():
        raise MessageProblem(
            _("%(field)s has non-ASCII characters before the @: “%(value)s”.")
            % {"field": field, "value": value}
        )
    return Address(display_name=(name or "").strip(), username=local, domain=domain)


def build_message(
    *,
    to: str | tuple[str, str] | Address,
    subject: str,
    text: str,
    html: str = "",
    sender: str | tuple[str, str] | Address,
    reply_to: str | tuple[str, str] | Address | None = None,
    unsubscribe_url: str | None = None,
    unsubscribe_mailto: str | None = None,
    headers: dict[str, str] | None = None,
    date: datetime.datetime | None = None,
) -> EmailMessage:
    """The e-mail as a standard library ``EmailMessage`` (policy SMTP).

    ``multipart/alternative`` (text, then HTML) when ``html`` is given, else a
    ``text/plain`` message; UTF-8 bodies in quoted-printable (7-bit clean for any
    server), non-ASCII header text RFC 2047 encoded, a ``Message-ID`` in the
    sender's domain and a ``Date``. ``unsubscribe_url`` adds ``List-Unsubscribe:
    <url>, <mailto:…>`` (the mailto goes to ``unsubscribe_mailto``, by default the
    sender) and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058).
    ``headers``: further headers (no line breaks). Raises ``MessageProblem``.
    """
    subject = _SPACES.sub(" ", subject or "").strip()
    if not subject:
        raise MessageProblem(_("The e-mail has no subject."))
    sender_address = _address(sender, "From")
    message = EmailMessage(policy=POLICY)
    message["From"] = sender_address
    message["To"] = _address(to, "To")
    if reply_to:
        message["Reply-To"] = _address(reply_to, "Reply-To")
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.localtime(date or timezone.now()))
    message["Message-ID"] = make_msgid(domain=sender_address.domain)
    if unsubscribe_url:
        if any(char in unsubscribe_url for char in "\r\n<>, "):
            raise MessageProblem(_("The unsubscribe link is not a valid URL."))
        mailto = _address(unsubscribe_mailto or sender_address, "List-Unsubscribe")
        message["List-Unsubscribe"] = (
            f"<{unsubscribe_url}>, <mailto:{mailto.addr_spec}?subject=unsubscribe>"
        )
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in (headers or {}).items():
        value = str(value)
        if "\n" in value or "\r" in value or "\n" in name or ":" in name:
            raise MessageProblem(_("The header %(name)s contains a line break.") % {"name": name})
        message[name] = value
    message.set_content(_line_ends(text), subtype="plain", charset="utf-8", cte="quoted-printable")
    if html:
        message.add_alternative(
            _line_ends(html), subtype="html", charset="utf-8", cte="quoted-printable"
        )
    return message


def _line_ends(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n")
    return body if body.endswith("\n") else body + "\n"
