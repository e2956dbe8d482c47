"""Address pages: add, edit (with conflicts), make default, remove."""

import pytest
from django.urls import reverse

from merkur.addresses.models import Address
from merkur.companies import services
from merkur.companies.models import CompanyAddress
from tests.factories import address_data, make_company, make_person

pytestmark = pytest.mark.django_db
Kind = CompanyAddress.Kind


def address_post(**overrides) -> dict:
    data = {
        "street": "Hafenstrasse 5",
        "street2": "",
        "po_box": "",
        "postal_code": "20095",
        "city": "Hamburg",
        "region": "",
        "country": "DE",
        "label": "",
    }
    data.update(overrides)
    return data


def add_link(company, kind=Kind.DELIVERY, **address):
    return services.company_address_add(
        company=company, kind=kind, address=address_data(**address), by=None
    )


def test_add_delivery_address_makes_the_first_one_default(sales_client):
    company = make_company()
    url = reverse("companies:address_add", args=[company.pk, "delivery"])
    response = sales_client.post(url, address_post(label="Lager Nord"))
    assert response.status_code == 302
    link = company.address_links.get(kind=Kind.DELIVERY)
    assert link.is_default and link.label == "Lager Nord"
    assert link.address.city == "Hamburg"


def test_add_billing_address_as_new_default_takes_the_flag(sales_client):
    company = make_company()
    old = add_link(company, Kind.BILLING)
    url = reverse("companies:address_add", args=[company.pk, "billing"])
    sales_client.post(url, address_post(is_default="on"))
    old.refresh_from_db()
    new = company.address_links.get(kind=Kind.BILLING, is_default=True)
    assert not old.is_default and new.address.city == "Hamburg"


def test_add_address_with_bad_postal_code_shows_a_field_error(sales_client):
    company = make_company()
    url = reverse("companies:address_add", args=[company.pk, "delivery"])
    response = sales_client.post(url, address_post(postal_code="ABC"))
    assert response.status_code == 200
    assert "postal_code" in response.context["form"].errors
    assert not company.address_links.filter(kind=Kind.DELIVERY).exists()


@pytest.mark.parametrize("kind", ["contact", "home", "x"])
def test_adding_an_address_of_another_kind_is_404(sales_client, kind):
    company = make_company()
    url = reverse("companies:address_add", args=[company.pk, kind])
    assert sales_client.get(url).status_code == 404


def test_add_employee_address_for_a_person(sales_client):
    company = make_company()
    person = make_person(company)
    url = reverse("companies:address_add", args=[company.pk, "employee"])
    response = sales_client.post(url, address_post(person=person.pk))
    assert response.status_code == 302
    assert person.own_address_link().address.city == "Hamburg"


def test_employee_address_form_offers_only_people_without_one(sales_client):
    company = make_company()
    housed = make_person(company)
    services.person_set_address(person=housed, address=address_data(), by=None)
    free = make_person(company)
    url = reverse("companies:address_add", args=[company.pk, "employee"])
    choices = sales_client.get(url).context["form"].fields["person"].queryset
    assert list(choices) == [free]
    response = sales_client.post(url, address_post(person=housed.pk))
    assert "person" in response.context["form"].errors


def test_employee_address_for_a_person_of_another_company_is_refused(sales_client):
    company = make_company()
    stranger = make_person(make_company())
    url = reverse("companies:address_add", args=[company.pk, "employee"])
    response = sales_client.post(url, address_post(person=stranger.pk))
    assert response.status_code == 200
    assert "person" in response.context["form"].errors


def test_make_default_moves_the_flag(sales_client):
    company = make_company()
    first = add_link(company)
    second = add_link(company, city="Köln", postal_code="50667")
    response = sales_client.post(reverse("companies:address_set_default", args=[second.pk]))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_make_default_needs_post(sales_client):
    link = add_link(make_company())
    assert (
        sales_client.get(reverse("companies:address_set_default", args=[link.pk])).status_code
        == 405
    )


def test_make_default_on_a_contact_address_says_why_not(sales_client):
    company = make_company()
    contact = company.contact_link()
    response = sales_client.post(
        reverse("companies:address_set_default", args=[contact.pk]), follow=True
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    contact.refresh_from_db()
    assert not contact.is_default


def test_remove_asks_and_removes_on_post(sales_client):
    company = make_company()
    link = add_link(company)
    url = reverse("companies:address_remove", args=[link.pk])
    assert sales_client.get(url).status_code == 200
    assert sales_client.post(url).status_code == 302
    assert not CompanyAddress.objects.filter(pk=link.pk).exists()
    assert not Address.objects.filter(pk=link.address_id).exists()


def test_contact_address_cannot_be_removed(sales_client):
    company = make_company()
    contact = company.contact_link()
    response = sales_client.post(
        reverse("companies:address_remove", args=[contact.pk]), follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert CompanyAddress.objects.filter(pk=contact.pk).exists()


def test_edit_address_changes_the_record_and_the_company_place(sales_client):
    company = make_company()
    contact = company.contact_link()
    url = reverse("companies:address_edit", args=[contact.pk])
    response = sales_client.post(url, address_post(version=1))
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.postal_code, company.city) == ("20095", "Hamburg")


def test_contact_address_edit_url_edits_the_contact_address(sales_client):
    company = make_company()
    url = reverse("companies:contact_address_edit", args=[company.pk])
    assert sales_client.get(url).context["form"]["city"].value() == "Berlin"
    sales_client.post(url, address_post(version=1))
    assert company.contact_link().address.city == "Hamburg"


def test_stale_address_edit_shows_the_conflict_and_does_not_overwrite(sales_client):
    company = make_company()
    contact = company.contact_link()
    services.address_update(
        address=contact.address, data={"street": "Neue Strasse 2"}, expected_version=1, by=None
    )
    url = reverse("companies:address_edit", args=[contact.pk])
    response = sales_client.post(url, address_post(version=1))
    assert response.status_code == 200
    assert 'id="edit-conflict"' in response.content.decode()
    contact.address.refresh_from_db()
    assert contact.address.street == "Neue Strasse 2"


def test_edit_of_a_shared_address_warns_about_the_other_companies(sales_client):
    first = make_company(name="Erste AG")
    second = make_company(name="Zweite AG")
    shared = first.contact_link().address
    services.company_address_add(company=second, kind=Kind.DELIVERY, address=shared, by=None)
    url = reverse("companies:address_edit", args=[first.contact_link().pk])
    html = sales_client.get(url).content.decode()
    assert 'id="shared-address"' in html and "Zweite AG" in html


def test_edit_address_with_bad_postal_code_shows_a_field_error(sales_client):
    company = make_company()
    url = reverse("companies:address_edit", args=[company.contact_link().pk])
    response = sales_client.post(url, address_post(postal_code="999", version=1))
    assert "postal_code" in response.context["form"].errors
