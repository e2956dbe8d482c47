"""Journal criteria: contacts of a kind or type in a period, open follow-ups, for
companies and people.

The world (the run's day is 15 March 2026, so "last year" is 2025):
  Alpha: a phone call about acquisition on 1 June 2025 with Anna, open follow-up of sales.
  Beta:  a visit about a complaint on 31 December 2025 at 23:30 with Bert,
         its follow-up (admin) done.
  Gamma: a letter without a type on 1 January 2026 at 00:00, open follow-up of admin,
         linked to Delta and to Dora (of Delta).
  Delta: no contact of its own.  Eps: nothing at all.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from merkur.journal import services as journal_services
from merkur.journal.models import ContactKindGroup, ContactTypeGroup
from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import parse
from merkur.selections.errors import DefinitionError
from tests.factories import contact_master, make_company, make_contact, make_person

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 15)


def at(*parts) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*parts))


def run(node, target="companies") -> set:
    definition = parse({"version": 1, "target": target, "where": node})
    with CaptureQueriesContext(connection) as queries:
        found = compile_definition(definition, Context(today=TODAY)).values_list("pk", flat=True)
        found = set(found)
    assert len(queries) == 1
    return found


@pytest.fixture
def world(admin_user, sales_user):
    kinds, types = contact_master()
    companies = {
        name: make_company(name=name) for name in ("alpha", "beta", "gamma", "delta", "eps")
    }
    anna = make_person(companies["alpha"])
    bert = make_person(companies["beta"])
    dora = make_person(companies["delta"])
    eve = make_person(companies["eps"])
    due = at(2026, 4, 1, 9)
    make_contact(
        companies["alpha"],
        by=sales_user,
        people=[anna],
        kind="Telefonat",
        type="Akquise",
        occurred_at=at(2025, 6, 1, 12),
        follow_up_owner=sales_user,
        follow_up_due=due,
    )
    visit = make_contact(
        companies["beta"],
        by=sales_user,
        people=[bert],
        kind="Besuch",
        type="Reklamation",
        occurred_at=at(2025, 12, 31, 23, 30),
        follow_up_owner=admin_user,
        follow_up_due=due,
    )
    journal_services.follow_up_done(contact=visit, by=admin_user)
    letter = make_contact(
        companies["gamma"],
        by=admin_user,
        kind="Brief",
        type=None,
        occurred_at=at(2026, 1, 1, 0, 0),
        follow_up_owner=admin_user,
        follow_up_due=due,
    )
    journal_services.link_add(
        contact=letter, kind="company", object_id=companies["delta"].pk, by=None
    )
    journal_services.link_add(contact=letter, kind="person", object_id=dora.pk, by=None)
    return {
        **companies,
        "anna": anna,
        "bert": bert,
        "dora": dora,
        "eve": eve,
        "kinds": kinds,
        "types": types,
        "admin": admin_user,
        "sales": sales_user,
    }


def ids(world, *names) -> set:
    return {world[name].pk for name in names}


COMPANIES = ("alpha", "beta", "gamma", "delta", "eps")
PEOPLE = ("anna", "bert", "dora", "eve")


def contact(world, criterion="journal.contact", op="yes", **params) -> dict:
    """A contact condition; kinds and types are given by name, groups by group name."""
    resolved = {}
    for name, values in params.items():
        if name == "kinds":
            values = [world["kinds"][value].pk for value in values]
        elif name == "types":
            values = [world["types"][value].pk for value in values]
        elif name == "kind_groups":
            values = [ContactKindGroup.objects.get(name=value).pk for value in values]
        elif name == "type_groups":
            values = [ContactTypeGroup.objects.get(name=value).pk for value in values]
        resolved[name] = values
    return {"criterion": criterion, "op": op, "params": resolved}


@pytest.mark.parametrize(
    ("params", "companies", "people"),
    [
        ({}, ("alpha", "beta", "gamma", "delta"), ("anna", "bert", "dora")),
        ({"kinds": ["Telefonat"]}, ("alpha",), ("anna",)),
        ({"kinds": ["Telefonat", "Brief"]}, ("alpha", "gamma", "delta"), ("anna", "dora")),
        ({"kind_groups": ["Mündlich"]}, ("alpha", "beta"), ("anna", "bert")),
        # An item and a group of one dimension: either matches.
        (
            {"kinds": ["Brief"], "kind_groups": ["Mündlich"]},
            ("alpha", "beta", "gamma", "delta"),
            ("anna", "bert", "dora"),
        ),
        ({"types": ["Akquise"]}, ("alpha",), ("anna",)),
        ({"type_groups": ["Service"]}, ("beta",), ("bert",)),
        # Kind and type: both must hold.
        ({"kind_groups": ["Mündlich"], "types": ["Reklamation"]}, ("beta",), ("bert",)),
        ({"kinds": ["Telefonat"], "types": ["Reklamation"]}, (), ()),
        # 31 Dec 23:30 is last year, 1 Jan 00:00 is not.
        ({"period": {"relative": "last_year"}}, ("alpha", "beta"), ("anna", "bert")),
        ({"period": {"relative": "this_year"}}, ("gamma", "delta"), ("dora",)),
        (
            {"period": {"from": "2025-06-01", "to": "2025-06-01"}},
            ("alpha",),
            ("anna",),
        ),
        ({"period": {"from": "2025-06-02", "to": "2025-12-30"}}, (), ()),
    ],
)
def test_contacts(world, params, companies, people):
    node = contact(world, **params)
    assert run(node) == ids(world, *companies)
    assert run({**node, "op": "no"}) == ids(world, *COMPANIES) - ids(world, *companies)
    assert run({"not": node}) == ids(world, *COMPANIES) - ids(world, *companies)
    # On people: the person's company had such a contact.
    on_people = {person.pk for person in _people_of(world, companies)}
    assert run(node, "people") == on_people
    person_node = contact(world, "journal.person_contact", **params)
    assert run(person_node, "people") == ids(world, *people)
    assert run({**person_node, "op": "no"}, "people") == ids(world, *PEOPLE) - ids(world, *people)
    assert run({"not": person_node}, "people") == ids(world, *PEOPLE) - ids(world, *people)


def _people_of(world, companies):
    return [world[name] for name in PEOPLE if world[name].company.name in companies]


def test_person_contacts_on_companies_mean_has_such_a_person(world):
    node = contact(world, "journal.person_contact", kinds=["Brief"])
    # Dora (of Delta) is linked to Gamma's letter; Gamma has nobody who took part.
    assert run(node) == ids(world, "delta")
    assert run({"not": node}) == ids(world, *COMPANIES) - ids(world, "delta")


@pytest.mark.parametrize(
    ("op", "owners", "expected"),
    [
        ("in", ["sales"], ("alpha",)),
        ("in", ["admin"], ("gamma", "delta")),  # Beta's is done; Delta's is linked
        ("in", ["sales", "admin"], ("alpha", "gamma", "delta")),
        ("yes", None, ("alpha", "gamma", "delta")),
    ],
)
def test_open_follow_ups(world, op, owners, expected):
    node = {"criterion": "journal.open_follow_up", "op": op}
    if owners:
        node["value"] = [world[owner].pk for owner in owners]
    assert run(node) == ids(world, *expected)
    assert run({"not": node}) == ids(world, *COMPANIES) - ids(world, *expected)
    assert run(node, "people") == {p.pk for p in _people_of(world, expected)}


def test_open_follow_up_of_a_user_without_any(world, marketing_user):
    node = {"criterion": "journal.open_follow_up", "op": "in", "value": [marketing_user.pk]}
    assert run(node) == set()
    assert run({"not": node}, "people") == ids(world, *PEOPLE)


@pytest.mark.parametrize(
    ("node", "path", "words"),
    [
        (
            {"criterion": "journal.contact", "op": "yes", "params": {"kinds": [999999]}},
            "where.params.kinds",
            "999999",
        ),
        (
            {"criterion": "journal.contact", "op": "yes", "params": {"type_groups": [999999]}},
            "where.params.type_groups",
            "999999",
        ),
        (
            {"criterion": "journal.person_contact", "op": "yes", "params": {"period": "2025"}},
            "where.params.period",
            "period",
        ),
        (
            {
                "criterion": "journal.contact",
                "op": "yes",
                "params": {"period": {"relative": "next_decade"}},
            },
            "where.params.period",
            "last_year",
        ),
        (
            {"criterion": "journal.contact", "op": "yes", "params": {"owner": 1}},
            "where.params.owner",
            "Unknown parameter",
        ),
        ({"criterion": "journal.contact", "op": "in", "value": [1]}, "where.op", "yes, no"),
        (
            {"criterion": "journal.contact", "op": "yes", "value": [1]},
            "where.value",
            "no value",
        ),
        (
            {"criterion": "journal.open_follow_up", "op": "in", "value": [999999]},
            "where.value",
            "999999",
        ),
        (
            {"criterion": "journal.open_follow_up", "op": "in", "value": ["admin"]},
            "where.value",
            "whole numbers",
        ),
    ],
)
def test_bad_values_point_at_the_node(world, node, path, words):
    with pytest.raises(DefinitionError) as caught:
        parse({"version": 1, "target": "people", "where": {"and": [node]}})
    assert caught.value.path == path.replace("where", "where.and.1", 1)
    assert words in caught.value.message
