"""The selection engine: definitions checked node by node, trees compiled to one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from merkur.companies.models import Function
from merkur.selections.compiler import compile_definition
from merkur.selections.definition import dump, parse
from merkur.selections.errors import DefinitionError
from tests.factories import make_company, make_industry, make_person

pytestmark = pytest.mark.django_db


def run(definition: dict) -> set:
    return set(compile_definition(parse(definition)).values_list("pk", flat=True))


def where(node, target="people") -> dict:
    return {"version": 1, "target": target, "where": node}


@pytest.fixture
def world():
    software = make_industry("Anwendersoftware")
    database = make_industry("Datenbanksoftware")
    buyer = Function.objects.create(name="Einkäufer")
    boss = Function.objects.create(name="Geschäftsführer")
    berlin = make_company(name="Berlin AG", industries=[software])
    saar = make_company(
        name="Saar GmbH",
        industries=[database],
        address={"postal_code": "66111", "city": "Saarbrücken"},
    )
    zurich = make_company(
        name="Zürich AG",
        address={"country": "CH", "postal_code": "8001", "city": "Zürich"},
        roles=["supplier"],
    )
    people = {
        "anna": make_person(berlin, functions=[buyer], email="anna@berlin.example"),
        "bert": make_person(saar, functions=[buyer, boss]),
        "carl": make_person(saar, functions=[]),
        "dora": make_person(zurich, functions=[boss]),
    }
    return {
        "software": software,
        "database": database,
        "buyer": buyer,
        "boss": boss,
        "berlin": berlin,
        "saar": saar,
        "zurich": zurich,
        **people,
    }


def ids(world, *names) -> set:
    return {world[name].pk for name in names}


def test_company_conditions_select_people_of_those_companies(world):
    found = run(where({"criterion": "address.country", "op": "in", "value": ["DE"]}))
    assert found == ids(world, "anna", "bert", "carl")


def test_and_or_not_nested(world):
    node = {
        "or": [
            {
                "and": [
                    {"criterion": "person.functions", "op": "in", "value": [world["buyer"].pk]},
                    {
                        "not": {
                            "criterion": "address.postal_code",
                            "op": "starts_with",
                            "value": "66",
                        }
                    },
                ]
            },
            {
                "and": [
                    {"criterion": "person.functions", "op": "in", "value": [world["boss"].pk]},
                    {
                        "criterion": "company.industries",
                        "op": "in",
                        "value": [world["database"].pk],
                    },
                ]
            },
        ]
    }
    # Anna: buyer outside 66xxx. Bert: buyer in 66xxx, but boss of a database company.
    # Bert is buyer *and* boss: he appears once.
    definition = parse(where(node))  # checks that the ids exist
    with CaptureQueriesContext(connection) as queries:
        found = list(compile_definition(definition).values_list("pk", flat=True))
    assert sorted(found) == sorted(ids(world, "anna", "bert"))
    assert len(queries) == 1


def test_not_over_a_classification_means_has_none(world):
    node = {"criterion": "person.functions", "op": "not_in", "value": [world["buyer"].pk]}
    assert run(where(node)) == ids(world, "carl", "dora")
    assert run(where({"not": {**node, "op": "in"}})) == ids(world, "carl", "dora")


def test_person_conditions_on_companies_mean_has_such_a_person(world):
    node = {"criterion": "person.has_email", "op": "yes"}
    assert run(where(node, "companies")) == ids(world, "berlin")
    assert run(where({"not": node}, "companies")) == ids(world, "saar", "zurich")


def test_roles_postal_ranges_and_cities(world):
    assert run(
        where({"criterion": "company.role", "op": "in", "value": ["supplier"]}, "companies")
    ) == ids(world, "zurich")
    assert run(
        where(
            {"criterion": "address.postal_code", "op": "between", "value": ["60000", "69999"]},
            "companies",
        )
    ) == ids(world, "saar")
    assert run(
        where({"criterion": "address.city", "op": "equals", "value": "zürich"}, "companies")
    ) == ids(world, "zurich")


def test_no_where_selects_everybody_not_archived(world):
    assert run({"target": "companies"}) == ids(world, "berlin", "saar", "zurich")


@pytest.mark.parametrize(
    ("definition", "path", "words"),
    [
        ([], "", "JSON object"),
        ({"version": 7}, "version", "version"),
        ({"target": "cats"}, "target", "people"),
        ({"colour": 1}, "colour", "Unknown field"),
        (where({"criterion": "no.such"}), "where.criterion", "Unknown criterion"),
        (
            where({"criterion": "address.country", "op": "gte", "value": 1}),
            "where.op",
            "one of: in",
        ),
        (where({"criterion": "address.country", "op": "in", "value": ["XX"]}), "where.value", "XX"),
        (where({"and": []}), "where.and", "one or more"),
        (
            where({"and": [{"criterion": "address.country", "op": "in", "value": ["DE"]}, 5]}),
            "where.and.2",
            "JSON object",
        ),
        (
            where({"criterion": "company.role", "op": "in", "value": ["pirate"]}),
            "where.value",
            "pirate",
        ),
        (
            where({"criterion": "company.industries", "op": "in", "value": [999999]}),
            "where.value",
            "999999",
        ),
        (where({"and": [], "or": []}), "where", "exactly one key"),
        (
            where({"criterion": "address.country", "op": "in", "value": ["DE"], "extra": 1}),
            "where.extra",
            "Unknown",
        ),
    ],
)
def test_bad_definitions_point_at_the_node(world, definition, path, words):
    with pytest.raises(DefinitionError) as caught:
        parse(definition)
    assert caught.value.path == path
    assert words in caught.value.message


def test_nesting_is_limited(world):
    node = {"criterion": "address.country", "op": "in", "value": ["DE"]}
    for _level in range(20):
        node = {"not": node}
    with pytest.raises(DefinitionError) as caught:
        parse(where(node))
    assert "nest" in caught.value.message


def test_dump_round_trips(world):
    definition = where(
        {
            "and": [
                {"criterion": "address.country", "op": "in", "value": ["de"]},
                {"criterion": "person.has_email", "op": "no"},
            ]
        }
    )
    stored = dump(parse(definition))
    assert stored["where"]["and"][0]["value"] == ["DE"]
    assert dump(parse(stored)) == stored


@pytest.mark.parametrize(
    ("node", "words"),
    [
        ({"criterion": "address.city", "op": "equals", "value": "Ber\x00lin"}, "NUL"),
        ({"criterion": "company.industries", "op": "in", "value": [2**64]}, "whole numbers"),
    ],
)
def test_values_the_database_cannot_hold_are_refused(world, node, words):
    with pytest.raises(DefinitionError) as caught:
        parse(where(node))
    assert caught.value.path == "where.value" and words in caught.value.message


def test_people_who_left_do_not_make_a_company_match(world):
    # Anna, the only person with an e-mail address, has left her company.
    type(world["anna"]).objects.filter(pk=world["anna"].pk).update(archived_at=timezone.now())
    node = {"criterion": "person.has_email", "op": "yes"}
    assert run(where(node, "companies")) == set()
