"""Absences and deputies: whose open follow-ups a user sees today.

Nothing is rewritten when an absence starts or ends: the owner stays on the
contact and the redirection is worked out when asked, from the absences that
cover the day. An absent user's follow-ups go to their deputy; if the deputy is
away too, on to the deputy's deputy, and so on to the first one who is present.
A cycle (everybody on it away) is reported and the follow-ups stay with their
owners — nobody present could take them; so do they when the chain reaches a
deputy whose account has been deactivated.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from merkur.journal.models import Absence


@dataclass(frozen=True)
class Resolution:
    owner_id: int
    handler_id: int  # who sees the follow-ups today (the owner if nobody can take them)
    chain: tuple[int, ...]  # owner, deputy, deputy's deputy … up to the handler
    cycle: tuple[int, ...] = ()  # the users on a cycle of deputies, if the chain ran into one
    inactive: int | None = None  # a deputy whose account was deactivated, if the chain hit one

    @property
    def redirected(self) -> bool:
        return self.handler_id != self.owner_id


def today() -> datetime.date:
    return timezone.localdate()


def absences_on(day: datetime.date) -> dict[int, Absence]:
    """The absence of each user away on ``day``; of overlapping ones, the latest started."""
    found: dict[int, Absence] = {}
    absences = Absence.objects.filter(starts_on__lte=day, ends_on__gte=day).select_related("deputy")
    for absence in absences.order_by("starts_on", "id"):
        found[absence.user_id] = absence
    return found


def resolve(owner_id: int, away: dict[int, Absence]) -> Resolution:
    """Follow the deputies from ``owner_id`` to the first user who is present."""
    chain = [owner_id]
    current = owner_id
    while current in away:
        deputy = away[current].deputy_id
        if not away[current].deputy.is_active:
            # Nobody can log in as a deactivated deputy: the owner keeps the follow-ups.
            return Resolution(owner_id, owner_id, tuple(chain), inactive=deputy)
        if deputy in chain:
            cycle = tuple(chain[chain.index(deputy) :])
            return Resolution(owner_id, owner_id, tuple(chain), cycle)
        chain.append(deputy)
        current = deputy
    return Resolution(owner_id, current, tuple(chain))


def redirected_to(
    user_id: int, day: datetime.date | None = None, *, away: dict[int, Absence] | None = None
) -> dict[int, Resolution]:
    """The absent owners whose follow-ups ``user_id`` handles on ``day``, with the chain.

    ``away``: the day's absences (``absences_on``) when the caller has read them already.
    """
    away = absences_on(day or today()) if away is None else away
    result = {}
    for owner_id in away:
        resolution = resolve(owner_id, away)
        if resolution.handler_id == user_id and owner_id != user_id:
            result[owner_id] = resolution
    return result


def handler_of(owner_id: int, day: datetime.date | None = None) -> Resolution:
    return resolve(owner_id, absences_on(day or today()))


def _cycles_among(away: dict[int, Absence], seen: set[frozenset[int]]) -> list[tuple[int, ...]]:
    found = []
    for owner_id in away:
        cycle = resolve(owner_id, away).cycle
        if cycle and frozenset(cycle) not in seen:
            seen.add(frozenset(cycle))
            found.append(cycle)
    return found


def cycles(
    day: datetime.date | None = None, *, away: dict[int, Absence] | None = None
) -> list[tuple[int, ...]]:
    """Each cycle of deputies on ``day`` once (as the users on it, in deputy order)."""
    away = absences_on(day or today()) if away is None else away
    return _cycles_among(away, set())


def cycles_between(start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, tuple]]:
    """The days from ``start`` to ``end`` with a cycle (first day of each distinct cycle)."""
    absences = list(
        Absence.objects.filter(starts_on__lte=end, ends_on__gte=start)
        .select_related("deputy")
        .order_by("starts_on", "id")
    )
    # A cycle can only begin on a day an absence begins (or on ``start``).
    days = sorted({start, *(a.starts_on for a in absences if start <= a.starts_on <= end)})
    found, seen = [], set()
    for day in days:
        away = {a.user_id: a for a in absences if a.starts_on <= day <= a.ends_on}
        found.extend((day, cycle) for cycle in _cycles_among(away, seen))
    return found
