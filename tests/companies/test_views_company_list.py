"""The company list: filters, search, sort orders, keyset pages, counts, htmx fragment."""

import re

import pytest
from django.urls import reverse

from merkur.companies.models import (
    Company,
    CompanyClass,
    Function,
    Industry,
    InterestArea,
    SalesRep,
)
from merkur.companies.services import company_archive
from merkur.core.models import Locale
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db
LIST = reverse("companies:list")


def names(response) -> list[str]:
    """The company names in the table, in their order."""
    html = response.content.decode()
    body = html[html.index('id="company-list"') :]
    return re.findall(r'<a href="/companies/\d+/">([^<]+)</a>', body)


@pytest.fixture
def english(admin_user):
    admin_user.profile.locale = Locale.EN
    admin_user.profile.save()


@pytest.fixture
def world():
    """Three companies that differ in every filterable way, and one archived."""
    software = Industry.objects.create(name="Software")
    events = InterestArea.objects.create(name="Messen")
    a_class = CompanyClass.objects.create(name="A-Kunde")
    rep = SalesRep.objects.create(name="Huber")
    buyer = Function.objects.create(name="Einkäufer")
    alpha = make_company(
        name="Alpha AG",
        number="100",
        roles=["customer"],
        industries=[software],
        company_class=a_class,
        sales_rep=rep,
        address={"postal_code": "66111", "city": "Saarbrücken"},
    )
    make_person(alpha, functions=[buyer])
    beta = make_company(
        name="Beta GmbH",
        number="200",
        roles=["supplier"],
        interest_areas=[events],
        address={"postal_code": "8001", "city": "Zürich", "country": "CH"},
    )
    gamma = make_company(
        name="Gamma KG",
        number="300",
        roles=["prospect", "carrier"],
        address={"postal_code": "10115", "city": "Berlin"},
    )
    old = make_company(name="Delta OHG", number="400")
    company_archive(company=old, by=None)
    return {
        "software": software,
        "events": events,
        "class": a_class,
        "rep": rep,
        "buyer": buyer,
        "companies": (alpha, beta, gamma, old),
    }


FILTERS = [
    ("", ["Alpha AG", "Beta GmbH", "Gamma KG"]),
    ("role=supplier", ["Beta GmbH"]),
    ("role=supplier&role=carrier", ["Beta GmbH", "Gamma KG"]),
    ("industry={software}", ["Alpha AG"]),
    ("interest_area={events}", ["Beta GmbH"]),
    ("company_class={class}", ["Alpha AG"]),
    ("sales_rep={rep}", ["Alpha AG"]),
    ("function={buyer}", ["Alpha AG"]),
    ("country=CH", ["Beta GmbH"]),
    ("country=ch", ["Beta GmbH"]),
    ("postal_code=66", ["Alpha AG"]),
    ("city=zür", ["Beta GmbH"]),
    ("q=gamma", ["Gamma KG"]),
    ("q=300", ["Gamma KG"]),
    ("archived=only", ["Delta OHG"]),
    ("archived=yes", ["Alpha AG", "Beta GmbH", "Delta OHG", "Gamma KG"]),
    ("role=customer&country=CH", []),
]


@pytest.mark.parametrize(("query", "expected"), FILTERS)
def test_each_filter_narrows_the_list(admin_client, world, query, expected):
    ids = {key: entry.pk for key, entry in world.items() if hasattr(entry, "pk")}
    response = admin_client.get(f"{LIST}?{query.format(**ids)}")
    assert response.status_code == 200
    assert names(response) == expected


def test_umlaut_search_finds_both_spellings(admin_client):
    make_company(name="Mueller AG")
    make_company(name="müller gmbh")
    make_company(name="Miller Ltd")
    response = admin_client.get(LIST, {"q": "Müller"})
    assert sorted(names(response)) == ["Mueller AG", "müller gmbh"]


def test_search_finds_a_company_by_the_name_of_its_person(admin_client):
    company = make_company(name="Omega SA")
    make_person(company, last_name="Schäfer")
    assert names(admin_client.get(LIST, {"q": "schaefer"})) == ["Omega SA"]


SORTS = [
    ("name", ["Alpha AG", "Beta GmbH", "Gamma KG"]),
    ("-name", ["Gamma KG", "Beta GmbH", "Alpha AG"]),
    ("number", ["Alpha AG", "Beta GmbH", "Gamma KG"]),
    ("-number", ["Gamma KG", "Beta GmbH", "Alpha AG"]),
    # Postal codes sort within their country (CH before DE).
    ("postal_code", ["Beta GmbH", "Gamma KG", "Alpha AG"]),
    ("-postal_code", ["Alpha AG", "Gamma KG", "Beta GmbH"]),
    ("city", ["Gamma KG", "Alpha AG", "Beta GmbH"]),
    ("-city", ["Beta GmbH", "Alpha AG", "Gamma KG"]),
]


@pytest.mark.parametrize(("sort", "expected"), SORTS)
def test_list_sorts_by_the_chosen_column(admin_client, world, sort, expected):
    assert names(admin_client.get(LIST, {"sort": sort})) == expected


