"""Fixtures and helpers shared by the business API tests (imported by ``test_api_*.py``)."""

import datetime
from decimal import Decimal

import pytest

from merkur.business import services
from merkur.business.models import Article, ArticleCategory, Division
from tests.api.conftest import ApiClient, token_key
from tests.factories import make_company

D = datetime.date


@pytest.fixture
def admin_api(admin_user):
    return ApiClient(token_key(admin_user))


@pytest.fixture
def sales_api(sales_user):
    return ApiClient(token_key(sales_user))


@pytest.fixture
def readonly_api(readonly_user):
    return ApiClient(token_key(readonly_user))


@pytest.fixture
def anonymous_api(db):
    return ApiClient()


@pytest.fixture
def catalog(settings, db):
    """Two divisions, a category, three articles, CHF rates and two customers."""
    settings.MERKUR_BASE_CURRENCY = "EUR"
    software = Division.objects.create(name="Anwendersoftware")
    database = Division.objects.create(name="Datenbanksoftware")
    licence = ArticleCategory.objects.create(name="Lizenz")
    office = Article.objects.create(
        number="A-100", name="Office Paket", division=software, category=licence
    )
    db_article = Article.objects.create(
        number="D-200", name="Datenbank Server", division=database, category=licence
    )
    device = Article.objects.create(
        number="HW-1",
        name="Messgerät",
        division=database,
        category=licence,
        tracking="serial",
    )
    services.rate_set(currency="CHF", valid_from=D(2024, 1, 1), rate=Decimal("1.10"))
    return {
        "software": software,
        "database": database,
        "licence": licence,
        "office": office,
        "db": db_article,
        "device": device,
        "muller": make_company(name="Müller AG", number="K-1001"),
        "huber": make_company(name="Huber GmbH", number="K-1002"),
        "supplier": make_company(name="Zulieferer AG", number="L-9", roles=["supplier"]),
    }


def order_body(company_number="K-1001", **changes) -> dict:
    body = {
        "company_number": company_number,
        "date": "2025-03-15",
        "currency": "EUR",
        "status": "done",
        "lines": [
            {"article": "A-100", "quantity": "2", "unit_price": "100.00", "discount_percent": "10"},
            {"article": "D-200", "quantity": "1", "unit_price": "50"},
        ],
    }
    body.update(changes)
    return body


def errors_of(response) -> dict:
    assert response.status_code == 422, response.content
    return response.json()["errors"]
