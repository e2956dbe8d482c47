"""Logging in and out, and the concurrent-user limit (seats)."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from merkur.core import sessions
from merkur.core.models import UserSession
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(user, client: Client | None = None, password: str = PASSWORD):
    client = client or Client()
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    return client, response


def age_sessions_of(user, minutes: int) -> None:
    UserSession.objects.filter(user=user).update(
        last_seen=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def test_login_page_shows_the_form(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'id="login-submit"' in response.content


def test_login_page_speaks_german_by_default(client):
    response = client.get(reverse("login"))
    assert response.headers["Content-Language"] == "de"


def test_login_with_the_right_password_opens_a_session(sales_user):
    client, response = log_in(sales_user)
    assert response.status_code == 302
    assert response.url == reverse("home")
    key = client.session.session_key
    record = UserSession.objects.get(session_key=key)
    assert record.user == sales_user
    assert client.get(reverse("home")).status_code == 200


def test_login_remembers_ip_address_and_browser(sales_user):
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 Testbrowser", REMOTE_ADDR="10.1.2.3")
    log_in(sales_user, client)
    record = UserSession.objects.get(user=sales_user)
    assert record.ip_address == "10.1.2.3"
    assert record.user_agent == "Mozilla/5.0 Testbrowser"


def test_login_follows_a_safe_next_url(sales_user):
    client = Client()
    response = client.post(
        reverse("login") + "?next=" + reverse("profile"),
        {"username": sales_user.username, "password": PASSWORD, "next": reverse("profile")},
    )
    assert response.status_code == 302
    assert response.url == reverse("profile")


def test_wrong_password_shows_an_error_and_opens_no_session(sales_user):
    _, response = log_in(sales_user, password="wrong")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert b'id="form-errors"' in response.content
    assert not UserSession.objects.exists()


def test_empty_login_form_shows_field_errors(client):
    response = client.post(reverse("login"), {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"username", "password"}


def test_inactive_user_cannot_log_in(sales_user):
    sales_user.is_active = False
    sales_user.save()
    _, response = log_in(sales_user)
    assert response.status_code == 200
    assert not UserSession.objects.exists()


def test_logging_in_again_in_the_same_browser_keeps_one_session(sales_user):
    client, _ = log_in(sales_user)
    log_in(sales_user, client)
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [
        client.session.session_key
    ]


def test_logging_in_as_somebody_else_in_the_same_browser_ends_the_old_session(
    sales_user, readonly_user
):
    client, _ = log_in(sales_user)
    old_key = client.session.session_key
    log_in(readonly_user, client)
    assert client.session.session_key != old_key
    assert list(UserSession.objects.values_list("user", flat=True)) == [readonly_user.pk]


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_django_admin_uses_our_login_page(client):
    response = client.get("/django-admin/login/")
    assert response.status_code == 200
    assert b'id="login-submit"' in response.content


# --- logout -------------------------------------------------------------------


def test_logout_ends_the_session_on_the_server(sales_user):
    client, _ = log_in(sales_user)
    key = client.session.session_key
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert not UserSession.objects.filter(session_key=key).exists()
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_not_allowed(sales_client):
    assert sales_client.get(reverse("logout")).status_code == 405


# --- seat limit -----------------------------------------------------------------


def test_second_user_is_refused_when_all_seats_are_taken(settings, sales_user, readonly_user):
    settings.MERKUR_MAX_CONCURRENT_USERS = 1
    log_in(sales_user)
    _, response = log_in(readonly_user)
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].non_field_errors().as_data()] == ["seats_full"]
    assert not UserSession.objects.filter(user=readonly_user).exists()


def test_seat_limit_message_names_the_limit(settings, sales_user, readonly_user):
    settings.MERKUR_MAX_CONCURRENT_USERS = 1
    log_in(sales_user)
    with translation.override("en"):
        _, response = log_in(readonly_user, Client(HTTP_ACCEPT_LANGUAGE="en"))
    assert b"concurrently logged-in users (1)" in response.content


def test_same_user_may_log_in_again_when_all_seats_are_taken(settings, sales_user):
    settings.MERKUR_MAX_CONCURRENT_USERS = 1
    log_in(sales_user)
    _, response = log_in(sales_user)
    assert response.status_code == 302
    assert UserSession.objects.filter(user=sales_user).count() == 2


def test_idle_session_gives_its_seat_to_a_new_user(settings, sales_user, readonly_user):
    settings.MERKUR_MAX_CONCURRENT_USERS = 1
    first, _ = log_in(sales_user)
    age_sessions_of(sales_user, settings.MERKUR_SESSION_IDLE_MINUTES + 1)
    _, response = log_in(readonly_user)
    assert response.status_code == 302
    assert not UserSession.objects.filter(user=sales_user).exists()
    assert first.get(reverse("home")).status_code == 302


def test_seats_are_counted_per_user_not_per_browser(settings, sales_user, readonly_user, users):
    settings.MERKUR_MAX_CONCURRENT_USERS = 2
    log_in(sales_user)
    log_in(sales_user)
    _, response = log_in(readonly_user)
    assert response.status_code == 302


def test_without_a_limit_everybody_may_log_in(settings, users):
    settings.MERKUR_MAX_CONCURRENT_USERS = None
    for user in users.values():
        assert log_in(user)[1].status_code == 302


# --- idle timeout and ended sessions ----------------------------------------------


def test_idle_session_is_logged_out_on_the_next_request(settings, sales_user):
    client, _ = log_in(sales_user)
    age_sessions_of(sales_user, settings.MERKUR_SESSION_IDLE_MINUTES + 1)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert not UserSession.objects.filter(user=sales_user).exists()
    assert client.get(reverse("home")).status_code == 302


def test_session_within_the_idle_timeout_stays_logged_in(settings, sales_user):
    client, _ = log_in(sales_user)
    age_sessions_of(sales_user, settings.MERKUR_SESSION_IDLE_MINUTES - 1)
    assert client.get(reverse("home")).status_code == 200
    record = UserSession.objects.get(user=sales_user)
    assert timezone.now() - record.last_seen < datetime.timedelta(minutes=1)


def test_session_ended_by_an_administrator_is_logged_out(admin_client, sales_user):
    client, _ = log_in(sales_user)
    record = UserSession.objects.get(user=sales_user)
    response = admin_client.post(reverse("session_end", args=[record.pk]))
    assert response.status_code == 302
    assert not UserSession.objects.filter(pk=record.pk).exists()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_ended_session_frees_its_seat(settings, admin_client, sales_user, readonly_user):
    settings.MERKUR_MAX_CONCURRENT_USERS = 2  # the administrator holds one
    log_in(sales_user)
    record = UserSession.objects.get(user=sales_user)
    admin_client.post(reverse("session_end", args=[record.pk]))
    assert log_in(readonly_user)[1].status_code == 302


def test_seats_are_checked_again_when_the_login_is_written(
    settings, monkeypatch, sales_user, readonly_user
):
    """Another login may take the last seat between the form check and the login."""
    settings.MERKUR_MAX_CONCURRENT_USERS = 1
    log_in(sales_user)
    real_check = sessions.seat_available_for
    calls = []

    def seat_taken_after_the_form_check(user):
        calls.append(user)
        return len(calls) == 1 or real_check(user)

    monkeypatch.setattr(sessions, "seat_available_for", seat_taken_after_the_form_check)
    client, response = log_in(readonly_user)
    assert response.status_code == 200
    assert len(calls) == 2
    assert not UserSession.objects.filter(user=readonly_user).exists()
    assert client.get(reverse("home")).status_code == 302


def test_idle_logout_tells_the_user_why(settings, sales_user):
    client, _ = log_in(sales_user)
    age_sessions_of(sales_user, settings.MERKUR_SESSION_IDLE_MINUTES + 1)
    response = client.get(reverse("home"), follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["info"]
