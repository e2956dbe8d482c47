"""Personal e-mails of a mailing: templates rendered in the sandbox, MIME messages with
one-click unsubscribe headers, and a throttled SMTP sender (see ``docs/mailings.md``).

The mailing job calls, per recipient::

    templates = EmailTemplates(subject=..., text=..., html=...)   # once per mailing
    with Sender() as sender:                                     # once per run
        reason = skip_reason(row)                                 # None: may be mailed
        rendered = templates.render(fields)                       # TemplateProblem
        message = build_message(to=..., subject=rendered.subject, text=rendered.text,
                                html=rendered.html, sender=..., reply_to=...,
                                unsubscribe_url=unsubscribe_url(person_pk, mailing_pk),
                                headers={...})                    # MessageProblem
        result = sender.send(message)                             # SendResult
"""

from merkur.mailings.email.message import (
    EmailTemplates,
    MessageProblem,
    RenderedEmail,
    build_message,
)
from merkur.mailings.email.sender import (
    ACCEPTED,
    REFUSED,
    TEMPORARY,
    Sender,
    SenderError,
    SendResult,
    skip_reason,
)

__all__ = [
    "ACCEPTED",
    "REFUSED",
    "TEMPORARY",
    "EmailTemplates",
    "MessageProblem",
    "RenderedEmail",
    "SendResult",
    "Sender",
    "SenderError",
    "build_message",
    "skip_reason",
]
