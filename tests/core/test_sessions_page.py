"""The administrators' sessions page: who is logged in, seats, ending a session."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from merkur.core.models import UserSession
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(user, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    return client


def test_sessions_page_lists_who_is_logged_in(admin_client, sales_user):
    log_in(sales_user, HTTP_USER_AGENT="Firefox/128", REMOTE_ADDR="192.0.2.7")
    response = admin_client.get(reverse("sessions"))
    assert response.status_code == 200
    rows = {r.user.username: r for r in response.context["session_list"]}
    assert set(rows) == {"admin", "vertrieb"}
    assert b"192.0.2.7" in response.content
    assert b"Firefox/128" in response.content


def test_sessions_page_shows_seats_in_use_and_the_limit(settings, admin_client, sales_user):
    settings.MERKUR_MAX_CONCURRENT_USERS = 5
    settings.MERKUR_SESSION_IDLE_MINUTES = 30
    log_in(sales_user)
    log_in(sales_user)
    context = admin_client.get(reverse("sessions")).context
    assert (context["seats_in_use"], context["seat_limit"], context["idle_minutes"]) == (2, 5, 30)


def test_idle_sessions_are_not_listed(settings, admin_client, sales_user):
    log_in(sales_user)
    UserSession.objects.filter(user=sales_user).update(
        last_seen=timezone.now()
        - datetime.timedelta(minutes=settings.MERKUR_SESSION_IDLE_MINUTES + 1)
    )
    users = [r.user for r in admin_client.get(reverse("sessions")).context["session_list"]]
    assert sales_user not in users


def test_own_session_is_marked_and_has_no_end_button(admin_client, admin_user):
    response = admin_client.get(reverse("sessions"))
    own = UserSession.objects.get(user=admin_user)
    assert response.context["current_key"] == own.session_key
    assert reverse("session_end", args=[own.pk]).encode() not in response.content


def test_ending_an_unknown_session_is_404(admin_client):
    assert admin_client.post(reverse("session_end", args=[999_999])).status_code == 404
