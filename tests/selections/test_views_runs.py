"""Frozen runs in the browser: the runs of a saved selection, freezing it, a run's members
paged by keyset, its CSV, and comparing two runs — and who may see them."""

import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from merkur.companies.models import CompanyAddress, Person
from merkur.companies.services import person_archive
from merkur.selections import runs, services
from merkur.selections.models import SelectionRun
from merkur.selections.recipients import recipients
from merkur.selections.views.members import for_purpose, member_page
from tests.conftest import client_for
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db

DE = {"criterion": "address.country", "op": "in", "value": ["DE"]}


def people(where=None) -> dict:
    data = {"version": 1, "target": "people"}
    if where is not None:
        data["where"] = where
    return data


@pytest.fixture
def world(sales_user):
    berlin = make_company(name="Berlin AG", address={"postal_code": "10115", "city": "Berlin"})
    wien = make_company(
        name="Wien GmbH", address={"country": "AT", "postal_code": "1010", "city": "Wien"}
    )
    found = {
        "anna": make_person(berlin, last_name="Albers"),
        "bert": make_person(berlin, last_name="Bauer"),
        "dora": make_person(wien, last_name="Dorn"),
    }
    selection = services.selection_save(
        data={"name": "Deutschland", "shared": True, "definition": people({"and": [DE]})},
        by=sales_user,
    )
    return {"selection": selection, "berlin": berlin, "wien": wien, **found}


def names(text: str, table: str) -> list[str]:
    start = text.index(f'id="{table}"')
    body = text[start : text.index("</table>", start)]
    return re.findall(r"<tr><td>Erika (\w+)</td>", body)


# --- the runs of a selection, freezing ------------------------------------------------------


def test_freezing_a_saved_selection_lists_the_run(sales_user, world):
    client = client_for(sales_user)
    url = reverse("selections:runs", args=[world["selection"].pk])
    assert "not been frozen yet" in client.get(url).content.decode()
    response = client.post(reverse("selections:freeze_saved", args=[world["selection"].pk]))
    assert response.status_code == 302 and response["Location"] == url
    run = SelectionRun.objects.get()
    assert run.selection == world["selection"] and run.count == 2 and run.by == sales_user
    text = client.get(url).content.decode()
    assert "Frozen: 2 records" in text
    assert reverse("selections:run_detail", args=[run.pk]) in text
    assert f'data-run="{run.pk}"' in text and 'id="freeze-now"' in text


def test_read_only_users_see_runs_but_do_not_freeze(sales_user, readonly_user, world):
    run = runs.freeze(world["selection"].definition, by=sales_user, selection=world["selection"])
    client = client_for(readonly_user)
    text = client.get(reverse("selections:runs", args=[world["selection"].pk])).content.decode()
    assert f'data-run="{run.pk}"' in text and 'id="freeze-now"' not in text
    assert client.get(reverse("selections:run_detail", args=[run.pk])).status_code == 200
    response = client.post(reverse("selections:freeze_saved", args=[world["selection"].pk]))
    assert response.status_code == 403
    assert SelectionRun.objects.count() == 1


def test_runs_of_private_selections_are_for_their_owner_only(
    sales_user, marketing_user, admin_user, world
):
    private = services.selection_save(
        data={"name": "Geheim", "definition": people()}, by=marketing_user
    )
    run = runs.freeze(private.definition, by=marketing_user, selection=private)
    ad_hoc = runs.freeze(people(), by=marketing_user)
    for user in (sales_user, admin_user):
        client = client_for(user)
        assert client.get(reverse("selections:runs", args=[private.pk])).status_code == 404
        for pk in (run.pk, ad_hoc.pk):
            assert client.get(reverse("selections:run_detail", args=[pk])).status_code == 404
            assert client.get(reverse("selections:run_csv", args=[pk])).status_code == 404
        response = client.post(reverse("selections:freeze_saved", args=[private.pk]))
        assert response.status_code == 404
        compare = reverse("selections:compare") + f"?earlier={run.pk}&later={ad_hoc.pk}"
        assert client.get(compare).status_code == 404
        assert "Geheim" not in client.get(reverse("selections:all_runs")).content.decode()
    owner = client_for(marketing_user)
    text = owner.get(reverse("selections:all_runs")).content.decode()
    assert f'data-run="{run.pk}"' in text and f'data-run="{ad_hoc.pk}"' in text
    assert "ad-hoc selection" in text


