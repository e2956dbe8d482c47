# ruff: noqa: F811 — pytest fixtures imported from tests/api/conftest.py
"""Attribute values of companies and people through the API: as of, timeline, set, correct."""

import datetime

import pytest
from django.utils import timezone

from merkur.attributes import services
from merkur.attributes.models import AttributeValue
from merkur.core.models import ChangeRecord
from merkur.core.roles import Role
from tests.api.conftest import admin_api, anonymous_api, api_as, readonly_api, sales_api  # noqa: F401
from tests.factories import make_attribute, make_company, make_person

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def company(admin_user):
    return make_company(by=admin_user, name="Müller Maschinenbau GmbH")


def _set(definition, record, value, start, end=None):
    return services.value_set(
        definition=definition, record=record, value=value, valid_from=start, valid_to=end, by=None
    )


def _attribute(body: dict, code: str) -> dict:
    return next(a for a in body["attributes"] if a["code"] == code)


def test_set_a_value_and_read_it_as_of_today(sales_api, company):
    make_attribute("lizenzen", unit="Stk.")
    response = sales_api.post(f"/companies/{company.pk}/attributes/lizenzen", {"value": 12})
    assert response.status_code == 201, response.content
    (row,) = response.json()
    assert row["value"] == 12
    assert row["valid_from"] == timezone.localdate().isoformat()
    assert row["valid_to"] is None
    body = sales_api.get(f"/companies/{company.pk}/attributes").json()
    assert body["as_of"] == timezone.localdate().isoformat()
    licences = _attribute(body, "lizenzen")
    assert licences["type"] == "integer"
    assert licences["unit"] == "Stk."
    assert [v["value"] for v in licences["values"]] == [12]
    assert "12" in licences["values"][0]["display"]


@pytest.mark.parametrize(
    ("definition", "sent", "expected"),
    [
        ({"type": "text"}, "ISO-zertifiziert", "ISO-zertifiziert"),
        ({"type": "long_text"}, "Zeile 1\nZeile 2", "Zeile 1\nZeile 2"),
        ({"type": "integer"}, 42, 42),
        ({"type": "integer"}, "1234", 1234),
        ({"type": "decimal", "unit": "m²"}, 1.234, "1.234"),
        ({"type": "decimal"}, "1234,5", "1234.5"),  # the user's (German) notation
        ({"type": "decimal"}, 100, "100"),
        ({"type": "date"}, "2024-02-29", "2024-02-29"),
        ({"type": "date"}, "29.02.2024", "2024-02-29"),
        ({"type": "boolean"}, True, True),
        ({"type": "boolean"}, False, False),
    ],
    ids=str,
)
def test_values_of_every_simple_type_come_back_json_native(
    sales_api, company, definition, sent, expected
):
    make_attribute("merkmal", **definition)
    response = sales_api.post(f"/companies/{company.pk}/attributes/merkmal", {"value": sent})
    assert response.status_code == 201, response.content
    assert response.json()[0]["value"] == expected


def test_a_choice_by_id_or_label_comes_back_with_its_label(sales_api, company):
    status = make_attribute("status", "choice", choices=["Interessent", "Kunde"])
    kunde = status.choices.get(label="Kunde")
    url = f"/companies/{company.pk}/attributes/status"
    first = sales_api.post(url, {"value": "interessent", "valid_from": "2023-01-01"})
    assert first.status_code == 201, first.content
    second = sales_api.post(url, {"value": kunde.pk, "valid_from": "2024-01-01"})
    assert second.json()[0]["value"] == {"id": kunde.pk, "label": "Kunde"}
    assert second.json()[0]["display"] == "Kunde"


