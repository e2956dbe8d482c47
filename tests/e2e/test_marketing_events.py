"""Marketing events in a real browser: a marketing user creates an event, freezes a saved
selection, adds the run's members to the event from the run's page, changes the status
of two members at once and filters the members by status."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from merkur.mailings.models import EventKind, MarketingEvent, MemberStatus
from merkur.selections.models import SelectionRun
from merkur.selections.services import selection_save
from tests.factories import make_company, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUSY = ".htmx-request, .htmx-swapping, .htmx-settling"
GERMANY = {
    "version": 1,
    "target": "people",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
}


@pytest.fixture
def marketing_page(page, transactional_db):
    from tests.conftest import PASSWORD, _user

    user = _user("mia", "marketing")
    page.goto("/login/")
    page.fill("input[name=username]", "mia")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.user = user
    return page


@pytest.fixture
def world(marketing_page):
    berlin = make_company(name="Berlin AG", address={"postal_code": "10115", "city": "Berlin"})
    wien = make_company(
        name="Wien GmbH", address={"country": "AT", "postal_code": "1010", "city": "Wien"}
    )
    people = [make_person(berlin, last_name=name) for name in ("Albers", "Brandt", "Conrad")]
    make_person(wien, last_name="Wiener")  # not in the selection
    selection = selection_save(
        data={"name": "Kunden Deutschland", "definition": GERMANY}, by=marketing_page.user
    )
    return {
        "kind": EventKind.objects.create(name="Messe"),
        "selection": selection,
        "people": people,
    }


def label(status: str) -> str:
    with translation.override("de"):
        return str(MemberStatus(status).label)


def test_event_members_from_a_run_bulk_status_and_filter(marketing_page, world):
    page = marketing_page

    # A new event with its kind and dates.
    page.goto(reverse("mailings:events"))
    assert page.locator("#no-events").is_visible()
    page.click("#event-new")
    page.wait_for_url("**/mailings/events/new/")
    page.fill("#id_name", "Hausmesse 2026")
    page.select_option("#id_kind", str(world["kind"].pk))
    page.fill("#id_starts_on", "2026-05-04")
    page.fill("#id_ends_on", "2026-05-03")  # before the start: refused
    page.click("#event-save")
    page.wait_for_selector("#id_ends_on.is-invalid, .invalid-feedback")
    assert not MarketingEvent.objects.exists()
    page.fill("#id_ends_on", "2026-05-06")
    page.click("#event-save")
    page.wait_for_url(re.compile(r"/mailings/events/\d+/$"))
    event = MarketingEvent.objects.get()
    assert event.kind == world["kind"] and event.owner == page.user
    assert (event.starts_on, event.ends_on) == (
        datetime.date(2026, 5, 4),
        datetime.date(2026, 5, 6),
    )
    assert "Messe" in page.locator("#event-facts").inner_text()
    assert page.locator("#no-members").is_visible()

    # Freeze the saved selection and open the run.
    page.goto(reverse("selections:runs", args=[world["selection"].pk]))
    page.click("#freeze-now")
    page.wait_for_selector("#run-list")
    run = SelectionRun.objects.get(selection=world["selection"])
    assert run.count == 3
    page.click(f"#run-list tr[data-run='{run.pk}'] a")
    page.wait_for_url(f"**/selections/runs/{run.pk}/")

    # From the run's page to the event: the run is chosen already.
    page.click("#run-to-event")
    page.wait_for_url(f"**/mailings/runs/{run.pk}/to-event/")
    page.click(f"#run-event-list a[href*='/events/{event.pk}/']")
    page.wait_for_url(re.compile(rf"/mailings/events/{event.pk}/members/from-run/\?run={run.pk}"))
    assert page.locator("#id_run").input_value() == str(run.pk)
    page.click("#add-run-submit")
    page.wait_for_url(re.compile(rf"/mailings/events/{event.pk}/$"))
    rows = page.locator("#member-list tbody tr")
    assert rows.count() == 3
    counts = page.locator("#status-counts").inner_text()
    assert f"{label('planned')}: 3" in counts
    assert f"{label('invited')}: 0" in counts
    assert event.members.count() == 3

    # Two members invited at once.
    chosen = [rows.nth(0).get_attribute("data-member"), rows.nth(1).get_attribute("data-member")]
    for member in chosen:
        page.check(f"#member-list tr[data-member='{member}'] input[name=members]")
    page.select_option("#bulk-status", "invited")
    with page.expect_navigation():
        page.click("#bulk-set-status")
    page.wait_for_selector("#member-list")
    assert set(event.members.filter(status=MemberStatus.INVITED).values_list("pk", flat=True)) == {
        int(member) for member in chosen
    }
    counts = page.locator("#status-counts").inner_text()
    assert f"{label('planned')}: 1" in counts and f"{label('invited')}: 2" in counts
    for member in chosen:
        status = page.locator(f"#member-list tr[data-member='{member}'] .member-status")
        assert status.inner_text() == label("invited")

    # Filtered by status: only the two invited ones, then the planned one.
    with page.expect_response(re.compile(r"status=invited")):
        page.select_option("#member-filter select[name=status]", "invited")
    page.wait_for_function(f"!document.querySelector({BUSY!r})")
    shown = page.locator("#member-list tbody tr")
    assert shown.count() == 2
    assert {shown.nth(i).get_attribute("data-member") for i in range(2)} == set(chosen)
    assert "status=invited" in page.url  # hx-push-url
    with page.expect_response(re.compile(r"status=planned")):
        page.select_option("#member-filter select[name=status]", "planned")
    page.wait_for_function(f"!document.querySelector({BUSY!r})")
    assert page.locator("#member-list tbody tr").count() == 1
    assert page.locator("#member-list .member-status").inner_text() == label("planned")
    with page.expect_response(re.compile(r"status=cancelled")):
        page.select_option("#member-filter select[name=status]", "cancelled")
    page.wait_for_function(f"!document.querySelector({BUSY!r})")
    assert page.locator("#no-members").is_visible()
