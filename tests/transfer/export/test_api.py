"""``POST /api/v1/exports``: the file at once or a job; 4xx with a message per field."""

import csv
import io
import json

import pytest
import vobject

from merkur.jobs.models import Job
from merkur.transfer.export import profiles
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/exports"


def post(client, body: dict):
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_csv_is_streamed_with_list_filters(world, readonly_client):
    response = post(
        readonly_client,
        {
            "source": "companies",
            "params": {"country": "AT"},
            "options": {"columns": ["company.number", "address.city"]},
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
        ["Kundennummer", "Ort"],
        ["K-200", "Wien"],
    ]


def test_vcard_of_people(world, admin_client):
    response = post(admin_client, {"source": "people", "options": {"format": "vcard4"}})
    cards = list(vobject.readComponents(b"".join(response.streaming_content).decode()))
    assert sorted(card.fn.value for card in cards) == ["Dr. Erika Mustermann", "Hans Huber"]


def test_xlsx_and_forced_jobs_answer_202(world, admin_client):
    response = post(admin_client, {"source": "companies", "options": {"format": "xlsx"}})
    assert response.status_code == 202
    job = Job.objects.get()
    assert response.json() == {
        "job": job.pk,
        "status": "queued",
        "url": f"/api/v1/jobs/{job.pk}",
        "file_url": f"/api/v1/jobs/{job.pk}/file",
    }
    response = post(admin_client, {"source": "people", "mode": "job"})
    assert response.status_code == 202
    stream = post(
        admin_client, {"source": "people", "mode": "stream", "options": {"format": "xlsx"}}
    )
    assert stream.status_code == 422 and "mode" in stream.json()["errors"]


def test_a_profile_is_the_starting_point(world, sales_user):
    profile = profiles.profile_save(
        data={
            "name": "Pipes",
            "options": {
                "format": "csv",
                "separator": "|",
                "header": "keys",
                "columns": ["company.number"],
            },
        },
        by=sales_user,
    )
    client = client_for(sales_user)
    response = post(
        client, {"source": "companies", "profile": "pipes", "options": {"sort": "number"}}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == ["company.number", "K-100", "K-200"]
    response = post(client, {"source": "companies", "profile": profile.pk + 1})
    assert response.status_code == 422 and "profile" in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "companies", "options": {"format": "pdf"}}, "options.format"),
        ({"source": "companies", "options": {"colour": "red"}}, "options.colour"),
        ({"source": "companies", "options": {"columns": ["company.nope"]}}, "options.columns"),
        ({"source": "companies", "options": {"columns": "x" * 5000}}, "options.columns"),
        ({"source": "companies", "options": {"separator": "ab"}}, "options.separator"),
        ({"source": "companies", "options": {"as_of": "2024-02-30"}}, "options.as_of"),
        (
            {"source": "companies", "options": {"format": "json", "encoding": "windows-1252"}},
            "options.encoding",
        ),
        (
            {"source": "companies", "options": {"format": "template", "template_row": "{% for %}"}},
            "options.template_row",
        ),
        (
            {
                "source": "companies",
                "options": {"format": "template", "template_row": "{{ company.nmae }}"},
            },
            "options.template_row",
        ),
        ({"source": "companies", "options": {"sort": "colour"}}, "options.sort"),
        ({"source": "companies", "params": {"country": "XX"}}, "params.filters"),
        ({"source": "people", "params": {"colour": "red"}}, "params.filters"),
        ({"source": "selection", "params": {"selection": 999}}, "params.selection"),
        ({"source": "selection", "params": {}}, "params.selection"),
        # PostgreSQL refuses NUL characters in a query: a name with one is no name
        ({"source": "selection", "params": {"selection": "Kunden\x00"}}, "params.selection"),
        ({"source": "companies", "profile": "Lettershop\x00"}, "profile"),
        ({"source": "run", "params": {"run": "abc"}}, "params.run"),
        ({"source": "planets"}, "source"),
        ({"source": "companies", "mode": "later"}, "mode"),
        ({"source": "companies", "colour": "red"}, "colour"),
    ],
)
def test_bad_requests_get_field_errors(world, admin_client, body, field):
    response = post(admin_client, body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()


def test_template_errors_show_the_line(world, admin_client):
    response = post(
        admin_client,
        {
            "source": "companies",
            "options": {"format": "template", "template_row": "{{ company.name }}\n{{ 1 + }}"},
        },
    )
    message = response.json()["errors"]["options.template_row"][0]
    assert "2" in message


def test_anonymous_callers_get_401(world, client):
    assert post(client, {"source": "companies"}).status_code == 401


def test_roleless_users_get_403(world, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    assert post(client_for(nobody), {"source": "companies"}).status_code == 403


def test_the_columns_are_listed(world, readonly_client):
    response = readonly_client.get(URL + "/columns", {"target": "people"})
    keys = {column["key"]: column for column in response.json()}
    assert keys["person.email"]["label_de"] == "E-Mail"
    assert keys["company.attr.lizenzen"]["type"] == "integer"
    companies = readonly_client.get(URL + "/columns").json()
    assert "person.email" not in {column["key"] for column in companies}
