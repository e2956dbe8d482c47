"""The catalog described as data: for a UI builder (``catalog_data``) and as the JSON Schema
of the definition format (``json_schema``, committed as ``docs/selection-definition.schema.json``).

Both are generated from the registered criteria, so a new criterion appears in the
builder, the API and the schema without further work; a test checks the committed
schema file against ``json_schema()``. Regenerate the file with

    merkur shell -c "from merkur.selections.schema import write_schema; write_schema()"

The schema checks the shape of a definition (which criteria, operators, value and
parameter forms exist). What only the database knows — that an id exists, that an
attribute's value fits its type — and the nesting limits are checked by
``definition.parse``, which remains the authority.
"""

import json
from pathlib import Path

from django.utils import translation

from merkur.selections import definition, kinds, periods
from merkur.selections.catalog import AREAS, CATALOG, OPERATOR_LABELS, Criterion

SCHEMA_ID = "https://merkur.example/schemas/selection-definition-v1.json"
SCHEMA_FILE = Path(__file__).resolve().parents[3] / "docs" / "selection-definition.schema.json"


def _catalog() -> dict[str, Criterion]:
    import merkur.selections.criteria  # noqa: F401  (registers the criteria)

    return CATALOG


def kind_info(kind: str) -> dict:
    """A value kind for a builder: its name and, for records, the model they are from."""
    if kind.startswith("records:"):
        return {"kind": "records", "model": kind.split(":", 1)[1]}
    return {"kind": kind, "model": None}


def operator_label(operator: str) -> str:
    return str(OPERATOR_LABELS.get(operator, operator.replace("_", " ")))


def catalog_data() -> dict:
    """Everything a builder needs to offer the menus, in the active language."""
    criteria = []
    for key, criterion in sorted(_catalog().items()):
        criteria.append(
            {
                "key": key,
                "area": criterion.area,
                "area_label": str(AREAS.get(criterion.area, criterion.area)),
                "subject": criterion.subject,
                "label": str(criterion.label),
                "operators": [
                    {"op": op, "label": operator_label(op), **_value_info(kind)}
                    for op, kind in criterion.operators.items()
                ],
                "params": [
                    {"name": name, "required": required, **kind_info(kind)}
                    for name, (kind, required) in criterion.params.items()
                ],
            }
        )
    return {
        "version": definition.VERSION,
        "targets": list(definition.TARGETS),
        "addresses": list(definition.ADDRESSES),
        "max_depth": definition.MAX_DEPTH,
        "max_nodes": definition.MAX_NODES,
        "areas": [{"key": key, "label": str(label)} for key, label in AREAS.items()],
        "relative_periods": [
            {"key": key, "label": str(label)} for key, label in periods.RELATIVE.items()
        ],
        "criteria": criteria,
    }


def _value_info(kind: str) -> dict:
    info = kind_info(kind)
    return {"value_kind": info["kind"], "value_model": info["model"]}


# --- JSON Schema -----------------------------------------------------------------------------

