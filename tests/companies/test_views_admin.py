"""Django's admin shows companies and people read-only, with the app's search."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.de", "x"))
    return client


def test_admin_company_search_tolerates_umlauts(superuser_client):
    make_company(name="Mueller AG")
    make_company(name="Schmidt AG")
    response = superuser_client.get("/django-admin/companies/company/", {"q": "Müller"})
    assert response.status_code == 200
    assert [c.name for c in response.context["cl"].result_list] == ["Mueller AG"]


def test_admin_shows_people_but_does_not_change_them(superuser_client):
    person = make_person(make_company())
    url = f"/django-admin/companies/person/{person.pk}/change/"
    assert superuser_client.get(url).status_code == 200
    assert superuser_client.post(url, {"last_name": "X"}).status_code == 403


def test_admin_refuses_to_add_companies(superuser_client):
    assert superuser_client.get("/django-admin/companies/company/add/").status_code == 403
