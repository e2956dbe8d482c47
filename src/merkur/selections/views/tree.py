"""The builder's draft: a selection definition being edited, as a tree of groups.

The browser keeps the draft as definition JSON in a hidden field and posts it back
with each action; this module reads it into a tree, applies the action and writes
the JSON again. A draft may be incomplete (a condition without criterion or value):
``definition.parse`` says what is missing, at the node. Nodes are addressed by their
position in the tree ("" the root, "0.2" the third item of the root's first item).

Groups are "all of" (and), "any of" (or) and "none of" (not of the and of its items);
a "none of" group with one item is written ``{"not": item}``, with more
``{"not": {"and": [...]}}``.
"""

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from merkur.selections.definition import ADDRESSES, MAX_DEPTH, TARGETS

GROUP_OPS = ("and", "or", "not")
MAX_JSON = 200_000  # characters of a posted draft


class DraftError(ValueError):
    """The posted draft cannot be read at all."""


class MoveError(ValueError):
    """A move the tree does not allow (the message says why)."""


@dataclass
class Node:
    """A group (``op`` set, ``items``) or a condition (``condition``, the JSON dict)."""

    op: str | None = None
    items: list = field(default_factory=list)
    condition: dict | None = None
    path: str = ""  # position in the tree
    where: str = ""  # the node's path in the definition (as parse names it)

    @property
    def is_group(self) -> bool:
        return self.op is not None


@dataclass
class Draft:
    target: str = "people"
    address: str = "contact"
    root: Node = field(default_factory=lambda: Node(op="and"))

    # --- reading and writing -------------------------------------------------------------

    @classmethod
    def from_json(cls, data) -> "Draft":
        if not isinstance(data, dict):
            raise DraftError(_("A selection definition is a JSON object."))
        target = data.get("target", "people")
        address = data.get("address", "contact")
        draft = cls(
            target=target if target in TARGETS else "people",
            address=address if address in ADDRESSES else "contact",
        )
        where = data.get("where")
        if where is not None:
            root = _read(where, 1)
            draft.root = root if root.is_group else Node(op="and", items=[root])
        draft.number()
        return draft

    @classmethod
    def from_text(cls, text: str) -> "Draft":
        if not text:
            return cls()
        if len(text) > MAX_JSON:
            raise DraftError(_("The selection is too large."))
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested too deep
            raise DraftError(_("The selection could not be read.")) from None
        return cls.from_json(data)

    def to_json(self) -> dict:
        data = {"version": 1, "target": self.target}
        if self.target == "companies":
            data["address"] = self.address
        if self.root.items or self.root.op == "not":
            data["where"] = _write(self.root)
        return data

    def to_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False)

    def number(self) -> None:
        """Set every node's tree position and definition path."""
        self.root.path, self.root.where = "", "where"
        _number(self.root)

    # --- finding nodes -------------------------------------------------------------------

    def nodes(self) -> list[Node]:
        found, stack = [], [self.root]
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(reversed(node.items))
        return found

    def find(self, path: str) -> Node | None:
        return next((node for node in self.nodes() if node.path == path), None)

    def parent_of(self, path: str) -> tuple[Node, int] | None:
        if not path:
            return None
        head, _sep, index = path.rpartition(".")
        parent = self.find(head)
        if parent is None or not parent.is_group or not index.isdigit():
            return None
        position = int(index)
        return (parent, position) if position < len(parent.items) else None

    def node_at_where(self, where: str) -> Node:
        """The node an error path (``where.and.2.value``) is about: the deepest node whose
        definition path starts it; the root for errors outside the tree."""
        best = self.root
        for node in self.nodes():
            if (where == node.where or where.startswith(node.where + ".")) and len(
                node.where
            ) > len(best.where):
                best = node
        return best

    def depth(self, path: str) -> int:
        return 1 if not path else path.count(".") + 2

    # --- actions ---------------------------------------------------------------------------

    def add_condition(self, path: str) -> str | None:
        """A new, empty condition at the end of the group; its position."""
        group = self.find(path)
        if group is None or not group.is_group:
            return None
        group.items.append(Node(condition={}))
        self.number()
        return group.items[-1].path

    def add_group(self, path: str) -> bool:
        group = self.find(path)
        if group is None or not group.is_group or self.depth(path) >= MAX_DEPTH - 1:
            return False
        group.items.append(Node(op="and"))
        self.number()
        return True

    def remove(self, path: str) -> bool:
        found = self.parent_of(path)
        if found is None:
            return False
        parent, position = found
        del parent.items[position]
        self.number()
        return True

    def move(self, path: str, step: int) -> bool:
        found = self.parent_of(path)
        if found is None:
            return False
        parent, position = found
        other = position + step
        if not 0 <= other < len(parent.items):
            return False
        parent.items[position], parent.items[other] = parent.items[other], parent.items[position]
        self.number()
        return True

    def move_into(self, path: str, target: str) -> str:
        """Move the node at ``path`` to the end of the group at ``target``; its new position.

        ``MoveError`` (nothing changed) for a node or group that does not exist, a group
        moved into itself or a group inside it, and a move that would nest the definition
        deeper than ``MAX_DEPTH``.
        """
        found = self.parent_of(path)
        group = self.find(target)
        if found is None or group is None or not group.is_group:
            raise MoveError(_("This place does not exist any more; nothing was moved."))
        if target == path or target.startswith(path + "."):
            raise MoveError(_("A group cannot be moved into itself or into a group inside it."))
        parent, position = found
        node = parent.items.pop(position)
        group.items.append(node)
        if nesting(self.root) > MAX_DEPTH:
            group.items.pop()
            parent.items.insert(position, node)
            raise MoveError(
                _("Moved there, groups would nest deeper than %(max)s levels.") % {"max": MAX_DEPTH}
            )
        self.number()
        return node.path

    def move_targets(self, path: str) -> set[str]:
        """The groups the node at ``path`` may be moved into: not its own group, not itself
        or a group inside it, none where the definition would nest too deep."""
        found = self.parent_of(path)
        if found is None:
            return set()
        parent, position = found
        node = parent.items.pop(position)  # tried in each group, then put back
        try:
            targets = set()
            for group in self.nodes():  # without the node's own subtree
                if not group.is_group or group is parent:
                    continue
                group.items.append(node)
                if nesting(self.root) <= MAX_DEPTH:
                    targets.add(group.path)
                group.items.pop()
            return targets
        finally:
            parent.items.insert(position, node)

    def set_group_op(self, path: str, op: str) -> bool:
        group = self.find(path)
        if group is None or not group.is_group or op not in GROUP_OPS:
            return False
        group.op = op
        self.number()
        return True


