# ruff: noqa: F811 — pytest fixtures imported from tests/api/conftest.py
"""``/attributes`` through the API: the attribute master and its choices."""

import datetime

import pytest

from merkur.attributes import services
from merkur.attributes.models import AttributeChoice, AttributeDefinition, AttributeType
from merkur.core.roles import Role
from tests.api.conftest import admin_api, anonymous_api, api_as, readonly_api  # noqa: F401
from tests.factories import make_attribute, make_company

pytestmark = pytest.mark.django_db

EVERY_TYPE = [
    {"code": "notiz", "label": "Notiz", "type": "text"},
    {"code": "beschreibung", "label": "Beschreibung", "type": "long_text"},
    {"code": "status", "label": "Kundenstatus", "type": "choice", "choices": ["A", "B"]},
    {"code": "branchen", "label": "Branchen", "type": "multi_choice", "choices": ["X", "Y"]},
    {"code": "lizenzen", "label": "Lizenzen", "type": "integer", "min_value": 0},
    {"code": "flaeche", "label": "Fläche", "type": "decimal", "unit": "m²", "max_value": "1e6"},
    {"code": "audit", "label": "Audit", "type": "date"},
    {"code": "iso9001", "label": "ISO 9001", "type": "boolean"},
    {
        "code": "betreuer",
        "label": "Key-Account-Betreuer",
        "type": "link",
        "link_kind": "person",
        "for_people": True,
    },
]


