"""Marketing criteria: membership in marketing events, optionally with a status.

``marketing.event`` is about the company: it is a member of one of the events itself
(a company member) or through one of its people. Used in a people selection it
means "the person's company is a member" — the usual company → person translation.
``marketing.person_event`` is about the person: only person members count, a company
member does not make all of its people members (invite the company, write to the
buyer: the buyer did not necessarily come). Both are ``EXISTS`` subqueries on
``EventMember`` (indexed by company/person, event).
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from merkur.mailings.models import EventMember, MemberStatus
from merkur.selections.catalog import COMPANY, PERSON, Criterion, register
from merkur.selections.criteria.common import choice_values

EVENTS = "records:mailings.MarketingEvent"
PARAMS = {"statuses": ("texts", False)}


class _EventMembership(Criterion):
    area = "marketing"
    operators = {"in": EVENTS, "not_in": EVENTS}
    params = PARAMS
    member_field = ""  # "company_id" or "person_id"

    def clean_params(self, params: dict) -> dict:
        if params.get("statuses"):
            choice_values(params["statuses"], MemberStatus.values)
        return params

    def choices_for(self, name: str) -> list[tuple[str, str]] | None:
        return MemberStatus.choices if name == "statuses" else None

    def members(self, condition) -> "EventMember.objects":
        members = EventMember.objects.filter(event_id__in=condition.value)
        if condition.params.get("statuses"):
            members = members.filter(status__in=condition.params["statuses"])
        return members

    def q(self, condition, context) -> Q:
        found = Q(Exists(self.members(condition).filter(**{self.member_field: OuterRef("pk")})))
        return ~found if condition.operator == "not_in" else found

    def describe_params(self, condition) -> str:
        statuses = condition.params.get("statuses")
        if not statuses:
            return ""
        labels = dict(MemberStatus.choices)
        return " · " + ", ".join(str(labels.get(status, status)) for status in statuses)


@register
class CompanyEvent(_EventMembership):
    """The company is a member of one of the events, itself or through a person."""

    key = "marketing.event"
    subject = COMPANY
    label = _("Member of marketing event")
    member_field = "company_id"


@register
class PersonEvent(_EventMembership):
    """The person is a member of one of the events (company members do not count)."""

    key = "marketing.person_event"
    subject = PERSON
    label = _("Person is member of marketing event")
    member_field = "person_id"
