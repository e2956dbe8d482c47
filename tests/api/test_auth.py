"""Token and session authentication of the API."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from merkur.core.models import ApiToken
from merkur.core.users import api_token_revoke
from tests.api.conftest import API, ApiClient, token_key

pytestmark = pytest.mark.django_db


def test_a_valid_token_authenticates_as_its_user(sales_user):
    response = ApiClient(token_key(sales_user)).get("/me")
    assert response.status_code == 200
    assert response.json()["username"] == sales_user.username
    assert response.json()["role"] == "sales"


def test_a_request_without_credentials_gets_401_json(anonymous_api):
    response = anonymous_api.get("/companies")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_anonymous_write_gets_401_not_a_csrf_error(anonymous_api):
    assert anonymous_api.post("/companies", {"name": "X"}).status_code == 401


@pytest.mark.parametrize("header", ["Bearer mk_not-a-real-token", "Bearer ", "Token abc", "Basic"])
def test_a_bad_token_gets_401(db, header):
    response = Client().get(f"{API}/companies", headers={"Authorization": header})
    assert response.status_code == 401


def test_a_revoked_token_gets_401(sales_user):
    token, key = ApiToken.issue(user=sales_user, name="laptop")
    api_token_revoke(token=token)
    assert ApiClient(key).get("/companies").status_code == 401


def test_the_token_of_a_deactivated_user_gets_401(sales_user):
    key = token_key(sales_user)
    sales_user.is_active = False
    sales_user.save()
    assert ApiClient(key).get("/companies").status_code == 401


def test_using_a_token_records_when_it_was_last_used(sales_user):
    token, key = ApiToken.issue(user=sales_user, name="laptop")
    ApiClient(key).get("/me")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(sales_user):
    token, key = ApiToken.issue(user=sales_user, name="laptop")
    recent = timezone.now() - datetime.timedelta(seconds=20)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    ApiClient(key).get("/me")
    token.refresh_from_db()
    assert token.last_used_at == recent


def test_last_use_is_refreshed_after_a_minute(sales_user):
    token, key = ApiToken.issue(user=sales_user, name="laptop")
    old = timezone.now() - datetime.timedelta(minutes=5)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=old)
    ApiClient(key).get("/me")
    token.refresh_from_db()
    assert token.last_used_at > old


def test_token_writes_need_no_csrf_token(sales_user):
    client = ApiClient(token_key(sales_user), client=Client(enforce_csrf_checks=True))
    body = {"name": "Token GmbH", "contact_address": {"street": "Weg 1", "city": "Berlin",
                                                        "postal_code": "10115"}}  # fmt: skip
    assert client.post("/companies", body).status_code == 201


def _session_client(user) -> ApiClient:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return ApiClient(client=client)


def test_a_logged_in_browser_session_can_read(sales_user):
    assert _session_client(sales_user).get("/companies").status_code == 200


def test_a_session_write_without_csrf_token_is_refused(sales_user):
    response = _session_client(sales_user).post("/master/industries", {"name": "X"})
    assert response.status_code == 403
    assert response.json()["detail"]


def test_a_session_write_with_the_csrf_token_goes_through(admin_user):
    api = _session_client(admin_user)
    api.client.get(f"{API}/docs")  # the docs page hands out the CSRF cookie
    api.headers = {"X-CSRFToken": api.client.cookies["csrftoken"].value}
    assert api.post("/master/industries", {"name": "Anlagenbau"}).status_code == 201


def test_a_bad_token_does_not_fall_back_to_the_session(sales_user):
    api = _session_client(sales_user)
    api.headers = {"Authorization": "Bearer mk_wrong"}
    assert api.get("/companies").status_code == 401


def test_me_lists_the_capabilities_of_the_role(readonly_api):
    assert readonly_api.get("/me").json()["capabilities"] == ["view_journal", "view_records"]
