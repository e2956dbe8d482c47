"""Fixtures for the API tests: token clients per role, JSON helpers, some records."""

import json

import pytest
from django.test import Client

from merkur.core.models import ApiToken
from merkur.core.roles import Role
from tests.factories import make_company

API = "/api/v1"


class ApiClient:
    """A test client that talks JSON to ``/api/v1`` with a bearer token (or none)."""

    def __init__(self, key: str | None = None, client: Client | None = None):
        self.client = client or Client()
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    def _url(self, path: str) -> str:
        return path if path.startswith(API) else API + path

    def get(self, path: str, params: dict | None = None):
        return self.client.get(self._url(path), params or {}, headers=self.headers)

    def _send(self, method: str, path: str, data=None, raw: str | None = None):
        body = raw if raw is not None else ("" if data is None else json.dumps(data))
        return getattr(self.client, method)(
            self._url(path), body, content_type="application/json", headers=self.headers
        )

    def post(self, path: str, data=None, *, raw: str | None = None):
        return self._send("post", path, data, raw)

    def patch(self, path: str, data=None, *, raw: str | None = None):
        return self._send("patch", path, data, raw)

    def put(self, path: str, data=None):
        return self._send("put", path, data)

    def delete(self, path: str):
        return self._send("delete", path)

    def request(self, method: str, path: str, data=None):
        if method == "GET":
            return self.get(path)
        return self._send(method.lower(), path, data)


def token_key(user, name: str = "test") -> str:
    return ApiToken.issue(user=user, name=name)[1]


@pytest.fixture
def api_as(users):
    """``api_as(Role.SALES)`` → a token client of that role's user."""
    return lambda role: ApiClient(token_key(users[role]))


@pytest.fixture
def admin_api(admin_user):
    return ApiClient(token_key(admin_user))


@pytest.fixture
def sales_api(sales_user):
    return ApiClient(token_key(sales_user))


@pytest.fixture
def readonly_api(readonly_user):
    return ApiClient(token_key(readonly_user))


@pytest.fixture
def anonymous_api(db):
    return ApiClient()


@pytest.fixture
def company(admin_user):
    return make_company(by=admin_user, name="Müller Maschinenbau GmbH")


@pytest.fixture
def roles():
    return Role
