"""A user's open follow-ups as an iCalendar feed (RFC 5545), for Outlook, Thunderbird, phones.

Each follow-up is a 30-minute VEVENT at its due time: calendars show events
everywhere, tasks (VTODO) hardly anywhere. The UID stays the same per contact,
so a moved due date moves the event instead of adding a second one.
"""

import datetime
from collections.abc import Callable, Iterable

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.core.users import display_name
from merkur.journal import richtext

EVENT_LENGTH = datetime.timedelta(minutes=30)
# The start of a long report is enough in a calendar; the link leads to the rest,
# and a feed of hundreds of follow-ups stays small for the programs polling it.
TEXT_LIMIT = 2000
READ_LENGTH = 3 * TEXT_LIMIT  # of the stored HTML, to have TEXT_LIMIT characters of text
PRODID = "-//Merkur CRM//Follow-ups//DE"


def summary(contact) -> str:
    text = f"{contact.subject} – {contact.company}"
    if getattr(contact, "via_deputy", False):
        return _("Deputy for %(owner)s: %(summary)s") % {
            "owner": display_name(contact.follow_up_owner),
            "summary": text,
        }
    return text


def description(contact) -> str:
    people = ", ".join(str(p) for p in contact.people.all())
    lines = []
    if people:
        lines.append(_("People: %(people)s") % {"people": people})
    if getattr(contact, "via_deputy", False):
        lines.append(
            _("Follow-up of %(owner)s, yours as deputy today.")
            % {"owner": display_name(contact.follow_up_owner)}
        )
    # The feed reads only the start of each text (``queries.with_text_start``).
    start = contact.text_start if hasattr(contact, "text_start") else contact.text
    plain = richtext.to_plain(start).strip()
    if len(start) >= READ_LENGTH or len(plain) > TEXT_LIMIT:
        plain = plain[:TEXT_LIMIT].rstrip() + " …"
    if plain:
        lines.extend(["", plain])
    return "\n".join(lines)


def feed(
    contacts: Iterable,
    *,
    host: str,
    url_for: Callable[[object], str],
    name: str,
    now: datetime.datetime | None = None,
) -> bytes:
    """The calendar as bytes; ``url_for(contact)`` gives the absolute link to a contact."""
    stamp = now or timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for contact in contacts:
        event = icalendar.Event()
        event.add("uid", f"contact-{contact.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", contact.follow_up_due)
        event.add("duration", EVENT_LENGTH)
        event.add("summary", summary(contact))
        event.add("description", description(contact))
        event.add("url", url_for(contact))
        event.add("last-modified", contact.updated_at)
        event.add("sequence", contact.version)
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
        calendar.add_component(event)
    return calendar.to_ical()
