"""Demo marketing events: the kinds, and two events with members, once.

``merkur demo`` calls ``load_demo_events`` after the selections; nothing is added when
an event of the demo's name exists already.
"""

import datetime

from django.utils import timezone

from merkur.companies.models import Company, Person
from merkur.mailings.events import services
from merkur.mailings.models import EventKind, MarketingEvent, MemberSource

KINDS = ("Messe", "Seminar", "Newsletter", "Aktion", "Rückruf")
FAIR = "Hausmesse"
SEMINAR = "Seminar Datenbanken"


def load_demo_events(*, by) -> None:
    for order, name in enumerate(KINDS, start=1):
        EventKind.objects.get_or_create(name=name, defaults={"sort_order": order * 10})
    if MarketingEvent.objects.filter(name__startswith=FAIR).exists():
        return
    year = timezone.localdate().year
    fair = services.event_create(
        data={
            "name": f"{FAIR} {year}",
            "kind": EventKind.objects.get(name="Messe"),
            "starts_on": datetime.date(year, 9, 15),
            "ends_on": datetime.date(year, 9, 17),
            "description": "Unsere Hausmesse mit den Neuheiten des Jahres.",
        },
        by=by,
    )
    seminar = services.event_create(
        data={
            "name": SEMINAR,
            "kind": EventKind.objects.get(name="Seminar"),
            "starts_on": datetime.date(year, 6, 3),
        },
        by=by,
    )
    companies = list(Company.objects.filter(archived_at__isnull=True).order_by("id")[:40])
    services.add_members(
        fair, [(c.pk, None) for c in companies[:25]], "invited", MemberSource.MANUAL, by=by
    )
    people = Person.objects.filter(archived_at__isnull=True).order_by("id")[:15]
    services.add_members(
        seminar, [(p.company_id, p.pk) for p in people], "registered", MemberSource.MANUAL, by=by
    )
    first = list(fair.members.order_by("id").values_list("pk", flat=True)[:8])
    services.members_set_status(event=fair, members=first, status="attended", by=by)
