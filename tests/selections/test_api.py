"""The selections API: permissions, definitions refused with the node's path, counting,
running with paging, saved selections, frozen runs and their comparison."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from merkur.companies import services as companies
from merkur.companies.models import Person
from merkur.selections.models import SavedSelection, SelectionRun
from merkur.selections.services import selection_save
from tests.conftest import client_for
from tests.factories import make_company, make_person
from tests.selections.test_example import data, example  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

API = "/api/v1"
GERMANY = {
    "version": 1,
    "target": "people",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
}
AUSTRIA = {**GERMANY, "where": {"criterion": "address.country", "op": "in", "value": ["AT"]}}


def post(client, path: str, body) -> tuple[int, dict]:
    response = client.post(f"{API}{path}", json.dumps(body), content_type="application/json")
    return response.status_code, (response.json() if response.content else {})


def patch(client, path: str, body) -> tuple[int, dict]:
    response = client.patch(f"{API}{path}", json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def get(client, path: str, **params) -> tuple[int, dict]:
    response = client.get(f"{API}{path}", params)
    return response.status_code, response.json()


@pytest.fixture
def world():
    berlin = make_company(name="Berlin AG", address={"postal_code": "10115", "city": "Berlin"})
    munich = make_company(name="München AG", address={"postal_code": "80331", "city": "München"})
    wien = make_company(name="Wien AG", address={"country": "AT", "postal_code": "1010"})
    people = {
        "anna": make_person(berlin, last_name="Albers"),
        "bert": make_person(berlin, last_name="Brandt"),
        "carl": make_person(munich, last_name="Claus"),
        "dora": make_person(munich, last_name="=HYPERLINK(1)"),
        "emil": make_person(wien, last_name="Egger"),
    }
    return {"berlin": berlin, "munich": munich, "wien": wien, **people}


@pytest.fixture
def selections(world, marketing_user, sales_user):
    """A shared and a private selection of marketing, a private one of sales."""
    shared = selection_save(
        data={"name": "Deutschland", "shared": True, "definition": GERMANY}, by=marketing_user
    )
    private = selection_save(data={"name": "Österreich", "definition": AUSTRIA}, by=marketing_user)
    others = selection_save(data={"name": "Vertrieb DE", "definition": GERMANY}, by=sales_user)
    return {"shared": shared, "private": private, "others": others}


# --- permissions -------------------------------------------------------------------------------


def test_anonymous_callers_get_401_everywhere(selections):
    anonymous = Client()
    assert anonymous.get(f"{API}/selections/catalog").status_code == 401
    assert anonymous.get(f"{API}/selections").status_code == 401
    assert post(anonymous, "/selections/count", {"definition": GERMANY})[0] == 401
    assert post(anonymous, "/selections/run", {"selection": selections["shared"].pk})[0] == 401
    assert post(anonymous, f"/selections/{selections['shared'].pk}/freeze", {})[0] == 401


def test_read_only_users_count_and_run_shared_selections_but_cannot_save_or_freeze(
    selections, readonly_user
):
    client = client_for(readonly_user)
    shared = selections["shared"].pk
    assert post(client, "/selections/count", {"selection": shared})[1]["count"] == 4
    status, body = post(client, "/selections/run", {"selection": shared})
    assert status == 200 and body["count"] == 4
    assert post(client, "/selections/count", {"definition": GERMANY})[0] == 200
    assert post(client, "/selections", {"name": "Mine", "definition": GERMANY})[0] == 403
    assert post(client, f"/selections/{shared}/freeze", {})[0] == 403
    assert patch(client, f"/selections/{shared}", {"name": "Neu"})[0] == 403
    assert client.delete(f"{API}/selections/{shared}").status_code == 403
    assert not SelectionRun.objects.exists()


def test_private_selections_of_others_are_not_found(selections, readonly_user, marketing_user):
    private = selections["private"].pk
    for user in (readonly_user,):
        client = client_for(user)
        assert get(client, f"/selections/{private}")[0] == 404
        assert post(client, "/selections/count", {"selection": private})[0] == 404
        assert post(client, "/selections/run", {"selection": private})[0] == 404
    own = client_for(marketing_user)
    assert get(own, f"/selections/{private}")[0] == 200
    assert get(own, f"/selections/{selections['others'].pk}")[0] == 404
    assert post(own, f"/selections/{selections['others'].pk}/freeze", {})[0] == 404


def test_an_ad_hoc_definition_cannot_use_a_private_selection_of_others(selections, sales_user):
    definition = {
        "version": 1,
        "target": "people",
        "where": {"criterion": "selection.in", "op": "in", "value": [selections["private"].pk]},
    }
    status, body = post(client_for(sales_user), "/selections/count", {"definition": definition})
    assert status == 422
    assert body["path"] == "where.value"
    assert "No saved selection" in body["errors"]["definition.where.value"][0]


def test_the_list_holds_own_and_shared_selections(selections, marketing_user, readonly_user):
    status, body = get(client_for(marketing_user), "/selections")
    assert status == 200
    assert [item["name"] for item in body["items"]] == ["Deutschland", "Österreich"]
    names = [item["name"] for item in get(client_for(readonly_user), "/selections")[1]["items"]]
    assert names == ["Deutschland"]
    mine = get(client_for(marketing_user), "/selections", mine="true", target="people")[1]
    assert mine["count"] == 2 and mine["count_exact"] is True


def test_the_list_is_paged_by_cursor(world, marketing_user):
    for number in range(5):
        selection_save(data={"name": f"S{number}", "definition": GERMANY}, by=marketing_user)
    client = client_for(marketing_user)
    first = get(client, "/selections", limit=2)[1]
    second = get(client, "/selections", limit=2, cursor=first["next_cursor"])[1]
    third = get(client, "/selections", limit=2, cursor=second["next_cursor"])[1]
    names = [item["name"] for page in (first, second, third) for item in page["items"]]
    assert names == ["S0", "S1", "S2", "S3", "S4"]
    assert third["next_cursor"] is None
    assert get(client, "/selections", cursor="nonsense")[0] == 400


# --- catalog and validation --------------------------------------------------------------------


def test_the_catalog_lists_every_criterion_with_operators_and_params(readonly_user):
    status, body = get(client_for(readonly_user), "/selections/catalog")
    assert status == 200
    criteria = {item["key"]: item for item in body["criteria"]}
    assert {"address.postal_code", "business.revenue", "selection.in"} <= set(criteria)
    postal = criteria["address.postal_code"]
    assert postal["area"] == "address" and postal["area_label"] == "Address"
    assert postal["subject"] == "company" and postal["label"]
    ops = {op["op"]: op for op in postal["operators"]}
    assert ops["starts_with"] == {
        "op": "starts_with",
        "label": "starts with",
        "value_kind": "text",
        "value_model": None,
    }
    revenue = {param["name"]: param for param in criteria["business.revenue"]["params"]}
    assert revenue["period"] == {
        "name": "period",
        "kind": "period",
        "model": None,
        "required": True,
    }
    assert revenue["divisions"]["kind"] == "records"
    assert revenue["divisions"]["model"] == "business.Division"
    industries = {op["op"]: op for op in criteria["company.industries"]["operators"]}
    assert industries["in"]["value_model"] == "companies.Industry"
    assert body["max_depth"] >= 2 and "last_year" in {p["key"] for p in body["relative_periods"]}


def leaf(criterion: str, op: str, value=None, **params) -> dict:
    node = {"criterion": criterion, "op": op, "value": value}
    return {**node, "params": params} if params else node


BAD = [
    (leaf("nope", "in", []), "where.and.2.criterion", "Unknown criterion"),
    (leaf("address.country", "gte", 1), "where.and.2.op", "not an operator"),
    (leaf("company.created", "after", "1.2.2025"), "where.and.2.value", "YYYY-MM-DD"),
    (leaf("address.city", "equals", "a\x00b"), "where.and.2.value", "Null"),
    (leaf("company.industries", "in", [2**70]), "where.and.2.value.1", "too large"),
    (leaf("company.industries", "in", [999999]), "where.and.2.value", "ids"),
    (leaf("business.revenue", "gte", "1"), "where.and.2.params.period", "required"),
    (leaf("address.city", "in", ["x"], extra=1), "where.and.2.params.extra", "Unknown"),
    ({"and": []}, "where.and.2.and", "one or more"),
    ("text", "where.and.2", "JSON object"),
]


@pytest.mark.parametrize("node, path, message", BAD)
@pytest.mark.parametrize("route", ["validate", "count", "run"])
def test_bad_definitions_are_refused_with_the_path_of_the_node(
    world, readonly_user, route, node, path, message
):
    definition = {
        "version": 1,
        "target": "people",
        "where": {"and": [{"criterion": "address.country", "op": "in", "value": ["DE"]}, node]},
    }
    status, body = post(
        client_for(readonly_user), f"/selections/{route}", {"definition": definition}
    )
    assert status == 422
    assert body["path"] == path
    assert message in body["errors"][f"definition.{path}"][0]
    assert path in body["detail"]


def test_nesting_beyond_the_limit_is_refused(readonly_user):
    node = {"criterion": "address.country", "op": "in", "value": ["DE"]}
    for _level in range(20):
        node = {"not": node}
    status, body = post(
        client_for(readonly_user), "/selections/validate", {"definition": {"where": node}}
    )
    assert status == 422 and "nest" in body["errors"][f"definition.{body['path']}"][0]


def test_a_malformed_body_is_422_or_400_never_500(readonly_user):
    client = client_for(readonly_user)
    assert post(client, "/selections/validate", {"definition": [1, 2]})[0] == 422
    assert post(client, "/selections/count", {})[0] == 422
    both = {"definition": GERMANY, "selection": 1}
    assert post(client, "/selections/count", both)[0] == 422
    assert post(client, "/selections/count", {"definition": GERMANY, "extra": 1})[0] == 422
    assert (
        post(client, "/selections/count", {"definition": GERMANY, "today": "2026-13-01"})[0] == 422
    )
    assert (
        post(client, "/selections/count", {"definition": GERMANY, "today": "0999-01-01"})[0] == 422
    )
    assert post(client, "/selections/run", {"definition": GERMANY, "sort": "x"})[0] == 422
    assert post(client, "/selections/run", {"definition": GERMANY, "cursor": "%%"})[0] == 400
    response = client.post(f"{API}/selections/validate", "{nope", content_type="application/json")
    assert response.status_code == 400


def test_validate_answers_the_stored_form(readonly_user):
    definition = {"where": {"criterion": "address.country", "op": "in", "value": ["de"]}}
    status, body = post(
        client_for(readonly_user), "/selections/validate", {"definition": definition}
    )
    assert status == 200
    assert body["valid"] is True and body["target"] == "people" and body["conditions"] == 1
    assert body["definition"]["where"]["value"] == ["DE"]
    assert body["definition"]["version"] == 1


# --- count and run -----------------------------------------------------------------------------


def test_count_uses_today_for_relative_periods(data, readonly_user):  # noqa: F811
    ids, _people = data
    client = client_for(readonly_user)
    body = {"definition": example(ids), "today": "2026-06-15"}
    status, answer = post(client, "/selections/count", body)
    assert status == 200
    assert answer == {"target": "people", "today": "2026-06-15", "count": 6, "count_exact": True}
    body["today"] = "2027-01-10"  # last year: 2026, no orders
    assert post(client, "/selections/count", body)[1]["count"] == 0
    body["exact"] = True
    assert post(client, "/selections/count", body)[1]["count_exact"] is True


def test_run_pages_through_the_recipients_sorted(world, readonly_user):
    client = client_for(readonly_user)
    body = {"definition": GERMANY, "sort": "name", "limit": 3}
    status, first = post(client, "/selections/run", body)
    assert status == 200 and first["count"] == 4 and first["previous_cursor"] is None
    second = post(client, "/selections/run", {**body, "cursor": first["next_cursor"]})[1]
    assert second["next_cursor"] is None and second["previous_cursor"]
    names = [row["person_last_name"] for row in first["items"] + second["items"]]
    assert names == ["=HYPERLINK(1)", "Albers", "Brandt", "Claus"]
    row = first["items"][1]
    assert row["company_name"] == "Berlin AG" and row["address_postal_code"] == "10115"
    assert row["person_pk"] == world["anna"].pk and row["lines"][0] == "Berlin AG"
    assert any("10115" in line for line in row["lines"])


def test_run_dedupes_and_leaves_out_objections_unless_not_marketing(world, readonly_user):
    Person.objects.filter(pk=world["carl"].pk).update(marketing_opt_out_at=timezone.now())
    client = client_for(readonly_user)
    marketing = post(client, "/selections/run", {"definition": GERMANY})[1]
    assert world["carl"].pk not in {row["person_pk"] for row in marketing["items"]}
    assert marketing["count"] == 3
    notice = {"definition": GERMANY, "purpose": "non_marketing"}
    assert post(client, "/selections/run", notice)[1]["count"] == 4
    by_company = post(client, "/selections/run", {"definition": GERMANY, "dedupe": "company"})[1]
    assert by_company["count"] == 2
    assert {row["company_name"] for row in by_company["items"]} == {"Berlin AG", "München AG"}
    companies_def = {**GERMANY, "target": "companies"}
    rows = post(client, "/selections/run", {"definition": companies_def})[1]["items"]
    assert {row["person_pk"] for row in rows} == {None} and len(rows) == 2


def test_run_of_a_saved_selection_by_id(selections, sales_user):
    status, body = post(
        client_for(sales_user),
        "/selections/run",
        {"selection": selections["shared"].pk, "today": "2026-01-01"},
    )
    assert status == 200 and body["count"] == 4 and body["today"] == "2026-01-01"


# --- saved selections --------------------------------------------------------------------------


def test_create_read_change_delete(world, marketing_user):
    client = client_for(marketing_user)
    status, created = post(
        client, "/selections", {"name": " Kunden DE ", "shared": True, "definition": GERMANY}
    )
    assert status == 201
    assert created["name"] == "Kunden DE" and created["owner"]["username"] == "marketing"
    assert created["version"] == 1 and created["can_change"] is True
    assert created["definition"] == GERMANY
    pk = created["id"]
    status, changed = patch(client, f"/selections/{pk}", {"description": "Alle", "version": 1})
    assert status == 200 and changed["description"] == "Alle" and changed["version"] == 2
    status, stale = patch(client, f"/selections/{pk}", {"name": "Alt", "version": 1})
    assert status == 409 and stale["current_version"] == 2
    assert client.delete(f"{API}/selections/{pk}").status_code == 204
    assert not SavedSelection.objects.filter(pk=pk).exists()


def test_saving_a_bad_definition_names_the_node(world, marketing_user):
    definition = {"where": {"or": [{"criterion": "address.country", "op": "in", "value": ["XX"]}]}}
    status, body = post(
        client_for(marketing_user), "/selections", {"name": "X", "definition": definition}
    )
    assert status == 422 and body["path"] == "where.or.1.value"
    assert not SavedSelection.objects.exists()


def test_a_cycle_of_references_is_refused_with_its_path(selections, marketing_user):
    client = client_for(marketing_user)
    shared = selections["shared"]
    user = {
        "version": 1,
        "target": "people",
        "where": {"criterion": "selection.in", "op": "in", "value": [shared.pk]},
    }
    status, created = post(
        client, "/selections", {"name": "Nutzer", "shared": True, "definition": user}
    )
    assert status == 201
    back = {**user, "where": {"criterion": "selection.in", "op": "in", "value": [created["id"]]}}
    status, body = patch(client, f"/selections/{shared.pk}", {"definition": back})
    assert status == 422
    assert body["path"] == "where.value" and "cycle" in body["errors"]["definition.where.value"][0]


def test_a_selection_in_use_cannot_be_deleted(selections, marketing_user):
    client = client_for(marketing_user)
    shared = selections["shared"].pk
    user = {"where": {"criterion": "selection.in", "op": "in", "value": [shared]}}
    assert post(client, "/selections", {"name": "Nutzer", "definition": user})[0] == 201
    response = client.delete(f"{API}/selections/{shared}")
    assert response.status_code == 409 and "Nutzer" in response.json()["detail"]
    assert SavedSelection.objects.filter(pk=shared).exists()


def test_only_the_owner_changes_a_shared_selection(selections, sales_user):
    client = client_for(sales_user)
    shared = selections["shared"].pk
    status, body = get(client, f"/selections/{shared}")
    assert status == 200 and body["can_change"] is False
    assert patch(client, f"/selections/{shared}", {"name": "Meins"})[0] == 403
    assert client.delete(f"{API}/selections/{shared}").status_code == 403
    assert patch(client, f"/selections/{shared}", {"name": None})[0] in (403, 422)


# --- frozen runs -------------------------------------------------------------------------------


def test_freeze_read_members_and_compare(selections, world, marketing_user, readonly_user):
    client = client_for(marketing_user)
    shared = selections["shared"].pk
    status, first = post(client, f"/selections/{shared}/freeze", {"today": "2026-03-01"})
    assert status == 201
    assert first["count"] == 4 and first["today"] == "2026-03-01"
    assert first["selection"]["id"] == shared and first["by"]["username"] == "marketing"
    companies.person_archive(person=world["anna"], by=None)
    newcomer = make_person(world["munich"], last_name="Neu")
    second = post(client, f"/selections/{shared}/freeze", {})[1]
    assert second["count"] == 4

    reader = client_for(readonly_user)
    assert get(reader, f"/selection-runs/{first['id']}")[1]["count"] == 4
    status, page = get(reader, f"/selection-runs/{first['id']}/members", limit=3, sort="name")
    assert status == 200 and page["count"] == 4 and len(page["items"]) == 3
    rest = get(
        reader,
        f"/selection-runs/{first['id']}/members",
        limit=3,
        sort="name",
        cursor=page["next_cursor"],
    )[1]
    people = {row["person_pk"] for row in page["items"] + rest["items"]}
    assert world["anna"].pk in people  # archived since, still in the frozen run

    status, compared = get(reader, f"/selection-runs/{first['id']}/compare/{second['id']}")
    assert status == 200
    assert compared["new_count"] == 1 and compared["dropped_count"] == 1
    assert [row["person_pk"] for row in compared["new"]] == [newcomer.pk]
    assert [row["person_pk"] for row in compared["dropped"]] == [world["anna"].pk]

    runs = get(reader, f"/selections/{shared}/runs", limit=1)[1]
    assert runs["items"][0]["id"] == second["id"] and runs["next_cursor"]


def test_runs_of_private_selections_stay_private(selections, marketing_user, sales_user):
    run = post(client_for(marketing_user), f"/selections/{selections['private'].pk}/freeze", {})[1]
    other = client_for(sales_user)
    assert get(other, f"/selection-runs/{run['id']}")[0] == 404
    assert get(other, f"/selection-runs/{run['id']}/members")[0] == 404
    own = post(other, f"/selections/{selections['others'].pk}/freeze", {})[1]
    assert get(other, f"/selection-runs/{own['id']}/compare/{run['id']}")[0] == 404


def test_runs_of_different_targets_do_not_compare(selections, marketing_user):
    client = client_for(marketing_user)
    companies_def = {**GERMANY, "target": "companies"}
    created = post(client, "/selections", {"name": "Firmen", "definition": companies_def})[1]
    people = post(client, f"/selections/{selections['shared'].pk}/freeze", {})[1]
    firms = post(client, f"/selections/{created['id']}/freeze", {})[1]
    status, body = get(client, f"/selection-runs/{people['id']}/compare/{firms['id']}")
    assert status == 422 and body["detail"]


def test_a_run_outlives_its_selection_for_who_froze_it(selections, marketing_user):
    client = client_for(marketing_user)
    private = selections["private"].pk
    run = post(client, f"/selections/{private}/freeze", {"today": "2026-05-01"})[1]
    assert client.delete(f"{API}/selections/{private}").status_code == 204
    status, body = get(client, f"/selection-runs/{run['id']}")
    assert status == 200 and body["selection"] is None
    assert datetime.date.fromisoformat(body["today"]) == datetime.date(2026, 5, 1)


def test_ids_beyond_any_column_are_not_found(selections, marketing_user):
    client = client_for(marketing_user)
    huge = "9" * 30
    assert client.get(f"{API}/selections/{huge}").status_code == 404
    assert client.get(f"{API}/selection-runs/{huge}").status_code == 404
    assert client.get(f"{API}/selection-runs/{huge}/compare/1").status_code == 404
    assert post(client, "/selections/count", {"selection": 2**64})[0] == 422
