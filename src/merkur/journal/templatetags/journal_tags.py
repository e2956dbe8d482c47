"""Journal template helpers: the contact panel of company and person pages, URLs, badges."""

from urllib.parse import urlencode

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from merkur.companies.models import Company, Person
from merkur.core.roles import Capability, has_capability
from merkur.core.users import display_name
from merkur.journal import queries, richtext, services

register = template.Library()

PANEL_LIMIT = 10
# The columns the panel shows: a report's text can be long and stays in the database.
PANEL_FIELDS = [
    "id", "occurred_at", "subject", "company__id", "company__name", "kind__id", "kind__name",
    "type__id", "type__name", "recorded_by__id", "recorded_by__username",
    "recorded_by__first_name", "recorded_by__last_name", "follow_up_owner__id",
    "follow_up_owner__username", "follow_up_owner__first_name", "follow_up_owner__last_name",
    "follow_up_due", "follow_up_done_at", "follow_up_skipped",
]  # fmt: skip


@register.inclusion_tag("journal/partials/contact_panel.html", takes_context=True)
def contact_panel(context, record, kind: str = "") -> dict:
    """The latest contacts of a record: a company's or person's own and linked ones, or
    those linked to a record of another linkable ``kind`` (an order, a batch …).

    Two queries: the contacts with their kind, type and owner; their people.
    """
    request = context["request"]
    user = request.user
    is_company = isinstance(record, Company)
    if not kind:
        kind = "company" if is_company else "person"
    visible = has_capability(user, Capability.VIEW_JOURNAL)
    contacts = []
    if visible:
        if kind == "company":
            rows = queries.for_company(record.pk)
        elif kind == "person":
            rows = queries.for_person(record.pk)
        else:
            rows = services.linked_contacts(kind, record.pk)
        rows = (
            rows.select_related("kind", "type", "follow_up_owner", "recorded_by", "company")
            .only(*PANEL_FIELDS)
            .prefetch_related(
                Prefetch("people", queryset=Person.objects.only("id", "first_name", "last_name"))
            )
            .order_by("-occurred_at", "-id")
        )
        contacts = list(rows[:PANEL_LIMIT])
    if kind in ("company", "person"):
        query = f"{kind}={record.pk}"
    else:
        query = urlencode({"link_kind": kind, "link_id": record.pk})
    return {
        "record": record,
        "is_company": is_company,
        "visible": visible,
        "can_write": has_capability(user, Capability.WRITE_JOURNAL)
        and getattr(record, "archived_at", None) is None,
        "contacts": contacts,
        "more": len(contacts) >= PANEL_LIMIT,
        "create_url": f"{reverse('journal:contact_create')}?{query}",
        "list_url": f"{reverse('journal:list')}?{query}",
        "now": timezone.now(),
        "request": request,
    }


@register.inclusion_tag("journal/partials/contact_state.html")
def follow_up_badge(contact, now=None) -> dict:
    """Open, overdue, done or skipped, for a contact with a follow-up."""
    return {"state": contact.follow_up_state(now)}


@register.filter
def text_preview(html: str, words: int = 14) -> str:
    """The first words of a (possibly cut-off) contact text, as plain text."""
    if not html:
        return ""
    if html.rfind("<") > html.rfind(">"):
        html = html[: html.rfind("<")]  # a tag cut in half by the preview's length
    plain = " ".join(richtext.to_plain(html).split())
    return Truncator(plain).words(words)


@register.filter
def user_name(user) -> str:
    if user is None:
        return ""
    return display_name(user)


@register.filter
def contact_change_rows(record) -> list[tuple[str, object, object]]:
    """A contact's change record as (label, old, new) rows.

    The services record attachments and links under the names of reverse
    relations, which have no ``verbose_name`` of their own.
    """
    from merkur.journal.models import ContactAttachment, ContactLink

    labels = {
        "attachments": ContactAttachment._meta.verbose_name_plural,
        "links": ContactLink._meta.verbose_name_plural,
        "people": _("people"),
    }
    model = record.content_type.model_class() if record.content_type_id else None
    rows = []
    for key, pair in (record.changes or {}).items():
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        label = labels.get(key)
        if label is None and model is not None:
            try:
                label = getattr(model._meta.get_field(key), "verbose_name", key)
            except FieldDoesNotExist:
                label = key
        rows.append((str(label or key), old, new))
    return rows
