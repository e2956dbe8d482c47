"""The JSON Schema of the definition format: committed as generated from the catalog, and
it accepts the example of PRODUCT.md §5 and refuses what ``parse`` refuses by shape.

``jsonschema`` is not a dependency; a small validator of the keywords the schema uses
(draft 2020-12 semantics) checks it here, and ``jsonschema`` too where installed.
"""

import json
import re

import pytest

from merkur.selections import definition
from merkur.selections.catalog import CATALOG
from merkur.selections.schema import SCHEMA_FILE, json_schema, schema_text
from tests.selections.test_example import example

IDS = {"software": 1, "licence": 2, "buyer": 3, "boss": 4, "dbindustry": 5}
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
IGNORED = {"$schema", "$id", "$defs", "title", "description", "default", "format"}


def valid(schema, value, root) -> bool:
    """Whether ``value`` satisfies ``schema`` (the subset of draft 2020-12 used)."""
    if schema is True:
        return True
    if schema is False:
        return False
    for keyword, rule in schema.items():
        if keyword in IGNORED or keyword in ("then", "else"):
            continue
        if keyword == "$ref":
            target = root
            for part in rule.removeprefix("#/").split("/"):
                target = target[part]
            ok = valid(target, value, root)
        elif keyword == "type":
            ok = TYPES[rule](value)
        elif keyword == "const":
            ok = value == rule and type(value) is type(rule)
        elif keyword == "enum":
            ok = any(value == item and type(value) is type(item) for item in rule)
        elif keyword == "anyOf":
            ok = any(valid(part, value, root) for part in rule)
        elif keyword == "oneOf":
            ok = sum(valid(part, value, root) for part in rule) == 1
        elif keyword == "allOf":
            ok = all(valid(part, value, root) for part in rule)
        elif keyword == "if":
            branch = "then" if valid(rule, value, root) else "else"
            ok = valid(schema.get(branch, True), value, root)
        elif keyword == "properties":
            ok = not isinstance(value, dict) or all(
                valid(sub, value[name], root) for name, sub in rule.items() if name in value
            )
        elif keyword == "additionalProperties":
            known = set(schema.get("properties", {}))
            ok = not isinstance(value, dict) or all(
                valid(rule, item, root) for name, item in value.items() if name not in known
            )
        elif keyword == "required":
            ok = not isinstance(value, dict) or all(name in value for name in rule)
        elif keyword == "items":
            start = len(schema.get("prefixItems", []))
            ok = not isinstance(value, list) or all(valid(rule, i, root) for i in value[start:])
        elif keyword == "prefixItems":
            ok = not isinstance(value, list) or all(
                valid(sub, item, root) for sub, item in zip(rule, value, strict=False)
            )
        elif keyword in ("minItems", "maxItems"):
            size = len(value) if isinstance(value, list) else None
            ok = size is None or (size >= rule if keyword == "minItems" else size <= rule)
        elif keyword in ("minLength", "maxLength"):
            size = len(value) if isinstance(value, str) else None
            ok = size is None or (size >= rule if keyword == "minLength" else size <= rule)
        elif keyword == "pattern":
            ok = not isinstance(value, str) or re.search(rule, value) is not None
        elif keyword == "minimum":
            ok = not TYPES["number"](value) or value >= rule
        else:
            raise AssertionError(f"the test validator does not know {keyword!r}")
        if not ok:
            return False
    return True


def check(value) -> bool:
    schema = json_schema()
    result = valid(schema, value, schema)
    try:
        import jsonschema
    except ImportError:
        return result
    jsonschema.Draft202012Validator.check_schema(schema)
    assert jsonschema.Draft202012Validator(schema).is_valid(value) == result
    return result


def test_the_committed_schema_is_the_generated_one():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "docs/selection-definition.schema.json is out of date; regenerate it: "
        'merkur shell -c "from merkur.selections.schema import write_schema; write_schema()"'
    )
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["$schema"].endswith("2020-12/schema")


def test_every_criterion_with_its_operators_and_params_is_in_the_schema():
    defs = json_schema()["$defs"]
    for key, criterion in CATALOG.items():
        entry = defs[f"criterion:{key}"]
        assert entry["properties"]["criterion"] == {"const": key}
        assert entry["properties"]["op"]["enum"] == list(criterion.operators)
        assert set(entry["properties"]["params"]["properties"]) == set(criterion.params)
        required = {name for name, (_kind, needed) in criterion.params.items() if needed}
        assert set(entry["properties"]["params"].get("required", [])) == required
    conditions = {ref["$ref"] for ref in defs["condition"]["oneOf"]}
    assert conditions == {f"#/$defs/criterion:{key}" for key in CATALOG}


def test_the_example_definition_is_valid():
    assert check(example(IDS))
    assert check({"version": 1, "target": "companies", "address": "billing"})


def _with(node) -> dict:
    return {"version": definition.VERSION, "target": "people", "where": {"and": [node]}}


REVENUE = {
    "criterion": "business.revenue",
    "op": "gte",
    "value": "100000",
    "params": {"period": {"relative": "last_year"}},
}


@pytest.mark.parametrize(
    "bad",
    [
        {**example(IDS), "extra": 1},
        {**example(IDS), "version": 2},
        {**example(IDS), "target": "everybody"},
        _with({"criterion": "no.such", "op": "in", "value": [1]}),
        _with({"criterion": "address.country", "op": "gte", "value": ["DE"]}),
        _with({"criterion": "address.country", "op": "in"}),
        _with({"criterion": "address.country", "op": "in", "value": []}),
        _with({"criterion": "address.country", "op": "in", "value": ["Deutschland"]}),
        _with({"criterion": "company.created", "op": "after", "value": "1.2.2025"}),
        _with({**REVENUE, "params": {}}),
        _with({**REVENUE, "params": {"period": {"relative": "next_year"}}}),
        _with({**REVENUE, "params": {"period": {"relative": "last_year"}, "colour": "red"}}),
        _with({**REVENUE, "value": "a lot"}),
        _with({**REVENUE, "value": ["1", "2"]}),
        _with({"and": []}),
        _with({"and": [REVENUE], "or": [REVENUE]}),
        _with({"not": [REVENUE]}),
        _with({**REVENUE, "unknown": True}),
    ],
)
def test_definitions_of_the_wrong_shape_are_refused(bad):
    assert not check(bad)


def test_operators_without_a_value_need_none():
    assert check(_with({"criterion": "person.has_email", "op": "yes"}))
    assert check(_with({"criterion": "person.has_email", "op": "no", "value": None}))
    assert not check(_with({"criterion": "person.has_email", "op": "no", "value": "x"}))
    assert check(_with({**REVENUE, "op": "between", "value": ["1", 2.5]}))


def test_the_documentation_names_every_criterion_and_operator():
    text = (SCHEMA_FILE.parent / "selections.md").read_text(encoding="utf-8")
    json_schema()  # registers the criteria
    for key, criterion in CATALOG.items():
        assert f"`{key}`" in text, f"docs/selections.md does not describe {key}"
        for op in criterion.operators:
            assert f"`{op}`" in text, f"docs/selections.md does not name the operator {op}"
