"""The selection builder in the browser: every action posts the draft and gets it back
changed; errors are shown at their node; saving, opening and copying; running."""

import html
import json
import re

import pytest
from django.urls import reverse

from merkur.companies.models import CompanyRole, Function
from merkur.selections import services
from merkur.selections.models import SavedSelection, SelectionRun
from tests.conftest import client_for
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db

BUILDER = reverse("selections:builder")
HTMX = {"HTTP_HX_REQUEST": "true"}


def definition_of(response) -> dict:
    found = re.search(r'name="definition" value="([^"]*)"', response.content.decode())
    return json.loads(html.unescape(found.group(1)))


def editing_of(response) -> str:
    return re.search(r'name="editing" value="([^"]*)"', response.content.decode()).group(1)


def node_html(response, path: str) -> str:
    """The HTML of one node, up to the next node (enough for its own errors)."""
    text = response.content.decode()
    start = text.index(f'data-path="{path}"')
    following = text.find("data-path=", start + 10)
    return text[start : following if following != -1 else len(text)]


def act(client, definition: dict, action: str = "", **fields):
    data = {"definition": json.dumps(definition), "action": action, **fields}
    response = client.post(BUILDER, data, **HTMX)
    assert response.status_code == 200
    return response


def where(node, target="people") -> dict:
    return {"version": 1, "target": target, "where": node}


COUNTRY_DE = {"criterion": "address.country", "op": "in", "value": ["DE"]}
PLZ_66 = {"criterion": "address.postal_code", "op": "starts_with", "value": "66"}


@pytest.fixture
def world():
    buyer = Function.objects.create(name="Einkäufer")
    berlin = make_company(name="Berlin AG", address={"postal_code": "10115", "city": "Berlin"})
    saar = make_company(name="Saar GmbH", address={"postal_code": "66111", "city": "Saarbrücken"})
    zurich = make_company(
        name="=HYPERLINK(1)", address={"country": "CH", "postal_code": "8001", "city": "Zürich"}
    )
    people = {
        "anna": make_person(berlin, functions=[buyer], last_name="Albers"),
        "bert": make_person(saar, functions=[buyer], last_name="Bauer"),
        "dora": make_person(zurich, functions=[], last_name="Dorn"),
    }
    return {"buyer": buyer, **people}


# --- permissions ---------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client):
    for url in (reverse("selections:list"), reverse("selections:new")):
        assert client.get(url).status_code == 302
    assert client.post(BUILDER, {}).status_code == 302


def test_read_only_users_build_and_run_but_do_not_save(readonly_user, world):
    client = client_for(readonly_user)
    assert client.get(reverse("selections:list")).status_code == 200
    page = client.get(reverse("selections:new"))
    assert page.status_code == 200
    assert 'id="save-selection"' not in page.content.decode()
    assert 'id="freeze-selection"' not in page.content.decode()
    response = act(client, where({"and": [COUNTRY_DE]}))
    assert 'data-count="2"' in response.content.decode()
    run = client.post(reverse("selections:run"), {"definition": json.dumps(where(COUNTRY_DE))})
    assert run.status_code == 200
    data = {"definition": json.dumps(where(COUNTRY_DE)), "name": "Meine"}
    assert client.post(reverse("selections:save"), data).status_code == 403
    assert client.post(reverse("selections:freeze"), data).status_code == 403
    assert not SavedSelection.objects.exists() and not SelectionRun.objects.exists()


def test_builder_views_only_take_posts(sales_user):
    client = client_for(sales_user)
    for name in ("builder", "save", "run", "csv", "freeze"):
        assert client.get(reverse(f"selections:{name}")).status_code == 405


# --- the actions -----------------------------------------------------------------------------


