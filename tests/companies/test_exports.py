"""Exports of the company and people lists: the same filters as the pages, three formats."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from merkur.companies.models import Function
from merkur.core.roles import Role
from tests.conftest import client_for
from tests.core.test_listexport import pdf_text
from tests.factories import make_company, make_industry, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def german():
    with translation.override("de"):
        yield


def content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.getvalue()


def csv_rows(response) -> list[dict]:
    rows = list(
        csv.reader(io.StringIO(content(response).decode("utf-8-sig"), newline=""), delimiter=";")
    )
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def companies(db):
    industry = make_industry("Maschinenbau")
    saar = make_company(
        name="Saarwerk Müller GmbH",
        number="K-100",
        phone="+49 681 123456",
        email="info@saarwerk.de",
        industries=[industry],
        roles=["customer", "supplier"],
        address={"street": "Am Hafen 3", "postal_code": "66111", "city": "Saarbrücken"},
    )
    formula = make_company(
        name='=HYPERLINK("http://x","y")', address={"postal_code": "66333", "city": "Völklingen"}
    )
    berlin = make_company(name="Berliner Bau AG", address={"postal_code": "10115"})
    return {"saar": saar, "formula": formula, "berlin": berlin, "industry": industry}


def company_export(client, fmt: str, **params):
    return client.get(reverse("companies:export"), {**params, "format": fmt})


def test_company_csv_with_filter(readonly_client, companies):
    response = company_export(readonly_client, "csv", postal_code="66", sort="name")
    assert response.status_code == 200
    assert (
        "companies-" in response["Content-Disposition"]
        or "firmen-" in response["Content-Disposition"]
    )
    rows = csv_rows(response)
    names = [row[next(iter(row))] for row in rows]
    assert len(rows) == 2
    saar = next(row for row in rows if "Saarwerk Müller GmbH" in row.values())
    values = set(saar.values())
    assert {"K-100", "Am Hafen 3", "66111", "Saarbrücken", "info@saarwerk.de"} <= values
    assert "Maschinenbau" in values
    assert "'+49 681 123456" in values  # a phone number is not a formula either
    assert any(value == "Deutschland" for value in values)
    assert not any("Berliner Bau" in value for row in rows for value in row.values())
    assert any("'=HYPERLINK" in value for row in rows for value in row.values()), names


def test_company_xlsx_and_pdf_with_filter(readonly_client, companies):
    response = company_export(readonly_client, "xlsx", city="Saar")
    sheet = openpyxl.load_workbook(io.BytesIO(content(response))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and "Saarwerk Müller GmbH" in rows[1]

    response = company_export(readonly_client, "pdf", postal_code="66")
    assert response.status_code == 200
    text = pdf_text(content(response))
    assert "66" in text and "Saarwerk Müller GmbH" in text
    assert "Berliner Bau AG" not in text
    assert "1 of 1" in text or "1 von 1" in text


def test_company_export_by_industry_and_archived(readonly_client, companies):
    rows = csv_rows(company_export(readonly_client, "csv", industry=companies["industry"].pk))
    assert len(rows) == 1


def test_people_export_with_filter(readonly_client, companies):
    buyer = Function.objects.create(name="Einkauf")
    anna = make_person(companies["saar"], first_name="Anna", last_name="Öztürk",
                       email="anna@saarwerk.de", functions=[buyer])  # fmt: skip
    make_person(companies["saar"], first_name="Bernd", last_name="Ohnefunktion")
    make_person(companies["berlin"], first_name="Carl", last_name="Berliner", functions=[buyer])
    response = readonly_client.get(
        reverse("companies:people_export"),
        {"function": buyer.pk, "postal_code": "66", "format": "csv"},
    )
    assert response.status_code == 200
    rows = csv_rows(response)
    assert len(rows) == 1
    values = set(rows[0].values())
    assert {"Öztürk", "Anna", "Saarwerk Müller GmbH", "Einkauf", "anna@saarwerk.de"} <= values
    assert anna.letter_salutation in values

    response = readonly_client.get(
        reverse("companies:people_export"), {"company": companies["saar"].pk, "format": "pdf"}
    )
    text = pdf_text(content(response))
    assert "Öztürk" in text and "Ohnefunktion" in text and "Berliner" not in text


def test_bad_format_is_400(readonly_client):
    assert company_export(readonly_client, "docx").status_code == 400
    assert readonly_client.get(reverse("companies:people_export")).status_code == 400


def test_list_pages_offer_the_export(readonly_client, companies):
    page = readonly_client.get(reverse("companies:list"), {"postal_code": "66"})
    html = page.content.decode()
    assert reverse("companies:export") + "?postal_code=66&amp;format=xlsx" in html
    page = readonly_client.get(reverse("companies:people"))
    assert reverse("companies:people_export") + "?format=pdf" in page.content.decode()


def test_permissions(users, client, companies):
    urls = [
        reverse("companies:export") + "?format=csv",
        reverse("companies:people_export") + "?format=csv",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
        for role in Role.values:
            assert client_for(users[role]).get(url).status_code == 200, role
