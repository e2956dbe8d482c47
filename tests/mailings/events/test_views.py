"""The event pages: permissions, forms with bad input, members from a run, bulk changes."""

import pytest
from django.urls import reverse

from merkur.mailings.events import services
from merkur.mailings.models import EventMember, MarketingEvent
from merkur.selections.runs import freeze
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

PEOPLE_DE = {
    "version": 1,
    "target": "people",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
}


def test_list_and_detail_for_readers(event, readonly_client):
    page = readonly_client.get(reverse("mailings:events"))
    assert page.status_code == 200 and "Hausmesse 2026" in page.content.decode()
    detail = readonly_client.get(event.get_absolute_url())
    assert detail.status_code == 200
    assert "bulk-set-status" not in detail.content.decode()


@pytest.mark.parametrize(
    "name,method",
    [
        ("mailings:event_new", "get"),
        ("mailings:event_edit", "post"),
        ("mailings:event_delete", "post"),
        ("mailings:members_bulk", "post"),
        ("mailings:members_from_run", "post"),
        ("mailings:member_add", "post"),
    ],
)
def test_read_only_user_may_not_change(event, readonly_client, name, method):
    url = reverse(name) if name == "mailings:event_new" else reverse(name, args=[event.pk])
    assert getattr(readonly_client, method)(url).status_code == 403
    assert MarketingEvent.objects.filter(pk=event.pk, version=1).exists()


def test_create_with_end_before_start_shows_the_error(kind, marketing_user):
    client = client_for(marketing_user)
    response = client.post(
        reverse("mailings:event_new"),
        {"name": "Seminar", "kind": kind.pk, "starts_on": "2026-05-04", "ends_on": "2026-05-01"},
    )
    assert response.status_code == 200
    assert "The end must not be before the start." in response.content.decode()
    assert not MarketingEvent.objects.exists()


def test_create_and_edit(kind, marketing_user):
    client = client_for(marketing_user)
    response = client.post(
        reverse("mailings:event_new"),
        {"name": "Seminar", "kind": kind.pk, "starts_on": "2026-05-04"},
    )
    event = MarketingEvent.objects.get()
    assert response.url == event.get_absolute_url() and event.owner == marketing_user
    data = {"name": "Seminar Wien", "kind": kind.pk, "starts_on": "2026-05-04", "version": 1}
    client.post(reverse("mailings:event_edit", args=[event.pk]), data)
    stale = client.post(reverse("mailings:event_edit", args=[event.pk]), data)
    assert stale.status_code == 409
    event.refresh_from_db()
    assert event.name == "Seminar Wien" and event.version == 2


def test_add_from_run_then_bulk_status_and_remove(event, world, marketing_user):
    client = client_for(marketing_user)
    run = freeze(PEOPLE_DE, by=marketing_user)
    form = client.get(reverse("mailings:members_from_run", args=[event.pk]) + f"?run={run.pk}")
    assert form.status_code == 200
    client.post(
        reverse("mailings:members_from_run", args=[event.pk]),
        {"run": run.pk, "status": "invited"},
    )
    members = list(event.members.order_by("id"))
    assert len(members) == 2 and {m.status for m in members} == {"invited"}
    client.post(
        reverse("mailings:members_bulk", args=[event.pk]),
        {"action": "status", "status": "attended", "members": [members[0].pk]},
    )
    assert EventMember.objects.get(pk=members[0].pk).status == "attended"
    client.post(
        reverse("mailings:members_bulk", args=[event.pk]),
        {"action": "remove", "members": [members[1].pk]},
    )
    assert list(event.members.values_list("pk", flat=True)) == [members[0].pk]
    filtered = client.get(event.get_absolute_url() + "?status=invited")
    assert "no-members" in filtered.content.decode()


def test_bad_run_id_is_a_form_error(event, marketing_user):
    response = client_for(marketing_user).post(
        reverse("mailings:members_from_run", args=[event.pk]), {"run": "999999", "status": "x"}
    )
    assert response.status_code == 422


def test_add_by_hand_search_and_add(event, world, marketing_user):
    client = client_for(marketing_user)
    found = client.get(reverse("mailings:member_add", args=[event.pk]) + "?q=Berlin")
    assert world["anna"].last_name in found.content.decode()
    client.post(
        reverse("mailings:member_add", args=[event.pk]),
        {"company": world["berlin"].pk, "person": world["anna"].pk, "status": "registered"},
    )
    member = event.members.get()
    assert member.person == world["anna"] and member.status == "registered"


def test_run_page_links_to_events(event, marketing_user, readonly_user):
    run = freeze(PEOPLE_DE, by=marketing_user)
    page = client_for(marketing_user).get(reverse("selections:run_detail", args=[run.pk]))
    assert reverse("mailings:run_events", args=[run.pk]) in page.content.decode()
    chooser = client_for(marketing_user).get(reverse("mailings:run_events", args=[run.pk]))
    assert "Hausmesse 2026" in chooser.content.decode()
    assert (
        client_for(readonly_user).get(reverse("mailings:run_events", args=[run.pk])).status_code
        == 403
    )


def test_delete(event, marketing_user):
    client = client_for(marketing_user)
    assert client.get(reverse("mailings:event_delete", args=[event.pk])).status_code == 200
    client.post(reverse("mailings:event_delete", args=[event.pk]))
    assert not MarketingEvent.objects.exists()


def test_export_source_lists_members(event, world, marketing_user):
    services.member_add(event=event, company=world["berlin"], by=marketing_user)
    page = client_for(marketing_user).get(
        reverse("transfer:export_record", args=["event", event.pk])
    )
    assert page.status_code == 200


def test_kinds_are_a_master_table(admin_user):
    from merkur.core.masterdata import table

    assert table("event-kinds") is not None


def test_ids_with_other_digits_are_not_a_500(event, marketing_user):
    client = client_for(marketing_user)
    page = client.get(reverse("mailings:members_from_run", args=[event.pk]) + "?run=²")
    assert page.status_code == 200
    bulk = client.post(
        reverse("mailings:members_bulk", args=[event.pk]),
        {"members": ["²", "99999999999999999999999"], "action": "remove"},
    )
    assert bulk.status_code == 302
