"""Setting an attribute value in a real browser: the new value shows, the old period ends."""

import datetime

import pytest

from merkur.attributes import services
from merkur.attributes.models import AttributeValue
from tests.factories import make_attribute, make_company

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_new_value_replaces_the_shown_one_and_closes_the_old_period(logged_in_page):
    page = logged_in_page
    licences = make_attribute("lizenzen", unit="Lizenzen")
    company = make_company(name="Attribut AG")
    (old,) = services.value_set(
        definition=licences, record=company, value=10,
        valid_from=datetime.date(2020, 1, 1), by=None,
    )  # fmt: skip

    page.goto(company.get_absolute_url())
    item = page.locator("#attribute-lizenzen")
    assert "10 Lizenzen" in item.inner_text()
    item.locator("summary").first.click()
    form = page.locator("#set-lizenzen")
    form.locator("input[name$='-value']").fill("1.250")
    form.locator("input[name$='-valid_from']").fill("2025-01-01")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#attribute-status .alert-success")

    assert "1250 Lizenzen" in page.locator("#attribute-lizenzen").inner_text()
    old.refresh_from_db()
    assert old.valid_to == datetime.date(2024, 12, 31)
    assert AttributeValue.objects.filter(definition=licences).count() == 2