def test_a_condition_is_added_through_area_criterion_operator_and_value(sales_user, world):
    client = client_for(sales_user)
    response = act(client, {"version": 1}, "add_condition:")
    assert definition_of(response)["where"] == {"and": [{}]}
    assert editing_of(response) == "0"
    assert "Choose a criterion." in node_html(response, "0")

    response = act(client, definition_of(response), editing="0", **{"e-area": "address"})
    assert definition_of(response)["where"] == {"and": [{}]}
    assert 'value="address.country"' in response.content.decode()  # the area's criteria

    response = act(
        client,
        definition_of(response),
        editing="0",
        **{"e-area": "address", "e-criterion": "address.country"},
    )
    assert definition_of(response)["where"] == {
        "and": [{"criterion": "address.country", "op": "in"}]
    }
    assert "Give a list of one or more texts." in node_html(response, "0")

    data = {"e-area": "address", "e-criterion": "address.country", "e-op": "in", "e-value": ["DE"]}
    response = act(client, definition_of(response), editing="0", **data)
    assert definition_of(response)["where"] == {"and": [COUNTRY_DE]}
    assert 'data-count="2"' in response.content.decode()

    response = act(client, definition_of(response), "close", editing="0", **data)
    assert editing_of(response) == ""
    assert "Country is one of DE" in node_html(response, "0")


def test_changing_the_area_or_criterion_starts_the_condition_afresh(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [COUNTRY_DE]})
    response = act(
        client, start, editing="0", **{"e-area": "person", "e-criterion": "address.country"}
    )
    assert definition_of(response)["where"] == {"and": [{}]}
    response = act(
        client, start, editing="0", **{"e-area": "address", "e-criterion": "address.city"}
    )
    assert definition_of(response)["where"] == {
        "and": [{"criterion": "address.city", "op": "equals"}]
    }


def test_an_operator_of_another_kind_drops_the_value(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [{"criterion": "address.city", "op": "equals", "value": "Berlin"}]})
    fields = {"e-area": "address", "e-criterion": "address.city", "e-value": "Berlin"}
    response = act(client, start, editing="0", **fields, **{"e-op": "in"})
    assert definition_of(response)["where"] == {"and": [{"criterion": "address.city", "op": "in"}]}
    response = act(client, start, editing="0", **fields, **{"e-op": "starts_with"})
    assert definition_of(response)["where"]["and"][0]["value"] == "Berlin"


def test_pickers_read_ranges_periods_records_and_params(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [{"criterion": "business.revenue", "op": "between"}]}, "companies")
    fields = {
        "e-area": "business",
        "e-criterion": "business.revenue",
        "e-op": "between",
        "e-value-from": "1000",
        "e-value-to": "2000,50",
        "e-param-period-relative": "last_year",
        "e-param-currency": "eur",
    }
    response = act(client, start, editing="0", **fields)
    assert definition_of(response)["where"]["and"][0] == {
        "criterion": "business.revenue",
        "op": "between",
        "value": ["1000", "2000.50"],
        "params": {"period": {"relative": "last_year"}, "currency": "eur"},
    }
    fields["e-param-period-relative"] = "range"
    fields["e-param-period-from"] = "2025-01-01"
    fields["e-param-period-to"] = "2025-06-30"
    response = act(client, start, editing="0", **fields)
    params = definition_of(response)["where"]["and"][0]["params"]
    assert params["period"] == {"from": "2025-01-01", "to": "2025-06-30"}

    functions = {"e-area": "person", "e-criterion": "person.functions", "e-op": "in"}
    start = where({"and": [{"criterion": "person.functions", "op": "in"}]})
    response = act(client, start, editing="0", **functions, **{"e-value": [world["buyer"].pk]})
    assert definition_of(response)["where"]["and"][0]["value"] == [world["buyer"].pk]
    assert 'data-count="2"' in response.content.decode()


def test_fixed_choices_are_picked_from_a_list_not_typed(sales_user, world):
    """A company's roles (and an event member's statuses) are offered by their names."""
    client = client_for(sales_user)
    roles = {"e-area": "company", "e-criterion": "company.role", "e-op": "in"}
    start = where({"and": [{"criterion": "company.role", "op": "in"}]})
    response = act(client, start, editing="0", **roles)
    editor = node_html(response, "0")
    assert '<select class="form-select form-select-sm" name="e-value"' in editor
    assert f'<option value="{CompanyRole.CUSTOMER}">{CompanyRole.CUSTOMER.label}</option>' in editor
    chosen = [CompanyRole.CUSTOMER, CompanyRole.SUPPLIER]
    response = act(client, start, editing="0", **roles, **{"e-value": chosen})
    condition = definition_of(response)["where"]["and"][0]
    assert condition["value"] == [str(role) for role in chosen]
    assert f'value="{CompanyRole.SUPPLIER}" selected' in node_html(response, "0")