def test_anonymous_users_are_sent_to_log_in(client, world):
    for url in (
        reverse("selections:runs", args=[world["selection"].pk]),
        reverse("selections:all_runs"),
        reverse("selections:run_detail", args=[1]),
        reverse("selections:compare"),
    ):
        assert client.get(url).status_code == 302
    assert client.post(reverse("selections:freeze_saved", args=[1])).status_code == 302


# --- a run and its members -----------------------------------------------------------------


def test_a_run_shows_its_members_as_frozen(sales_user, world):
    run = runs.freeze(world["selection"].definition, by=sales_user, selection=world["selection"])
    Person.objects.filter(pk=world["anna"].pk).update(last_name="Umbenannt")
    person_archive(person=world["bert"], by=sales_user)
    client = client_for(sales_user)
    text = client.get(reverse("selections:run_detail", args=[run.pk])).content.decode()
    assert "2 members" in text and 'id="run-count">2<' in text
    # Frozen: who was in it stays in it; names are today's.
    assert names(text, "member-table") == ["Umbenannt", "Bauer"]
    assert "Berlin AG" in text and "10115 Berlin" in text


def test_a_run_leaves_out_objectors_for_marketing(sales_user, world):
    run = runs.freeze(world["selection"].definition, by=sales_user, selection=world["selection"])
    Person.objects.filter(pk=world["anna"].pk).update(marketing_opt_out_at=timezone.now())
    client = client_for(sales_user)
    url = reverse("selections:run_detail", args=[run.pk])
    text = client.get(url, {"purpose": "marketing"}).content.decode()
    assert names(text, "member-table") == ["Bauer"] and "1 member" in text
    assert names(client.get(url).content.decode(), "member-table") == ["Albers", "Bauer"]
    csv = client.get(reverse("selections:run_csv", args=[run.pk]), {"purpose": "marketing"})
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").strip().split("\r\n")
    assert len(lines) == 2 and "Bauer" in lines[1]


@pytest.fixture
def crowd(sales_user):
    """Forty people in six places (some sharing postal codes, one company without any
    address), frozen in one run."""
    places = [
        ("DE", "10115", "Berlin"),
        ("DE", "10115", "Berlin"),
        ("DE", "80331", "München"),
        ("AT", "1010", "Wien"),
        ("CH", "8001", "Zürich"),
        ("DE", "01067", "Dresden"),
    ]
    companies = []
    for number, (country, code, city) in enumerate(places):
        companies.append(
            make_company(
                name=f"Firma {5 - number}",
                address={"country": country, "postal_code": code, "city": city},
            )
        )
    CompanyAddress.objects.filter(company=companies[-1]).delete()  # no address at all
    for number in range(40):
        make_person(companies[number % len(companies)], last_name=f"Name{(number * 7) % 13:02d}")
    return runs.freeze(people(), by=sales_user)


