"""The companies and people an import linked to a sales order: on the order's page (paged,
the import linked for who may open it) and at ``/api/v1/documents/{kind}/{number}/contacts``."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse

from merkur.business import services
from merkur.transfer.models import AddressImport, DocumentContact
from tests.api.conftest import ApiClient, token_key
from tests.conftest import client_for
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_locale():
    return "de"  # the page in the default language


def make_order(number: str):
    order, _created = services.document_save(
        kind="order",
        number=number,
        data={
            "company": make_company(name="Kunde GmbH"),
            "date": datetime.date(2026, 3, 1),
            "currency": "EUR",
        },
        lines=[],
    )
    return order


@pytest.fixture
def linked(sales_user, admin_user):
    """An order with three contacts: a company alone from the sales user's import, a
    person from the administrator's import, and one whose import was deleted."""
    order = make_order("A-2026-1")
    mine = AddressImport.objects.create(
        created_by=sales_user, file_name="messe.csv", stored_name="a.csv"
    )
    theirs = AddressImport.objects.create(
        created_by=admin_user, file_name="chef.csv", stored_name="b.csv"
    )
    alpha = make_company(name="Alpha Bau GmbH")
    beta = make_company(name="Beta Technik AG")
    gamma = make_company(name="Gamma Handel KG")
    berta = make_person(beta, first_name="Berta", last_name="Brandt")
    contacts = [
        DocumentContact.objects.create(document=order, company=alpha, source=mine),
        DocumentContact.objects.create(document=order, company=beta, person=berta, source=theirs),
        DocumentContact.objects.create(document=order, company=gamma, source=None),
    ]
    return {"order": order, "mine": mine, "theirs": theirs, "contacts": contacts, "berta": berta}


def page_of(client, order, **params) -> str:
    response = client.get(reverse("business:document", args=[order.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def section(page: str) -> str:
    start = page.index('id="document-contacts"')
    return page[start : page.index("</section>", start)]


def test_the_order_page_lists_the_contacts_with_their_import(linked, sales_user):
    shown = section(page_of(client_for(sales_user), linked["order"]))
    assert ">Firma</th>" in shown and ">Person</th>" in shown
    assert re.search(r'<span class="badge text-bg-light border">\s*3\s*</span>', shown)
    alpha = linked["contacts"][0].company
    assert f'<a href="{alpha.get_absolute_url()}">Alpha Bau GmbH</a>' in shown
    assert f'<a href="{linked["berta"].get_absolute_url()}">' in shown
    assert "Gamma Handel KG" in shown
    # The own import is a link; the administrator's is only named.
    assert f'<a href="{linked["mine"].get_absolute_url()}">messe.csv</a>' in shown
    assert "chef.csv" in shown
    assert linked["theirs"].get_absolute_url() not in shown
    assert shown.index("Alpha Bau") < shown.index("Beta Technik") < shown.index("Gamma Handel")


def test_readers_see_the_contacts_but_no_import_link(linked, readonly_user):
    shown = section(page_of(client_for(readonly_user), linked["order"]))
    assert "Alpha Bau GmbH" in shown and "messe.csv" in shown
    assert linked["mine"].get_absolute_url() not in shown


def test_administrators_may_open_every_import(linked, admin_user):
    shown = section(page_of(client_for(admin_user), linked["order"]))
    assert linked["mine"].get_absolute_url() in shown
    assert linked["theirs"].get_absolute_url() in shown


def test_many_contacts_are_paged(linked, sales_user, monkeypatch):
    monkeypatch.setattr("merkur.companies.views.common.PER_PAGE", 2)
    client = client_for(sales_user)
    first = section(page_of(client, linked["order"]))
    assert "Alpha Bau GmbH" in first and "Beta Technik AG" in first
    assert "Gamma Handel KG" not in first
    assert "Nächste Seite" in first
    cursor = first.split('rel="next" href="', 1)[1].split("cursor=", 1)[1].split('"', 1)[0]
    second = section(page_of(client, linked["order"], cursor=cursor))
    assert "Gamma Handel KG" in second and "Alpha Bau GmbH" not in second
    assert "Vorherige Seite" in second
    # A spoiled link starts again from the first page, with a notice.
    spoiled = section(page_of(client, linked["order"], cursor="kaputt"))
    assert "Alpha Bau GmbH" in spoiled and "nicht mehr gültig" in spoiled


def test_an_order_without_imported_contacts_has_no_such_section(linked, sales_user):
    page = page_of(client_for(sales_user), make_order("A-2026-2"))
    assert 'id="document-contacts"' not in page
    assert "Alpha Bau GmbH" not in page


# --- API ---------------------------------------------------------------------------------------

URL = "/api/v1/documents/order/A-2026-1/contacts"


def test_the_api_lists_the_contacts_paged(linked, readonly_user):
    api = ApiClient(token_key(readonly_user))
    answer = api.get(URL, {"limit": 2}).json()
    assert (answer["count"], answer["count_exact"]) == (3, True)
    first, second = answer["items"]
    assert first["company"]["name"] == "Alpha Bau GmbH" and first["person"] is None
    assert first["source"]["id"] == linked["mine"].pk
    assert first["source"]["file_name"] == "messe.csv"
    assert second["person"] == {"id": linked["berta"].pk, "name": str(linked["berta"])}
    rest = api.get(URL, {"limit": 2, "cursor": answer["next_cursor"]}).json()
    [last] = rest["items"]
    assert (last["company"]["name"], last["source"], rest["next_cursor"]) == (
        "Gamma Handel KG",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/documents/order/A-404/contacts", 404),
        ("/api/v1/documents/offer/A-2026-1/contacts", 404),
        ("/api/v1/documents/invoice/A-2026-1/contacts", 422),
        (URL + "?cursor=kaputt", 400),
        (URL + "?limit=0", 422),
    ],
)
def test_the_api_answers_bad_requests_with_4xx(linked, readonly_user, path, status):
    api = ApiClient(token_key(readonly_user))
    assert api.get(path).status_code == status


def test_the_api_needs_authentication(linked):
    assert Client().get(URL).status_code == 401