@pytest.mark.parametrize("body", EVERY_TYPE, ids=lambda b: b["type"])
def test_an_administrator_creates_attributes_of_every_type(admin_api, body):
    response = admin_api.post("/attributes", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["type"] == body["type"]
    assert data["in_use"] is False
    assert [c["label"] for c in data["choices"]] == body.get("choices", [])
    definition = AttributeDefinition.objects.get(code=body["code"])
    assert data["id"] == definition.pk
    if body["type"] == "multi_choice":
        assert data["multi_valued"] is True
    assert admin_api.get(f"/attributes/{definition.pk}").json() == data


def test_the_list_filters_by_what_an_attribute_applies_to_and_active(readonly_api):
    make_attribute("lizenzen")
    make_attribute("geburtstag", "date", for_companies=False, for_people=True)
    make_attribute("alt", "text", is_active=False)

    def codes(params):
        return [a["code"] for a in readonly_api.get("/attributes", params).json()["items"]]

    assert sorted(codes({})) == ["alt", "geburtstag", "lizenzen"]
    assert sorted(codes({"applies_to": "companies"})) == ["alt", "lizenzen"]
    assert codes({"applies_to": "people"}) == ["geburtstag"]
    assert sorted(codes({"active": "true"})) == ["geburtstag", "lizenzen"]
    assert codes({"type": "text"}) == ["alt"]


def test_the_list_pages_by_cursor(readonly_api):
    for n in range(5):
        make_attribute(f"a{n}", sort_order=n)
    first = readonly_api.get("/attributes", {"limit": 2}).json()
    assert [a["code"] for a in first["items"]] == ["a0", "a1"]
    second = readonly_api.get("/attributes", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [a["code"] for a in second["items"]] == ["a2", "a3"]
    assert first["count"] == 5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "x", "label": "X", "type": "zahl"}, "type"),
        ({"code": "x y", "label": "X", "type": "text"}, "code"),
        ({"code": "", "label": "X", "type": "text"}, "code"),
        ({"label": "X", "type": "text"}, "code"),
        ({"code": "x", "label": "X" * 101, "type": "text"}, "label"),
        ({"code": "x", "label": "X", "type": "link"}, "link_kind"),
        ({"code": "x", "label": "X", "type": "link", "link_kind": "rakete"}, "link_kind"),
        (
            {"code": "x", "label": "X", "type": "integer", "min_value": 5, "max_value": 1},
            "max_value",
        ),
        ({"code": "x", "label": "X", "type": "integer", "min_value": "viel"}, "min_value"),
        ({"code": "x", "label": "X", "type": "text", "for_companies": False}, "for_companies"),
        ({"code": "x", "label": "X", "type": "text", "choices": ["A"]}, "choices"),
        ({"code": "x", "label": "X", "type": "choice", "choices": ["A", "a"]}, "choices"),
        ({"code": "x", "label": "X", "type": "text", "farbe": "blau"}, "farbe"),
        ({"code": "x", "label": "X\x00", "type": "text"}, "label"),
        ({"code": "x", "label": "X", "type": "text", "sort_order": -1}, "sort_order"),
    ],
    ids=str,
)
def test_bad_definitions_are_field_errors(admin_api, body, field):
    response = admin_api.post("/attributes", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert not AttributeDefinition.objects.filter(code="x").exists()


def test_a_duplicate_code_is_a_field_error(admin_api):
    make_attribute("lizenzen")
    response = admin_api.post("/attributes", {"code": "lizenzen", "label": "L", "type": "text"})
    assert response.status_code == 422
    assert "code" in response.json()["errors"]


def test_patch_changes_only_what_is_sent_and_bumps_the_version(admin_api):
    definition = make_attribute("lizenzen", label="Lizenzen", unit="Stk.")
    response = admin_api.patch(
        f"/attributes/{definition.pk}", {"label": "Anzahl Lizenzen", "version": 1}
    )
    assert response.status_code == 200, response.content
    assert response.json()["label"] == "Anzahl Lizenzen"
    assert response.json()["unit"] == "Stk."
    assert response.json()["version"] == 2


def test_patch_with_a_stale_version_is_a_conflict(admin_api):
    definition = make_attribute("lizenzen")
    assert admin_api.patch(f"/attributes/{definition.pk}", {"label": "A"}).status_code == 200
    response = admin_api.patch(f"/attributes/{definition.pk}", {"label": "B", "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2


def test_the_type_of_an_attribute_in_use_cannot_change(admin_api):
    definition, company = make_attribute("lizenzen"), make_company()
    services.value_set(
        definition=definition, record=company, value=3, valid_from=datetime.date(2024, 1, 1),
        by=None,
    )  # fmt: skip
    response = admin_api.patch(f"/attributes/{definition.pk}", {"type": "decimal"})
    assert response.status_code == 422
    assert "type" in response.json()["errors"]
    assert admin_api.get(f"/attributes/{definition.pk}").json()["in_use"] is True
    # Other fields still change; deactivating keeps the values.
    assert admin_api.patch(f"/attributes/{definition.pk}", {"is_active": False}).status_code == 200


def test_the_type_of_an_unused_attribute_can_change(admin_api):
    definition = make_attribute("lizenzen")
    response = admin_api.patch(f"/attributes/{definition.pk}", {"type": "decimal"})
    assert response.status_code == 200
    assert response.json()["type"] == AttributeType.DECIMAL


def test_delete_refuses_an_attribute_in_use(admin_api):
    definition, company = make_attribute("lizenzen"), make_company()
    services.value_set(
        definition=definition, record=company, value=3, valid_from=datetime.date(2024, 1, 1),
        by=None,
    )  # fmt: skip
    response = admin_api.delete(f"/attributes/{definition.pk}")
    assert response.status_code == 409
    assert response.json()["detail"]
    assert AttributeDefinition.objects.filter(pk=definition.pk).exists()


def test_delete_removes_an_unused_attribute(admin_api):
    definition = make_attribute("lizenzen")
    assert admin_api.delete(f"/attributes/{definition.pk}").status_code == 204
    assert not AttributeDefinition.objects.exists()
    assert admin_api.get(f"/attributes/{definition.pk}").status_code == 404


# --- choices -------------------------------------------------------------------------------


def test_choices_are_listed_added_renamed_and_deactivated(admin_api):
    definition = make_attribute("status", "choice", choices=["Interessent", "Kunde"])
    base = f"/attributes/{definition.pk}/choices"
    assert [c["label"] for c in admin_api.get(base).json()] == ["Interessent", "Kunde"]
    added = admin_api.post(base, {"label": "Ehemaliger Kunde"})
    assert added.status_code == 201, added.content
    choice_id = added.json()["id"]
    renamed = admin_api.patch(f"{base}/{choice_id}", {"label": "Ex-Kunde", "is_active": False})
    assert renamed.status_code == 200
    assert renamed.json() == {
        "id": choice_id, "label": "Ex-Kunde", "sort_order": 30, "is_active": False,
    }  # fmt: skip
    assert len(admin_api.get(base).json()) == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [({"label": "kunde"}, "label"), ({"label": ""}, "label"), ({"label": "K" * 101}, "label")],
    ids=str,
)
def test_bad_choices_are_field_errors(admin_api, body, field):
    definition = make_attribute("status", "choice", choices=["Kunde"])
    response = admin_api.post(f"/attributes/{definition.pk}/choices", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_a_choice_rename_to_a_taken_label_is_a_field_error(admin_api):
    definition = make_attribute("status", "choice", choices=["Kunde", "Interessent"])
    choice = definition.choices.get(label="Kunde")
    url = f"/attributes/{definition.pk}/choices/{choice.pk}"
    response = admin_api.patch(url, {"label": "interessent"})
    assert response.status_code == 422
    assert "label" in response.json()["errors"]


def test_a_choice_of_another_attribute_is_not_found(admin_api):
    one = make_attribute("status", "choice", choices=["Kunde"])
    other = make_attribute("stufe", "choice", choices=["A"])
    choice = AttributeChoice.objects.get(definition=one)
    response = admin_api.patch(f"/attributes/{other.pk}/choices/{choice.pk}", {"label": "Z"})
    assert response.status_code == 404


def test_a_text_attribute_has_no_choices_to_add(admin_api):
    definition = make_attribute("notiz", "text")
    response = admin_api.post(f"/attributes/{definition.pk}/choices", {"label": "A"})
    assert response.status_code == 422


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SALES, Role.MARKETING, Role.READ_ONLY])
def test_only_administrators_maintain_attributes(api_as, role):
    definition = make_attribute("status", "choice", choices=["Kunde"])
    choice = definition.choices.get()
    api = api_as(role)
    assert api.get("/attributes").status_code == 200
    assert api.get(f"/attributes/{definition.pk}").status_code == 200
    assert api.get(f"/attributes/{definition.pk}/choices").status_code == 200
    writes = [
        api.post("/attributes", {"code": "neu", "label": "Neu", "type": "text"}),
        api.patch(f"/attributes/{definition.pk}", {"label": "Anders"}),
        api.delete(f"/attributes/{definition.pk}"),
        api.post(f"/attributes/{definition.pk}/choices", {"label": "Neu"}),
        api.patch(f"/attributes/{definition.pk}/choices/{choice.pk}", {"is_active": False}),
    ]
    assert [r.status_code for r in writes] == [403] * 5
    definition.refresh_from_db()
    assert definition.label == "Status"
    assert AttributeDefinition.objects.count() == 1


def test_anonymous_callers_are_refused(anonymous_api):
    assert anonymous_api.get("/attributes").status_code == 401
