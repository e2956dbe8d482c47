"""Selection definitions: versioned JSON, checked node by node into a tree.

    {"version": 1, "target": "people", "where": NODE}
    NODE = {"and": [NODE, …]} | {"or": [NODE, …]} | {"not": NODE}
         | {"criterion": KEY, "op": OPERATOR, "value": …, "params": {…}}

``target`` is ``people`` (each person, with their own address or else their
company's) or ``companies`` (with ``address``: ``contact``, ``billing`` or
``delivery``). A criterion about a company applied to people means "the
person's company …"; one about a person applied to companies means "the company
has a person who …". The JSON Schema is ``docs/selection-definition.schema.json``;
every error names the node it is about (``where.and.2.value``, items counted from 1).
"""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from merkur.selections import kinds
from merkur.selections.catalog import CATALOG, BadOperator, Condition
from merkur.selections.errors import DefinitionError

VERSION = 1
TARGETS = ("people", "companies")
ADDRESSES = ("contact", "billing", "delivery")
MAX_DEPTH = 12
MAX_NODES = 500


@dataclass(frozen=True)
class Group:
    op: str  # "and", "or", "not" (NOT of the AND of its items)
    items: tuple
    path: str


@dataclass(frozen=True)
class Definition:
    target: str
    address: str
    where: Group | Condition | None

    def conditions(self):
        """Every condition of the tree, depth first."""
        stack = [self.where] if self.where is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, Group):
                stack.extend(reversed(node.items))
            else:
                yield node


def _upgrade(data: dict) -> dict:
    """Old versions of the format, brought to the current one (none yet: version 1)."""
    return data


def parse(data: Any) -> Definition:
    """The checked definition; ``DefinitionError`` for the first problem found."""
    if not isinstance(data, dict):
        raise DefinitionError("", _("A selection definition is a JSON object."))
    version = data.get("version", VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= VERSION:
        raise DefinitionError("version", _("Unknown format version %(v)s.") % {"v": version})
    data = _upgrade(data)
    unknown = set(data) - {"version", "target", "address", "where"}
    if unknown:
        raise DefinitionError(sorted(unknown)[0], _("Unknown field."))
    target = data.get("target", "people")
    if target not in TARGETS:
        raise DefinitionError("target", _("The target is “people” or “companies”."))
    address = data.get("address", "contact")
    if address not in ADDRESSES:
        raise DefinitionError("address", _("The address is contact, billing or delivery."))
    where = data.get("where")
    counter = [0]
    node = None if where is None else _node(where, "where", 1, counter)
    return Definition(target=target, address=address, where=node)


def _node(data: Any, path: str, depth: int, counter: list[int]):
    counter[0] += 1
    if counter[0] > MAX_NODES:
        message = _("At most %(max)s conditions and groups.") % {"max": MAX_NODES}
        raise DefinitionError(path, message)
    if depth > MAX_DEPTH:
        raise DefinitionError(path, _("Groups nest at most %(max)s deep.") % {"max": MAX_DEPTH})
    if not isinstance(data, dict):
        raise DefinitionError(path, _("A node is a JSON object."))
    groups = [key for key in ("and", "or", "not") if key in data]
    if groups:
        if len(data) != 1:
            raise DefinitionError(path, _("A group has exactly one key: and, or or not."))
        op = groups[0]
        items = data[op]
        if op == "not":
            return Group("not", (_node(items, f"{path}.not", depth + 1, counter),), path)
        if not isinstance(items, list) or not items:
            raise DefinitionError(f"{path}.{op}", _("A group holds a list of one or more nodes."))
        return Group(
            op,
            tuple(
                _node(item, f"{path}.{op}.{index}", depth + 1, counter)
                for index, item in enumerate(items, start=1)
            ),
            path,
        )
    return _condition(data, path)


def _condition(data: dict, path: str) -> Condition:
    unknown = set(data) - {"criterion", "op", "value", "params"}
    if unknown:
        raise DefinitionError(f"{path}.{sorted(unknown)[0]}", _("Unknown field."))
    key = data.get("criterion")
    criterion = CATALOG.get(key) if isinstance(key, str) else None
    if criterion is None:
        raise DefinitionError(f"{path}.criterion", _("Unknown criterion “%(key)s”.") % {"key": key})
    op = data.get("op")
    if op not in criterion.operators:
        raise DefinitionError(
            f"{path}.op",
            _("“%(op)s” is not an operator of %(criterion)s; one of: %(ops)s.")
            % {"op": op, "criterion": key, "ops": ", ".join(criterion.operators)},
        )
    try:
        value = kinds.clean(criterion.operators[op], data.get("value"))
        value = criterion.clean_value(op, value)
    except ValueError as error:
        raise DefinitionError(f"{path}.value", str(error)) from None
    raw_params = data.get("params", {})
    if not isinstance(raw_params, dict):
        raise DefinitionError(f"{path}.params", _("Parameters are a JSON object."))
    params = {}
    for name in raw_params:
        if name not in criterion.params:
            raise DefinitionError(f"{path}.params.{name}", _("Unknown parameter."))
    for name, (kind, required) in criterion.params.items():
        if raw_params.get(name) is None:
            if required:
                raise DefinitionError(f"{path}.params.{name}", _("This parameter is required."))
            continue
        try:
            params[name] = kinds.clean(kind, raw_params[name])
        except ValueError as error:
            raise DefinitionError(f"{path}.params.{name}", str(error)) from None
    try:
        params = criterion.clean_params(params)
    except ValueError as error:
        raise DefinitionError(f"{path}.params", str(error)) from None
    try:
        value = criterion.check_condition(op, value, params)
    except BadOperator as error:
        raise DefinitionError(f"{path}.op", str(error)) from None
    except ValueError as error:
        raise DefinitionError(f"{path}.value", str(error)) from None
    return Condition(criterion, op, value, params, path)


def dump(definition: Definition) -> dict:
    """The stored JSON of a checked definition (values in their stored form)."""

    def node(item) -> dict:
        if isinstance(item, Group):
            if item.op == "not":
                return {"not": node(item.items[0])}
            return {item.op: [node(child) for child in item.items]}
        result = {"criterion": item.criterion.key, "op": item.operator}
        if item.value is not None:
            result["value"] = item.value
        if item.params:
            result["params"] = item.params
        return result

    data = {"version": VERSION, "target": definition.target}
    if definition.target == "companies":
        data["address"] = definition.address
    if definition.where is not None:
        data["where"] = node(definition.where)
    return data
