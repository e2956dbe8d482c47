"""The company page, creating, editing (with conflicts), archiving and restoring."""

import pytest
from django.urls import reverse

from merkur.companies import services
from merkur.companies.models import Company, CompanyAddress, Function, Industry
from merkur.companies.views import companies as views
from merkur.core.models import ChangeRecord
from tests.factories import address_data, make_company, make_person

pytestmark = pytest.mark.django_db
Kind = CompanyAddress.Kind


def company_post(**overrides) -> dict:
    data = {
        "name": "Neue Firma GmbH",
        "name2": "",
        "number": "K-1",
        "roles": ["customer", "supplier"],
        "phone": "030 1234567",
        "email": "info@neue-firma.de",
        "website": "neue-firma.de",
        "vat_id": "",
        "employees": "12",
        "notes": "",
        "address-street": "Unter den Linden 1",
        "address-postal_code": "10117",
        "address-city": "Berlin",
        "address-country": "DE",
    }
    data.update(overrides)
    return data


def edit_post(company: Company, **overrides) -> dict:
    company.refresh_from_db()
    data = {
        "name": company.name,
        "name2": company.name2,
        "number": company.number,
        "roles": company.role_list,
        "phone": company.phone,
        "email": company.email,
        "website": company.website,
        "vat_id": company.vat_id,
        "employees": company.employees or "",
        "notes": company.notes,
        "version": company.version,
    }
    data.update(overrides)
    return data


# --- the company page -------------------------------------------------------------------


def test_company_page_shows_addresses_by_kind_with_the_default_marked(admin_client):
    company = make_company(name="Adler AG")
    services.company_address_add(
        company=company, kind=Kind.DELIVERY, address=address_data(city="Köln"), by=None
    )
    second = services.company_address_add(
        company=company,
        kind=Kind.DELIVERY,
        address=address_data(city="Hamburg", postal_code="20095"),
        by=None,
    )
    services.company_address_set_default(link=second, by=None)
    html = admin_client.get(company.get_absolute_url()).content.decode()
    delivery = html[html.index('id="addresses-delivery"') : html.index('id="addresses-billing"')]
    assert delivery.count('class="address-block') == 2
    default_card = delivery[delivery.index(f'id="address-{second.pk}"') :]
    assert "20095 hamburg" in default_card.split("</address>")[0].lower()
    assert "border-primary" in delivery.split(f'id="address-{second.pk}"')[0].rsplit("<div", 1)[1]


def test_company_page_formats_the_contact_address_with_the_company_name(admin_client):
    company = make_company(
        name="Berg AG", address={"postal_code": "8001", "city": "Zürich", "country": "CH"}
    )
    html = admin_client.get(company.get_absolute_url()).content.decode()
    block = html[html.index('id="addresses-contact"') :].split("</address>")[0]
    assert "Berg AG" in block and "8001 zürich" in block.lower() and "SCHWEIZ" in block


def test_company_page_lists_people_with_functions_and_opt_out(admin_client):
    company = make_company()
    buyer = Function.objects.create(name="Einkäufer")
    person = make_person(company, functions=[buyer], marketing_opt_out_at="2024-01-01T00:00Z")
    html = admin_client.get(company.get_absolute_url()).content.decode()
    row = html[html.index(f'data-person="{person.pk}"') :].split("</tr>")[0]
    assert "Einkäufer" in row and "badge text-bg-warning" in row


def test_company_page_shows_the_change_history(admin_client, admin_user):
    company = make_company(by=admin_user, name="Alt GmbH")
    services.company_update(
        company=company, data={"name": "Neu GmbH"}, expected_version=1, by=admin_user
    )
    html = admin_client.get(company.get_absolute_url()).content.decode()
    history = html[html.index('id="history"') :]
    assert "Alt GmbH" in history and "Neu GmbH" in history and "admin" in history


def test_long_history_is_cut_with_a_link_to_all_changes(admin_client):
    company = make_company()
    for i in range(51):
        services.company_update(
            company=company, data={"notes": f"Notiz {i}"}, expected_version=None, by=None
        )
    html = admin_client.get(company.get_absolute_url()).content.decode()
    assert reverse("companies:history", args=[company.pk]) in html
    page = admin_client.get(reverse("companies:history", args=[company.pk]))
    assert page.status_code == 200 and "Notiz 50" in page.content.decode()


