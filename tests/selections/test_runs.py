"""Frozen runs: a snapshot of who was in a selection, kept after the data changes."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merkur.companies import services as companies
from merkur.selections.models import SavedSelection, SelectionRun, SelectionRunMember
from merkur.selections.recipients import recipients
from merkur.selections.runs import compare, freeze
from merkur.selections.services import selection_save
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db

GERMANY = {
    "version": 1,
    "target": "people",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
}


def members(run) -> set:
    return set(run.members.values_list("person_id", flat=True))


@pytest.fixture
def world():
    berlin = make_company(name="Berlin AG")
    wien = make_company(name="Wien AG", address={"country": "AT", "postal_code": "1010"})
    return {
        "berlin": berlin,
        "wien": wien,
        "anna": make_person(berlin),
        "bert": make_person(berlin),
        "carl": make_person(wien),
    }


def test_freeze_keeps_who_was_selected_with_the_address(world, marketing_user):
    own = companies.person_set_address(
        person=world["bert"],
        address={"street": "Gartenweg 2", "postal_code": "14467", "city": "Potsdam"},
        by=None,
    )
    run = freeze(GERMANY, by=marketing_user, today=datetime.date(2026, 3, 1))
    assert run.count == 2
    assert run.target == "people" and run.by == marketing_user
    assert run.today == datetime.date(2026, 3, 1)
    rows = {m.person_id: m for m in run.members.all()}
    assert set(rows) == {world["anna"].pk, world["bert"].pk}
    assert rows[world["bert"].pk].address_id == own.address_id
    contact = world["berlin"].contact_link().address_id
    assert rows[world["anna"].pk].address_id == contact
    assert rows[world["anna"].pk].company_id == world["berlin"].pk


def test_a_frozen_run_stays_as_it_was_after_the_data_changes(world, marketing_user):
    run = freeze(GERMANY, by=marketing_user)
    companies.person_archive(person=world["anna"], by=None)
    make_person(world["berlin"])
    companies.person_move(person=world["carl"], to_company=world["berlin"], by=None)
    run.refresh_from_db()
    assert members(run) == {world["anna"].pk, world["bert"].pk}
    assert run.count == 2


def test_members_are_copied_by_one_insert_select(world, marketing_user):
    for _number in range(25):
        make_person(world["berlin"])
    table = SelectionRunMember._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        run = freeze(GERMANY, by=marketing_user)
    inserts = [q["sql"] for q in queries.captured_queries if f'INSERT INTO "{table}"' in q["sql"]]
    assert len(inserts) == 1 and "SELECT" in inserts[0]
    assert run.count == 27


def test_a_companies_run_keeps_companies_and_the_chosen_address(world, marketing_user):
    billing = companies.company_address_add(
        company=world["berlin"],
        kind="billing",
        address={"street": "Postfach", "postal_code": "10117", "city": "Berlin"},
        by=None,
    )
    definition = {"version": 1, "target": "companies", "address": "billing"}
    run = freeze(definition, by=marketing_user)
    rows = {m.company_id: m for m in run.members.all()}
    assert set(rows) == {world["berlin"].pk, world["wien"].pk}
    assert rows[world["berlin"].pk].address_id == billing.address_id
    assert rows[world["wien"].pk].address_id == world["wien"].contact_link().address_id
    assert rows[world["wien"].pk].person_id is None


def test_a_saved_selection_run_remembers_its_selection(world, marketing_user):
    selection = selection_save(data={"name": "DE", "definition": GERMANY}, by=marketing_user)
    run = freeze(selection.definition, by=marketing_user, selection=selection)
    assert run.selection == selection
    assert run.definition == selection.definition
    assert list(selection.runs.all()) == [run]


def test_compare_tells_who_is_new_and_who_dropped_out(world, marketing_user):
    before = freeze(GERMANY, by=marketing_user)
    companies.person_archive(person=world["anna"], by=None)
    dora = make_person(world["berlin"])
    after = freeze(GERMANY, by=marketing_user)
    result = compare(before, after)
    assert set(result.new.values_list("person_id", flat=True)) == {dora.pk}
    assert set(result.dropped.values_list("person_id", flat=True)) == {world["anna"].pk}
    assert set(result.new.values_list("run_id", flat=True)) == {after.pk}
    assert set(result.dropped.values_list("run_id", flat=True)) == {before.pk}
    # The newcomers are recipients of their own (a follow-up mailing).
    assert [row["person_pk"] for row in recipients(result.new)] == [dora.pk]


def test_runs_of_different_targets_do_not_compare(world, marketing_user):
    people = freeze(GERMANY, by=marketing_user)
    firms = freeze({"version": 1, "target": "companies"}, by=marketing_user)
    with pytest.raises(ValidationError):
        compare(people, firms)


def test_a_bad_definition_is_refused_before_anything_is_written(marketing_user):
    with pytest.raises(ValidationError) as caught:
        freeze({"target": "cats"}, by=marketing_user)
    assert "target" in caught.value.message_dict["definition"][0]
    assert not SelectionRun.objects.exists()


def test_a_cycle_found_while_freezing_is_a_validation_error(world, marketing_user):
    a = selection_save(data={"name": "A", "definition": GERMANY}, by=marketing_user)
    b = selection_save(
        data={
            "name": "B",
            "definition": {
                "target": "people",
                "where": {"criterion": "selection.in", "op": "in", "value": [a.pk]},
            },
        },
        by=marketing_user,
    )
    looped = {
        "target": "people",
        "where": {"criterion": "selection.in", "op": "in", "value": [b.pk]},
    }
    SavedSelection.objects.filter(pk=a.pk).update(definition=looped)
    a.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        freeze(a.definition, by=marketing_user, selection=a)
    assert "A → B → A" in caught.value.message_dict["definition"][0]
    assert not SelectionRun.objects.exists()