def test_groups_are_added_removed_moved_and_switched(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [COUNTRY_DE, PLZ_66]})
    response = act(client, start, "add_group:")
    assert definition_of(response)["where"] == {"and": [COUNTRY_DE, PLZ_66, {"and": []}]}
    assert "A group holds a list of one or more nodes." in node_html(response, "2")

    response = act(client, definition_of(response), "add_condition:2")
    assert definition_of(response)["where"]["and"][2] == {"and": [{}]}
    assert editing_of(response) == "2.0"

    response = act(client, start, "down:0")
    assert definition_of(response)["where"] == {"and": [PLZ_66, COUNTRY_DE]}
    response = act(client, start, "up:1")
    assert definition_of(response)["where"] == {"and": [PLZ_66, COUNTRY_DE]}
    response = act(client, start, "up:0")  # the first stays first
    assert definition_of(response)["where"] == {"and": [COUNTRY_DE, PLZ_66]}

    response = act(client, start, "remove:0")
    assert definition_of(response)["where"] == {"and": [PLZ_66]}

    response = act(client, start, **{"op-": "or"})
    assert definition_of(response)["where"] == {"or": [COUNTRY_DE, PLZ_66]}


def test_none_of_groups_and_their_counts(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [COUNTRY_DE, {"and": [PLZ_66]}]})
    response = act(client, start, **{"op-1": "not"})
    assert definition_of(response)["where"] == {"and": [COUNTRY_DE, {"not": PLZ_66}]}
    assert 'data-count="1"' in response.content.decode()  # anna: Germany, not 66…
    # Two items in a "none of" group: NOT of the AND of both.
    two = where({"and": [COUNTRY_DE, {"not": {"and": [PLZ_66, COUNTRY_DE]}}]})
    response = act(client, two)
    assert definition_of(response)["where"] == two["where"]
    assert 'data-count="1"' in response.content.decode()
    response = act(client, two, "remove:1.1")
    assert definition_of(response)["where"] == {"and": [COUNTRY_DE, {"not": PLZ_66}]}


def test_errors_are_shown_at_their_node(sales_user, world):
    client = client_for(sales_user)
    bad = {"criterion": "address.postal_code", "op": "starts_with"}
    response = act(client, where({"and": [COUNTRY_DE, {"or": [PLZ_66, bad]}]}))
    assert "Give a text." in node_html(response, "1.1")
    assert "Give a text." not in node_html(response, "0")
    assert "Complete the conditions to count." in response.content.decode()
    unknown = act(client, where({"and": [{"criterion": "nope", "op": "in"}]}))
    assert "Unknown criterion" in node_html(unknown, "0")


def test_bad_input_never_fails(sales_user, world):
    client = client_for(sales_user)
    nested = "[" * 90_000 + "]" * 90_000
    for text in ("not json", "[1, 2]", json.dumps(where({"and": [{"and": [1]}]})), nested):
        response = client.post(BUILDER, {"definition": text, "action": "remove:0"}, **HTMX)
        assert response.status_code == 200
    deep = {"criterion": "address.city", "op": "equals", "value": "x"}
    for _level in range(40):
        deep = {"and": [deep]}
    response = client.post(BUILDER, {"definition": json.dumps(where(deep))}, **HTMX)
    assert response.status_code == 200
    huge = where({"and": [{"criterion": "person.functions", "op": "in", "value": [10**30]}]})
    for action in ("edit:0", "up:9.9", "remove:", "add_group:x", "bogus", "edit:"):
        response = act(client, huge, action, editing="7.7", **{"op-": "xor", "target": "x"})
        assert "number is too large" in response.content.decode()
    for name in ("run", "csv", "freeze", "save"):
        response = client.post(reverse(f"selections:{name}"), {"definition": "{]"})
        assert response.status_code in (200, 422), name


