"""API authentication: personal tokens (``Authorization: Bearer …``) and the browser session.

Both hand the user to ``request.auth`` and to ``request.user``, so the access
helpers (``merkur.companies.access``) and the services see the same user as
in the web UI.
"""

import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from merkur.core.models import ApiToken
from merkur.core.roles import require

# ``last_used_at`` is written at most this often, not on every request.
TOKEN_TOUCH_INTERVAL = datetime.timedelta(seconds=60)


def _activate_locale(user) -> None:
    """Use the user's language for messages, as ``UserLocaleMiddleware`` does for sessions."""
    profile = getattr(user, "profile", None)
    if profile is not None:
        translation.activate(profile.locale)


class TokenAuth(HttpBearer):
    """A personal API token; only its hash is stored, revoked tokens and inactive users fail."""

    def authenticate(self, request: HttpRequest, token: str):
        if not token:
            return None
        found = (
            ApiToken.objects.active()
            .select_related("user", "user__profile")
            .filter(key_hash=ApiToken.hash_key(token))
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= TOKEN_TOUCH_INTERVAL:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        _activate_locale(found.user)
        return found.user


class SessionAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods must carry the CSRF token.

    Unlike ninja's ``django_auth`` the CSRF check runs only for a logged-in
    session, so an anonymous request gets 401 (not a CSRF 403), and a request
    that sends an ``Authorization`` header is judged by that header alone: a
    bad token never falls back to the session cookie.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest):
        if "Authorization" in request.headers:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        return user

    def authenticate(self, request: HttpRequest, key: str | None):
        # Not used: ``__call__`` decides (ninja requires the method).
        return None


def require_capability(request: HttpRequest, capability: str) -> None:
    """Raise ``PermissionDenied`` (→ 403) unless the caller's role grants ``capability``."""
    require(request.user, capability)
