"""Fixtures shared by the whole suite: one user per role, logged-in clients."""

import pytest
from django.test import Client

from merkur.core.roles import Role
from merkur.core.users import user_create

PASSWORD = "Merkur-Test-2026!"


def _user(username: str, role: str, locale: str = "de"):
    return user_create(
        username=username, password=PASSWORD, role=role, locale=locale, check_password=False
    )


@pytest.fixture
def user_locale():
    """The language of the role users below; a test package may override it."""
    return "de"


@pytest.fixture
def admin_user(db, user_locale):
    return _user("admin", Role.ADMIN, user_locale)


@pytest.fixture
def sales_user(db, user_locale):
    return _user("vertrieb", Role.SALES, user_locale)


@pytest.fixture
def marketing_user(db, user_locale):
    return _user("marketing", Role.MARKETING, user_locale)


@pytest.fixture
def readonly_user(db, user_locale):
    return _user("leser", Role.READ_ONLY, user_locale)


@pytest.fixture
def users(admin_user, sales_user, marketing_user, readonly_user):
    """All role users by role name, for permission matrices."""
    return {
        Role.ADMIN: admin_user,
        Role.SALES: sales_user,
        Role.MARKETING: marketing_user,
        Role.READ_ONLY: readonly_user,
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user):
    return client_for(admin_user)


@pytest.fixture
def sales_client(sales_user):
    return client_for(sales_user)


@pytest.fixture
def readonly_client(readonly_user):
    return client_for(readonly_user)
