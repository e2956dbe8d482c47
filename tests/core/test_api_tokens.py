"""Personal API tokens: create (key shown once, only the hash stored), list, revoke."""

import pytest
from django.urls import reverse

from merkur.core.models import ApiToken

pytestmark = pytest.mark.django_db


def create_token(client, name: str = "ERP-Import"):
    return client.post(reverse("api_token_create"), {"name": name})


def test_creating_a_token_shows_the_key_once(sales_client, sales_user):
    response = create_token(sales_client)
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith("mk_")
    assert key.encode() in response.content
    assert "no-store" in response.headers["Cache-Control"]
    assert key.encode() not in sales_client.get(reverse("api_tokens")).content


def test_the_database_keeps_only_the_hash_of_the_key(sales_client, sales_user):
    key = create_token(sales_client).context["new_key"]
    token = ApiToken.objects.get(user=sales_user)
    assert token.name == "ERP-Import"
    assert token.key_hash == ApiToken.hash_key(key)
    stored = [str(value) for value in ApiToken.objects.values().get().values()]
    assert key not in stored


def test_token_list_shows_own_tokens_only(sales_client, sales_user, readonly_user):
    ApiToken.issue(user=sales_user, name="Mine")
    ApiToken.issue(user=readonly_user, name="Theirs")
    response = sales_client.get(reverse("api_tokens"))
    assert [t.name for t in response.context["own_tokens"]] == ["Mine"]
    assert response.context["other_tokens"] is None
    assert b"Theirs" not in response.content


def test_administrators_see_the_tokens_of_all_users(admin_client, sales_user):
    ApiToken.issue(user=sales_user, name="Vertriebs-Token")
    response = admin_client.get(reverse("api_tokens"))
    assert [t.name for t in response.context["other_tokens"]] == ["Vertriebs-Token"]
    assert b"Vertriebs-Token" in response.content


@pytest.mark.parametrize("name", ["", "   ", "x" * 101], ids=["empty", "blank", "too-long"])
def test_token_needs_a_sensible_name(sales_client, name):
    response = create_token(sales_client, name)
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_revoking_a_token_marks_it_revoked(sales_client, sales_user):
    token, _ = ApiToken.issue(user=sales_user, name="Alt")
    response = sales_client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not ApiToken.objects.active().exists()


def test_revoking_twice_keeps_the_first_date(sales_client, sales_user):
    token, _ = ApiToken.issue(user=sales_user, name="Alt")
    sales_client.post(reverse("api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    first = token.revoked_at
    sales_client.post(reverse("api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at == first


def test_nobody_revokes_another_users_token(sales_client, readonly_user):
    token, _ = ApiToken.issue(user=readonly_user, name="Fremd")
    assert sales_client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_administrators_may_revoke_any_token(admin_client, sales_user):
    token, _ = ApiToken.issue(user=sales_user, name="Geleakt")
    admin_client.post(reverse("api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
