# ruff: noqa: F811 — pytest fixtures imported from tests/api/conftest.py
"""Company and people lists filtered by an attribute value as of a day, and the OpenAPI."""

import datetime

import pytest
from django.test import Client

from merkur.attributes import services
from tests.api.conftest import readonly_api  # noqa: F401
from tests.factories import make_attribute, make_company, make_person

pytestmark = pytest.mark.django_db
D = datetime.date


def _set(definition, record, value, start, end=None):
    services.value_set(
        definition=definition, record=record, value=value, valid_from=start, valid_to=end, by=None
    )


@pytest.fixture
def licences():
    """Alpha: 10 from 2024, 60 from 2025-07; Beta: 40 from 2024; Gamma: none."""
    definition = make_attribute("lizenzen")
    alpha, beta = make_company(name="Alpha AG"), make_company(name="Beta AG")
    make_company(name="Gamma AG")
    _set(definition, alpha, 10, D(2024, 1, 1))
    _set(definition, alpha, 60, D(2025, 7, 1))
    _set(definition, beta, 40, D(2024, 1, 1))
    return definition


def _names(api, **params) -> list[str]:
    response = api.get("/companies", params)
    assert response.status_code == 200, response.content
    return sorted(c["name"] for c in response.json()["items"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"attribute_op": "between", "attribute_value": ["30", "70"]}, ["Alpha AG", "Beta AG"]),
        (
            {
                "attribute_op": "between",
                "attribute_value": ["30", "70"],
                "attribute_as_of": "2025-06-30",
            },
            ["Beta AG"],
        ),
        ({"attribute_value": "10", "attribute_as_of": "2024-12-31"}, ["Alpha AG"]),
        (
            {
                "attribute_op": "in",
                "attribute_value": ["10", "40"],
                "attribute_as_of": "2025-01-01",
            },
            ["Alpha AG", "Beta AG"],
        ),
        ({"attribute_op": "after", "attribute_value": "50"}, ["Alpha AG"]),
        ({"attribute_op": "before", "attribute_value": "50"}, ["Beta AG"]),
        ({}, ["Alpha AG", "Beta AG"]),  # no operator, no value: is set
        ({"attribute_op": "is_not_set"}, ["Gamma AG"]),
        ({"attribute_op": "is_set", "attribute_as_of": "2023-12-31"}, []),
        (
            {"attribute_op": "is_not_set", "attribute_as_of": "2023-12-31"},
            ["Alpha AG", "Beta AG", "Gamma AG"],
        ),
    ],
    ids=str,
)
def test_companies_filtered_by_a_number_as_of_a_day(readonly_api, licences, params, expected):
    assert _names(readonly_api, attribute="lizenzen", **params) == expected


def test_the_filter_counts_and_pages_like_any_list(readonly_api, licences):
    body = readonly_api.get(
        "/companies", {"attribute": "lizenzen", "attribute_op": "is_set", "limit": 1}
    ).json()
    assert body["count"] == 2
    assert len(body["items"]) == 1
    assert body["next_cursor"]


def test_a_choice_filter_finds_deactivated_choices_of_the_past(readonly_api):
    status = make_attribute("status", "choice", choices=["Interessent", "Kunde"])
    company = make_company(name="Alpha AG")
    _set(status, company, "Interessent", D(2020, 1, 1))
    _set(status, company, "Kunde", D(2022, 1, 1))
    services.choice_update(choice=status.choices.get(label="Interessent"), is_active=False, by=None)
    past = {"attribute": "status", "attribute_value": "interessent"}
    assert _names(readonly_api, **past, attribute_as_of="2021-06-30") == ["Alpha AG"]
    assert _names(readonly_api, **past) == []
    kunde = status.choices.get(label="Kunde")
    assert _names(readonly_api, attribute="status", attribute_value=str(kunde.pk)) == ["Alpha AG"]


