"""Deleting a saved selection: asked first, only by its owner or an administrator,
refused while another selection uses it; its frozen runs stay."""

import pytest
from django.urls import reverse

from merkur.selections import runs, services
from merkur.selections.models import SavedSelection, SelectionRun
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

EVERYBODY = {"version": 1}


def save(owner, name, *, shared=True, definition=EVERYBODY):
    return services.selection_save(
        data={"name": name, "shared": shared, "definition": definition}, by=owner
    )


def test_the_owner_deletes_after_confirming_and_the_runs_stay(sales_user):
    selection = save(sales_user, "Alte Liste")
    runs.freeze(selection.definition, by=sales_user, selection=selection)
    client = client_for(sales_user)
    url = reverse("selections:delete", args=[selection.pk])
    page = client.get(url).content.decode()
    assert "Delete the selection “Alte Liste”?" in page and "frozen run is kept" in page
    assert SavedSelection.objects.exists()  # asking deletes nothing
    edit = client.get(reverse("selections:edit", args=[selection.pk])).content.decode()
    assert url in edit
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("selections:list")
    assert not SavedSelection.objects.exists()
    run = SelectionRun.objects.get()
    assert run.selection is None and run.count == 0
    listing = client.get(reverse("selections:list")).content.decode()
    assert "was deleted" in listing


def test_a_selection_other_selections_use_is_not_deleted(sales_user):
    base = save(sales_user, "Basis")
    ref = {"criterion": "selection.in", "op": "in", "value": [base.pk]}
    save(sales_user, "Darauf aufbauend", definition={"version": 1, "where": ref})
    response = client_for(sales_user).post(reverse("selections:delete", args=[base.pk]))
    assert response.status_code == 409
    text = response.content.decode()
    assert 'id="delete-refused"' in text
    assert "The selection is used by “Darauf aufbauend”; change those first." in text
    assert SavedSelection.objects.filter(pk=base.pk).exists()


def test_only_the_owner_or_an_administrator_deletes(
    sales_user, marketing_user, admin_user, readonly_user
):
    shared = save(marketing_user, "Geteilt")
    private = save(marketing_user, "Privat", shared=False)
    for user, expected in ((sales_user, 403), (readonly_user, 403)):
        client = client_for(user)
        url = reverse("selections:delete", args=[shared.pk])
        assert client.get(url).status_code == expected
        assert client.post(url).status_code == expected
        private_url = reverse("selections:delete", args=[private.pk])
        assert client.post(private_url).status_code == 404
        page = client.get(reverse("selections:edit", args=[shared.pk])).content.decode()
        assert 'id="delete-selection"' not in page
    assert SavedSelection.objects.count() == 2
    # An administrator clears up a shared selection of somebody else (who left, say) …
    admin = client_for(admin_user)
    page = admin.get(reverse("selections:edit", args=[shared.pk])).content.decode()
    assert 'id="delete-selection"' in page
    assert admin.post(reverse("selections:delete", args=[shared.pk])).status_code == 302
    # … but does not see, nor delete, a private one.
    assert admin.post(reverse("selections:delete", args=[private.pk])).status_code == 404
    assert list(SavedSelection.objects.values_list("name", flat=True)) == ["Privat"]


def test_read_only_owners_cannot_delete_either(readonly_user, sales_user):
    # A user whose role was changed to read-only keeps the selections they saved.
    selection = save(sales_user, "Meine")
    SavedSelection.objects.filter(pk=selection.pk).update(owner=readonly_user)
    response = client_for(readonly_user).post(reverse("selections:delete", args=[selection.pk]))
    assert response.status_code == 403
    assert SavedSelection.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client, sales_user):
    selection = save(sales_user, "Liste")
    assert client.post(reverse("selections:delete", args=[selection.pk])).status_code == 302
    assert SavedSelection.objects.exists()
