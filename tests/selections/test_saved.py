"""Saved selections: visibility, references to other selections, cycles, combinations."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import parse
from merkur.selections.errors import DefinitionError
from merkur.selections.models import SavedSelection
from merkur.selections.services import combine, compile_saved, selection_delete, selection_save
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db


def country(*codes, target="people") -> dict:
    return {
        "version": 1,
        "target": target,
        "where": {"criterion": "address.country", "op": "in", "value": list(codes)},
    }


def refers(*ids, target="people", op="in") -> dict:
    return {
        "version": 1,
        "target": target,
        "where": {"criterion": "selection.in", "op": op, "value": list(ids)},
    }


def save(by, name, definition, **data):
    return selection_save(data={"name": name, "definition": definition, **data}, by=by)


def pks(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def world():
    berlin = make_company(name="Berlin AG")
    wien = make_company(name="Wien AG", address={"country": "AT", "postal_code": "1010"})
    bern = make_company(name="Bern AG", address={"country": "CH", "postal_code": "3000"})
    lonely = make_company(name="Leer AG", address={"country": "AT", "postal_code": "1020"})
    return {
        "berlin": berlin,
        "wien": wien,
        "bern": bern,
        "lonely": lonely,
        "anna": make_person(berlin),
        "bert": make_person(wien),
        "carl": make_person(bern),
    }


def test_definition_is_stored_checked_and_normalised(sales_user):
    selection = save(sales_user, "Germany", country("de"))
    assert selection.definition["where"]["value"] == ["DE"]
    assert selection.target == "people"
    assert selection.owner == sales_user
    assert selection.version == 1


def test_a_bad_definition_is_refused_at_the_node(sales_user):
    bad = {"version": 1, "where": {"and": [{"criterion": "address.country", "op": "gte"}]}}
    with pytest.raises(ValidationError) as caught:
        save(sales_user, "Bad", bad)
    assert "where.and.1.op" in caught.value.message_dict["definition"][0]


def test_private_selections_are_seen_by_their_owner_and_shared_ones_by_all(
    sales_user, marketing_user
):
    mine = save(sales_user, "Mine", country("DE"))
    shared = save(sales_user, "Ours", country("AT"), shared=True)
    theirs = save(marketing_user, "Theirs", country("CH"))
    assert set(SavedSelection.objects.visible_to(sales_user)) == {mine, shared}
    assert set(SavedSelection.objects.visible_to(marketing_user)) == {shared, theirs}


def test_names_are_unique_per_owner_and_among_shared(sales_user, marketing_user):
    save(sales_user, "Kunden", country("DE"), shared=True)
    with pytest.raises(ValidationError) as caught:
        save(sales_user, "kunden", country("AT"))
    assert "name" in caught.value.message_dict
    with pytest.raises(ValidationError):
        save(marketing_user, "KUNDEN", country("AT"), shared=True)
    assert save(marketing_user, "Kunden", country("AT")).shared is False


def test_only_the_owner_changes_or_deletes(sales_user, marketing_user, admin_user):
    selection = save(sales_user, "Mine", country("DE"), shared=True)
    with pytest.raises(PermissionDenied):
        selection_save(selection=selection, data={"name": "Taken"}, by=marketing_user)
    with pytest.raises(PermissionDenied):
        selection_delete(selection=selection, by=marketing_user)
    with pytest.raises(PermissionDenied):
        selection_save(selection=selection, data={"name": "Taken"}, by=admin_user)
    changed = selection_save(selection=selection, data={"description": "DE"}, by=sales_user)
    assert changed.version == 2 and changed.description == "DE"
    selection_delete(selection=changed, by=admin_user)  # administrators may clear up
    assert not SavedSelection.objects.exists()


def test_is_in_selection_and_not_in(world, sales_user):
    germany = save(sales_user, "Germany", country("DE"))
    people = compile_definition(parse(refers(germany.pk)))
    assert pks(people) == {world["anna"].pk}
    others = compile_definition(parse(refers(germany.pk, op="not_in")))
    assert pks(others) == {world["bert"].pk, world["carl"].pk}


def test_a_people_selection_in_a_companies_selection_means_having_such_a_person(world, sales_user):
    austrians = save(sales_user, "Austrians", country("AT"))
    companies = compile_definition(parse(refers(austrians.pk, target="companies")))
    # Leer AG is in Austria but has nobody in the people selection.
    assert pks(companies) == {world["wien"].pk}


def test_a_companies_selection_in_a_people_selection_means_their_people(world, sales_user):
    austria = save(sales_user, "Austria", country("AT", target="companies"))
    assert pks(compile_saved(austria)) == {world["wien"].pk, world["lonely"].pk}
    people = compile_definition(parse(refers(austria.pk)))
    assert pks(people) == {world["bert"].pk}
    companies = compile_definition(parse(refers(austria.pk, target="companies")))
    assert pks(companies) == {world["wien"].pk, world["lonely"].pk}


def test_one_condition_cannot_mix_targets(world, sales_user):
    people = save(sales_user, "P", country("AT"))
    companies = save(sales_user, "C", country("AT", target="companies"))
    # Found when the selections are read (compile time), where the user is known.
    with pytest.raises(DefinitionError) as caught:
        compile_definition(parse(refers(people.pk, companies.pk)))
    assert caught.value.path == "where.value"


def test_a_cycle_is_refused_when_saving_with_the_chain(sales_user):
    a = save(sales_user, "A", country("DE"))
    b = save(sales_user, "B", refers(a.pk))
    with pytest.raises(ValidationError) as caught:
        selection_save(selection=a, data={"definition": refers(b.pk)}, by=sales_user)
    message = caught.value.message_dict["definition"][0]
    assert message.startswith("where.value:")
    assert "A → B → A" in message
    with pytest.raises(ValidationError) as caught:
        selection_save(selection=a, data={"definition": refers(a.pk)}, by=sales_user)
    assert "A → A" in caught.value.message_dict["definition"][0]


def test_a_cycle_is_refused_when_compiling(sales_user):
    a = save(sales_user, "A", country("DE"))
    b = save(sales_user, "B", refers(a.pk))
    # Data changed behind the services' back: A now refers to B.
    SavedSelection.objects.filter(pk=a.pk).update(definition=refers(b.pk))
    a.refresh_from_db()
    with pytest.raises(DefinitionError) as caught:
        compile_saved(a)
    assert "A → B → A" in caught.value.message
    with pytest.raises(DefinitionError) as caught:
        compile_definition(parse(refers(a.pk)), Context())
    assert "A → B → A" in caught.value.message or "B → A → B" in caught.value.message


def test_references_must_be_visible_and_shared_for_a_shared_selection(sales_user, marketing_user):
    private = save(marketing_user, "Private", country("DE"))
    mine = save(sales_user, "Mine", country("DE"))
    with pytest.raises(ValidationError) as caught:
        save(sales_user, "Uses private", refers(private.pk))
    assert f"{private.pk}" in caught.value.message_dict["definition"][0]
    with pytest.raises(ValidationError) as caught:
        save(sales_user, "Shared", refers(mine.pk), shared=True)
    assert "“Mine” is private" in caught.value.message_dict["definition"][0]


def test_a_used_selection_cannot_be_deleted_or_made_private(sales_user, marketing_user):
    base = save(sales_user, "Base", country("DE"), shared=True)
    save(marketing_user, "On top", refers(base.pk))
    with pytest.raises(ValidationError) as caught:
        selection_delete(selection=base, by=sales_user)
    assert "“On top”" in caught.value.messages[0]
    with pytest.raises(ValidationError) as caught:
        selection_save(selection=base, data={"shared": False}, by=sales_user)
    assert "shared" in caught.value.message_dict


def test_delete_removes_an_unused_selection(sales_user):
    selection = save(sales_user, "Gone", country("DE"))
    selection_delete(selection=selection, by=sales_user)
    assert not SavedSelection.objects.filter(pk=selection.pk).exists()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("union", {"anna", "bert", "carl"}),
        ("intersection", {"bert"}),
        ("difference", {"anna"}),
    ],
)
def test_combinations(world, sales_user, kind, expected):
    de_at = save(sales_user, "DE+AT", country("DE", "AT"))
    at_ch = save(sales_user, "AT+CH", country("AT", "CH"))
    combined = combine(kind, [de_at.pk, at_ch.pk])
    assert pks(compile_definition(parse(combined))) == {world[name].pk for name in expected}
    stored = save(sales_user, f"Combined {kind}", combined)
    assert set(stored.references.all()) == {de_at, at_ch}
    assert pks(compile_saved(stored)) == {world[name].pk for name in expected}


def test_combine_refuses_nonsense(sales_user):
    a = save(sales_user, "A", country("DE"))
    with pytest.raises(ValueError):
        combine("xor", [a.pk, a.pk + 1])
    with pytest.raises(ValueError):
        combine("union", [a.pk])
