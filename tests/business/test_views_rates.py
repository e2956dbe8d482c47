"""The exchange-rate page: everyone reads, only administrators write; errors are shown."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from merkur.business import services
from merkur.business.models import ExchangeRate
from tests.business.test_views_pages import build
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/business/exchange-rates/"


@pytest.fixture
def data(settings):
    return build(settings)


def test_url():
    assert reverse("business:rates") == URL


def test_everyone_reads_only_admins_write(data, users, admin_user):
    entry = ExchangeRate.objects.get(currency="CHF")
    for user in users.values():
        client = client_for(user)
        response = client.get(URL)
        assert response.status_code == 200
        assert "CHF" in response.content.decode()
        if user == admin_user:
            assert response.context["form"] is not None
            continue
        assert response.context["form"] is None
        assert 'id="rate-form"' not in response.content.decode()
        post = {"currency": "USD", "valid_from": "2024-01-01", "rate": "0.9"}
        assert client.post(URL, post).status_code == 403
        assert client.post(reverse("business:rate_delete", args=[entry.pk])).status_code == 403
    assert not ExchangeRate.objects.filter(currency="USD").exists()
    assert ExchangeRate.objects.filter(pk=entry.pk).exists()


def test_admin_adds_and_changes_a_rate(admin_client, data):
    response = admin_client.post(
        URL, {"currency": "usd", "valid_from": "2024-01-01", "rate": "0.9"}
    )
    assert response.status_code == 302
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("0.9")
    # Changing the Swiss franc recomputes the Swiss customer's revenue.
    year = datetime.date.today().year
    admin_client.post(URL, {"currency": "CHF", "valid_from": "2020-01-01", "rate": "1.10"})
    from merkur.business.views.panel import company_figures

    totals = {row.year: row.total for row in company_figures(data["swiss"]).years}
    assert totals[year - 1] == Decimal("2200.00")
    response = admin_client.get(URL, {"edit": ExchangeRate.objects.get(currency="CHF").pk})
    assert response.context["form"].initial["currency"] == "CHF"


@pytest.mark.parametrize(
    "post, field, message",
    [
        ({"currency": "XYZ", "valid_from": "2024-01-01", "rate": "1"}, "currency", "ISO 4217"),
        ({"currency": "EUR", "valid_from": "2024-01-01", "rate": "1"}, "currency", "base currency"),
        ({"currency": "USD", "valid_from": "2024-01-01", "rate": "0"}, "rate", ""),
        ({"currency": "USD", "valid_from": "2024-13-01", "rate": "1"}, "valid_from", ""),
        ({"currency": "USD", "valid_from": "2024-01-01", "rate": "abc"}, "rate", ""),
    ],
)
def test_bad_rates_are_refused_with_a_message(admin_client, data, post, field, message):
    response = admin_client.post(URL, post)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not ExchangeRate.objects.filter(currency__in=["XYZ", "USD"]).exists()


def test_deleting_a_rate_orders_need_is_refused(admin_client, data):
    entry = ExchangeRate.objects.get(currency="CHF")
    response = admin_client.post(reverse("business:rate_delete", args=[entry.pk]), follow=True)
    assert ExchangeRate.objects.filter(pk=entry.pk).exists()
    page = response.content.decode()
    assert "cannot be deleted" in page and "No exchange rate for CHF" in page


def test_deleting_an_unused_rate(admin_client, data):
    entry = services.rate_set(
        currency="USD", valid_from=datetime.date(2024, 1, 1), rate=Decimal("0.9")
    )
    response = admin_client.post(reverse("business:rate_delete", args=[entry.pk]))
    assert response.status_code == 302
    assert not ExchangeRate.objects.filter(pk=entry.pk).exists()
    assert admin_client.get(reverse("business:rate_delete", args=[entry.pk])).status_code == 405
    assert admin_client.post(reverse("business:rate_delete", args=[entry.pk])).status_code == 404


def test_currency_filter_and_bad_cursor(readonly_client, data):
    services.rate_set(currency="USD", valid_from=datetime.date(2024, 1, 1), rate=Decimal("0.9"))
    response = readonly_client.get(URL, {"currency": "usd"})
    assert [e.currency for e in response.context["page"].items] == ["USD"]
    assert readonly_client.get(URL, {"cursor": "%%%"}).status_code == 200
