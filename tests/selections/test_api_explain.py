"""``/selections/explain`` and ``/selections/counts`` over the product's example."""

# ruff: noqa: F811

import pytest
from django.test import Client

from tests.conftest import client_for
from tests.selections.test_api import post
from tests.selections.test_example import data, example  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

TODAY = "2026-06-15"


def test_explain_a_managing_director_left_out_by_revenue(data, readonly_user):
    ids, people = data
    status, body = post(
        client_for(readonly_user),
        "/selections/explain",
        {"definition": example(ids), "record": people["db_poor_boss"].pk, "today": TODAY},
    )
    assert status == 200, body
    assert body["selected"] is False and body["active"] is True
    assert body["deciding"]["children"][0]["figure"] == "2025: 1,000.00 EUR"
    assert "Revenue at least 100,000 EUR" in body["summary"]
    assert body["tree"]["kind"] == "and" and len(body["tree"]["children"]) == 5


def test_explain_a_buyer_who_is_in(data, readonly_user):
    ids, people = data
    status, body = post(
        client_for(readonly_user),
        "/selections/explain",
        {"definition": example(ids), "record": people["exact_buyer"].pk, "today": TODAY},
    )
    assert status == 200 and body["selected"] is True
    assert "Function is one of Einkäufer" in body["summary"]


def test_explain_an_unknown_record_is_404_and_a_bad_definition_422(data, readonly_user):
    ids, _people = data
    client = client_for(readonly_user)
    status, _body = post(
        client, "/selections/explain", {"definition": example(ids), "record": 99999999}
    )
    assert status == 404
    bad = {"version": 1, "where": {"criterion": "nope"}}
    status, body = post(client, "/selections/explain", {"definition": bad, "record": 1})
    assert status == 422 and body["path"] == "where.criterion"


def test_counts_after_each_criterion(data, readonly_user):
    ids, _people = data
    status, body = post(
        client_for(readonly_user),
        "/selections/counts",
        {"definition": example(ids), "today": TODAY},
    )
    assert status == 200, body
    steps = {step["path"]: (step["count"], step["running"]) for step in body["steps"]}
    assert steps[""] == (37, None) and steps["where"] == (6, None)


def test_anonymous_is_refused(data):
    ids, _people = data
    status, _body = post(Client(), "/selections/counts", {"definition": example(ids)})
    assert status == 401
