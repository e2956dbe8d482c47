"""A sales user's first steps, in a real browser: create, enrich, find again."""

import re

import pytest

from merkur.companies.models import Company, CompanyAddress

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_create_company_with_addresses_and_person_then_find_it_by_umlaut_variant(
    logged_in_page,
):
    page = logged_in_page

    page.goto("/companies/new/")
    page.fill("input[name=name]", "Müller Präzisionstechnik GmbH")
    page.check("input[name=roles][value=customer]")
    page.fill("input[name=address-street]", "Industriestraße 7")
    page.fill("input[name=address-postal_code]", "66111")
    page.fill("input[name=address-city]", "Saarbrücken")
    page.select_option("select[name=address-country]", "DE")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/companies/\d+/"))
    company = Company.objects.get(name="Müller Präzisionstechnik GmbH")

    page.click("a[href$='/addresses/delivery/new/']")
    page.fill("input[name=street]", "Lagerweg 2")
    page.fill("input[name=postal_code]", "66117")
    page.fill("input[name=city]", "Saarbrücken")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"/companies/{company.pk}/"))
    delivery = company.address_links.get(kind=CompanyAddress.Kind.DELIVERY)
    assert delivery.is_default
    assert "Lagerweg 2" in page.content()

    page.click(f"a[href$='/companies/{company.pk}/people/new/']")
    page.fill("input[name=first_name]", "Jürgen")
    page.fill("input[name=last_name]", "Schäfer")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/companies/(people/)?\d+/"))
    assert company.people.filter(last_name="Schäfer").exists()

    search = page.locator("nav input[name=q]")
    search.fill("mueller praezision")
    search.press("Enter")
    page.wait_for_url(re.compile(r"/companies/\?q="))
    assert page.locator(f"a[href$='/companies/{company.pk}/']").first.is_visible()

    search = page.locator("nav input[name=q]")
    search.fill("SCHAEFER")
    search.press("Enter")
    page.wait_for_url(re.compile(r"q=SCHAEFER"))
    assert page.locator(f"a[href$='/companies/{company.pk}/']").first.is_visible()


def test_read_only_user_sees_no_new_company_button(page, transactional_db):
    from tests.conftest import PASSWORD, _user

    _user("lisa", "read_only")
    page.goto("/login/")
    page.fill("input[name=username]", "lisa")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/companies/")
    assert page.locator("a[href$='/companies/new/']").count() == 0
    response = page.goto("/companies/new/")
    assert response.status == 403
