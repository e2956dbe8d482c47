"""The OpenAPI description and the interactive docs, served without internet access."""

import pytest
from django.test import Client

from merkur.core.masterdata import tables

pytestmark = pytest.mark.django_db

OPENAPI = "/api/v1/openapi.json"


@pytest.fixture
def schema(db) -> dict:
    response = Client().get(OPENAPI)
    assert response.status_code == 200
    return response.json()


def test_openapi_lists_the_resources(schema):
    paths = set(schema["paths"])
    assert {
        "/api/v1/companies",
        "/api/v1/companies/{company_id}",
        "/api/v1/companies/{company_id}/addresses",
        "/api/v1/addresses/{address_id}",
        "/api/v1/people",
        "/api/v1/people/{person_id}/move",
    } <= paths


def test_openapi_lists_every_master_table(schema):
    for table in tables():
        assert f"/api/v1/master/{table.slug}" in schema["paths"]
        assert f"/api/v1/master/{table.slug}/{{entry_id}}" in schema["paths"]


def test_every_operation_has_a_summary_and_a_tag(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary"), f"{method} {path}"
            assert operation.get("tags"), f"{method} {path}"


def test_operation_ids_are_short_and_unique(schema):
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert "list_companies" in ids


def test_openapi_names_both_ways_to_authenticate(schema):
    schemes = schema["components"]["securitySchemes"]
    assert {scheme["type"] for scheme in schemes.values()} == {"http", "apiKey"}


def test_list_parameters_document_the_limit(schema):
    parameters = schema["paths"]["/api/v1/companies"]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 200


def test_docs_page_loads_swagger_from_our_own_static_files(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html


def test_swagger_files_are_served(db):
    response = Client().get("/static/ninja/swagger-ui-bundle.js")
    assert response.status_code == 200
