"""The master-data pages: overview, list, add, rename, reorder, (de)activate, delete."""

import pytest
from django.contrib.messages import ERROR, get_messages
from django.urls import reverse

from merkur.companies.models import Industry, Salutation, Title
from merkur.core.audit import history_of
from merkur.core.masterdata import choices_for, tables
from merkur.core.models import ChangeRecord
from tests.factories import make_company, make_industry

pytestmark = pytest.mark.django_db


def _names(model) -> list[str]:
    return list(model.objects.order_by("sort_order", "name", "pk").values_list("name", flat=True))


def _messages(response) -> list:
    return list(get_messages(response.wsgi_request))


# --- overview and list ------------------------------------------------------------------


def test_overview_links_every_registered_table(admin_client):
    response = admin_client.get(reverse("master:index"))
    assert response.status_code == 200
    listed = [item["table"].slug for item in response.context["overview"]]
    assert listed == [master.slug for master in tables()]
    for master in tables():
        assert reverse("master:list", args=[master.slug]) in response.content.decode()


def test_overview_counts_the_entries_of_each_table(admin_client):
    make_industry("Maschinenbau")
    Industry.objects.create(name="Bergbau", is_active=False)
    response = admin_client.get(reverse("master:index"))
    industries = next(i for i in response.context["overview"] if i["table"].slug == "industries")
    assert (industries["total"], industries["inactive"]) == (2, 1)


@pytest.mark.parametrize("slug", [master.slug for master in tables()])
def test_every_registered_table_has_a_list_page(admin_client, slug):
    response = admin_client.get(reverse("master:list", args=[slug]))
    assert response.status_code == 200
    assert 'id="add-entry"' in response.content.decode()


def test_unknown_table_is_not_found(admin_client):
    assert admin_client.get(reverse("master:list", args=["no-such-table"])).status_code == 404


def test_list_shows_entries_in_their_order_with_usage(admin_client):
    used = Industry.objects.create(name="Zement", sort_order=10)
    Industry.objects.create(name="Anlagenbau", sort_order=20)
    make_company(industries=[used])
    response = admin_client.get(reverse("master:list", args=["industries"]))
    rows = response.context["rows"]
    assert [(row.entry.name, row.usage) for row in rows] == [("Zement", 1), ("Anlagenbau", 0)]


def test_list_shows_extra_fields(admin_client):
    Salutation.objects.create(name="Frau", letter_salutation="Sehr geehrte Frau")
    response = admin_client.get(reverse("master:list", args=["salutations"]))
    assert "Sehr geehrte Frau" in response.content.decode()