def nesting(node: Node) -> int:
    """How deep the node's JSON nests, as ``definition.parse`` counts it: a condition is 1,
    a group one more than its deepest item; a "none of" group of several items is written
    ``{"not": {"and": [...]}}`` and takes one level more."""
    if not node.is_group:
        return 1
    deepest = max((nesting(item) for item in node.items), default=0)
    extra = 1 if node.op == "not" and len(node.items) != 1 else 0
    return 1 + extra + deepest


def _read(data, depth: int) -> Node:
    """A node of posted JSON; what is not a group is kept as a condition for parse to judge."""
    if depth > MAX_DEPTH + 1:
        raise DraftError(_("Groups nest at most %(max)s deep.") % {"max": MAX_DEPTH})
    if isinstance(data, dict) and len(data) == 1:
        ((key, value),) = data.items()
        if key in ("and", "or") and isinstance(value, list):
            return Node(op=key, items=[_read(item, depth + 1) for item in value])
        if key == "not":
            if isinstance(value, dict) and set(value) == {"and"} and isinstance(value["and"], list):
                return Node(op="not", items=[_read(item, depth + 1) for item in value["and"]])
            return Node(op="not", items=[_read(value, depth + 1)])
    return Node(condition=data if isinstance(data, dict) else {})


def _write(node: Node):
    if not node.is_group:
        return node.condition
    items = [_write(item) for item in node.items]
    if node.op == "not":
        return {"not": items[0]} if len(items) == 1 else {"not": {"and": items}}
    return {node.op: items}


def _number(node: Node) -> None:
    for index, item in enumerate(node.items):
        item.path = f"{node.path}.{index}" if node.path else str(index)
        if node.op == "not":
            single = len(node.items) == 1
            item.where = f"{node.where}.not" if single else f"{node.where}.not.and.{index + 1}"
        else:
            item.where = f"{node.where}.{node.op}.{index + 1}"
        if item.is_group:
            _number(item)