def test_references_to_private_selections_of_others_are_refused(sales_user, marketing_user, world):
    private = services.selection_save(
        data={"name": "Geheim", "definition": where(COUNTRY_DE)}, by=marketing_user
    )
    client = client_for(sales_user)
    ref = {"criterion": "selection.in", "op": "in", "value": [private.pk]}
    response = act(client, where({"and": [ref]}))
    assert "No saved selection with the id" in node_html(response, "0")
    response = act(client, where({"and": [ref]}), "edit:0")
    assert "Geheim" not in response.content.decode()


# --- saving, opening, copying ----------------------------------------------------------------


def save(client, definition, **fields):
    data = {"definition": json.dumps(definition), "name": "Einkäufer DE", **fields}
    return client.post(reverse("selections:save"), data)


def test_save_open_change_and_copy(sales_user, marketing_user, world):
    client = client_for(sales_user)
    response = save(client, where({"and": [COUNTRY_DE]}), shared="on", description="Für Mailings")
    selection = SavedSelection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("selections:edit", args=[selection.pk])
    assert selection.owner == sales_user and selection.shared
    assert selection.definition == where({"and": [COUNTRY_DE]})

    page = client.get(reverse("selections:edit", args=[selection.pk]))
    assert definition_of(page) == selection.definition
    assert 'id="save-selection"' in page.content.decode()

    changed = where({"and": [COUNTRY_DE, {"not": PLZ_66}]})
    response = save(client, changed, selection=selection.pk, version=selection.version, shared="on")
    assert response.status_code == 302
    selection.refresh_from_db()
    assert selection.definition == changed and selection.version == 2

    # A stale version is refused, nothing is changed.
    response = save(client, where({"and": [PLZ_66]}), selection=selection.pk, version=1)
    assert response.status_code == 422
    assert "changed this selection meanwhile" in response.content.decode()

    other = client_for(marketing_user)
    page = other.get(reverse("selections:edit", args=[selection.pk])).content.decode()
    assert 'id="save-copy"' in page and 'id="save-selection"' not in page
    response = save(other, changed, selection=selection.pk, name="Meine Kopie")
    assert response.status_code == 302
    copy = SavedSelection.objects.get(name="Meine Kopie")
    assert copy.owner == marketing_user and copy.definition == changed
    selection.refresh_from_db()
    assert selection.version == 2  # the original is untouched

    listing = other.get(reverse("selections:list")).content.decode()
    assert "Einkäufer DE" in listing and "Meine Kopie" in listing


def test_private_selections_of_others_cannot_be_opened(sales_user, marketing_user, world):
    private = services.selection_save(
        data={"name": "Geheim", "definition": where(COUNTRY_DE)}, by=marketing_user
    )
    client = client_for(sales_user)
    assert client.get(reverse("selections:edit", args=[private.pk])).status_code == 404
    assert "Geheim" not in client.get(reverse("selections:list")).content.decode()
    response = save(client, where(COUNTRY_DE), selection=private.pk)
    assert response.status_code == 403


def test_saving_shows_errors_at_the_field_and_the_node(sales_user, world):
    client = client_for(sales_user)
    incomplete = where({"and": [COUNTRY_DE, {"criterion": "address.city", "op": "equals"}]})
    response = save(client, incomplete)
    assert response.status_code == 422
    assert "Give a text." in node_html(response, "1")
    services.selection_save(
        data={"name": "Einkäufer DE", "definition": where(COUNTRY_DE)}, by=sales_user
    )
    response = save(client, where(COUNTRY_DE), name="einkäufer de")
    assert response.status_code == 422
    assert "You already have a selection of this name." in response.content.decode()
    response = save(client, where(COUNTRY_DE), name="  ")
    assert response.status_code == 422
    assert SavedSelection.objects.count() == 1


# --- running ---------------------------------------------------------------------------------


def test_run_shows_the_first_recipients_by_postal_code(sales_user, world):
    client = client_for(sales_user)
    definition = where(
        {"and": [{"criterion": "person.functions", "op": "in", "value": [world["buyer"].pk]}]}
    )
    response = client.post(
        reverse("selections:run"), {"definition": json.dumps(definition)}, **HTMX
    )
    text = response.content.decode()
    assert "2 recipients" in text
    assert text.index("Albers") < text.index("Bauer")  # 10115 before 66111
    assert "Berlin AG" in text and "Saarbrücken" in text
    incomplete = where({"and": [{"criterion": "address.city", "op": "equals"}]})
    response = client.post(reverse("selections:run"), {"definition": json.dumps(incomplete)})
    assert "not complete yet" in response.content.decode()