def test_text_date_and_yes_no_filters(readonly_api):
    note = make_attribute("notiz", "text")
    audit = make_attribute("audit", "date")
    iso = make_attribute("iso9001", "boolean")
    company = make_company(name="Alpha AG")
    make_company(name="Beta AG")
    _set(note, company, "Großkunde Süd", D(2024, 1, 1))
    _set(audit, company, D(2024, 5, 17), D(2024, 1, 1))
    _set(iso, company, True, D(2024, 1, 1), D(2024, 12, 31))
    assert _names(readonly_api, attribute="notiz", attribute_op="contains",
                  attribute_value="kunde") == ["Alpha AG"]  # fmt: skip
    assert _names(readonly_api, attribute="audit", attribute_op="after",
                  attribute_value="2024-01-01") == ["Alpha AG"]  # fmt: skip
    assert _names(readonly_api, attribute="audit", attribute_op="between",
                  attribute_value=["01.05.2024", "31.05.2024"]) == ["Alpha AG"]  # fmt: skip
    assert _names(readonly_api, attribute="iso9001", attribute_value="true",
                  attribute_as_of="2024-06-01") == ["Alpha AG"]  # fmt: skip
    assert _names(readonly_api, attribute="iso9001", attribute_value="true") == []


def test_people_filtered_by_their_attribute(readonly_api):
    language = make_attribute("sprache", "text", for_companies=False, for_people=True)
    company = make_company()
    anna = make_person(company, first_name="Anna", last_name="Alt")
    make_person(company, first_name="Bernd", last_name="Berg")
    _set(language, anna, "Französisch", D(2020, 1, 1))
    response = readonly_api.get(
        "/people", {"attribute": "sprache", "attribute_value": "Französisch"}
    )
    assert response.status_code == 200, response.content
    assert [p["last_name"] for p in response.json()["items"]] == ["Alt"]
    # A company attribute is unknown to the people list.
    make_attribute("lizenzen")
    response = readonly_api.get("/people", {"attribute": "lizenzen", "attribute_op": "is_set"})
    assert response.status_code == 422
    assert "attribute" in response.json()["errors"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"attribute": "gibtsnicht"}, "attribute"),
        ({"attribute_value": "10"}, "attribute"),
        (
            {"attribute": "lizenzen", "attribute_op": "contains", "attribute_value": "1"},
            "attribute_op",
        ),
        (
            {"attribute": "lizenzen", "attribute_op": "ungefähr", "attribute_value": "1"},
            "attribute_op",
        ),
        ({"attribute": "lizenzen", "attribute_value": "viele"}, "attribute_value"),
        ({"attribute": "lizenzen", "attribute_value": str(2**70)}, "attribute_value"),
        ({"attribute": "lizenzen", "attribute_value": ["1", "2"]}, "attribute_value"),
        (
            {"attribute": "lizenzen", "attribute_op": "between", "attribute_value": "1"},
            "attribute_value",
        ),
        ({"attribute": "lizenzen", "attribute_op": "in"}, "attribute_value"),
        (
            {"attribute": "lizenzen", "attribute_op": "is_set", "attribute_value": "1"},
            "attribute_value",
        ),
        ({"attribute": "lizenzen", "attribute_as_of": "2024-02-30"}, "attribute_as_of"),
        ({"attribute": "lizenzen", "attribute_as_of": "gestern"}, "attribute_as_of"),
        ({"attribute": "status", "attribute_value": "Unbekannt"}, "attribute_value"),
        ({"attribute": "status", "attribute_value": str(2**70)}, "attribute_value"),
        ({"attribute": "audit", "attribute_value": "2024-13-01"}, "attribute_value"),
        (
            {"attribute": "notiz", "attribute_op": "contains", "attribute_value": " "},
            "attribute_value",
        ),
    ],
    ids=str,
)
def test_bad_filters_are_field_errors(readonly_api, licences, params, field):
    make_attribute("status", "choice", choices=["Kunde"])
    make_attribute("audit", "date")
    make_attribute("notiz", "text")
    response = readonly_api.get("/companies", params)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()


def test_the_openapi_describes_the_attribute_routes_and_filters(db):
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/attributes",
        "/api/v1/attributes/{attribute_id}",
        "/api/v1/attributes/{attribute_id}/choices/{choice_id}",
        "/api/v1/companies/{company_id}/attributes",
        "/api/v1/companies/{company_id}/attributes/{code}/timeline",
        "/api/v1/people/{person_id}/attributes/{code}",
        "/api/v1/attribute-values/{value_id}",
    ):
        assert path in paths
    for list_path in ("/api/v1/companies", "/api/v1/people"):
        names = {p["name"] for p in paths[list_path]["get"]["parameters"]}
        assert {"attribute", "attribute_op", "attribute_value", "attribute_as_of"} <= names
    operation_ids = [op["operationId"] for ops in paths.values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