def test_company_page_of_an_unknown_company_is_404(admin_client):
    assert admin_client.get(reverse("companies:detail", args=[999999])).status_code == 404


def test_read_only_user_sees_no_edit_buttons(readonly_client):
    company = make_company()
    html = readonly_client.get(company.get_absolute_url()).content.decode()
    assert reverse("companies:edit", args=[company.pk]) not in html
    assert "/addresses/" not in html
    assert reverse("companies:person_create", args=[company.pk]) not in html


def test_editor_sees_the_edit_buttons(sales_client):
    company = make_company()
    html = sales_client.get(company.get_absolute_url()).content.decode()
    assert reverse("companies:edit", args=[company.pk]) in html
    assert reverse("companies:address_add", args=[company.pk, "delivery"]) in html


# --- creating ---------------------------------------------------------------------------


def test_create_company_with_contact_address(sales_client):
    industry = Industry.objects.create(name="Software")
    response = sales_client.post(
        reverse("companies:create"), company_post(industries=[industry.pk])
    )
    company = Company.objects.get(name="Neue Firma GmbH")
    assert response.status_code == 302 and response.url == company.get_absolute_url()
    assert company.role_list == ["customer", "supplier"]
    assert company.phone == "+49 30 1234567"
    assert company.website == "https://neue-firma.de"
    assert list(company.industries.all()) == [industry]
    assert company.contact_link().address.street == "Unter den Linden 1"
    assert (company.city, company.country) == ("Berlin", "DE")


def test_create_form_proposes_the_home_country(sales_client, settings):
    html = sales_client.get(reverse("companies:create")).content.decode()
    assert f'<option value="{settings.MERKUR_HOME_COUNTRY}" selected>' in html


def test_bad_postal_code_shows_a_field_error_and_creates_nothing(sales_client):
    response = sales_client.post(
        reverse("companies:create"), company_post(**{"address-postal_code": "1234"})
    )
    assert response.status_code == 200
    assert "postal_code" in response.context["address_form"].errors
    assert not Company.objects.exists()


def test_company_without_a_role_is_refused(sales_client):
    data = company_post()
    del data["roles"]
    response = sales_client.post(reverse("companies:create"), data)
    assert "roles" in response.context["form"].errors
    assert not Company.objects.exists()


def test_unknown_role_is_refused(sales_client):
    response = sales_client.post(reverse("companies:create"), company_post(roles=["emperor"]))
    assert "roles" in response.context["form"].errors


def test_bad_phone_number_shows_a_field_error(sales_client):
    response = sales_client.post(reverse("companies:create"), company_post(phone="12"))
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert not Company.objects.exists()


def test_duplicate_number_shows_a_field_error(sales_client):
    make_company(number="K-1")
    response = sales_client.post(reverse("companies:create"), company_post())
    assert "number" in response.context["form"].errors
    assert Company.objects.count() == 1


def test_missing_city_shows_a_field_error(sales_client):
    response = sales_client.post(reverse("companies:create"), company_post(**{"address-city": ""}))
    assert "city" in response.context["address_form"].errors


def test_empty_post_shows_errors_not_a_crash(sales_client):
    response = sales_client.post(reverse("companies:create"), {})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors


# --- editing ----------------------------------------------------------------------------