TEXT = {"type": "string", "minLength": 1, "maxLength": kinds.MAX_TEXT, "pattern": "\\S"}
NUMBER = {
    "description": 'A decimal number; a string keeps its exact digits ("100000.50").',
    "anyOf": [{"type": "number"}, {"type": "string", "pattern": "^[+-]?\\d+(\\.\\d+)?$"}],
}
DATE = {"type": "string", "format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}
ID = {"type": "integer", "minimum": 1}
SCALAR = {"anyOf": [TEXT, {"type": "number"}, {"type": "boolean"}]}


def _list(item: dict) -> dict:
    return {"type": "array", "items": item, "minItems": 1, "maxItems": kinds.MAX_ITEMS}


def _pair(item: dict) -> dict:
    return {
        "type": "array",
        "prefixItems": [item, item],
        "minItems": 2,
        "maxItems": 2,
        "description": "[from, to], both included.",
    }


KIND_SCHEMAS = {
    "none": {"description": "No value: leave it out (or null/true).", "enum": [None, True]},
    "text": TEXT,
    "texts": _list(TEXT),
    "number": NUMBER,
    "number_range": _pair({"$ref": "#/$defs/number"}),
    "date": DATE,
    "date_range": _pair({"$ref": "#/$defs/date"}),
    "text_range": _pair({"$ref": "#/$defs/text"}),
    "countries": _list({"type": "string", "pattern": "^[A-Za-z]{2}$"}),
    "currency": {"type": "string", "pattern": "^\\s*[A-Za-z]{3}\\s*$"},
    "period": {
        "description": "Relative to the day the selection runs, or a fixed range.",
        "oneOf": [
            {
                "type": "object",
                "properties": {"relative": {"enum": list(periods.RELATIVE)}},
                "required": ["relative"],
                "additionalProperties": False,
            },
            {
                "type": "object",
                "properties": {"from": {"$ref": "#/$defs/date"}, "to": {"$ref": "#/$defs/date"}},
                "required": ["from", "to"],
                "additionalProperties": False,
            },
        ],
    },
    "ids": _list(ID),
    "id": ID,
    "scalar": SCALAR,
    "scalars": _list({"$ref": "#/$defs/scalar"}),
    "scalar_range": _pair({"$ref": "#/$defs/scalar"}),
}


def _kind_ref(kind: str) -> dict:
    if kind.startswith("records:"):
        return {"$ref": "#/$defs/ids", "description": f"Ids of {kind.split(':', 1)[1]} records."}
    return {"$ref": f"#/$defs/{kind}"}


def _condition_schema(key: str, criterion: Criterion) -> dict:
    by_operator = []
    for op, kind in criterion.operators.items():
        then: dict = {"properties": {"value": _kind_ref(kind)}}
        if kind != "none":
            then["required"] = ["value"]
        by_operator.append({"if": {"properties": {"op": {"const": op}}}, "then": then})
    params = {name: _kind_ref(kind) for name, (kind, _required) in criterion.params.items()}
    required = [name for name, (_kind, needed) in criterion.params.items() if needed]
    params_schema: dict = {"type": "object", "properties": params, "additionalProperties": False}
    if required:
        params_schema["required"] = required
    schema = {
        "title": str(criterion.label),
        "description": f"{AREAS.get(criterion.area, criterion.area)}; about a {criterion.subject}.",
        "type": "object",
        "properties": {
            "criterion": {"const": key},
            "op": {"enum": list(criterion.operators)},
            "value": True,
            "params": params_schema,
        },
        "required": ["criterion", "op", *(["params"] if required else [])],
        "additionalProperties": False,
        "allOf": by_operator,
    }
    return schema


def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of definition format version 1."""
    with translation.override("en"):
        catalog = _catalog()
        conditions = {
            f"criterion:{key}": _condition_schema(key, criterion)
            for key, criterion in sorted(catalog.items())
        }
        defs = {**KIND_SCHEMAS}
        defs["node"] = {
            "description": "A group (and, or, not) or a condition.",
            "anyOf": [{"$ref": "#/$defs/group"}, {"$ref": "#/$defs/condition"}],
        }
        defs["group"] = {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {"and": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                    "required": ["and"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {"or": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                    "required": ["or"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {"not": {"$ref": "#/$defs/node"}},
                    "required": ["not"],
                    "additionalProperties": False,
                },
            ]
        }
        for group in defs["group"]["oneOf"][:2]:
            (name,) = group["required"]
            group["properties"][name]["minItems"] = 1
        defs["condition"] = {
            "description": "One criterion of the catalog with its operator, value and params.",
            "oneOf": [{"$ref": f"#/$defs/{name}"} for name in conditions],
        }
        defs.update(conditions)
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID,
            "title": "Merkur selection definition, format version 1",
            "description": (
                "A selection of people or companies as a tree of AND, OR and NOT groups over "
                "the criteria of the catalog. Groups nest at most "
                f"{definition.MAX_DEPTH} deep, with at most {definition.MAX_NODES} nodes in "
                "all. Ids must exist and attribute values must fit the attribute's type; "
                "Merkur checks both when it reads a definition. Generated from the catalog: "
                "see docs/selections.md."
            ),
            "type": "object",
            "properties": {
                "version": {"const": definition.VERSION},
                "target": {"enum": list(definition.TARGETS), "default": "people"},
                "address": {
                    "enum": list(definition.ADDRESSES),
                    "default": "contact",
                    "description": "For companies: the address kind letters go to.",
                },
                "where": {"$ref": "#/$defs/node"},
            },
            "additionalProperties": False,
            "$defs": defs,
        }


def schema_text() -> str:
    """The schema as committed: two-space indent, non-ASCII kept, a final newline."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_FILE) -> Path:
    path.write_text(schema_text(), encoding="utf-8")
    return path
