"""Who may reach the master-data pages: administrators only; anonymous users log in first."""

import pytest
from django.test import Client
from django.urls import reverse

from merkur.companies.models import Industry
from merkur.core.roles import Role
from tests.conftest import client_for
from tests.factories import make_industry

pytestmark = pytest.mark.django_db

# (url name, method, needs an entry); a POST that would change data is also
# checked to have left it alone when refused.
URLS = [
    ("master:index", "get", False),
    ("master:list", "get", False),
    ("master:create", "post", False),
    ("master:edit", "get", True),
    ("master:edit", "post", True),
    ("master:delete", "get", True),
    ("master:delete", "post", True),
    ("master:move", "post", True),
    ("master:toggle", "post", True),
]
EXPECTED = {
    Role.ADMIN: {"get": 200, "post": 302},
    Role.SALES: {"get": 403, "post": 403},
    Role.MARKETING: {"get": 403, "post": 403},
    Role.READ_ONLY: {"get": 403, "post": 403},
}


def _url(name: str, entry: Industry | None) -> str:
    if name == "master:index":
        return reverse(name)
    if name == "master:move":
        return reverse(name, args=["industries", entry.pk, "down"])
    if entry is None:
        return reverse(name, args=["industries"])
    return reverse(name, args=["industries", entry.pk])


def _post_data(name: str) -> dict:
    return {"master:create": {"name": "Neu"}, "master:edit": {"name": "Umbenannt"}}.get(name, {})


def _snapshot() -> list[tuple]:
    return list(Industry.objects.order_by("pk").values_list("name", "is_active", "sort_order"))


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize(("name", "method", "needs_entry"), URLS)
def test_master_data_permission_matrix(users, role, name, method, needs_entry):
    entry = make_industry("Maschinenbau") if needs_entry else None
    make_industry("Bergbau")  # a neighbour, so a move has somewhere to go
    before = _snapshot()
    client = client_for(users[role])
    response = getattr(client, method)(_url(name, entry), _post_data(name))
    assert response.status_code == EXPECTED[role][method]
    if response.status_code == 403:
        assert _snapshot() == before


@pytest.mark.parametrize(("name", "method", "needs_entry"), URLS)
def test_anonymous_users_are_sent_to_the_login_page(db, name, method, needs_entry):
    entry = make_industry("Maschinenbau") if needs_entry else None
    before = _snapshot()
    url = _url(name, entry)
    response = getattr(Client(), method)(url, _post_data(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert _snapshot() == before


def test_master_data_link_in_the_menu_only_for_administrators(admin_client, sales_client):
    url = reverse("master:index")
    assert f'href="{url}"' in admin_client.get(reverse("home")).content.decode()
    assert f'href="{url}"' not in sales_client.get(reverse("home")).content.decode()