def test_edit_saves_the_changes_and_records_them(sales_client, sales_user):
    company = make_company(name="Alt GmbH")
    response = sales_client.post(
        reverse("companies:edit", args=[company.pk]), edit_post(company, name="Neu GmbH")
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "Neu GmbH" and company.version == 2
    record = ChangeRecord.objects.filter(company=company, action="update").get()
    assert record.user == sales_user and record.changes["name"] == ["Alt GmbH", "Neu GmbH"]


def test_edit_form_starts_with_the_current_values(sales_client):
    company = make_company(name="Form AG", number="F-9")
    form = sales_client.get(reverse("companies:edit", args=[company.pk])).context["form"]
    assert form["name"].value() == "Form AG"
    assert form["number"].value() == "F-9"
    assert form["version"].value() == 1


def test_stale_edit_shows_the_conflict_and_does_not_overwrite(sales_client, admin_user):
    company = make_company(name="Start GmbH")
    stale = edit_post(company, name="Meine Änderung")
    services.company_update(
        company=company, data={"name": "Deren Änderung"}, expected_version=1, by=admin_user
    )
    response = sales_client.post(reverse("companies:edit", args=[company.pk]), stale)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="edit-conflict"' in html
    assert "Deren Änderung" in html and "Start GmbH" in html
    assert response.context["form"]["name"].value() == "Meine Änderung"
    company.refresh_from_db()
    assert company.name == "Deren Änderung"


def test_second_save_after_a_conflict_succeeds(sales_client, admin_user):
    company = make_company(name="Start GmbH")
    stale = edit_post(company, name="Meine Änderung")
    services.company_update(
        company=company, data={"name": "Deren Änderung"}, expected_version=1, by=admin_user
    )
    first = sales_client.post(reverse("companies:edit", args=[company.pk]), stale)
    again = {**stale, "version": first.context["form"]["version"].value()}
    response = sales_client.post(reverse("companies:edit", args=[company.pk]), again)
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.name == "Meine Änderung"


def test_edit_keeps_an_inactive_industry_already_on_the_company(sales_client):
    old = Industry.objects.create(name="Bergbau")
    company = make_company(industries=[old])
    old.is_active = False
    old.save()
    form = sales_client.get(reverse("companies:edit", args=[company.pk])).context["form"]
    assert old in form.fields["industries"].queryset
    response = sales_client.post(
        reverse("companies:edit", args=[company.pk]), edit_post(company, industries=[old.pk])
    )
    assert response.status_code == 302
    assert list(company.industries.all()) == [old]


def test_edit_refuses_a_number_of_another_company(sales_client):
    make_company(number="X-1")
    company = make_company(number="X-2")
    response = sales_client.post(
        reverse("companies:edit", args=[company.pk]), edit_post(company, number="X-1")
    )
    assert "number" in response.context["form"].errors


def test_edit_with_a_tampered_version_is_refused(sales_client):
    company = make_company()
    response = sales_client.post(
        reverse("companies:edit", args=[company.pk]), edit_post(company, version="abc")
    )
    assert response.status_code == 200
    assert "version" in response.context["form"].errors


# --- archive and restore ----------------------------------------------------------------


def test_archive_asks_first_and_archives_on_post(sales_client):
    company = make_company()
    url = reverse("companies:archive", args=[company.pk])
    assert sales_client.get(url).status_code == 200
    company.refresh_from_db()
    assert not company.is_archived
    response = sales_client.post(url)
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.is_archived


def test_restore_brings_an_archived_company_back(sales_client):
    company = make_company()
    services.company_archive(company=company, by=None)
    sales_client.post(reverse("companies:restore", args=[company.pk]))
    company.refresh_from_db()
    assert not company.is_archived


def test_archived_company_page_shows_the_badge_and_restore(sales_client):
    company = make_company()
    services.company_archive(company=company, by=None)
    html = sales_client.get(company.get_absolute_url()).content.decode()
    assert 'id="archived-badge"' in html
    assert reverse("companies:restore", args=[company.pk]) in html


# --- autocomplete -----------------------------------------------------------------------


def test_autocomplete_returns_at_most_20_current_matches(admin_client):
    for i in range(25):
        make_company(name=f"Treffer {i:02d}")
    archived = make_company(name="Treffer archiviert")
    services.company_archive(company=archived, by=None)
    response = admin_client.get(reverse("companies:autocomplete"), {"q": "treffer"})
    html = response.content.decode()
    assert html.count('name="to_company"') == 20
    assert "archiviert" not in html


def test_autocomplete_without_a_term_returns_nothing(admin_client):
    make_company(name="Irgendwas")
    html = admin_client.get(reverse("companies:autocomplete"), {"q": " "}).content.decode()
    assert 'name="to_company"' not in html


def test_company_page_shows_a_limited_number_of_people_and_links_to_all(admin_client, monkeypatch):
    monkeypatch.setattr(views, "PEOPLE_LIMIT", 2)
    company = make_company()
    for _ in range(3):
        make_person(company)
    html = admin_client.get(company.get_absolute_url()).content.decode()
    assert html.count("data-person=") == 2
    assert 'id="all-people"' in html and f"?company={company.pk}" in html


def test_all_mistakes_show_at_once(sales_client):
    data = company_post(**{"address-postal_code": "1234"})
    del data["roles"]
    response = sales_client.post(reverse("companies:create"), data)
    assert "roles" in response.context["form"].errors
    assert "postal_code" in response.context["address_form"].errors
