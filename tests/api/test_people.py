"""``/people``: add, change, move, archive — through the services, with field errors."""

import pytest

from merkur.companies import services
from merkur.companies.models import Function, Person, Salutation, Title
from tests.factories import address_data, make_company, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def frau(db):
    return Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")


@pytest.fixture
def doctor(db):
    return Title.objects.create(name="Dr.", in_letter_salutation=True)


def test_add_person_generates_the_letter_salutation(sales_api, company, frau, doctor):
    function = Function.objects.create(name="Einkauf")
    response = sales_api.post(
        "/people",
        {
            "company": company.pk,
            "salutation": frau.pk,
            "title": doctor.pk,
            "first_name": "Erika",
            "last_name": "Muster",
            "functions": [function.pk],
            "phone": "030 1234567",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["letter_salutation"] == "Sehr geehrte Frau Dr. Muster"
    assert body["letter_salutation_custom"] is False
    assert body["company"] == {"id": company.pk, "name": company.name}
    assert body["functions"] == [{"id": function.pk, "name": "Einkauf"}]
    assert body["phone"] == "+49 30 1234567"


def test_a_letter_salutation_sent_is_kept(sales_api, company, frau):
    response = sales_api.post(
        "/people",
        {"company": company.pk, "salutation": frau.pk, "last_name": "Muster",
         "letter_salutation": "Liebe Erika"},
    )  # fmt: skip
    assert (response.json()["letter_salutation"], response.json()["letter_salutation_custom"]) == (
        "Liebe Erika",
        True,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"last_name": ""}, "last_name"),
        ({"last_name": None}, "last_name"),
        ({"company": 999999}, "company"),
        ({"company": None}, "company"),
        ({"salutation": 999999}, "salutation"),
        ({"functions": [999999]}, "functions"),
        ({"language": "klingon"}, "language"),
        ({"email": "kein-at-zeichen"}, "email"),
        ({"phone": "abc"}, "phone"),
        ({"marketing_opt_out_at": "yesterday"}, "marketing_opt_out_at"),
    ],
    ids=str,
)
def test_bad_person_input_is_a_field_error(sales_api, company, changes, field):
    body = {"company": company.pk, "last_name": "Muster", **changes}
    response = sales_api.post("/people", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert not Person.objects.exists()


def test_patch_person_with_a_stale_version_is_409(sales_api, company, admin_user):
    person = make_person(company, last_name="Alt")
    services.person_update(
        person=person, data={"last_name": "Erst"}, expected_version=1, by=admin_user
    )
    response = sales_api.patch(f"/people/{person.pk}", {"last_name": "Zweit", "version": 1})
    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert Person.objects.get(pk=person.pk).last_name == "Erst"


def test_patch_person_records_the_opt_out(sales_api, company):
    person = make_person(company)
    response = sales_api.patch(
        f"/people/{person.pk}", {"marketing_opt_out_at": "2025-03-01T09:00:00"}
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.is_opted_out


def test_move_takes_the_person_and_their_address_along(sales_api, company, admin_user):
    person = make_person(company)
    services.person_set_address(person=person, address=address_data(street="Privat 9"),
                                by=admin_user)  # fmt: skip
    target = make_company(name="Neue Firma AG")
    response = sales_api.post(f"/people/{person.pk}/move", {"company": target.pk})
    assert response.status_code == 200
    assert response.json()["company"]["id"] == target.pk
    assert target.address_links.filter(kind="employee", person=person).exists()


def test_move_to_an_unknown_company_is_a_field_error(sales_api, company):
    person = make_person(company)
    response = sales_api.post(f"/people/{person.pk}/move", {"company": 999999})
    assert response.status_code == 422
    assert "company" in response.json()["errors"]
    assert Person.objects.get(pk=person.pk).company == company


def test_archive_and_restore_a_person(sales_api, company):
    person = make_person(company)
    assert sales_api.delete(f"/people/{person.pk}").json()["archived_at"] is not None
    assert sales_api.post(f"/people/{person.pk}/restore").json()["archived_at"] is None


def test_archived_people_leave_the_default_list(readonly_api, company, admin_user):
    person = make_person(company)
    services.person_archive(person=person, by=admin_user)
    assert readonly_api.get("/people").json()["items"] == []
    only = readonly_api.get("/people", {"archived": "only"}).json()["items"]
    assert [item["id"] for item in only] == [person.pk]
