"""``/companies``: create, read, change with optimistic locking, archive and restore."""

import pytest

from merkur.companies import services
from merkur.companies.models import Company, CompanyAddress, CompanyClass, SalesRep
from tests.factories import make_company, make_industry

pytestmark = pytest.mark.django_db

CONTACT = {"street": "Bahnhofstrasse 3", "postal_code": "8001", "city": "Zürich", "country": "ch"}


def test_create_company_with_contact_address_and_classifications(sales_api, sales_user):
    industry = make_industry("Maschinenbau")
    rep = SalesRep.objects.create(name="Anna Aussendienst")
    response = sales_api.post(
        "/companies",
        {
            "name": "Alpen Präzision AG",
            "roles": ["customer", "supplier"],
            "industries": [industry.pk],
            "sales_rep": rep.pk,
            "phone": "044 668 18 00",
            "contact_address": CONTACT,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    company = Company.objects.get(pk=body["id"])
    assert company.created_by == sales_user
    assert body["roles"] == ["customer", "supplier"]
    assert body["industries"] == [{"id": industry.pk, "name": "Maschinenbau"}]
    assert body["sales_rep"] == {"id": rep.pk, "name": "Anna Aussendienst"}
    assert body["contact_address"]["country"] == "CH"
    assert body["contact_address"]["lines"][:2] == ["Bahnhofstrasse 3", "CH-8001 Zürich"]
    assert (body["city"], body["postal_code"], body["version"]) == ("Zürich", "8001", 1)
    assert body["phone"] == "+41 44 668 18 00"
    assert company.address_links.get().kind == CompanyAddress.Kind.CONTACT


def test_get_company_shows_its_contact_address(admin_api, company):
    body = admin_api.get(f"/companies/{company.pk}").json()
    assert body["name"] == "Müller Maschinenbau GmbH"
    assert body["contact_address"]["city"] == "Berlin"


def test_unknown_company_is_404_json(admin_api):
    response = admin_api.get("/companies/999999")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_patch_changes_only_the_fields_sent(sales_api, company):
    response = sales_api.patch(f"/companies/{company.pk}", {"name2": "Werk Süd"})
    assert response.status_code == 200
    company.refresh_from_db()
    assert (company.name, company.name2, company.version) == ("Müller Maschinenbau GmbH",
                                                              "Werk Süd", 2)  # fmt: skip


def test_patch_with_the_current_version_saves(sales_api, company):
    response = sales_api.patch(f"/companies/{company.pk}", {"name": "Neu AG", "version": 1})
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_patch_with_a_stale_version_is_409_and_overwrites_nothing(sales_api, company, admin_user):
    services.company_update(
        company=company, data={"name": "Erste Änderung AG"}, expected_version=1, by=admin_user
    )
    response = sales_api.patch(
        f"/companies/{company.pk}", {"name": "Zweite Änderung AG", "version": 1}
    )
    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert [(c["old"], c["new"], c["user"]) for c in body["changes"]] == [
        ("Müller Maschinenbau GmbH", "Erste Änderung AG", "admin")
    ]
    assert Company.objects.get(pk=company.pk).name == "Erste Änderung AG"


def test_patch_sets_and_clears_classifications(sales_api, company):
    company_class = CompanyClass.objects.create(name="A-Kunde")
    url = f"/companies/{company.pk}"
    assert sales_api.patch(url, {"company_class": company_class.pk}).json()["company_class"] == {
        "id": company_class.pk,
        "name": "A-Kunde",
    }
    assert sales_api.patch(url, {"company_class": None}).json()["company_class"] is None


def test_patch_with_null_text_clears_it(sales_api, company):
    sales_api.patch(f"/companies/{company.pk}", {"notes": "Alt"})
    assert sales_api.patch(f"/companies/{company.pk}", {"notes": None}).json()["notes"] == ""


def test_null_for_a_list_clears_it(sales_api):
    industry = make_industry()
    company = make_company(industries=[industry])
    response = sales_api.patch(f"/companies/{company.pk}", {"industries": None})
    assert response.json()["industries"] == []


def test_a_deactivated_industry_the_company_has_may_stay(sales_api):
    industry = make_industry()
    company = make_company(industries=[industry])
    industry.is_active = False
    industry.save()
    response = sales_api.patch(f"/companies/{company.pk}", {"industries": [industry.pk]})
    assert response.status_code == 200


def test_delete_archives_the_company(sales_api, company):
    response = sales_api.delete(f"/companies/{company.pk}")
    assert response.status_code == 200
    assert response.json()["archived_at"] is not None
    assert Company.objects.filter(pk=company.pk, archived_at__isnull=False).exists()


def test_restore_brings_an_archived_company_back(sales_api, company, admin_user):
    services.company_archive(company=company, by=admin_user)
    response = sales_api.post(f"/companies/{company.pk}/restore")
    assert response.status_code == 200
    assert response.json()["archived_at"] is None


def test_writes_are_recorded_with_the_api_user(sales_api, sales_user, company):
    sales_api.patch(f"/companies/{company.pk}", {"notes": "via API"})
    record = company.change_records.filter(action="update").get()
    assert record.user == sales_user
    assert record.changes["notes"] == ["", "via API"]
