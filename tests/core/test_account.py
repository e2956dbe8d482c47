"""The user's own pages: password change and settings (language, names, e-mail)."""

import pytest
from django.test import Client
from django.urls import reverse

from merkur.core.models import Locale, UserSession
from merkur.core.users import profile_of
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Sonnenblume-Haus-77"


def log_in(user, password: str = PASSWORD) -> Client:
    client = Client()
    client.post(reverse("login"), {"username": user.username, "password": password})
    return client


def change_password(client: Client, old: str, new1: str, new2: str | None = None):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_password_change_sets_the_new_password(sales_user):
    client = log_in(sales_user)
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("password_change_done")
    sales_user.refresh_from_db()
    assert sales_user.check_password(NEW_PASSWORD)


def test_password_change_keeps_this_browser_logged_in_with_its_session_record(sales_user):
    client = log_in(sales_user)
    change_password(client, PASSWORD, NEW_PASSWORD)
    assert client.get(reverse("home")).status_code == 200
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [
        client.session.session_key
    ]


def test_password_change_logs_out_the_other_browsers(sales_user):
    other = log_in(sales_user)
    client = log_in(sales_user)
    change_password(client, PASSWORD, NEW_PASSWORD)
    assert other.get(reverse("home")).status_code == 302


def test_password_change_shows_a_confirmation(sales_user):
    client = log_in(sales_user)
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    response = client.get(response.url)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["success"]


def test_password_change_with_a_wrong_old_password_is_refused(sales_user):
    client = log_in(sales_user)
    response = change_password(client, "wrong", NEW_PASSWORD)
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    sales_user.refresh_from_db()
    assert sales_user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("new1", "new2"),
    [("kurz", "kurz"), ("12345678901", "12345678901"), (NEW_PASSWORD, NEW_PASSWORD + "x")],
    ids=["too-short", "numeric", "mismatch"],
)
def test_password_change_applies_the_password_rules(sales_user, new1, new2):
    client = log_in(sales_user)
    response = change_password(client, PASSWORD, new1, new2)
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors


def test_new_password_works_for_the_next_login(sales_user):
    client = log_in(sales_user)
    change_password(client, PASSWORD, NEW_PASSWORD)
    client.post(reverse("logout"))
    response = Client().post(
        reverse("login"), {"username": sales_user.username, "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


# --- settings (profile) -----------------------------------------------------------


def profile_data(**overrides) -> dict:
    data = {"first_name": "Vera", "last_name": "Vertrieb", "email": "vera@example.com"}
    data["locale"] = Locale.DE
    data.update(overrides)
    return data


def test_profile_page_shows_the_current_settings(sales_client, sales_user):
    response = sales_client.get(reverse("profile"))
    assert response.status_code == 200
    assert response.context["form"].initial["locale"] == Locale.DE


def test_profile_saves_names_and_email(sales_client, sales_user):
    response = sales_client.post(reverse("profile"), profile_data())
    assert response.status_code == 302
    sales_user.refresh_from_db()
    assert (sales_user.first_name, sales_user.email) == ("Vera", "vera@example.com")


@pytest.mark.parametrize("locale", Locale.values)
def test_profile_stores_every_offered_locale(sales_client, sales_user, locale):
    sales_client.post(reverse("profile"), profile_data(locale=locale))
    assert profile_of(sales_user).locale == locale


def test_switching_to_english_changes_the_response_language(sales_client):
    assert sales_client.get(reverse("home")).headers["Content-Language"] == "de"
    sales_client.post(reverse("profile"), profile_data(locale=Locale.EN))
    response = sales_client.get(reverse("home"))
    assert response.headers["Content-Language"] == "en"
    assert b'<html lang="en">' in response.content
    assert b"My recent changes" in response.content


def test_the_confirmation_speaks_the_newly_chosen_language(sales_client):
    response = sales_client.post(reverse("profile"), profile_data(locale=Locale.EN), follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Your settings have been saved."]


def test_swiss_users_get_swiss_number_formats(sales_client):
    sales_client.post(reverse("profile"), profile_data(locale=Locale.DE_CH))
    response = sales_client.get(reverse("home"))
    assert response.headers["Content-Language"] == "de-ch"
    assert b'<html lang="de-ch">' in response.content


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-address"), ("locale", "fr"), ("first_name", "x" * 200)],
)
def test_profile_rejects_bad_input_with_a_field_error(sales_client, sales_user, field, value):
    response = sales_client.post(reverse("profile"), profile_data(**{field: value}))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert profile_of(sales_user).locale == Locale.DE


def test_profile_is_created_for_a_user_without_one(django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    response = client_for(superuser).get(reverse("profile"))
    assert response.status_code == 200
    assert profile_of(superuser).role == "admin"