@pytest.mark.parametrize("sort", ["postal_code", "name", "company", "country"])
@pytest.mark.parametrize("purpose", ["marketing", "non_marketing"])
def test_member_pages_walk_the_whole_run_in_the_sort_order(crowd, sort, purpose):
    Person.objects.filter(last_name="Name03").update(marketing_opt_out_at=timezone.now())
    expected = [
        (row["person_pk"], row["company_pk"])
        for row in recipients(crowd, sort=sort, dedupe=None, purpose=purpose)
    ]
    members = for_purpose(crowd.members.all(), purpose)
    seen, cursor, pages = [], None, []
    while True:
        page = member_page(members, sort=sort, cursor=cursor, per_page=7)
        pages.append(page)
        seen += [(row["person_pk"], row["company_pk"]) for row in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected
    assert len(pages) == -(-len(expected) // 7)
    # And back: each previous page is the page before.
    for earlier, later in itertools.pairwise(pages):
        back = member_page(members, sort=sort, cursor=later.previous_cursor, per_page=7)
        assert back.rows == earlier.rows


def test_bad_cursors_give_the_first_page_with_a_notice(sales_user, crowd):
    client = client_for(sales_user)
    url = reverse("selections:run_detail", args=[crowd.pk])
    first = names(client.get(url).content.decode(), "member-table")
    for cursor in ("x", "eyJrIjogWzFdLCAiZCI6ICJuIn0", "W10", "e30"):
        text = client.get(url, {"cursor": cursor}).content.decode()
        assert "no longer valid" in text
        assert names(text, "member-table") == first
    # A cursor of another sort's shape is refused too, not an error page.
    page = member_page(crowd.members.all(), sort="name", cursor=None, per_page=5)
    text = client.get(url, {"cursor": page.next_cursor, "sort": "postal_code"}).content.decode()
    assert "no longer valid" in text


def test_the_run_page_links_its_pages(sales_user, crowd):
    client = client_for(sales_user)
    url = reverse("selections:run_detail", args=[crowd.pk])
    text = client.get(url, {"sort": "name"}).content.decode()
    assert "40 members" in text and len(names(text, "member-table")) == 40
    many = [make_person(make_company(name="Viele AG"), last_name=f"Viel{n:02d}") for n in range(15)]
    assert many
    big = runs.freeze(people(), by=sales_user)
    url = reverse("selections:run_detail", args=[big.pk])
    text = client.get(url, {"sort": "name"}).content.decode()
    assert len(names(text, "member-table")) == 50
    next_url = re.search(r'class="page-link next-page" rel="next" href="([^"]+)"', text).group(1)
    assert "sort=name" in next_url
    text = client.get(next_url.replace("&amp;", "&")).content.decode()
    assert len(names(text, "member-table")) == 5


# --- comparing ---------------------------------------------------------------------------------


def test_two_runs_compare_by_who_is_new_and_who_dropped_out(sales_user, world):
    selection = world["selection"]
    earlier = runs.freeze(selection.definition, by=sales_user, selection=selection)
    person_archive(person=world["anna"], by=sales_user)
    new = make_person(world["berlin"], last_name="Neumann")
    later = runs.freeze(selection.definition, by=sales_user, selection=selection)
    client = client_for(sales_user)
    url = reverse("selections:compare")
    # The order the two are given in does not matter: the older one is "earlier".
    for first, second in ((earlier, later), (later, earlier)):
        text = client.get(url, {"earlier": first.pk, "later": second.pk}).content.decode()
        assert 'id="new-count" data-count="1"' in text
        assert 'id="dropped-count" data-count="1"' in text
        assert names(text, "new-table") == ["Neumann"]
        assert names(text, "dropped-table") == ["Albers"]
    assert new.pk
    text = client.get(reverse("selections:runs", args=[selection.pk])).content.decode()
    assert 'id="compare-form"' in text
    text = client.get(reverse("selections:run_detail", args=[later.pk])).content.decode()
    assert f'<option value="{earlier.pk}">' in text


def test_runs_of_different_targets_do_not_compare(sales_user, world):
    a = runs.freeze(people(), by=sales_user)
    b = runs.freeze({"version": 1, "target": "companies"}, by=sales_user)
    response = client_for(sales_user).get(
        reverse("selections:compare"), {"earlier": a.pk, "later": b.pk}
    )
    assert response.status_code == 422
    assert "Only runs of the same target" in response.content.decode()


def test_compare_needs_two_runs_it_can_see(sales_user, world):
    client = client_for(sales_user)
    a = runs.freeze(people(), by=sales_user)
    url = reverse("selections:compare")
    for params in ({}, {"earlier": a.pk}, {"earlier": "x", "later": a.pk}, {"later": 10**30}):
        assert client.get(url, params).status_code == 404


def test_tampered_cursor_values_give_a_page_not_an_error(sales_user, crowd):
    import base64
    import json

    client = client_for(sales_user)
    url = reverse("selections:run_detail", args=[crowd.pk])
    for values in (
        ["Deutschland", "9" * 900, None, "x", 1],
        [None, None, None, None, 2**62],
        ["", "", "", "", 1],
    ):
        cursor = base64.urlsafe_b64encode(json.dumps({"k": values, "d": "p"}).encode()).decode()
        response = client.get(url, {"cursor": cursor.rstrip("=")})
        assert response.status_code == 200
    for values in (["DE", "1", "a", "b", True], ["DE", 5, "a", "b", 1], ["\x00", "", "", "", 1]):
        cursor = base64.urlsafe_b64encode(json.dumps({"k": values, "d": "n"}).encode()).decode()
        text = client.get(url, {"cursor": cursor}).content.decode()
        assert "no longer valid" in text


def test_freezing_in_the_builder_links_the_new_run(sales_user, world):
    import json

    data = {"definition": json.dumps(world["selection"].definition)}
    response = client_for(sales_user).post(reverse("selections:freeze"), data)
    run = SelectionRun.objects.get()
    assert run.selection is None  # not posted as the saved one: an ad-hoc run
    text = response.content.decode()
    assert f'href="{reverse("selections:run_detail", args=[run.pk])}"' in text
