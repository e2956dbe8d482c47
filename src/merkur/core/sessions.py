"""Logged-in sessions and the concurrent-user limit (licensing by seats).

A seat is a user with at least one session active within the idle timeout.
The same user logging in from a second browser takes no second seat.
"""

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone

from merkur.core.models import UserSession

# last_seen is written at most this often, not on every request.
TOUCH_INTERVAL = datetime.timedelta(seconds=60)


def idle_timeout() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.MERKUR_SESSION_IDLE_MINUTES)


def active_sessions():
    return UserSession.objects.filter(last_seen__gte=timezone.now() - idle_timeout())


def seats_in_use() -> int:
    return active_sessions().values("user").distinct().count()


def seat_available_for(user) -> bool:
    limit = settings.MERKUR_MAX_CONCURRENT_USERS
    if limit is None:
        return True
    active = active_sessions()
    if active.filter(user=user).exists():
        return True
    return active.values("user").distinct().count() < limit


@transaction.atomic
def sessions_expire_idle() -> int:
    """End every session idle for longer than the timeout; returns how many."""
    stale = UserSession.objects.filter(last_seen__lt=timezone.now() - idle_timeout())
    keys = list(stale.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    stale.delete()
    return len(keys)


def session_open(*, request, user) -> UserSession:
    """Register the session that ``login()`` just created for ``request``."""
    if not request.session.session_key:
        request.session.save()
    agent = request.META.get("HTTP_USER_AGENT", "")[:300]
    record, _ = UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "last_seen": timezone.now(),
            "ip_address": request.META.get("REMOTE_ADDR") or None,
            "user_agent": agent,
        },
    )
    return record


@transaction.atomic
def session_end(*, session_key: str) -> None:
    """Log a session out from the server side (used by logout and by administrators)."""
    Session.objects.filter(session_key=session_key).delete()
    UserSession.objects.filter(session_key=session_key).delete()


# Any fixed number: the PostgreSQL advisory lock that serialises logins.
SEAT_LOCK_ID = 0x6D65726B  # "merk"


def seat_lock() -> None:
    """Serialise seat checks and logins; call inside ``transaction.atomic()``.

    Without it two logins at the same moment could both see the last free
    seat. SQLite needs nothing: our transactions start IMMEDIATE, which already
    lets one writer in at a time.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAT_LOCK_ID])


def session_rekey(*, old_key: str, new_key: str) -> None:
    """Follow Django's ``cycle_key()`` (e.g. after a password change) without losing the record."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


def session_touch(record: UserSession) -> None:
    now = timezone.now()
    if now - record.last_seen >= TOUCH_INTERVAL:
        UserSession.objects.filter(pk=record.pk).update(last_seen=now)
        record.last_seen = now
