"""Moving conditions and groups into other groups in the builder: choose the node, then the
group; refused into itself, into a group inside it and past the nesting limit."""

import re

import pytest

from merkur.selections.definition import MAX_DEPTH
from merkur.selections.views.tree import Draft, MoveError, nesting
from tests.conftest import client_for
from tests.selections.test_views import COUNTRY_DE, PLZ_66, act, definition_of, node_html, where
from tests.selections.test_views import world as world

pytestmark = pytest.mark.django_db

CITY = {"criterion": "address.city", "op": "equals", "value": "Berlin"}


def drops(response) -> list[str]:
    """The "move here" buttons: the groups offered, by tree position."""
    return re.findall(r'value="move:[^:"]*:([^"]*)"', response.content.decode())


def test_a_condition_moves_into_another_group_and_the_counts_follow(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [COUNTRY_DE, {"or": [PLZ_66]}, CITY]})
    response = act(client, start, "pick:2")
    assert drops(response) == ["1"]  # not its own group (the root)
    assert "Moving “City is Berlin”" in response.content.decode()
    assert 'aria-current="true"' in node_html(response, "2")

    response = act(client, start, "move:2:1")
    assert definition_of(response)["where"] == {"and": [COUNTRY_DE, {"or": [PLZ_66, CITY]}]}
    text = response.content.decode()
    assert 'data-count="2"' in text  # anna (Berlin) and bert (66…), both in Germany
    # The group counts both of its items together; the moved node keeps the focus.
    assert re.search(r'sel-count"[^>]*>2<', node_html(response, "1"))
    assert 'value="pick:1.1"' in text and re.search(r'value="pick:1.1"[^>]*autofocus', text)
    assert not drops(response)


def test_a_condition_moves_out_to_the_top_level(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [COUNTRY_DE, {"not": {"and": [PLZ_66, CITY]}}]})
    response = act(client, start, "pick:1.1")
    assert drops(response) == [""]
    response = act(client, start, "move:1.1:")
    assert definition_of(response)["where"] == {"and": [COUNTRY_DE, {"not": PLZ_66}, CITY]}


def test_a_group_moves_with_everything_in_it(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [{"or": [COUNTRY_DE, CITY]}, {"and": [PLZ_66]}]})
    response = act(client, start, "pick:0")
    assert drops(response) == ["1"]  # not into itself, not the root it is in
    response = act(client, start, "move:0:1")
    assert definition_of(response)["where"] == {
        "and": [{"and": [PLZ_66, {"or": [COUNTRY_DE, CITY]}]}]
    }


def test_a_group_cannot_move_into_itself_or_a_group_inside_it(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [{"or": [COUNTRY_DE, {"and": [CITY]}]}, PLZ_66]})
    for target in ("0", "0.1"):
        response = act(client, start, f"move:0:{target}")
        assert definition_of(response) == start
        assert "cannot be moved into itself or into a group inside it" in (
            response.content.decode()
        )
    response = act(client, start, "pick:0")
    assert drops(response) == []  # nowhere else to go: a notice instead
    assert "no other group to move this into" in response.content.decode()


def test_moves_to_places_that_do_not_exist_change_nothing(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [COUNTRY_DE, {"or": [PLZ_66]}]})
    for action in ("move:0:7", "move:9:1", "move::1", "move:0:0", "move:x:y", "pick:", "pick:5"):
        response = act(client, start, action)
        assert definition_of(response) == start, action
    response = act(client, start, "move:9:1")
    assert "This place does not exist any more" in response.content.decode()


def deep(levels: int, leaf: dict) -> dict:
    node = leaf
    for _level in range(levels):
        node = {"and": [node]}
    return node


def test_a_move_past_the_nesting_limit_is_refused(sales_user, world):
    client = client_for(sales_user)
    # A chain of groups reaching the limit, and a group with a condition beside it.
    chain = deep(MAX_DEPTH - 2, COUNTRY_DE)  # with the root: MAX_DEPTH deep
    start = where({"and": [chain, {"or": [PLZ_66]}]})
    assert "sel-error" not in act(client, start).content.decode()
    innermost = ".".join(["0"] * (MAX_DEPTH - 2))
    response = act(client, start, "pick:1")
    assert innermost not in drops(response)  # the group would end up too deep there
    response = act(client, start, f"move:1:{innermost}")
    assert definition_of(response) == start
    assert f"groups would nest deeper than {MAX_DEPTH} levels" in response.content.decode()
    # A single condition still fits one level up.
    one_up = innermost.rpartition(".")[0]
    response = act(client, start, "pick:1.0")
    assert one_up in drops(response)
    response = act(client, start, f"move:1.0:{one_up}")
    assert "nest deeper" not in response.content.decode()
    moved = definition_of(response)["where"]["and"]
    assert moved[1] == {"or": []}  # left empty: marked, for the user to remove
    assert moved[0] != chain and "sel-error" not in node_html(response, "0")


def test_nesting_counts_as_the_definition_is_written():
    draft = Draft.from_json(where({"and": [COUNTRY_DE, {"not": {"and": [PLZ_66, CITY]}}]}))
    assert nesting(draft.root) == 4  # and → not → and → condition
    draft = Draft.from_json(where({"and": [COUNTRY_DE, {"not": PLZ_66}]}))
    assert nesting(draft.root) == 3
    assert draft.move_targets("1") == set()
    with pytest.raises(MoveError):
        draft.move_into("", "1")


def test_moving_into_a_none_of_group_makes_it_none_of_both(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [COUNTRY_DE, {"not": PLZ_66}, CITY]})
    response = act(client, start, "move:2:1")
    assert definition_of(response)["where"] == {
        "and": [COUNTRY_DE, {"not": {"and": [PLZ_66, CITY]}}]
    }


def test_up_and_down_keep_the_focus_on_the_button_pressed(sales_user, world):
    client = client_for(sales_user)
    start = where({"and": [COUNTRY_DE, PLZ_66, CITY]})
    text = act(client, start, "down:0").content.decode()
    assert re.search(r'value="down:1"[^>]*autofocus', text)
    text = act(client, start, "down:1").content.decode()
    assert re.search(r'value="pick:2"[^>]*autofocus', text)  # "down" is disabled now


def test_read_only_users_may_move_too(readonly_user, world):
    client = client_for(readonly_user)
    response = act(client, where({"and": [COUNTRY_DE, {"or": [PLZ_66]}]}), "move:0:1")
    assert definition_of(response)["where"] == {"and": [{"or": [PLZ_66, COUNTRY_DE]}]}