def test_several_choices_add_one_row_each(sales_api, company):
    areas = make_attribute("bereiche", "multi_choice", choices=["Bau", "Chemie", "IT"])
    url = f"/companies/{company.pk}/attributes/bereiche"
    response = sales_api.post(url, {"value": ["Bau", "IT"], "valid_from": "2024-01-01"})
    assert response.status_code == 201, response.content
    assert [r["value"]["label"] for r in response.json()] == ["Bau", "IT"]
    body = sales_api.get(f"/companies/{company.pk}/attributes", {"as_of": "2024-06-01"}).json()
    assert len(_attribute(body, "bereiche")["values"]) == 2
    assert areas.values.count() == 2


def test_a_link_comes_back_with_kind_id_and_label(sales_api, company):
    make_attribute("betreuer", "link", link_kind="person")
    person = make_person(company, first_name="Anna", last_name="Betreuerin")
    response = sales_api.post(f"/companies/{company.pk}/attributes/betreuer", {"value": person.pk})
    assert response.status_code == 201, response.content
    value = response.json()[0]["value"]
    assert value["kind"] == "person"
    assert value["id"] == person.pk
    assert "Betreuerin" in value["label"]


def test_people_have_their_own_attributes(sales_api, company):
    make_attribute("geburtstag", "date", for_companies=False, for_people=True)
    person = make_person(company)
    url = f"/people/{person.pk}/attributes/geburtstag"
    response = sales_api.post(url, {"value": "1980-05-17", "valid_from": "2020-01-01"})
    assert response.status_code == 201, response.content
    body = sales_api.get(f"/people/{person.pk}/attributes").json()
    assert [a["code"] for a in body["attributes"]] == ["geburtstag"]
    assert _attribute(body, "geburtstag")["values"][0]["value"] == "1980-05-17"
    timeline = sales_api.get(f"/people/{person.pk}/attributes/geburtstag/timeline")
    assert timeline.status_code == 200
    # A company attribute is not one of a person's.
    missing = sales_api.post(f"/companies/{company.pk}/attributes/geburtstag", {"value": "x"})
    assert missing.status_code == 404
    assert "code" in missing.json()["errors"]


# --- periods -------------------------------------------------------------------------------


@pytest.fixture
def history(company):
    licences = make_attribute("lizenzen")
    _set(licences, company, 10, D(2024, 1, 1))
    _set(licences, company, 25, D(2025, 3, 1))
    return licences


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2023-12-31", []),
        ("2024-01-01", [10]),
        ("2025-02-28", [10]),
        ("2025-03-01", [25]),
        ("2099-12-31", [25]),
    ],
)
def test_as_of_at_the_edges_of_periods(readonly_api, company, history, day, expected):
    body = readonly_api.get(f"/companies/{company.pk}/attributes", {"as_of": day}).json()
    assert body["as_of"] == day
    assert [v["value"] for v in _attribute(body, "lizenzen")["values"]] == expected


def test_the_timeline_holds_every_period_oldest_first(readonly_api, company, history):
    response = readonly_api.get(f"/companies/{company.pk}/attributes/lizenzen/timeline")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "lizenzen"
    periods = [(v["value"], v["valid_from"], v["valid_to"]) for v in body["values"]]
    assert periods == [(10, "2024-01-01", "2025-02-28"), (25, "2025-03-01", None)]
    assert all("created_at" in v for v in body["values"])


def test_setting_a_value_closes_the_previous_period(sales_api, company, history):
    url = f"/companies/{company.pk}/attributes/lizenzen"
    response = sales_api.post(url, {"value": 30, "valid_from": "2026-01-01"})
    assert response.status_code == 201
    timeline = sales_api.get(f"{url}/timeline").json()["values"]
    assert [(v["valid_from"], v["valid_to"]) for v in timeline] == [
        ("2024-01-01", "2025-02-28"), ("2025-03-01", "2025-12-31"), ("2026-01-01", None),
    ]  # fmt: skip


def test_an_overlapping_period_is_refused_naming_the_field(sales_api, company, history):
    url = f"/companies/{company.pk}/attributes/lizenzen"
    response = sales_api.post(
        url, {"value": 5, "valid_from": "2023-01-01", "valid_to": "2024-06-30"}
    )
    assert response.status_code == 422
    assert "valid_from" in response.json()["errors"]
    same_day = sales_api.post(url, {"value": 5, "valid_from": "2024-01-01"})
    assert same_day.status_code == 422
    assert "valid_from" in same_day.json()["errors"]
    assert history.values.count() == 2


