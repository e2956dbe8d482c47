"""A user's follow-ups: the reminder right after login and "Meine Pendenzen".

Both list the open follow-ups the user should see today: their own and those
redirected to them as deputy (``queries.follow_ups_for``). A deputy one names
its owner and, when it went through several absent deputies, the whole chain.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from merkur.companies.models import Person
from merkur.core.roles import Capability, has_capability
from merkur.core.users import display_name
from merkur.core.views import capability_required, local_url
from merkur.journal import queries

GROUP_LIMIT = 100  # rows per group on "Meine Pendenzen"; more are counted, not listed
SINGLE_GROUP_LIMIT = 500  # when one group is shown on its own
PANEL_LIMIT = 10  # on the start page


@dataclass
class Row:
    """One follow-up as the lists show it."""

    contact: object
    via_deputy: bool = False
    owner: str = ""
    chain: list[str] = field(default_factory=list)  # owner → … → this user, if longer

    @property
    def overdue(self) -> bool:
        return self.contact.follow_up_due < timezone.now()


def _with_details(contacts):
    people = Prefetch("people", queryset=Person.objects.order_by("last_name", "first_name"))
    return contacts.select_related("company", "follow_up_owner").prefetch_related(people)


def rows(found: queries.FollowUps, contacts) -> list[Row]:
    """``contacts`` (out of ``found.contacts``) with their owners and deputy chains."""
    contacts = list(contacts)
    ids = {uid for r in found.redirected.values() for uid in r.chain}
    names = {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=ids)}
    result = []
    for contact in contacts:
        row = Row(contact=contact, via_deputy=bool(getattr(contact, "via_deputy", False)))
        if row.via_deputy:
            row.owner = display_name(contact.follow_up_owner)
            resolution = found.redirected.get(contact.follow_up_owner_id)
            if resolution and len(resolution.chain) > 2:
                row.chain = [names.get(uid, "?") for uid in resolution.chain]
        result.append(row)
    return result


def cycle_names(found: queries.FollowUps) -> list[list[str]]:
    ids = {uid for cycle in found.cycles for uid in cycle}
    names = {u.pk: display_name(u) for u in get_user_model().objects.filter(pk__in=ids)}
    return [[names.get(uid, "?") for uid in cycle] for cycle in found.cycles]


def reminder_url(user, next_url: str) -> str | None:
    """The reminder page to show after login, if ``user`` has follow-ups due today."""
    if not has_capability(user, Capability.VIEW_JOURNAL):
        return None
    if not queries.follow_ups_for(user, due_only=True).contacts.exists():
        return None
    return reverse("journal:due") + "?" + urlencode({"next": next_url})


# --- the login reminder -------------------------------------------------------------------


@require_safe
@capability_required(Capability.VIEW_JOURNAL)
def due(request: HttpRequest) -> HttpResponse:
    next_url = local_url(request, request.GET.get("next"), reverse("home"))
    found = queries.follow_ups_for(request.user, due_only=True)
    listed = rows(found, _with_details(found.contacts))
    if not listed:
        # The last one was just marked done: nothing left to remind of.
        messages.success(request, _("No follow-ups are due today."))
        return redirect(next_url)
    return render(
        request,
        "journal/due.html",
        {
            "rows": listed,
            "overdue_count": sum(1 for r in listed if r.overdue),
            "cycles": cycle_names(found),
            "next_url": next_url,
            "here": request.get_full_path(),
            "can_write_journal": has_capability(request.user, Capability.WRITE_JOURNAL),
        },
    )


# --- Meine Pendenzen ----------------------------------------------------------------------

GROUPS = (
    ("overdue", gettext_lazy("Overdue")),
    ("today", gettext_lazy("Due today")),
    ("upcoming", gettext_lazy("Upcoming")),
)
WHOSE = ("own", "deputy")


def _bounds():
    now = timezone.now()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    end_of_day = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    return now, end_of_day


def _group_query(contacts, group: str):
    now, end_of_day = _bounds()
    if group == "overdue":
        return contacts.filter(follow_up_due__lt=now)
    if group == "today":
        return contacts.filter(follow_up_due__gte=now, follow_up_due__lt=end_of_day)
    return contacts.filter(follow_up_due__gte=end_of_day)


@require_safe
@capability_required(Capability.VIEW_JOURNAL)
def follow_ups(request: HttpRequest) -> HttpResponse:
    found = queries.follow_ups_for(request.user)
    show = request.GET.get("show", "")
    whose = request.GET.get("whose", "")
    contacts = found.contacts
    if whose == "own":
        contacts = contacts.filter(follow_up_owner=request.user)
    elif whose == "deputy":
        contacts = contacts.exclude(follow_up_owner=request.user)
    chosen = [g for g in GROUPS if g[0] == show] or list(GROUPS)
    limit = SINGLE_GROUP_LIMIT if len(chosen) == 1 else GROUP_LIMIT
    groups = []
    for key, label in chosen:
        query = _group_query(contacts, key)
        listed = rows(found, _with_details(query)[: limit + 1])
        groups.append(
            {
                "key": key,
                "label": label,
                "rows": listed[:limit],
                "more": len(listed) > limit,
                "count": len(listed) if len(listed) <= limit else query.count(),
            }
        )
    return render(
        request,
        "journal/follow_ups.html",
        {
            "groups": groups,
            "group_choices": GROUPS,
            "show": show if len(chosen) == 1 else "",
            "whose": whose if whose in WHOSE else "",
            "cycles": cycle_names(found),
            "deputy_for": _deputy_for(found),
            "here": request.get_full_path(),
            "can_write_journal": has_capability(request.user, Capability.WRITE_JOURNAL),
        },
    )


def _deputy_for(found: queries.FollowUps) -> list[str]:
    users = get_user_model().objects.filter(pk__in=list(found.redirected))
    return sorted(display_name(u) for u in users)


def panel_context(request: HttpRequest) -> dict:
    """The "Meine Pendenzen" panel of the start page: what is due today or overdue."""
    user = request.user
    if not has_capability(user, Capability.VIEW_JOURNAL):
        return {"show_panel": False}
    found = queries.follow_ups_for(user, due_only=True)
    listed = rows(found, _with_details(found.contacts)[: PANEL_LIMIT + 1])
    total = len(listed) if len(listed) <= PANEL_LIMIT else found.contacts.count()
    return {
        "show_panel": True,
        "rows": listed[:PANEL_LIMIT],
        "total": total,
        "cycles": cycle_names(found),
    }


urlpatterns = [
    path("due/", due, name="due"),
    path("follow-ups/", follow_ups, name="follow_ups"),
]
