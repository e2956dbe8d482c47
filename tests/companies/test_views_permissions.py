"""Who may open which company, people and address page — one table drives them all."""

import pytest
from django.test import Client
from django.urls import reverse

from merkur.companies import services
from merkur.companies.models import Company, CompanyAddress
from merkur.core.roles import Role
from tests.conftest import client_for
from tests.factories import address_data, make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    company = make_company()
    person = make_person(company)
    link = services.company_address_add(
        company=company, kind=CompanyAddress.Kind.DELIVERY, address=address_data(), by=None
    )
    return {"company": company.pk, "person": person.pk, "link": link.pk}


# (url name, argument keys, method): every page that changes something.
WRITE_PAGES = [
    ("companies:create", (), "get"),
    ("companies:create", (), "post"),
    ("companies:edit", ("company",), "get"),
    ("companies:edit", ("company",), "post"),
    ("companies:archive", ("company",), "get"),
    ("companies:archive", ("company",), "post"),
    ("companies:restore", ("company",), "post"),
    ("companies:contact_address_edit", ("company",), "post"),
    ("companies:address_add", ("company", "delivery"), "get"),
    ("companies:address_add", ("company", "employee"), "post"),
    ("companies:address_edit", ("link",), "get"),
    ("companies:address_edit", ("link",), "post"),
    ("companies:address_set_default", ("link",), "post"),
    ("companies:address_remove", ("link",), "get"),
    ("companies:address_remove", ("link",), "post"),
    ("companies:person_create", ("company",), "get"),
    ("companies:person_create", ("company",), "post"),
    ("companies:person_edit", ("person",), "post"),
    ("companies:person_move", ("person",), "get"),
    ("companies:person_move", ("person",), "post"),
    ("companies:person_archive", ("person",), "post"),
    ("companies:person_restore", ("person",), "post"),
]
READ_PAGES = [
    ("companies:list", ()),
    ("companies:people", ()),
    ("companies:autocomplete", ()),
    ("companies:detail", ("company",)),
    ("companies:history", ("company",)),
    ("companies:person", ("person",)),
]


def url_for(name: str, keys: tuple, records: dict) -> str:
    return reverse(name, args=[records.get(key, key) for key in keys])


@pytest.mark.parametrize(("name", "keys", "method"), WRITE_PAGES)
def test_read_only_user_gets_403_on_every_write_page(readonly_client, records, name, keys, method):
    response = getattr(readonly_client, method)(url_for(name, keys, records))
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "keys", "method"), WRITE_PAGES)
def test_anonymous_user_is_sent_to_login_from_every_write_page(records, name, keys, method):
    response = getattr(Client(), method)(url_for(name, keys, records))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "keys"), READ_PAGES)
def test_anonymous_user_is_sent_to_login_from_every_read_page(records, name, keys):
    response = Client().get(url_for(name, keys, records))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES, Role.MARKETING, Role.READ_ONLY])
@pytest.mark.parametrize(("name", "keys"), READ_PAGES)
def test_every_role_may_read(users, records, role, name, keys):
    response = client_for(users[role]).get(url_for(name, keys, records))
    assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SALES, Role.MARKETING])
@pytest.mark.parametrize(
    ("name", "keys"),
    [(name, keys) for name, keys, method in WRITE_PAGES if method == "get"],
)
def test_editing_roles_may_open_the_write_pages(users, records, role, name, keys):
    response = client_for(users[role]).get(url_for(name, keys, records))
    assert response.status_code == 200


def test_read_only_write_attempt_changes_nothing(readonly_client, records):
    readonly_client.post(reverse("companies:archive", args=[records["company"]]))
    assert not Company.objects.get(pk=records["company"]).is_archived
