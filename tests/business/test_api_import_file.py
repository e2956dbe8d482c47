"""``POST /business-import/{kind}/file``: an ERP export file through the API."""

# ruff: noqa: F811

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from merkur.business.models import Document, ExchangeRate
from tests.api.conftest import API
from tests.business.test_api_helpers import (  # noqa: F401 (fixtures)
    admin_api,
    catalog,
    readonly_api,
    sales_api,
)
from tests.business.test_import_documents import BAD, GOOD

pytestmark = pytest.mark.django_db


def upload(api, kind: str, text: str, name="documents.csv", charset="utf-8", **options):
    upload = SimpleUploadedFile(name, text.encode(charset), content_type="text/csv")
    return api.client.post(
        f"{API}/business-import/{kind}/file",
        {"file": upload, **options},
        headers=api.headers,
    )


def test_documents_file_is_imported(sales_api, catalog):
    response = upload(sales_api, "documents", GOOD)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["error_count"]) == (5, 0, 0)
    assert Document.objects.count() == 5


def test_bad_rows_answer_422_with_lines_and_nothing_is_written(sales_api, catalog):
    response = upload(sales_api, "documents", BAD)
    assert response.status_code == 422
    body = response.json()
    assert body["error_count"] == len(body["errors"]) == 14
    assert body["errors"][0] == {
        "line": 3,
        "column": "company_number",
        "value": "K-9999",
        "reason": "There is no company with customer/supplier number K-9999.",
    }
    assert not Document.objects.exists()


def test_dry_run_and_options_as_form_fields(sales_api, catalog):
    text = (
        "Kind|Number|Company Number|Date|Currency|Article|Quantity\n"
        "auftrag|Ü-1|K-1001|01.02.2025|EUR|A-100|1,5\n"
    )
    response = upload(
        sales_api,
        "documents",
        text,
        charset="cp1252",
        **{"dry_run": "true", "encoding": "cp1252", "decimal_comma": "true", "delimiter": "|"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1 and not Document.objects.exists()


def test_json_lines_by_file_name(sales_api, catalog):
    text = (
        '{"kind": "order", "number": "J-1", "company_number": "K-1001", "date": "2025-01-05",'
        ' "currency": "EUR", "lines": [{"article": "A-100", "quantity": 1}]}\n'
    )
    assert upload(sales_api, "documents", text, name="export.jsonl").status_code == 200
    assert Document.objects.filter(number="J-1").exists()


def test_permissions(readonly_api, sales_api, admin_api, catalog):
    assert upload(readonly_api, "documents", GOOD).status_code == 403
    rates = "currency;valid_from;rate\nUSD;2025-01-01;0.91\n"
    assert upload(sales_api, "rates", rates, name="rates.csv").status_code == 403
    assert upload(admin_api, "rates", rates, name="rates.csv").status_code == 200
    assert ExchangeRate.objects.filter(currency="USD").exists()


def test_too_large_file_is_refused(sales_api, catalog, settings):
    settings.MERKUR_IMPORT_MAX_MB = 1
    response = upload(sales_api, "documents", GOOD + "#" * (1024 * 1024))
    assert response.status_code == 413
    assert not Document.objects.exists()


def test_unknown_kind_is_named(sales_api, catalog):
    response = upload(sales_api, "colours", GOOD)
    assert response.status_code == 422
    assert "kind" in response.content.decode()


@pytest.mark.parametrize("name", ["x" * 300 + ".csv", "a/../../b.csv", "noname"])
def test_odd_file_names_do_not_matter(sales_api, catalog, name):
    response = upload(sales_api, "documents", GOOD, name=name)
    assert response.status_code == 200, response.content