def test_a_correction_fixes_a_value_in_place_and_is_recorded(sales_api, company, history):
    row = history.values.get(value_integer=10)
    response = sales_api.patch(f"/attribute-values/{row.pk}", {"value": 12})
    assert response.status_code == 200, response.content
    assert response.json()["value"] == 12
    assert response.json()["valid_to"] == "2025-02-28"
    row.refresh_from_db()
    assert row.value_integer == 12
    assert ChangeRecord.objects.filter(object_id=row.pk, action="update").exists()


def test_a_correction_of_the_period(sales_api, company, history):
    last = history.values.get(value_integer=25)
    url = f"/attribute-values/{last.pk}"
    response = sales_api.patch(url, {"valid_to": "2025-12-31"})
    assert response.json()["valid_to"] == "2025-12-31"
    response = sales_api.patch(url, {"clear_valid_to": True})
    assert response.status_code == 200
    assert response.json()["valid_to"] is None
    overlapping = sales_api.patch(url, {"valid_from": "2024-06-01"})
    assert overlapping.status_code == 422
    assert "valid_from" in overlapping.json()["errors"]


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "body", "field"),
    [
        ({"type": "integer"}, {"value": "abc"}, "value"),
        ({"type": "integer"}, {"value": 1.5}, "value"),
        ({"type": "integer"}, {"value": True}, "value"),
        ({"type": "integer"}, {"value": 2**70}, "value"),
        ({"type": "integer"}, {"value": [1, 2]}, "value"),
        ({"type": "integer"}, {"value": {"a": 1}}, "value"),
        ({"type": "integer", "min_value": 0}, {"value": -1}, "value"),
        ({"type": "decimal", "max_value": 100}, {"value": 100.5}, "value"),
        ({"type": "decimal"}, {"value": "1e400"}, "value"),
        ({"type": "decimal"}, {"value": 1e300}, "value"),
        ({"type": "decimal"}, {"value": "NaN"}, "value"),
        ({"type": "date"}, {"value": "2024-02-30"}, "value"),
        ({"type": "date"}, {"value": "gestern"}, "value"),
        ({"type": "boolean"}, {"value": "vielleicht"}, "value"),
        ({"type": "text"}, {"value": ""}, "value"),
        ({"type": "text"}, {"value": None}, "value"),
        ({"type": "text"}, {"value": "zwei\nZeilen"}, "value"),
        ({"type": "text"}, {"value": "x\x00"}, "value"),
        ({"type": "text"}, {}, "value"),
        ({"type": "link", "link_kind": "company"}, {"value": 999999}, "value"),
        ({"type": "link", "link_kind": "company"}, {"value": 2**70}, "value"),
        ({"type": "link", "link_kind": "company"}, {"value": "Müller"}, "value"),
        ({"type": "choice", "choices": ["A"]}, {"value": "Z"}, "value"),
        ({"type": "choice", "choices": ["A"]}, {"value": 2**70}, "value"),
        ({"type": "multi_choice", "choices": ["A"]}, {"value": ["A", "Z"]}, "value"),
        ({"type": "text"}, {"value": "x", "valid_from": "2024-13-01"}, "valid_from"),
        ({"type": "text"}, {"value": "x", "valid_from": "heute"}, "valid_from"),
        (
            {"type": "text"},
            {"value": "x", "valid_from": "2024-02-01", "valid_to": "2024-01-31"},
            "valid_to",
        ),
        ({"type": "text"}, {"value": "x", "farbe": "blau"}, "farbe"),
    ],
    ids=str,
)
def test_bad_values_are_field_errors(sales_api, company, definition, body, field):
    make_attribute("merkmal", **definition)
    response = sales_api.post(f"/companies/{company.pk}/attributes/merkmal", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not AttributeValue.objects.exists()


def test_a_deactivated_choice_cannot_be_set(sales_api, company):
    status = make_attribute("status", "choice", choices=["Alt", "Neu"])
    old = status.choices.get(label="Alt")
    services.choice_update(choice=old, is_active=False, by=None)
    response = sales_api.post(f"/companies/{company.pk}/attributes/status", {"value": old.pk})
    assert response.status_code == 422
    assert "value" in response.json()["errors"]


def test_a_deactivated_attribute_cannot_be_set(sales_api, company):
    make_attribute("alt", is_active=False)
    response = sales_api.post(f"/companies/{company.pk}/attributes/alt", {"value": 1})
    assert response.status_code == 422
    assert "code" in response.json()["errors"]


def test_an_unknown_attribute_code_is_not_found_naming_the_field(sales_api, company):
    for response in (
        sales_api.post(f"/companies/{company.pk}/attributes/gibtsnicht", {"value": 1}),
        sales_api.get(f"/companies/{company.pk}/attributes/gibtsnicht/timeline"),
    ):
        assert response.status_code == 404
        assert "code" in response.json()["errors"]


def test_unknown_records_and_values_are_not_found(sales_api):
    make_attribute("lizenzen")
    assert sales_api.get("/companies/999999/attributes").status_code == 404
    assert sales_api.post("/companies/999999/attributes/lizenzen", {"value": 1}).status_code == 404
    assert sales_api.patch("/attribute-values/999999", {"value": 1}).status_code == 404


@pytest.mark.parametrize("as_of", ["2024-02-30", "morgen", "31.12.2024x"])
def test_a_malformed_as_of_is_a_field_error(readonly_api, company, as_of):
    response = readonly_api.get(f"/companies/{company.pk}/attributes", {"as_of": as_of})
    assert response.status_code == 422
    assert "as_of" in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "abc"}, "value"),
        ({"valid_from": "2026-01-01", "valid_to": "2025-01-01"}, "valid_to"),
        ({"valid_to": "2025-12-31", "clear_valid_to": True}, "valid_to"),
        ({"valid_from": "nie"}, "valid_from"),
        ({"clear_valid_to": "vielleicht"}, "clear_valid_to"),
    ],
    ids=str,
)
def test_bad_corrections_are_field_errors(sales_api, company, history, body, field):
    row = history.values.get(value_integer=25)
    response = sales_api.patch(f"/attribute-values/{row.pk}", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    row.refresh_from_db()
    assert (row.value_integer, row.valid_from) == (25, D(2025, 3, 1))


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "can_write"),
    [(Role.ADMIN, True), (Role.SALES, True), (Role.MARKETING, True), (Role.READ_ONLY, False)],
)
def test_reading_needs_view_and_writing_edit_rights(api_as, company, history, role, can_write):
    api = api_as(role)
    person = make_person(company)
    make_attribute("hobby", "text", for_companies=False, for_people=True)
    row = history.values.get(value_integer=25)
    assert api.get(f"/companies/{company.pk}/attributes").status_code == 200
    assert api.get(f"/companies/{company.pk}/attributes/lizenzen/timeline").status_code == 200
    assert api.get(f"/people/{person.pk}/attributes").status_code == 200
    writes = [
        api.post(f"/companies/{company.pk}/attributes/lizenzen", {"value": 3}),
        api.post(f"/people/{person.pk}/attributes/hobby", {"value": "Segeln"}),
        api.patch(f"/attribute-values/{row.pk}", {"value": 26}),
    ]
    expected = [201, 201, 200] if can_write else [403, 403, 403]
    assert [r.status_code for r in writes] == expected


def test_anonymous_callers_get_401(anonymous_api, company, history):
    row = history.values.first()
    assert anonymous_api.get(f"/companies/{company.pk}/attributes").status_code == 401
    assert anonymous_api.patch(f"/attribute-values/{row.pk}", {"value": 1}).status_code == 401
