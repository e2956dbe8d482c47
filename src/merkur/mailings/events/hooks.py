"""Where marketing events plug into other apps: the address import links imported
records as event members (``transfer.importing.links``), and the export offers an
event's members as a source (``transfer.export.sources``). ``install`` is called once
from the app's ``ready``.
"""

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merkur.mailings.models import MarketingEvent, MemberSource, MemberStatus

# Sort orders of an event's members in an export (as those of a run's).
MEMBER_SORTS = {
    "postal_code": (
        F("address__country").asc(nulls_last=True),
        F("address__postal_code").asc(nulls_last=True),
        F("company__sort_name").asc(),
        F("person__sort_name").asc(nulls_last=True),
        F("pk").asc(),
    ),
    "name": (
        F("person__sort_name").asc(nulls_last=True),
        F("company__sort_name").asc(),
        F("pk").asc(),
    ),
    "company": (
        F("company__sort_name").asc(),
        F("person__sort_name").asc(nulls_last=True),
        F("pk").asc(),
    ),
}


def _find_event(reference: str):
    """An event by its id or its exact name (the newest of that name)."""
    text = (reference or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        found = MarketingEvent.objects.filter(pk=int(text)).first()
        if found is not None:
            return found
    return MarketingEvent.objects.filter(name__iexact=text).order_by("-starts_on", "-pk").first()


def _link_event(event, pairs, *, source=None, status: str = "") -> int:
    from merkur.mailings.events.services import add_members

    by = getattr(source, "by", None) or getattr(source, "created_by", None)
    return add_members(event, pairs, status or MemberStatus.PLANNED, MemberSource.IMPORT, by=by)


def _statuses() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in MemberStatus.choices]


def _describe(event) -> str:
    return f"{event} ({event.starts_on.isoformat()})"


def _event_source():
    from merkur.transfer.export import sources
    from merkur.transfer.export.reading import Scope

    class EventSource(sources.Source):
        """The members of a marketing event, each with its address (a person member
        without one gets the company's contact address)."""

        key = "event"
        label = gettext_lazy("Marketing event members")
        sorts = tuple(MEMBER_SORTS)

        def url_suffix(self, params: dict) -> str:
            return f"event/{params.get('event') or params.get('id')}/"

        def scope(self, params, *, user, options) -> Scope:
            sources._check_user(user)
            name = "event" if params.get("event") is not None else "id"
            event = MarketingEvent.objects.filter(pk=sources._number(params, name)).first()
            if event is None:
                raise ValidationError({name: _("No marketing event with this id.")})
            if options.sort is not None and options.sort not in MEMBER_SORTS:
                raise ValidationError(
                    {"sort": _("Sort by one of: %(names)s.") % {"names": ", ".join(MEMBER_SORTS)}}
                )
            members = event.members.all()
            statuses = params.get("status")
            if statuses:
                statuses = statuses if isinstance(statuses, list) else [statuses]
                members = members.filter(status__in=statuses)
            skip = True if options.skip_opted_out is None else options.skip_opted_out
            if skip:
                members = members.exclude(person__marketing_opt_out_at__isnull=False)
            people = members.filter(person__isnull=False).exists()
            return Scope(
                queryset=members.order_by(*MEMBER_SORTS[options.sort or "postal_code"]),
                target="people" if people else "companies",
                company="company__",
                person="person__" if people else None,
                address="member",
                member_address="address_id",
                title=event.name,
                description=[_("Members of “%(name)s”") % {"name": event.name}],
            )

    return EventSource()


def install() -> None:
    from merkur.transfer.export import sources
    from merkur.transfer.importing import links

    links.register(
        links.LinkKind(
            key="event",
            label=gettext_lazy("Marketing event"),
            reference_label=gettext_lazy("Event (id or name)"),
            find=_find_event,
            link=_link_event,
            describe=_describe,
            statuses=_statuses,
        )
    )
    sources.register(_event_source())
