"""Attribute criteria: "attribute A <operator> value as of day D", per type, for companies
and people; operators and values checked against the attribute's type.

Companies A and B have a value of every company attribute (from 2020 on, open
end), C has none. A's licences were 10 until the end of 2024 and are 20 since.
Person attribute "hobby": Anna (of A) plays golf, Bert (of B) has none.
The run's day is 15 March 2026.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merkur.attributes import services
from merkur.attributes.queries import OPERATORS
from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import dump, parse
from merkur.selections.errors import DefinitionError
from tests.factories import make_attribute, make_company, make_person

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 3, 15)
START = D(2020, 1, 1)


def run(node, target="companies") -> set:
    definition = parse({"version": 1, "target": target, "where": node})
    with CaptureQueriesContext(connection) as queries:
        found = compile_definition(definition, Context(today=TODAY)).values_list("pk", flat=True)
        found = set(found)
    # The attribute's type is read to pick its column; the selection itself is one statement.
    assert len(queries) <= 2
    assert len([q for q in queries if "attributes_attributevalue" in q["sql"]]) == 1
    return found


def _set(definition, record, value, start=START, end=None):
    services.value_set(
        definition=definition, record=record, value=value, valid_from=start, valid_to=end, by=None
    )


@pytest.fixture
def world():
    a, b, c = (make_company(name=name) for name in "ABC")
    anna, bert, cleo = make_person(a), make_person(b), make_person(c)
    attributes = {
        "lizenzen": make_attribute("lizenzen", "integer"),
        "potenzial": make_attribute("potenzial", "decimal"),
        "vertragsende": make_attribute("vertragsende", "date"),
        "kennung": make_attribute("kennung", "text"),
        "notiz": make_attribute("notiz", "long_text"),
        "status": make_attribute("status", "choice", choices=["Neu", "Ruhend"]),
        "themen": make_attribute(
            "themen", "multi_choice", choices=["CRM", "ERP", "BI"], multi_valued=True
        ),
        "iso": make_attribute("iso", "boolean"),
        "partner": make_attribute("partner", "link", link_kind="company"),
        "hobby": make_attribute("hobby", "text", for_companies=False, for_people=True),
    }
    choice = {
        label: item.pk
        for name in ("status", "themen")
        for item in attributes[name].choices.all()
        for label in [item.label]
    }
    _set(attributes["lizenzen"], a, 10, START, D(2024, 12, 31))
    _set(attributes["lizenzen"], a, 20, D(2025, 1, 1))
    _set(attributes["lizenzen"], b, 5)
    _set(attributes["potenzial"], a, "1000.50")
    _set(attributes["potenzial"], b, "99.5")
    _set(attributes["vertragsende"], a, D(2025, 6, 30))
    _set(attributes["vertragsende"], b, D(2026, 1, 31))
    _set(attributes["kennung"], a, "Neukunde Nord")
    _set(attributes["kennung"], b, "Stamm")
    _set(attributes["notiz"], a, "Sehr wichtig")
    _set(attributes["notiz"], b, "egal")
    _set(attributes["status"], a, choice["Neu"])
    _set(attributes["status"], b, choice["Ruhend"])
    _set(attributes["themen"], a, [choice["CRM"], choice["ERP"]])
    _set(attributes["themen"], b, [choice["BI"]])
    _set(attributes["iso"], a, True)
    _set(attributes["iso"], b, False)
    _set(attributes["partner"], a, b.pk)
    _set(attributes["partner"], b, a.pk)
    _set(attributes["hobby"], anna, "Golf")
    return {
        "A": a,
        "B": b,
        "C": c,
        "anna": anna,
        "bert": bert,
        "cleo": cleo,
        "attributes": attributes,
        "choice": choice,
    }


def resolve(world, value):
    """``"@Neu"`` is the id of that choice, ``"#A"`` the id of company A."""
    if isinstance(value, list):
        return [resolve(world, item) for item in value]
    if isinstance(value, str) and value[:1] == "@":
        return world["choice"][value[1:]]
    if isinstance(value, str) and value[:1] == "#":
        return world[value[1:]].pk
    return value


def node(world, attribute, op, value=None, as_of=None, key="attribute.company") -> dict:
    params = {"attribute": world["attributes"][attribute].pk}
    if as_of:
        params["as_of"] = as_of
    result = {"criterion": key, "op": op, "params": params}
    if value is not None:
        result["value"] = resolve(world, value)
    return result


def ids(world, names) -> set:
    return {world[name].pk for name in names}


PERSON_OF = {"A": "anna", "B": "bert", "C": "cleo"}

CASES = [
    # integer (today: A 20, B 5)
    ("lizenzen", "equals", 20, None, "A"),
    ("lizenzen", "equals", 10, None, ""),
    ("lizenzen", "equals", 10, "2024-12-31", "A"),  # as of a day in the past
    ("lizenzen", "in", [5, 10], None, "B"),
    ("lizenzen", "between", [5, 20], None, "AB"),
    ("lizenzen", "between", [6, 19], None, ""),
    ("lizenzen", "before", 20, None, "B"),
    ("lizenzen", "after", 5, None, "A"),
    ("lizenzen", "is_set", None, None, "AB"),
    ("lizenzen", "is_not_set", None, None, "C"),
    ("lizenzen", "is_set", None, "2019-12-31", ""),
    # decimal (A 1000.50, B 99.5)
    ("potenzial", "equals", "1000.5", None, "A"),
    ("potenzial", "between", [99.5, "100"], None, "B"),
    ("potenzial", "before", 1000, None, "B"),
    ("potenzial", "after", "99.5", None, "A"),
    ("potenzial", "is_set", None, None, "AB"),
    ("potenzial", "is_not_set", None, None, "C"),
    # date (A 2025-06-30, B 2026-01-31)
    ("vertragsende", "equals", "2025-06-30", None, "A"),
    ("vertragsende", "between", ["2025-07-01", "2026-01-31"], None, "B"),
    ("vertragsende", "before", "2026-01-01", None, "A"),
    ("vertragsende", "after", "2025-06-30", None, "B"),
    ("vertragsende", "is_set", None, None, "AB"),
    ("vertragsende", "is_not_set", None, None, "C"),
    # text
    ("kennung", "equals", "Stamm", None, "B"),
    ("kennung", "in", ["Stamm", "Neukunde Nord"], None, "AB"),
    ("kennung", "contains", "kunde", None, "A"),
    ("kennung", "is_set", None, None, "AB"),
    ("kennung", "is_not_set", None, None, "C"),
    # long text
    ("notiz", "contains", "WICHTIG", None, "A"),
    ("notiz", "is_set", None, None, "AB"),
    ("notiz", "is_not_set", None, None, "C"),
    # choice
    ("status", "equals", "@Neu", None, "A"),
    ("status", "in", ["@Neu", "@Ruhend"], None, "AB"),
    ("status", "is_set", None, None, "AB"),
    ("status", "is_not_set", None, None, "C"),
    # multi-choice: has that one among its choices
    ("themen", "equals", "@ERP", None, "A"),
    ("themen", "in", ["@ERP", "@BI"], None, "AB"),
    ("themen", "is_set", None, None, "AB"),
    ("themen", "is_not_set", None, None, "C"),
    # boolean
    ("iso", "equals", True, None, "A"),
    ("iso", "equals", False, None, "B"),
    ("iso", "is_set", None, None, "AB"),
    ("iso", "is_not_set", None, None, "C"),
    # link
    ("partner", "equals", "#B", None, "A"),
    ("partner", "in", ["#A", "#C"], None, "B"),
    ("partner", "is_set", None, None, "AB"),
    ("partner", "is_not_set", None, None, "C"),
]


def test_every_operator_of_every_type_is_covered():
    covered = {(attribute, op) for attribute, op, *_rest in CASES}
    types = {
        "lizenzen": "integer",
        "potenzial": "decimal",
        "vertragsende": "date",
        "kennung": "text",
        "notiz": "long_text",
        "status": "choice",
        "themen": "multi_choice",
        "iso": "boolean",
        "partner": "link",
    }
    wanted = {(name, op) for name, kind in types.items() for op in OPERATORS[kind]}
    assert covered == wanted


@pytest.mark.parametrize(("attribute", "op", "value", "as_of", "expected"), CASES)
def test_company_attribute(world, attribute, op, value, as_of, expected):
    condition = node(world, attribute, op, value, as_of)
    assert run(condition) == ids(world, expected)
    assert run({"not": condition}) == ids(world, "ABC") - ids(world, expected)
    people = {PERSON_OF[name] for name in expected}
    assert run(condition, "people") == ids(world, people)
    assert run({"not": condition}, "people") == ids(world, PERSON_OF.values()) - ids(world, people)


def test_the_stored_value_round_trips(world):
    definition = parse(
        {"target": "companies", "where": node(world, "potenzial", "between", [99.5, "100"])}
    )
    stored = dump(definition)
    assert stored["where"]["value"] == ["99.5", "100"]
    assert dump(parse(stored)) == stored


def test_as_of_defaults_to_the_day_of_the_run(world):
    condition = node(world, "lizenzen", "equals", 10)
    definition = parse({"target": "companies", "where": condition})
    found = compile_definition(definition, Context(today=D(2024, 6, 1)))
    assert set(found.values_list("pk", flat=True)) == ids(world, "A")


def test_person_attribute(world):
    golf = node(world, "hobby", "equals", "Golf", key="attribute.person")
    assert run(golf, "people") == ids(world, ["anna"])
    assert run({"not": golf}, "people") == ids(world, ["bert", "cleo"])
    unset = node(world, "hobby", "is_not_set", key="attribute.person")
    assert run(unset, "people") == ids(world, ["bert", "cleo"])
    # On companies: the company has such a person.
    assert run(golf) == ids(world, "A")
    assert run({"not": golf}) == ids(world, "BC")
    assert run(unset) == ids(world, "BC")
    contains = node(world, "hobby", "contains", "gol", key="attribute.person")
    assert run(contains, "people") == ids(world, ["anna"])


def _bad(world, name, op, value=None, key="attribute.company", **params):
    condition = node(world, name, op, value, key=key) if name else {}
    if not name:
        condition = {"criterion": key, "op": op, "value": value}
    condition.setdefault("params", {}).update(params)
    if value is None:
        condition.pop("value", None)
    return condition


@pytest.mark.parametrize(
    ("make", "path", "words"),
    [
        # The operator must fit the attribute's type.
        (lambda w: _bad(w, "iso", "between", [True, True]), "where.and.1.op", "one of: equals"),
        (lambda w: _bad(w, "lizenzen", "contains", "1"), "where.and.1.op", "does not fit"),
        (lambda w: _bad(w, "notiz", "equals", "x"), "where.and.1.op", "contains, is_set"),
        # The value must fit the attribute's type.
        (lambda w: _bad(w, "lizenzen", "equals", "zwanzig"), "where.and.1.value", "whole number"),
        (lambda w: _bad(w, "lizenzen", "equals", 1.5), "where.and.1.value", "whole number"),
        (lambda w: _bad(w, "lizenzen", "equals", True), "where.and.1.value", "whole number"),
        (lambda w: _bad(w, "lizenzen", "between", [9, 3]), "where.and.1.value", "ends before"),
        (lambda w: _bad(w, "potenzial", "after", "viel"), "where.and.1.value", "a number"),
        (lambda w: _bad(w, "potenzial", "after", "1e30"), "where.and.1.value", "a number"),
        (lambda w: _bad(w, "vertragsende", "before", "1.1.2025"), "where.and.1.value", "YYYY"),
        (lambda w: _bad(w, "vertragsende", "before", 2025), "where.and.1.value", "YYYY"),
        (lambda w: _bad(w, "iso", "equals", "ja"), "where.and.1.value", "true or false"),
        (lambda w: _bad(w, "kennung", "equals", 5), "where.and.1.value", "a text"),
        (lambda w: _bad(w, "status", "equals", "Neu"), "where.and.1.value", "ids"),
        # A choice of another attribute is not one of this one's.
        (lambda w: _bad(w, "status", "in", ["@CRM"]), "where.and.1.value", "No choice"),
        (lambda w: _bad(w, "partner", "equals", 0), "where.and.1.value", "ids"),
        (lambda w: _bad(w, "partner", "in", [2**64]), "where.and.1.value", "ids"),
        (lambda w: _bad(w, "lizenzen", "after", 2**64), "where.and.1.value", "whole number"),
        # The form of the value, before the type is known.
        (lambda w: _bad(w, "kennung", "in", "Stamm"), "where.and.1.value", "list"),
        (lambda w: _bad(w, "kennung", "equals", {"a": 1}), "where.and.1.value", "text"),
        (lambda w: _bad(w, "kennung", "between", [1]), "where.and.1.value", "range"),
        (lambda w: _bad(w, "kennung", "is_set", "x"), "where.and.1.value", "no value"),
        (lambda w: _bad(w, "kennung", "older", 1), "where.and.1.op", "one of"),
        # The parameters.
        (lambda w: _bad(w, None, "is_set"), "where.and.1.params.attribute", "required"),
        (
            lambda w: _bad(w, None, "is_set", attribute="lizenzen"),
            "where.and.1.params.attribute",
            "id",
        ),
        (lambda w: _bad(w, None, "is_set", attribute=999999), "where.and.1.params", "999999"),
        (
            lambda w: _bad(w, "lizenzen", "is_set", as_of="gestern"),
            "where.and.1.params.as_of",
            "YYYY",
        ),
        # A company attribute is not a person attribute and the other way round.
        (lambda w: _bad(w, "hobby", "is_set"), "where.and.1.params", "not kept for companies"),
        (
            lambda w: _bad(w, "lizenzen", "is_set", key="attribute.person"),
            "where.and.1.params",
            "not kept for people",
        ),
    ],
)
def test_bad_conditions_point_at_the_node(world, make, path, words):
    condition = make(world)
    with pytest.raises(DefinitionError) as caught:
        parse({"target": "people", "where": {"and": [condition]}})
    assert caught.value.path == path
    assert words in caught.value.message


def test_a_bad_condition_leaves_no_trace_for_the_next(world):
    """The value waits for the parameters of its own condition only."""
    bad = _bad(world, "lizenzen", "equals", "zwanzig", attribute="nope")
    with pytest.raises(DefinitionError):
        parse({"target": "companies", "where": bad})
    good = node(world, "kennung", "is_set")
    assert run(good) == ids(world, "AB")