def test_sort_header_link_reverses_the_current_order_and_keeps_filters(admin_client, world):
    html = admin_client.get(LIST, {"sort": "name", "role": "supplier"}).content.decode()
    assert 'href="/companies/?role=supplier&amp;sort=-name"' in html


def _link(response, rel: str) -> str:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    assert match, f"no {rel} link"
    return match.group(1).replace("&amp;", "&")


@pytest.fixture
def many_companies():
    for i in range(55):
        make_company(name=f"Firma {i:02d}", roles=["customer"])


def test_next_and_previous_page_walk_the_list_by_keyset(admin_client, many_companies):
    first = admin_client.get(LIST)
    assert len(names(first)) == 50
    second = admin_client.get(_link(first, "next"))
    assert names(second) == [f"Firma {i:02d}" for i in range(50, 55)]
    assert 'rel="next"' not in second.content.decode()
    back = admin_client.get(_link(second, "prev"))
    assert names(back) == names(first)


def test_page_links_carry_filters_and_sort(admin_client, many_companies):
    first = admin_client.get(LIST, {"role": "customer", "sort": "-name"})
    next_url = _link(first, "next")
    assert "role=customer" in next_url and "sort=-name" in next_url
    assert names(admin_client.get(next_url)) == [f"Firma {i:02d}" for i in range(4, -1, -1)]


def test_invalid_cursor_shows_the_first_page_with_a_notice(admin_client, world):
    response = admin_client.get(LIST, {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert 'id="list-notice"' in response.content.decode()
    assert names(response) == ["Alpha AG", "Beta GmbH", "Gamma KG"]


def test_cursor_with_values_of_the_wrong_type_shows_the_first_page(admin_client, world):
    import base64
    import json

    payload = json.dumps({"k": [["x"], "abc"], "d": "n"}).encode()
    cursor = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    response = admin_client.get(LIST, {"cursor": cursor})
    assert response.status_code == 200
    assert 'id="list-notice"' in response.content.decode()


BAD_VALUES = [
    {"industry": "abc"},
    {"industry": "999999"},
    {"role": "emperor"},
    {"country": "ZZ"},
    {"archived": "maybe"},
    {"sort": "salary"},
    {"company_class": "99999999999999999999999"},
    {"postal_code": "x" * 50},
]


@pytest.mark.parametrize("params", BAD_VALUES)
def test_bad_filter_value_shows_an_error_and_still_lists(admin_client, world, params):
    response = admin_client.get(LIST, params)
    assert response.status_code == 200
    assert 'id="filter-errors"' in response.content.decode()
    assert names(response) == ["Alpha AG", "Beta GmbH", "Gamma KG"]


def test_a_bad_filter_does_not_spoil_the_good_ones(admin_client, world):
    response = admin_client.get(LIST, {"role": "supplier", "industry": "abc"})
    assert names(response) == ["Beta GmbH"]


def test_htmx_request_gets_only_the_table_fragment(admin_client, world):
    response = admin_client.get(LIST, {"role": "supplier"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="company-filter"' not in html
    assert 'id="company-list"' in html
    assert names(response) == ["Beta GmbH"]
    assert "HX-Request" in response.headers["Vary"]


def test_full_page_has_filter_form_and_table(admin_client, world):
    html = admin_client.get(LIST).content.decode()
    assert 'id="company-filter"' in html and 'hx-get="/companies/"' in html
    assert 'id="company-table"' in html


def test_history_restore_request_gets_the_full_page(admin_client, world):
    response = admin_client.get(
        LIST, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_filter_selects_offer_active_entries_only(admin_client, world):
    Industry.objects.create(name="Bergbau", is_active=False)
    html = admin_client.get(LIST).content.decode()
    assert "Software" in html and "Bergbau" not in html


def test_filter_by_an_inactive_entry_still_works(admin_client, world):
    world["software"].is_active = False
    world["software"].save()
    response = admin_client.get(LIST, {"industry": world["software"].pk})
    assert names(response) == ["Alpha AG"]


def test_count_is_exact_for_small_lists(admin_client, english, world):
    html = admin_client.get(LIST).content.decode()
    assert re.search(r'id="list-count">\s*3 companies', html)


def test_count_above_the_cap_says_more_than(admin_client, english, world, monkeypatch):
    from merkur.companies.views import companies as views
    from merkur.core import pagination

    monkeypatch.setattr(views, "COUNT_CAP", 2)
    monkeypatch.setattr(
        views, "capped_count", lambda queryset: pagination.capped_count(queryset, cap=2)
    )
    html = admin_client.get(LIST).content.decode()
    assert re.search(r'id="list-count">\s*more than 2 companies', html)


def test_list_runs_a_fixed_number_of_queries(
    admin_client, many_companies, django_assert_max_num_queries
):
    Company.objects.update(company_class=CompanyClass.objects.create(name="B"))
    with django_assert_max_num_queries(20):
        response = admin_client.get(LIST)
    assert len(names(response)) == 50