def test_csv_streams_every_recipient_with_formulas_neutralised(sales_user, world):
    client = client_for(sales_user)
    response = client.post(reverse("selections:csv"), {"definition": json.dumps({"version": 1})})
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert len(lines) == 4  # the header and three people
    assert "'=HYPERLINK(1)" in text and ";=HYPERLINK" not in text
    # By country, then postal code: CH 8001, DE 10115, DE 66111.
    assert ["Dorn" in lines[1], "Albers" in lines[2], "Bauer" in lines[3]] == [True] * 3


def test_freeze_keeps_a_run_linked_to_the_unchanged_saved_selection(sales_user, world):
    client = client_for(sales_user)
    selection = services.selection_save(
        data={"name": "DE", "definition": where({"and": [COUNTRY_DE]})}, by=sales_user
    )
    data = {"definition": json.dumps(selection.definition), "selection": selection.pk}
    response = client.post(reverse("selections:freeze"), data)
    assert response.status_code == 200
    run = SelectionRun.objects.get()
    assert run.selection == selection and run.count == 2 and run.by == sales_user
    assert "Frozen: 2 records" in response.content.decode()
    data["definition"] = json.dumps(where({"and": [PLZ_66]}))
    client.post(reverse("selections:freeze"), data)
    latest = SelectionRun.objects.first()
    assert latest.selection is None and latest.count == 1


# --- attributes: the value picker follows the attribute's type ------------------------------


def test_attribute_conditions_pick_the_attribute_then_a_value_of_its_type(sales_user, world):
    import datetime

    from merkur.attributes import services as attribute_services
    from merkur.companies.models import Company
    from tests.factories import make_attribute

    licences = make_attribute("lizenzen", "integer")
    status = make_attribute("status", "choice", choices=["Neu", "Ruhend"])
    berlin = Company.objects.get(name="Berlin AG")
    attribute_services.value_set(
        definition=licences, record=berlin, value=12, valid_from=datetime.date(2020, 1, 1), by=None
    )
    client = client_for(sales_user)
    fields = {"e-area": "company", "e-criterion": "attribute.company", "e-op": "after"}
    start = where({"and": [{"criterion": "attribute.company", "op": "after"}]}, "companies")
    response = act(client, start, editing="0", **fields, **{"e-param-attribute": licences.pk})
    assert definition_of(response)["where"]["and"][0]["params"] == {"attribute": licences.pk}
    assert 'data-kind="number" data-name="e-value"' in response.content.decode()

    response = act(
        client,
        definition_of(response),
        editing="0",
        **fields,
        **{"e-param-attribute": licences.pk, "e-value": "10"},
    )
    condition = definition_of(response)["where"]["and"][0]
    assert condition["value"] == 10  # a whole number, as the attribute's type wants
    assert 'data-count="1"' in response.content.decode()

    # Another attribute: the value of the old one's picker is dropped; choices offered.
    fields["e-op"] = "in"
    response = act(
        client,
        definition_of(response),
        editing="0",
        **fields,
        **{"e-param-attribute": status.pk, "e-value": "10"},
    )
    assert "value" not in definition_of(response)["where"]["and"][0]
    text = response.content.decode()
    assert ">Neu</option>" in text and ">Ruhend</option>" in text
    choice = status.choices.order_by("pk").first()
    response = act(
        client,
        definition_of(response),
        editing="0",
        **fields,
        **{"e-param-attribute": status.pk, "e-value": [choice.pk]},
    )
    assert definition_of(response)["where"]["and"][0]["value"] == [choice.pk]
    assert "sel-error" not in node_html(response, "0")


def test_without_htmx_an_action_draws_the_whole_page(sales_user, world):
    client = client_for(sales_user)
    data = {"definition": json.dumps(where({"and": [COUNTRY_DE]})), "action": "add_group:"}
    response = client.post(BUILDER, data)
    text = response.content.decode()
    assert response.status_code == 200 and 'id="selection-form"' in text
    assert definition_of(response)["where"] == {"and": [COUNTRY_DE, {"and": []}]}
