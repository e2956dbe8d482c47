"""Master tables through the API: every registered table, in-use entries refused."""

import pytest

from merkur.companies.models import Industry, SalesRep, Salutation
from merkur.core.masterdata import tables
from tests.factories import make_company, make_industry

pytestmark = pytest.mark.django_db


def test_the_index_lists_every_registered_table(readonly_api):
    body = readonly_api.get("/master").json()
    assert {t["slug"] for t in body} == {t.slug for t in tables()}


@pytest.mark.parametrize("slug", [t.slug for t in tables()])
def test_every_table_can_be_listed(readonly_api, slug):
    response = readonly_api.get(f"/master/{slug}")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_create_puts_the_entry_at_the_end(admin_api):
    Industry.objects.create(name="Zement", sort_order=50)
    response = admin_api.post("/master/industries", {"name": "Bergbau"})
    assert response.status_code == 201, response.content
    assert response.json()["sort_order"] > 50
    assert response.json()["usage"] == 0


def test_extra_fields_of_a_table_are_part_of_its_schema(admin_api):
    response = admin_api.post(
        "/master/sales-reps", {"name": "Anna", "email": "anna@example.com", "phone": ""}
    )
    assert response.status_code == 201
    assert SalesRep.objects.get().email == "anna@example.com"


def test_a_required_extra_field_is_a_field_error(admin_api):
    response = admin_api.post("/master/salutations", {"name": "Frau"})
    assert response.status_code == 422
    assert "letter_salutation" in response.json()["errors"]
    assert not Salutation.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "bergbau"}, "name"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "X", "sort_order": -1}, "sort_order"),
        ({"name": "X", "is_active": "vielleicht"}, "is_active"),
        ({"name": "X", "colour": "blau"}, "colour"),
    ],
    ids=str,
)
def test_bad_master_input_is_a_field_error(admin_api, body, field):
    Industry.objects.create(name="Bergbau")
    response = admin_api.post("/master/industries", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    assert Industry.objects.count() == 1


def test_rename_and_deactivate(admin_api):
    industry = make_industry("Bergbau")
    response = admin_api.patch(
        f"/master/industries/{industry.pk}", {"name": "Tagebau", "is_active": False}
    )
    assert response.status_code == 200
    industry.refresh_from_db()
    assert (industry.name, industry.is_active) == ("Tagebau", False)


def test_list_filters_by_name_and_active(readonly_api):
    make_industry("Bergbau")
    inactive = make_industry("Tagebau")
    inactive.is_active = False
    inactive.save()

    def names(params: dict) -> list[str]:
        items = readonly_api.get("/master/industries", params).json()["items"]
        return [item["name"] for item in items]

    assert names({"q": "BAU"}) == ["Bergbau", "Tagebau"]
    assert names({"active": "false"}) == ["Tagebau"]


def test_walking_all_pages_of_a_table_yields_every_entry_once(readonly_api):
    made = {Industry.objects.create(name=f"Branche {i}", sort_order=i % 3).pk for i in range(7)}
    ids, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = readonly_api.get("/master/industries", params).json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(ids) == sorted(made)


def test_delete_an_unused_entry(admin_api):
    industry = make_industry("Bergbau")
    assert admin_api.delete(f"/master/industries/{industry.pk}").status_code == 204
    assert not Industry.objects.exists()


def test_delete_of_an_entry_in_use_is_refused_with_a_reason(admin_api):
    industry = make_industry("Bergbau")
    make_company(industries=[industry])
    response = admin_api.delete(f"/master/industries/{industry.pk}")
    assert response.status_code == 409
    assert "Bergbau" in response.json()["detail"]
    assert Industry.objects.filter(pk=industry.pk).exists()


def test_usage_is_shown_on_the_entry(readonly_api):
    industry = make_industry("Bergbau")
    make_company(industries=[industry])
    assert readonly_api.get(f"/master/industries/{industry.pk}").json()["usage"] == 1


def test_unknown_entry_is_404(readonly_api):
    assert readonly_api.get("/master/industries/999999").status_code == 404


def test_unknown_table_is_404(readonly_api):
    assert readonly_api.get("/master/planets").status_code == 404
