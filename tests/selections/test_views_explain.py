"""Explain pages: the count after each criterion, and why one person is in the selection
or not — for a saved selection (GET) and for the draft in the builder (POST)."""

import html
import json
import re

import pytest
from django.urls import reverse

from merkur.selections import services
from merkur.selections.explain import RUNNING_MAX
from tests.conftest import _user, client_for
from tests.selections.test_example import data as example_data  # noqa: F401 (the fixture)
from tests.selections.test_example import example

pytestmark = pytest.mark.django_db

DRAFT = reverse("selections:explain")
YEAR_2025 = {"from": "2025-01-01", "to": "2025-12-31"}


def fixed(ids) -> dict:
    """The product example with "last year" written as 2025, so it does not move with the
    clock."""
    definition = example(ids)
    definition["where"]["and"][1]["params"]["period"] = YEAR_2025
    return definition


@pytest.fixture
def saved(example_data, sales_user):  # noqa: F811
    ids, people = example_data
    selection = services.selection_save(
        data={"name": "Beispiel", "shared": True, "definition": fixed(ids)}, by=sales_user
    )
    return selection, ids, people


def steps(text: str) -> list[tuple[int, str, str, str]]:
    """The rows of the step table: depth, description, count alone, count after the step."""
    body = text[text.index('id="step-table"') : text.index("</table>")]
    rows = re.findall(
        r'data-depth="(\d+)">\s*<td[^>]*>(?:<span class="fw-semibold">)?([^<]+)(?:</span>)?</td>'
        r'\s*<td class="text-end sel-step-count">([^<]*)</td>'
        r'\s*<td class="text-end sel-step-running">([^<]*)</td>',
        body,
    )
    return [(int(depth), text, count, running) for depth, text, count, running in rows]


def why_nodes(text: str) -> dict[str, tuple[str, bool]]:
    """path → (matched, on the deciding branch)."""
    found = re.findall(
        r'data-path="([\w.]+)" data-matched="(true|false)"( data-deciding="true")?', text
    )
    return {path: (matched, bool(deciding)) for path, matched, deciding in found}


def test_the_counts_after_each_criterion_of_a_saved_selection(saved, readonly_user):
    selection, _ids, _people = saved
    response = client_for(readonly_user).get(
        reverse("selections:explain_saved", args=[selection.pk])
    )
    assert response.status_code == 200
    rows = steps(response.content.decode())
    assert rows[0] == (0, "All people", "37", "")
    assert rows[1] == (0, "all of", "6", "")
    assert rows[2] == (1, "Country is one of DE", "34", "34")
    assert rows[3][1].startswith("Revenue at least 100,000 EUR") and rows[3][2:] == ("22", "19")
    assert rows[-1][0] == 3 and rows[-1][2:] == ("7", "3")  # the industry, in the OR's AND
    # The change against the step before: 34 → 19.
    assert "−15" in response.content.decode()


def test_why_a_buyer_is_in_with_the_deciding_branch_and_her_figures(saved, sales_user):
    selection, _ids, people = saved
    url = reverse("selections:explain_saved", args=[selection.pk])
    text = client_for(sales_user).get(url, {"record": people["chf_buyer"].pk}).content.decode()
    assert 'id="why-verdict" data-selected="true"' in text
    assert "2025: 100,100.00 EUR" in text  # 91,000 CHF at 1.10, next to the threshold
    nodes = why_nodes(text)
    assert nodes["where.and.5.or.1"] == ("true", True)  # the buyer branch decided
    assert nodes["where.and.5.or.2"] == ("false", False)
    assert nodes["where.and.4.not"] == ("false", True)  # not in 66xxx
    assert people["chf_buyer"].company.name in text


def test_why_a_managing_director_is_out(saved, sales_user):
    selection, _ids, people = saved
    url = reverse("selections:explain_saved", args=[selection.pk])
    text = client_for(sales_user).get(url, {"record": people["db_poor_boss"].pk}).content.decode()
    assert 'id="why-verdict" data-selected="false"' in text
    assert "Kept out by:" in text and "2025: 1,000.00 EUR" in text
    nodes = why_nodes(text)
    assert nodes["where.and.2"] == ("false", True)  # the revenue kept him out
    assert nodes["where.and.1"] == ("true", False)


def test_figures_and_counts_follow_the_users_locale(saved):
    selection, _ids, people = saved
    swiss = _user("schweizer", "sales", "de-ch")
    url = reverse("selections:explain_saved", args=[selection.pk])
    text = client_for(swiss).get(url, {"record": people["chf_buyer"].pk}).content.decode()
    assert "2025: 100'100.00 EUR" in html.unescape(text)


def test_an_unknown_record_is_a_message(saved, sales_user):
    selection, _ids, _people = saved
    url = reverse("selections:explain_saved", args=[selection.pk])
    client = client_for(sales_user)
    text = client.get(url, {"record": "999999"}).content.decode()
    assert 'id="why-error"' in text and "No person with the id 999999." in text
    for bad in ("abc", "-1", "9" * 40):
        response = client.get(url, {"record": bad})
        assert response.status_code == 200 and 'id="why-result"' not in response.content.decode()


