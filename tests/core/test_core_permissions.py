"""Who may open which core page: one table of (url, method) → status per role.

Administrators' pages answer 403 to every other role; personal pages are open
to every logged-in user; anonymous visitors are sent to the login page.
"""

import pytest
from django.urls import reverse

from merkur.core.models import ApiToken
from merkur.core.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ADMIN, SALES, MARKETING, READ_ONLY = Role.ADMIN, Role.SALES, Role.MARKETING, Role.READ_ONLY
EVERYBODY = {ADMIN: 200, SALES: 200, MARKETING: 200, READ_ONLY: 200, None: 302}
ADMINS_ONLY = {ADMIN: 200, SALES: 403, MARKETING: 403, READ_ONLY: 403, None: 302}
ADMINS_REDIRECT = {ADMIN: 302, SALES: 403, MARKETING: 403, READ_ONLY: 403, None: 302}
NOBODY_BY_GET = {ADMIN: 405, SALES: 405, MARKETING: 405, READ_ONLY: 405, None: 405}

# (url name, args (callable on the fixtures), method, data, {role: status})
MATRIX = [
    ("home", None, "get", None, EVERYBODY),
    ("profile", None, "get", None, EVERYBODY),
    ("password_change", None, "get", None, EVERYBODY),
    ("password_change_done", None, "get", None, EVERYBODY),
    ("api_tokens", None, "get", None, EVERYBODY),
    ("api_token_create", None, "get", None, NOBODY_BY_GET),
    ("api_token_create", None, "post", {"name": "ERP"}, EVERYBODY),
    ("users", None, "get", None, ADMINS_ONLY),
    ("user_create", None, "get", None, ADMINS_ONLY),
    ("user_create", None, "post", {}, ADMINS_ONLY),
    ("user_edit", lambda f: [f["target"].pk], "get", None, ADMINS_ONLY),
    ("user_edit", lambda f: [f["target"].pk], "post", {}, ADMINS_ONLY),
    ("user_password", lambda f: [f["target"].pk], "get", None, ADMINS_ONLY),
    ("user_password", lambda f: [f["target"].pk], "post", {}, ADMINS_ONLY),
    ("sessions", None, "get", None, ADMINS_ONLY),
    ("session_end", lambda f: [f["session"].pk], "get", None, NOBODY_BY_GET),
    ("session_end", lambda f: [f["session"].pk], "post", None, ADMINS_REDIRECT),
    ("api_token_revoke", lambda f: [f["token"].pk], "get", None, NOBODY_BY_GET),
    # Somebody else's token: administrators may revoke it, the others don't see it.
    (
        "api_token_revoke",
        lambda f: [f["token"].pk],
        "post",
        None,
        {ADMIN: 302, SALES: 404, MARKETING: 404, READ_ONLY: 404, None: 302},
    ),
]

CASES = [
    pytest.param(
        name, args, method, data, role, status, id=f"{name}-{method}-{role or 'anonymous'}"
    )
    for name, args, method, data, expected in MATRIX
    for role, status in expected.items()
]


@pytest.fixture
def targets(users):
    """Objects the URLs point at, owned by a user outside the matrix."""
    from merkur.core.users import user_create

    other = user_create(username="fremd", password="x", check_password=False)
    client = client_for(other)
    client.get(reverse("home"))  # opens a session for ``other``
    return {
        "target": other,
        "session": other.merkur_sessions.get(),
        "token": ApiToken.issue(user=other, name="Fremd")[0],
    }


@pytest.mark.parametrize(("name", "args", "method", "data", "role", "status"), CASES)
def test_core_page_permissions(client, users, targets, name, args, method, data, role, status):
    if role is not None:
        client = client_for(users[role])
    url = reverse(name, args=args(targets) if args else None)
    response = getattr(client, method)(url, data or {})
    assert response.status_code == status
    if status == 302 and role is None:
        assert response.url.startswith(reverse("login"))


def test_forbidden_page_uses_the_merkur_error_template(readonly_client):
    response = readonly_client.get(reverse("users"))
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]


def test_unknown_page_uses_the_merkur_error_template(readonly_client):
    response = readonly_client.get("/no-such-page/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]


def test_unknown_user_is_404_for_administrators(admin_client):
    assert admin_client.get(reverse("user_edit", args=[999_999])).status_code == 404
