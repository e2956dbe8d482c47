"""``merkur expire_sessions`` ends idle sessions and says how many."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from merkur.core.models import UserSession
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_expire_sessions_ends_only_idle_sessions(settings, sales_user, readonly_user):
    for user in (sales_user, readonly_user):
        client_for(user).get("/")
    idle = timezone.now() - datetime.timedelta(minutes=settings.MERKUR_SESSION_IDLE_MINUTES + 5)
    UserSession.objects.filter(user=sales_user).update(last_seen=idle)
    out = StringIO()
    call_command("expire_sessions", stdout=out)
    assert "1" in out.getvalue()
    assert list(UserSession.objects.values_list("user", flat=True)) == [readonly_user.pk]


def test_expire_sessions_with_nothing_to_do_reports_zero(db):
    out = StringIO()
    call_command("expire_sessions", stdout=out)
    assert out.getvalue().strip() == "Ended 0 idle session(s)."
