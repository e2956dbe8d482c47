"""Journal criteria: contacts of a kind or type in a period, open follow-ups.

A company's contacts are those recorded with it and those linked to it, a
person's those they took part in and those linked to them — as the journal
reads them (``journal.queries.for_company`` / ``for_person``). Kinds and types are
two-level master tables: a condition names items, groups or both (any of them
matches); kind and type conditions together must both hold. Each criterion is
correlated ``EXISTS`` subqueries on the contact and its link tables.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from merkur.journal.models import Contact, ContactKind, ContactLink, ContactPerson, ContactType
from merkur.selections import periods
from merkur.selections.catalog import COMPANY, PERSON, Criterion, YesNo, register

CONTACT_PARAMS = {
    "kinds": ("records:journal.ContactKind", False),
    "kind_groups": ("records:journal.ContactKindGroup", False),
    "types": ("records:journal.ContactType", False),
    "type_groups": ("records:journal.ContactTypeGroup", False),
    "period": ("period", False),
}


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _item_or_group(field: str, model, items, groups) -> Q:
    """``field`` is one of ``items`` or an item of one of ``groups`` (no condition if neither)."""
    if not items and not groups:
        return Q()
    q = Q()
    if items:
        q |= Q(**{f"{field}__in": items})
    if groups:
        q |= Q(**{f"{field}__in": model.objects.filter(group_id__in=groups).values("pk")})
    return q


def contact_q(params: dict, today: datetime.date) -> Q:
    """The condition on a contact row for the kind, type and period parameters."""
    q = _item_or_group("kind_id", ContactKind, params.get("kinds"), params.get("kind_groups"))
    q &= _item_or_group("type_id", ContactType, params.get("types"), params.get("type_groups"))
    if params.get("period"):
        period = periods.resolve(params["period"], today)
        q &= Q(
            occurred_at__gte=_start_of(period.start),
            occurred_at__lt=_start_of(period.end + datetime.timedelta(days=1)),
        )
    return q


def _company_has(contacts) -> Q:
    """The company has one of ``contacts``: recorded with it or linked to it."""
    own = contacts.filter(company_id=OuterRef("pk"))
    linked = ContactLink.objects.filter(
        kind="company", object_id=OuterRef("pk"), contact_id__in=contacts.values("pk")
    )
    return Q(Exists(own)) | Q(Exists(linked))


@register
class CompanyContact(YesNo):
    key = "journal.contact"
    subject = COMPANY
    area = "journal"
    label = _("Had a contact")
    params = CONTACT_PARAMS

    def holds(self, condition, context) -> Q:
        contacts = Contact.objects.filter(contact_q(condition.params, context.today))
        return _company_has(contacts)


@register
class PersonContact(YesNo):
    """The person took part in such a contact (or it is linked to them)."""

    key = "journal.person_contact"
    subject = PERSON
    area = "journal"
    label = _("Took part in a contact")
    params = CONTACT_PARAMS

    def holds(self, condition, context) -> Q:
        contacts = Contact.objects.filter(contact_q(condition.params, context.today)).values("pk")
        took_part = ContactPerson.objects.filter(person_id=OuterRef("pk"), contact_id__in=contacts)
        linked = ContactLink.objects.filter(
            kind="person", object_id=OuterRef("pk"), contact_id__in=contacts
        )
        return Q(Exists(took_part)) | Q(Exists(linked))


@register
class OpenFollowUp(Criterion):
    """An open follow-up on one of the company's contacts, of one of the owners (``in``)
    or of anybody (``yes``). The owner as recorded: deputies stand in for a person's view
    of their follow-ups, not for whose they are."""

    key = "journal.open_follow_up"
    subject = COMPANY
    area = "journal"
    label = _("Has an open follow-up")
    operators = {"yes": "none", "in": f"records:{settings.AUTH_USER_MODEL}"}

    def q(self, condition, context) -> Q:
        contacts = Contact.objects.open_follow_ups()
        if condition.operator == "in":
            contacts = contacts.filter(follow_up_owner_id__in=condition.value)
        return _company_has(contacts)

    def describe(self, condition) -> str:
        if condition.operator == "yes":
            return str(self.label)
        return super().describe(condition)
