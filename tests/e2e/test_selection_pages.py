"""The selection pages in a real browser: moving a condition into another group, paging
through the recipients, freezing twice and comparing the runs, explaining a recipient."""

import re

import pytest

from merkur.companies.models import Person
from merkur.selections.models import SavedSelection, SelectionRun
from tests.factories import make_company, make_person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUSY = ".htmx-request, .htmx-swapping, .htmx-settling"


def settled(page, action, url=r"/selections/builder/$") -> None:
    """Do ``action`` (an htmx post to ``url``) and wait until htmx has swapped."""
    with page.expect_response(re.compile(url)):
        action()
    page.wait_for_function(f"!document.querySelector({BUSY!r})")


def click(page, selector: str, url=r"/selections/builder/$") -> None:
    settled(page, lambda: page.locator(selector).first.click(), url)


def choose(page, selector: str, value) -> None:
    settled(page, lambda: page.select_option(selector, value))


def add_condition(page, group: str, area: str, criterion: str, op: str) -> None:
    click(page, f'.sel-group[data-path="{group}"] .sel-add-condition')
    choose(page, "#e-area", area)
    choose(page, "#e-criterion", criterion)
    choose(page, "#e-op", op)


def done(page) -> None:
    click(page, "#e-done")


@pytest.fixture
def people():
    berlin = make_company(name="Berlin AG", address={"postal_code": "10115", "city": "Berlin"})
    hamburg = make_company(name="Hamburg KG", address={"postal_code": "20095", "city": "Hamburg"})
    wien = make_company(
        name="Wien GmbH", address={"country": "AT", "postal_code": "1010", "city": "Wien"}
    )
    found = {"wien": make_person(wien, last_name="Wiener")}
    for number in range(50):
        make_person(berlin, last_name=f"Berliner{number:02d}")
    for number in range(5):
        found[f"hamburg{number}"] = make_person(hamburg, last_name=f"Hamburger{number}")
    return found


def test_move_page_freeze_compare_and_explain(logged_in_page, people):
    page = logged_in_page
    page.goto("/selections/new/")

    # Germany, and a postal code area: first at the top level, then moved into an OR group.
    add_condition(page, "", "address", "address.country", "in")
    choose(page, "#e-value", ["DE"])
    done(page)
    click(page, '.sel-group[data-path=""] .sel-add-group')
    choose(page, 'select[name="op-1"]', "or")
    add_condition(page, "", "address", "address.postal_code", "starts_with")
    page.fill("#e-value", "1")
    done(page)
    assert page.locator("#selection-count [data-count]").count() == 0  # the empty group

    click(page, '.sel-condition[data-path="2"] .sel-pick')
    assert page.locator("#move-hint").is_visible()
    # Only the OR group is offered; keyboard users land on its button.
    assert page.locator(".sel-drop").count() == 1
    assert page.evaluate("document.activeElement.classList.contains('sel-drop')")
    settled(page, lambda: page.keyboard.press("Enter"))
    assert page.locator('.sel-group[data-path="1"] .sel-condition[data-path="1.0"]').count() == 1
    assert page.locator(".sel-drop").count() == 0
    group_count = page.locator('.sel-group[data-path="1"] .sel-count').first.inner_text()
    assert group_count == "51"  # the group alone: Berlin 10115 and Wien 1010
    add_condition(page, "1", "address", "address.postal_code", "starts_with")
    page.fill("#e-value", "2")
    done(page)
    assert page.locator("#selection-count [data-count]").get_attribute("data-count") == "55"

    # The recipients, sorted by name, page by page.
    page.select_option("#out-sort", "name")
    page.wait_for_selector("#recipient-table")
    page.wait_for_function(f"!document.querySelector({BUSY!r})")
    assert "55" in page.locator("#recipient-count").inner_text()
    assert page.locator("#recipient-table tbody tr").count() == 50
    first_row = page.locator("#recipient-table tbody tr").first.inner_text()
    assert "Berliner00" in first_row
    click(page, "#recipients-next", r"/selections/run/$")
    assert page.locator("#recipient-table tbody tr").count() == 5
    assert "Hamburger0" in page.locator("#recipient-table tbody tr").first.inner_text()

    # Why is a Hamburg person in?
    with page.expect_navigation():
        page.locator("#recipient-table .sel-why").first.click()
    assert page.locator("#why-verdict").get_attribute("data-selected") == "true"
    assert page.locator("#step-table tbody tr").count() >= 4
    # The second postal code area let them in, not the first.
    second = page.locator('.sel-why-node[data-path="where.and.2.or.2"]')
    assert second.get_attribute("data-deciding") == "true"
    assert second.get_attribute("data-matched") == "true"
    first = page.locator('.sel-why-node[data-path="where.and.2.or.1"]')
    assert first.get_attribute("data-deciding") is None
    assert first.get_attribute("data-matched") == "false"
    with page.expect_navigation():
        page.click("#back-to-builder")
    assert page.locator('.sel-condition[data-path="1.1"]').count() == 1

    # Saved, frozen, changed, frozen again and compared.
    page.fill("#id_name", "Nord und Mitte")
    page.click("#save-selection")
    page.wait_for_url(re.compile(r"/selections/\d+/$"))
    selection = SavedSelection.objects.get(name="Nord und Mitte")
    page.click("#selection-runs")
    page.wait_for_url(f"**/selections/{selection.pk}/runs/")
    page.click("#freeze-now")
    page.wait_for_selector("#run-list")
    Person.objects.filter(pk=people["hamburg0"].pk).update(archived_at="2026-01-01T00:00:00Z")
    make_person(people["hamburg1"].company, last_name="Zugezogen")
    page.click("#freeze-now")
    page.wait_for_selector("#run-list tbody tr:nth-child(2)")
    assert SelectionRun.objects.filter(selection=selection).count() == 2
    page.click("#compare-runs")
    page.wait_for_url(re.compile(r"/selections/runs/compare/"))
    assert page.locator("#new-count").get_attribute("data-count") == "1"
    assert page.locator("#dropped-count").get_attribute("data-count") == "1"
    assert "Zugezogen" in page.locator("#new-table").inner_text()
    assert "Hamburger0" in page.locator("#dropped-table").inner_text()

    # A run's members, page by page.
    page.click("#later-run-link")
    page.wait_for_selector("#member-table")
    assert page.locator("#member-table tbody tr").count() == 50
    page.click(".next-page")
    page.wait_for_url(re.compile(r"cursor="))
    assert page.locator("#member-table tbody tr").count() == 5
