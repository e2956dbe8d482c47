"""A contact sent as an e-mail to one of its people, and recorded as a new contact.

The mail goes out first; only when the server took it is the new contact (kind
"E-Mail", following the original) recorded. A refused mail records nothing
and the form keeps what the user wrote.
"""

import logging
import smtplib
from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from merkur.companies.models import Person
from merkur.core.users import display_name
from merkur.journal import richtext, services
from merkur.journal.models import Contact, ContactKind

logger = logging.getLogger(__name__)

EMAIL_KIND_NAME = "E-Mail"


class SendFailed(Exception):
    """The mail server did not take the e-mail; the message says why, for the user."""


def email_kind() -> ContactKind | None:
    """The contact kind "E-Mail" of the master table, if there is an active one."""
    return (
        ContactKind.objects.filter(name__iexact=EMAIL_KIND_NAME, is_active=True)
        .select_related("group")
        .order_by("sort_order", "id")
        .first()
    )


def recipients(contact: Contact) -> list[Person]:
    """The contact's people one can write to: current, with an e-mail address."""
    return [
        person
        for person in contact.people.select_related("title", "salutation").order_by(
            "sort_name", "id"
        )
        # Someone who moved to another company can't be on a new contact of this one.
        if person.email and person.archived_at is None and person.company_id == contact.company_id
    ]


def problem(contact: Contact) -> str:
    """Why this contact can't be sent and recorded now, or ""."""
    if contact.company.archived_at is not None:
        return _("The company is archived: an e-mail sent from here could not be recorded.")
    return ""


def initial_body(contact: Contact) -> str:
    return richtext.to_plain(contact.text)


def html_body(contact: Contact, body: str) -> str:
    """The HTML part: the contact's own formatting when the text was left as it was."""
    if body.strip() == initial_body(contact).strip() and contact.text:
        return contact.text
    return richtext.sanitize(body)


@dataclass(frozen=True)
class Sent:
    message: EmailMultiAlternatives
    contact: Contact  # the new contact recording the e-mail


def build_message(*, person: Person, subject: str, body: str, html: str, user):
    reply_to = [formataddr((display_name(user), user.email))] if user.email else []
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((person.full_name, person.email))],
        reply_to=reply_to,
    )
    document = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
        f"{escape(subject)}</title></head><body>{html}</body></html>"
    )
    message.attach_alternative(document, "text/html")
    return message


def send(*, contact: Contact, person: Person, subject: str, body: str, user) -> Sent:
    """Send the e-mail, then record it; ``SendFailed`` when the server refused."""
    kind = email_kind() or contact.kind
    html = html_body(contact, body)
    try:
        message = build_message(person=person, subject=subject, body=body, html=html, user=user)
        message.send(fail_silently=False)
    except BadHeaderError as error:  # a line break in the subject or an address
        raise SendFailed(_("The subject must be a single line.")) from error
    except smtplib.SMTPRecipientsRefused as error:
        raise SendFailed(
            _("The mail server refused the address %(address)s: %(reason)s")
            % {"address": person.email, "reason": _smtp_reason(error.recipients)}
        ) from error
    except smtplib.SMTPResponseException as error:
        raise SendFailed(
            _("The mail server refused the e-mail: %(code)s %(reason)s")
            % {"code": error.smtp_code, "reason": _decode(error.smtp_error)}
        ) from error
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("Sending contact %s as e-mail failed: %s", contact.pk, error)
        raise SendFailed(
            _("The e-mail could not be sent (%(reason)s). Nothing was recorded; try again later.")
            % {"reason": error}
        ) from error
    recorded = services.contact_create(
        data={
            "company": contact.company,
            "kind": kind,
            "type": contact.type,
            "subject": subject,
            "text": html,
            "occurred_at": timezone.now(),
        },
        by=user,
        people=[person],
        follows=contact,
    )
    return Sent(message=message, contact=recorded)


def _smtp_reason(refused: dict) -> str:
    for code, reason in refused.values():
        return f"{code} {_decode(reason)}"
    return ""


def _decode(reason) -> str:
    return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
