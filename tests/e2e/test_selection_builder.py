"""Building the product's example selection in a real browser, through the builder's menus.

The example of PRODUCT.md §5 (data and definition from ``tests/selections/test_example.py``):
buyers of German companies with at least EUR 100,000 revenue in 2025 in "Anwendersoftware"
that bought more than five licences, not in postal code area 66, plus the managing
directors where the company is in the database industry. The period is given as
2025-01-01 to 2025-12-31 (the example's "last year" would move with the clock).
"""

import re

import pytest

from merkur.companies.models import Person
from merkur.selections.compiler import compile_definition
from merkur.selections.definition import dump, parse
from merkur.selections.models import SavedSelection
from tests.selections.test_example import data, example  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUSY = ".htmx-request, .htmx-swapping, .htmx-settling"


def settled(page, action) -> None:
    """Do ``action`` (which posts to the builder) and wait until htmx has swapped."""
    with page.expect_response(re.compile(r"/selections/builder/$")):
        action()
    page.wait_for_function(f"!document.querySelector({BUSY!r})")


def choose(page, selector: str, value) -> None:
    settled(page, lambda: page.select_option(selector, value))


def click(page, selector: str) -> None:
    settled(page, lambda: page.locator(selector).first.click())


def add_condition(page, group: str, area: str, criterion: str, op: str | None = None) -> None:
    click(page, f'.sel-group[data-path="{group}"] .sel-add-condition')
    choose(page, "#e-area", area)
    choose(page, "#e-criterion", criterion)
    if op is not None:
        choose(page, "#e-op", op)


def add_group(page, group: str, op: str, new: str) -> None:
    click(page, f'.sel-group[data-path="{group}"] .sel-add-group')
    choose(page, f'select[name="op-{new}"]', op)


def done(page) -> None:
    click(page, "#e-done")
    assert page.locator(".sel-editor").count() == 0


def test_build_the_example_through_the_menus(logged_in_page, data):  # noqa: F811
    page = logged_in_page
    ids, people = data
    page.goto("/selections/")
    page.click("#new-selection")
    page.wait_for_url("**/selections/new/")

    add_condition(page, "", "address", "address.country", "in")
    choose(page, "#e-value", ["DE"])
    done(page)

    add_condition(page, "", "business", "business.revenue", "gte")
    page.fill("#e-value", "100000")
    choose(page, "#e-param-period", "range")
    page.fill("#e-param-period-from", "2025-01-01")
    page.fill("#e-param-period-to", "2025-12-31")
    choose(page, "#e-param-divisions", [str(ids["software"])])
    page.fill("#e-param-currency", "EUR")
    done(page)

    add_condition(page, "", "business", "business.quantity", "gt")
    page.fill("#e-value", "5")
    choose(page, "#e-param-categories", [str(ids["licence"])])
    done(page)

    add_group(page, "", "not", new="3")
    add_condition(page, "3", "address", "address.postal_code", "starts_with")
    page.fill("#e-value", "66")
    done(page)

    add_group(page, "", "or", new="4")
    add_condition(page, "4", "person", "person.functions", "in")
    choose(page, "#e-value", [str(ids["buyer"])])
    done(page)
    add_group(page, "4", "and", new="4.1")
    add_condition(page, "4.1", "person", "person.functions", "in")
    choose(page, "#e-value", [str(ids["boss"])])
    done(page)
    add_condition(page, "4.1", "company", "company.industries", "in")
    choose(page, "#e-value", [str(ids["dbindustry"])])
    done(page)

    assert page.locator(".sel-error").count() == 0
    assert page.locator("#selection-count [data-count]").get_attribute("data-count") == "6"
    # Every condition has its own count: three at the top, one in the NOT group, three in the OR.
    assert page.locator(".sel-condition .sel-count").count() == 7

    page.click("#run-selection")
    page.wait_for_selector("#recipient-table")
    assert page.locator("#recipient-table tbody tr").count() == 6

    page.fill("#id_name", "Beispiel aus dem Produkt")
    page.click("#save-selection")
    page.wait_for_url(re.compile(r"/selections/\d+/$"))
    saved = SavedSelection.objects.get(name="Beispiel aus dem Produkt")
    expected = example(ids)
    revenue = expected["where"]["and"][1]
    revenue["params"]["period"] = {"from": "2025-01-01", "to": "2025-12-31"}
    assert saved.definition == dump(parse(expected))
    found = set(compile_definition(parse(saved.definition)).values_list("pk", flat=True))
    wanted = {"exact_buyer", "sachsen_buyer", "chf_buyer", "db_ok_buyer", "db_ok_boss"}
    assert found == {people[name].pk for name in wanted} | {people["db_ok_both"].pk}
    assert Person.objects.filter(pk__in=found).count() == 6
