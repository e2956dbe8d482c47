"""The private calendar feed of a user's follow-ups: the settings page and the .ics itself.

The feed URL carries a secret token instead of a login (calendar programs
cannot log in). Only its hash is stored: the full URL is shown once, right
after it is made; renewing it makes a new secret and the old URL stops working.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from merkur.core import users
from merkur.core.roles import Capability, has_capability
from merkur.core.users import display_name
from merkur.core.views import capability_required
from merkur.journal import ical, queries
from merkur.journal.models import CalendarFeed

FEED_LIMIT = 5000  # events per feed: far more than anybody follows up on at once


def _page(request: HttpRequest, *, new_url: str = "") -> HttpResponse:
    current = CalendarFeed.objects.filter(user=request.user).first()
    return render(request, "journal/calendar.html", {"feed": current, "new_url": new_url})


@require_safe
@capability_required(Capability.VIEW_JOURNAL)
def calendar(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@capability_required(Capability.VIEW_JOURNAL)
@never_cache  # the secret URL is shown exactly once: keep it out of every cache
def calendar_issue(request: HttpRequest) -> HttpResponse:
    renewed = CalendarFeed.objects.filter(user=request.user).exists()
    _feed, token = CalendarFeed.issue(request.user)
    url = request.build_absolute_uri(reverse("journal:calendar_feed", args=[token]))
    if renewed:
        messages.warning(request, _("A new address has been made; the old one no longer works."))
    return _page(request, new_url=url)


@require_POST
@capability_required(Capability.VIEW_JOURNAL)
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    deleted, _rows = CalendarFeed.objects.filter(user=request.user).delete()
    if deleted:
        messages.success(request, _("The calendar address has been revoked."))
    return redirect("journal:calendar")


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The .ics: no login, the token is the key. Unknown or revoked → 404."""
    found = CalendarFeed.user_for(token)
    if found is None or not has_capability(found.user, Capability.VIEW_JOURNAL):
        raise Http404
    user = found.user
    CalendarFeed.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    contacts = queries.with_text_start(
        queries.follow_ups_for(user).contacts.select_related("company", "follow_up_owner"),
        ical.READ_LENGTH,
    ).prefetch_related("people")[:FEED_LIMIT]
    host = request.get_host().split(":")[0]
    with translation.override(users.profile_of(user).locale):
        body = ical.feed(
            contacts,
            host=host,
            url_for=lambda c: request.build_absolute_uri(c.get_absolute_url()),
            name=_("Merkur follow-ups of %(user)s") % {"user": display_name(user)},
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="merkur-follow-ups.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("calendar/", calendar, name="calendar"),
    path("calendar/new/", calendar_issue, name="calendar_issue"),
    path("calendar/revoke/", calendar_revoke, name="calendar_revoke"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
]
