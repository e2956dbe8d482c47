"""Request middleware: idle-session expiry and per-user language."""

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from merkur.core import sessions
from merkur.core.models import UserSession


class SeatMiddleware:
    """Keeps ``UserSession.last_seen`` fresh and logs out idle or ended sessions."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        key = request.session.session_key if hasattr(request, "session") else None
        if user is not None and user.is_authenticated and key:
            record = UserSession.objects.filter(session_key=key).first()
            if record is None:
                # A session made outside our login view (tests' force_login):
                # register it; ended sessions cannot come back this way since
                # ending one deletes Django's session row too.
                sessions.session_open(request=request, user=user)
            elif timezone.now() - record.last_seen > sessions.idle_timeout():
                sessions.session_end(session_key=key)
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _("Your session has expired. Please log in again."))
                    return redirect("login")
            else:
                sessions.session_touch(record)
        return self.get_response(request)


class UserLocaleMiddleware:
    """Switches to the language and formats the logged-in user chose."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        profile = getattr(user, "profile", None) if user and user.is_authenticated else None
        if profile is not None:
            translation.activate(profile.locale)
            request.LANGUAGE_CODE = profile.locale
        response = self.get_response(request)
        if profile is not None:
            response.headers.setdefault("Content-Language", profile.locale)
        return response