def test_list_queries_do_not_grow_with_the_number_of_entries(
    admin_client, django_assert_max_num_queries
):
    for number in range(3):
        make_company(industries=[make_industry(f"Branche {number}")])
    url = reverse("master:list", args=["industries"])
    admin_client.get(url)  # warm the session and content-type caches
    with django_assert_max_num_queries(12) as few:
        admin_client.get(url)
    for number in range(3, 30):
        make_company(industries=[make_industry(f"Branche {number}")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(url)


# --- add and rename ---------------------------------------------------------------------


def test_add_entry_creates_it_and_returns_to_the_list(admin_client):
    response = admin_client.post(reverse("master:create", args=["industries"]), {"name": "Bergbau"})
    assert response.status_code == 302
    assert response.url == reverse("master:list", args=["industries"])
    assert Industry.objects.get().name == "Bergbau"


def test_add_entry_with_extra_fields(admin_client):
    admin_client.post(
        reverse("master:create", args=["salutations"]),
        {"name": "Frau", "letter_salutation": "Sehr geehrte Frau"},
    )
    assert Salutation.objects.get().letter_salutation == "Sehr geehrte Frau"


def test_add_boolean_extra_field_unticked(admin_client):
    admin_client.post(reverse("master:create", args=["titles"]), {"name": "Dipl.-Ing."})
    assert Title.objects.get().in_letter_salutation is False


def test_add_entry_with_duplicate_name_in_other_case_shows_a_field_error(admin_client):
    make_industry("Maschinenbau")
    response = admin_client.post(
        reverse("master:create", args=["industries"]), {"name": "maschinenBAU"}
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("name", code="unique")
    assert Industry.objects.count() == 1


def test_add_entry_without_a_name_shows_a_field_error(admin_client):
    response = admin_client.post(reverse("master:create", args=["industries"]), {"name": " "})
    assert response.status_code == 200
    assert response.context["form"].has_error("name", code="required")
    assert not Industry.objects.exists()


def test_add_entry_with_a_too_long_name_shows_a_field_error(admin_client):
    response = admin_client.post(reverse("master:create", args=["industries"]), {"name": "x" * 101})
    assert response.context["form"].has_error("name", code="max_length")


def test_add_entry_without_required_extra_field_shows_a_field_error(admin_client):
    response = admin_client.post(reverse("master:create", args=["salutations"]), {"name": "Frau"})
    assert response.context["form"].has_error("letter_salutation")
    assert "is-invalid" in response.content.decode()
    assert not Salutation.objects.exists()


def test_add_sales_rep_with_invalid_email_shows_a_field_error(admin_client):
    response = admin_client.post(
        reverse("master:create", args=["sales-reps"]), {"name": "Huber", "email": "kein-mail"}
    )
    assert response.context["form"].has_error("email")


def test_edit_page_shows_the_entry(admin_client):
    entry = make_industry("Maschinenbau")
    response = admin_client.get(reverse("master:edit", args=["industries", entry.pk]))
    assert response.status_code == 200
    assert 'value="Maschinenbau"' in response.content.decode()


def test_rename_saves_and_records_the_change(admin_client, admin_user):
    entry = make_industry("Maschinenbau")
    response = admin_client.post(
        reverse("master:edit", args=["industries", entry.pk]),
        {"name": "Anlagenbau", "is_active": "on"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.name == "Anlagenbau"
    record = history_of(entry).get()
    assert (record.changes, record.user) == ({"name": ["Maschinenbau", "Anlagenbau"]}, admin_user)


def test_rename_shows_on_companies_that_use_the_entry(admin_client):
    entry = make_industry("Maschinenbau")
    company = make_company(industries=[entry])
    admin_client.post(
        reverse("master:edit", args=["industries", entry.pk]),
        {"name": "Anlagenbau", "is_active": "on"},
    )
    assert [i.name for i in company.industries.all()] == ["Anlagenbau"]


def test_rename_to_an_existing_name_in_other_case_shows_a_field_error(admin_client):
    make_industry("Bergbau")
    entry = make_industry("Maschinenbau")
    response = admin_client.post(
        reverse("master:edit", args=["industries", entry.pk]),
        {"name": "BERGBAU", "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].has_error("name", code="unique")
    entry.refresh_from_db()
    assert entry.name == "Maschinenbau"


def test_edit_of_unknown_entry_is_not_found(admin_client):
    assert admin_client.get(reverse("master:edit", args=["industries", 999])).status_code == 404


def test_edit_page_shows_the_change_history(admin_client):
    entry = make_industry("Maschinenbau")
    admin_client.post(
        reverse("master:edit", args=["industries", entry.pk]),
        {"name": "Anlagenbau", "is_active": "on"},
    )
    response = admin_client.get(reverse("master:edit", args=["industries", entry.pk]))
    assert len(response.context["history"]) == 1
    assert 'id="entry-history"' in response.content.decode()


# --- reorder ----------------------------------------------------------------------------


def test_move_up_puts_the_entry_before_its_neighbour(admin_client):
    Industry.objects.create(name="A", sort_order=10)
    second = Industry.objects.create(name="B", sort_order=20)
    response = admin_client.post(reverse("master:move", args=["industries", second.pk, "up"]))
    assert response.status_code == 302
    assert _names(Industry) == ["B", "A"]


def test_move_down_with_htmx_answers_with_the_new_table(admin_client):
    first = Industry.objects.create(name="A", sort_order=10)
    second = Industry.objects.create(name="B", sort_order=20)
    response = admin_client.post(
        reverse("master:move", args=["industries", first.pk, "down"]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="master-table"')
    assert 'hx-swap-oob="true"' in html
    assert html.index(f'id="entry-{second.pk}"') < html.index(f'id="entry-{first.pk}"')
    assert _names(Industry) == ["B", "A"]
    # The focus stays on the moved entry: it is last now, so on its "up" arrow.
    assert response.context["focus_pk"] == first.pk
    assert response.context["focus_action"] == "up"


def test_move_with_an_unknown_direction_is_not_found(admin_client):
    entry = make_industry()
    url = reverse("master:move", args=["industries", entry.pk, "sideways"])
    assert admin_client.post(url).status_code == 404


def test_move_needs_post(admin_client):
    entry = make_industry()
    url = reverse("master:move", args=["industries", entry.pk, "up"])
    assert admin_client.get(url).status_code == 405


# --- activate / deactivate --------------------------------------------------------------


def test_deactivate_keeps_the_entry_on_companies_that_have_it(admin_client):
    entry = make_industry("Maschinenbau")
    company = make_company(industries=[entry])
    response = admin_client.post(
        reverse("master:toggle", args=["industries", entry.pk]), {"active": "0"}
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.is_active is False
    assert list(company.industries.all()) == [entry]


def test_company_page_still_shows_a_deactivated_industry(admin_client):
    entry = make_industry("Maschinenbau")
    company = make_company(industries=[entry])
    admin_client.post(reverse("master:toggle", args=["industries", entry.pk]), {"active": "0"})
    response = admin_client.get(company.get_absolute_url())
    assert response.status_code == 200
    assert "Maschinenbau" in response.content.decode()


def test_deactivated_entry_is_offered_only_to_records_that_have_it(admin_client):
    entry = make_industry("Maschinenbau")
    other = make_industry("Bergbau")
    company = make_company(industries=[entry])
    admin_client.post(reverse("master:toggle", args=["industries", entry.pk]), {"active": "0"})
    assert list(choices_for(Industry)) == [other]
    assert set(choices_for(Industry, current=company.industries.all())) == {entry, other}


def test_deactivation_is_recorded(admin_client, admin_user):
    entry = make_industry("Maschinenbau")
    admin_client.post(reverse("master:toggle", args=["industries", entry.pk]), {"active": "0"})
    record = history_of(entry).get()
    assert (record.action, record.changes) == (
        ChangeRecord.Action.UPDATE,
        {"is_active": [True, False]},
    )


def test_posting_deactivate_twice_leaves_it_inactive(admin_client):
    entry = make_industry()
    url = reverse("master:toggle", args=["industries", entry.pk])
    admin_client.post(url, {"active": "0"})
    admin_client.post(url, {"active": "0"})
    entry.refresh_from_db()
    assert entry.is_active is False


def test_toggle_without_a_value_flips_the_state(admin_client):
    entry = Industry.objects.create(name="Bergbau", is_active=False)
    admin_client.post(reverse("master:toggle", args=["industries", entry.pk]))
    entry.refresh_from_db()
    assert entry.is_active is True


def test_toggle_with_htmx_answers_with_the_new_table(admin_client):
    entry = make_industry()
    response = admin_client.post(
        reverse("master:toggle", args=["industries", entry.pk]),
        {"active": "0"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'name="active" value="1"' in response.content.decode()


# --- delete -----------------------------------------------------------------------------


def test_delete_page_asks_for_confirmation(admin_client):
    entry = make_industry()
    response = admin_client.get(reverse("master:delete", args=["industries", entry.pk]))
    assert response.status_code == 200
    assert Industry.objects.filter(pk=entry.pk).exists()


def test_delete_of_an_unused_entry_removes_it(admin_client):
    entry = make_industry()
    response = admin_client.post(reverse("master:delete", args=["industries", entry.pk]))
    assert response.status_code == 302
    assert not Industry.objects.filter(pk=entry.pk).exists()


def test_delete_of_an_entry_in_use_is_refused_with_a_message(admin_client):
    entry = make_industry("Maschinenbau")
    for _ in range(12):
        make_company(industries=[entry])
    response = admin_client.post(reverse("master:delete", args=["industries", entry.pk]))
    assert response.status_code == 302
    assert Industry.objects.filter(pk=entry.pk).exists()
    [message] = _messages(response)
    assert message.level == ERROR
    assert "Maschinenbau" in message.message and "12" in message.message


def test_delete_of_an_entry_in_use_is_refused_with_an_english_message(admin_client, admin_user):
    admin_user.profile.locale = "en"
    admin_user.profile.save()
    entry = make_industry("Maschinenbau")
    make_company(industries=[entry])
    response = admin_client.post(
        reverse("master:delete", args=["industries", entry.pk]), follow=True
    )
    assert response.status_code == 200
    assert "cannot be deleted" in response.content.decode()


def test_delete_page_of_an_entry_in_use_offers_deactivation(admin_client):
    entry = make_industry("Maschinenbau")
    make_company(industries=[entry])
    response = admin_client.get(reverse("master:delete", args=["industries", entry.pk]))
    assert response.context["usage"] == 1
    assert reverse("master:toggle", args=["industries", entry.pk]) in response.content.decode()


def test_delete_of_a_title_used_by_a_person_is_refused(admin_client):
    from tests.factories import make_person

    title = Title.objects.create(name="Dr.")
    make_person(make_company(), title=title)
    response = admin_client.post(reverse("master:delete", args=["titles", title.pk]))
    assert response.status_code == 302
    assert Title.objects.filter(pk=title.pk).exists()