def test_people_are_found_by_name_to_explain(saved, sales_user):
    selection, _ids, people = saved
    url = reverse("selections:explain_saved", args=[selection.pk])
    wanted = people["db_ok_boss"]
    text = client_for(sales_user).get(url, {"q": wanted.last_name}).content.decode()
    assert f"record={wanted.pk}" in text and "Daten GmbH" in text
    text = client_for(sales_user).get(url, {"q": "gibtsnicht"}).content.decode()
    assert 'id="why-nothing"' in text


def test_the_draft_in_the_builder_is_explained(example_data, sales_user):  # noqa: F811
    ids, people = example_data
    client = client_for(sales_user)
    data = {"definition": json.dumps(fixed(ids)), "record": people["db_ok_both"].pk}
    response = client.post(DRAFT, data)
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="why-verdict" data-selected="true"' in text and "Explain the new selection" in text
    assert steps(text)[2] == (1, "Country is one of DE", "34", "34")
    # The page keeps the draft to go back to the builder with it.
    assert 'id="back-to-builder"' in text and 'name="definition"' in text
    wanted = people["db_ok_boss"]
    response = client.post(DRAFT, {"definition": json.dumps(fixed(ids)), "q": wanted.last_name})
    assert f'name="record" value="{wanted.pk}"' in response.content.decode()


def test_an_incomplete_or_unreadable_draft_is_a_message(sales_user, example_data):  # noqa: F811
    client = client_for(sales_user)
    incomplete = {"version": 1, "where": {"and": [{"criterion": "address.city", "op": "equals"}]}}
    response = client.post(DRAFT, {"definition": json.dumps(incomplete)})
    assert response.status_code == 422
    assert "not complete yet" in response.content.decode()
    response = client.post(DRAFT, {"definition": "{]"})
    assert response.status_code == 422 and 'id="explain-error"' in response.content.decode()


def test_groups_too_large_for_running_counts_say_so(sales_user, example_data):  # noqa: F811
    items = [
        {"criterion": "address.postal_code", "op": "equals", "value": f"{n:05d}"}
        for n in range(RUNNING_MAX + 1)
    ]
    definition = {"version": 1, "where": {"or": items}}
    text = client_for(sales_user).post(DRAFT, {"definition": json.dumps(definition)})
    text = text.content.decode()
    assert 'id="running-max-note"' in text
    assert all(running == "" for _depth, _text, _count, running in steps(text))


def test_explaining_needs_a_visible_selection(saved, marketing_user, client):
    _selection, _ids, _people = saved
    private = services.selection_save(
        data={"name": "Geheim", "definition": {"version": 1}}, by=marketing_user
    )
    other = _user("fremd", "sales")
    url = reverse("selections:explain_saved", args=[private.pk])
    assert client_for(other).get(url).status_code == 404
    assert client_for(marketing_user).get(url).status_code == 200
    ref = {"criterion": "selection.in", "op": "in", "value": [private.pk]}
    response = client_for(other).post(
        DRAFT, {"definition": json.dumps({"version": 1, "where": ref})}
    )
    assert response.status_code == 422 and "Geheim" not in response.content.decode()
    assert client.get(url).status_code == 302
    assert client.post(DRAFT, {}).status_code == 302
    assert client_for(other).get(DRAFT).status_code == 405


def test_companies_are_explained_and_found_by_name(sales_user):
    from tests.factories import make_company

    berlin = make_company(name="Spree Werke", address={"postal_code": "10115"})
    saar = make_company(name="Saar Werke", address={"postal_code": "66111"})
    definition = {
        "version": 1,
        "target": "companies",
        "where": {"not": {"criterion": "address.postal_code", "op": "starts_with", "value": "66"}},
    }
    client = client_for(sales_user)
    data = {"definition": json.dumps(definition), "q": "Werke", "record": saar.pk}
    text = client.post(DRAFT, data).content.decode()
    assert "Why is a company in the selection, or not?" in text
    assert f'name="record" value="{berlin.pk}"' in text and "Saar Werke" in text
    assert 'id="why-verdict" data-selected="false"' in text
    assert why_nodes(text)["where.not"] == ("true", True)  # in 66xxx: kept out
    assert steps(text)[0] == (0, "All companies", "2", "")
    data["record"] = berlin.pk
    assert 'data-selected="true"' in client.post(DRAFT, data).content.decode()
    data["record"] = 10**17
    assert "No company with the id" in client.post(DRAFT, data).content.decode()


def test_the_builder_of_a_saved_selection_links_its_pages(saved, sales_user, marketing_user):
    selection, _ids, _people = saved
    text = client_for(sales_user).get(reverse("selections:edit", args=[selection.pk]))
    text = text.content.decode()
    for name in ("runs", "explain_saved", "delete"):
        assert reverse(f"selections:{name}", args=[selection.pk]) in text
    text = client_for(marketing_user).get(reverse("selections:edit", args=[selection.pk]))
    text = text.content.decode()
    assert reverse("selections:runs", args=[selection.pk]) in text
    assert reverse("selections:delete", args=[selection.pk]) not in text  # not the owner
