"""User management by administrators: create, edit, deactivate, set a password."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from merkur.core.models import ChangeRecord, Locale, UserSession
from merkur.core.roles import Role
from merkur.core.users import profile_of, user_create
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Apfelbaum-Garten-42"


def new_user_data(**overrides) -> dict:
    data = {
        "username": "mmuster",
        "first_name": "Max",
        "last_name": "Muster",
        "email": "max@example.com",
        "role": Role.SALES,
        "locale": Locale.DE_AT,
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def edit_data(user, **overrides) -> dict:
    profile = profile_of(user)
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": profile.role,
        "locale": profile.locale,
        "is_active": "on" if user.is_active else "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


def test_user_list_shows_every_user_with_role(admin_client, users):
    response = admin_client.get(reverse("users"))
    assert response.status_code == 200
    assert {u.username for u in response.context["user_list"]} == {
        u.username for u in users.values()
    }
    assert b'id="user-table"' in response.content


def test_administrator_creates_a_user_who_can_log_in(admin_client, admin_user):
    response = admin_client.post(reverse("user_create"), new_user_data())
    assert response.status_code == 302
    created = get_user_model().objects.get(username="mmuster")
    assert (profile_of(created).role, profile_of(created).locale) == (Role.SALES, Locale.DE_AT)
    assert created.check_password(GOOD_PASSWORD)
    login = Client().post(reverse("login"), {"username": "mmuster", "password": GOOD_PASSWORD})
    assert login.status_code == 302


def test_creating_a_user_is_recorded_in_the_change_history(admin_client, admin_user):
    admin_client.post(reverse("user_create"), new_user_data())
    record = ChangeRecord.objects.get(action=ChangeRecord.Action.CREATE)
    assert (record.user, record.object_repr) == (admin_user, "mmuster")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "mit leerzeichen"}, "username"),
        ({"username": "VERTRIEB"}, "username"),  # exists as "vertrieb", case aside
        ({"email": "kein-mail"}, "email"),
        ({"role": "chef"}, "role"),
        ({"locale": "fr"}, "locale"),
        ({"password1": "kurz", "password2": "kurz"}, "password2"),
        ({"password1": "mmuster-2026", "password2": "mmuster-2026"}, "password2"),  # like name
        ({"password2": "anders-als-vorher-99"}, "password2"),
    ],
)
def test_user_create_rejects_bad_input_with_a_field_error(
    admin_client, sales_user, overrides, field
):
    count = get_user_model().objects.count()
    response = admin_client.post(reverse("user_create"), new_user_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert get_user_model().objects.count() == count


def test_administrator_changes_role_and_names(admin_client, sales_user):
    data = edit_data(sales_user, role=Role.MARKETING, first_name="Vera")
    response = admin_client.post(reverse("user_edit", args=[sales_user.pk]), data)
    assert response.status_code == 302
    sales_user.refresh_from_db()
    assert (sales_user.first_name, profile_of(sales_user).role) == ("Vera", Role.MARKETING)
    record = ChangeRecord.objects.get(object_id=sales_user.pk, action="update")
    assert set(record.changes) == {"first_name", "role"}


def test_deactivating_a_user_ends_their_sessions(admin_client, sales_user):
    client = client_for(sales_user)
    client.get(reverse("home"))
    assert UserSession.objects.filter(user=sales_user).exists()
    data = edit_data(sales_user, is_active="")
    admin_client.post(reverse("user_edit", args=[sales_user.pk]), data)
    sales_user.refresh_from_db()
    assert not sales_user.is_active
    assert not UserSession.objects.filter(user=sales_user).exists()
    assert client.get(reverse("home")).status_code == 302


def test_deactivated_user_cannot_log_in(admin_client, sales_user):
    admin_client.post(
        reverse("user_edit", args=[sales_user.pk]), edit_data(sales_user, is_active="")
    )
    response = Client().post(
        reverse("login"), {"username": sales_user.username, "password": PASSWORD}
    )
    assert response.status_code == 200


def test_administrator_cannot_deactivate_themselves(admin_client, admin_user, users):
    response = admin_client.post(
        reverse("user_edit", args=[admin_user.pk]), edit_data(admin_user, is_active="")
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_the_last_administrator_keeps_the_role(admin_client, admin_user):
    response = admin_client.post(
        reverse("user_edit", args=[admin_user.pk]), edit_data(admin_user, role=Role.SALES)
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert profile_of(admin_user).role == Role.ADMIN


def test_an_administrator_may_step_down_when_another_remains(admin_client, admin_user):
    user_create(username="admin2", password="x", role=Role.ADMIN, check_password=False)
    response = admin_client.post(
        reverse("user_edit", args=[admin_user.pk]), edit_data(admin_user, role=Role.SALES)
    )
    assert response.status_code == 302
    assert profile_of(admin_user).role == Role.SALES


@pytest.mark.parametrize(
    ("field", "value"), [("role", "chef"), ("email", "kaputt"), ("locale", "xx")]
)
def test_user_edit_rejects_bad_input_with_a_field_error(admin_client, sales_user, field, value):
    data = edit_data(sales_user, **{field: value})
    response = admin_client.post(reverse("user_edit", args=[sales_user.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_administrator_sets_a_new_password_and_ends_the_users_sessions(admin_client, sales_user):
    client = client_for(sales_user)
    client.get(reverse("home"))
    response = admin_client.post(
        reverse("user_password", args=[sales_user.pk]),
        {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    sales_user.refresh_from_db()
    assert sales_user.check_password(GOOD_PASSWORD)
    assert not UserSession.objects.filter(user=sales_user).exists()
    assert client.get(reverse("home")).status_code == 302


def test_set_password_applies_the_password_rules(admin_client, sales_user):
    response = admin_client.post(
        reverse("user_password", args=[sales_user.pk]),
        {"new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    sales_user.refresh_from_db()
    assert sales_user.check_password(PASSWORD)


def test_own_password_is_changed_on_the_password_change_page(admin_client, admin_user):
    response = admin_client.get(reverse("user_password", args=[admin_user.pk]))
    assert response.status_code == 302
    assert response.url == reverse("password_change")
