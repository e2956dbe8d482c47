"""Django's admin shows the core models read-mostly, and its actions use the services."""

import pytest
from django.test import Client
from django.urls import reverse

from merkur.core.models import ApiToken, UserSession
from tests.conftest import client_for
from tests.factories import make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(django_user_model) -> Client:
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    return client_for(root)


@pytest.mark.parametrize("model", ["userprofile", "usersession", "apitoken", "changerecord"])
def test_admin_lists_core_models(superuser_client, sales_user, model):
    make_company(by=sales_user)
    ApiToken.issue(user=sales_user, name="T")
    response = superuser_client.get(reverse(f"admin:core_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", ["usersession", "apitoken", "changerecord", "userprofile"])
def test_admin_cannot_add_core_records(superuser_client, model):
    assert superuser_client.get(reverse(f"admin:core_{model}_add")).status_code == 403


def test_change_history_is_read_only_in_the_admin(superuser_client, sales_user):
    company = make_company(by=sales_user)
    record = company.change_records.get()
    url = reverse("admin:core_changerecord_change", args=[record.pk])
    assert superuser_client.get(url).status_code == 200  # viewing is allowed
    assert superuser_client.post(url, {"object_repr": "x"}).status_code == 403


def test_admin_action_ends_sessions_through_the_service(superuser_client, sales_user):
    victim = client_for(sales_user)
    victim.get("/")
    record = UserSession.objects.get(user=sales_user)
    response = superuser_client.post(
        reverse("admin:core_usersession_changelist"),
        {"action": "end_sessions", "_selected_action": [record.pk]},
    )
    assert response.status_code == 302
    assert not UserSession.objects.filter(user=sales_user).exists()
    assert victim.get("/").status_code == 302


def test_admin_action_revokes_tokens(superuser_client, sales_user):
    token, _ = ApiToken.issue(user=sales_user, name="T")
    superuser_client.post(
        reverse("admin:core_apitoken_changelist"),
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
