"""``/api/v1/events``: CRUD, members, bad input with field errors, permissions."""

import json

import pytest

from merkur.selections.runs import freeze
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/events"


def post(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_crud_and_members(kind, world, marketing_user):
    client = client_for(marketing_user)
    created = post(client, BASE, {"name": "Seminar", "kind": kind.pk, "starts_on": "2026-06-01"})
    assert created.status_code == 201, created.content
    event_id = created.json()["id"]
    changed = client.patch(
        f"{BASE}/{event_id}",
        json.dumps({"name": "Seminar Wien", "version": 1}),
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.patch(
        f"{BASE}/{event_id}",
        json.dumps({"name": "X", "version": 1}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    member = post(
        client, f"{BASE}/{event_id}/members", {"company": world["berlin"].pk, "status": "invited"}
    )
    assert member.status_code == 201
    twice = post(client, f"{BASE}/{event_id}/members", {"company": world["berlin"].pk})
    assert twice.status_code == 422 and "company" in twice.json()["errors"]
    run = freeze(
        {
            "version": 1,
            "target": "people",
            "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
        },
        by=marketing_user,
    )
    added = post(client, f"{BASE}/{event_id}/members/from-run", {"run": run.pk})
    assert added.json() == {"added": 2, "skipped": 0}
    listed = client.get(f"{BASE}/{event_id}/members?status=invited").json()
    assert listed["count"] == 1
    ids = [item["id"] for item in client.get(f"{BASE}/{event_id}/members").json()["items"]]
    status = post(
        client, f"{BASE}/{event_id}/members/status", {"members": ids, "status": "attended"}
    )
    assert status.json() == {"count": 3}
    removed = post(client, f"{BASE}/{event_id}/members/remove", {"members": ids[:1]})
    assert removed.json() == {"count": 1}
    assert client.delete(f"{BASE}/{event_id}").status_code == 204


def test_bad_input_names_the_fields(kind, marketing_user):
    client = client_for(marketing_user)
    bad = post(
        client,
        BASE,
        {"name": "X", "kind": 999999, "starts_on": "2026-06-02", "ends_on": "2026-06-01"},
    )
    assert bad.status_code == 422 and "kind" in bad.json()["errors"]
    dates = post(
        client,
        BASE,
        {"name": "X", "kind": kind.pk, "starts_on": "2026-06-02", "ends_on": "2026-06-01"},
    )
    assert dates.status_code == 422 and "ends_on" in dates.json()["errors"]
    status = post(client, BASE, {"name": "X", "kind": kind.pk, "starts_on": "nope"})
    assert status.status_code in (400, 422)


def test_unknown_run_and_status(event, marketing_user):
    client = client_for(marketing_user)
    run = post(client, f"{BASE}/{event.pk}/members/from-run", {"run": 999999})
    assert run.status_code == 422 and "run" in run.json()["errors"]
    status = post(client, f"{BASE}/{event.pk}/members/status", {"members": [1], "status": "maybe"})
    assert status.status_code == 422


def test_read_only_may_read_but_not_write(event, readonly_user, kind):
    client = client_for(readonly_user)
    assert client.get(BASE).status_code == 200
    assert client.get(f"{BASE}/{event.pk}/members").status_code == 200
    assert (
        post(client, BASE, {"name": "X", "kind": kind.pk, "starts_on": "2026-06-01"}).status_code
        == 403
    )
    assert client.delete(f"{BASE}/{event.pk}").status_code == 403
