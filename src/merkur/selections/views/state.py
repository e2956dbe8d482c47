"""One builder request: read the posted draft, apply the editor and the action, check
the result and count it.

Every builder view (actions, save, run, download, freeze) starts here, so they all
see the same selection the user sees. Nothing here raises on bad input: a draft that
cannot be read starts afresh with a notice, a definition error is shown at its node.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from merkur.selections import explain
from merkur.selections.api.common import check_json
from merkur.selections.catalog import AREAS, CATALOG, OPERATOR_LABELS
from merkur.selections.definition import ADDRESSES, MAX_DEPTH, TARGETS, Definition, parse
from merkur.selections.errors import DefinitionError
from merkur.selections.models import SavedSelection
from merkur.selections.schema import catalog_data
from merkur.selections.services import references_of
from merkur.selections.views import pickers
from merkur.selections.views.tree import GROUP_OPS, Draft, DraftError, MoveError, Node


def check(data: dict, user) -> Definition:
    """The checked definition; references only to saved selections the user may see
    (else counting it would tell about a colleague's private list)."""
    check_json(data, "")
    definition = parse(data)
    references = references_of(definition)
    visible = set(
        SavedSelection.objects.visible_to(user)
        .filter(pk__in=list(references))
        .values_list("pk", flat=True)
    )
    for pk, path in references.items():
        if pk not in visible:
            raise DefinitionError(path, _("No saved selection with the id %(id)s.") % {"id": pk})
    return definition


@dataclass
class Builder:
    """The draft after the request's action, with what the page shows of it."""

    draft: Draft
    user: object
    editing: str = ""  # tree position of the condition open in the editor
    area: str = ""  # the area chosen in the editor
    notice: str = ""
    moving: str = ""  # tree position of the node being moved (chosen, not yet placed)
    targets: set[str] = field(default_factory=set)  # the groups it may be moved into
    focus: str = ""  # tree position of the node whose move button gets the focus …
    focus_button: str = ""  # … and which one: "up", "down" or "pick"
    moving_label: str = ""  # the node being moved, in words
    definition: Definition | None = None  # the checked definition, if it is complete
    errors: dict[str, list[str]] = field(default_factory=dict)  # tree position → messages
    steps: dict[str, explain.Step] = field(default_factory=dict)  # definition path → count
    total: int | None = None

    # --- reading the request ------------------------------------------------------------

    @classmethod
    def from_post(cls, post, user) -> "Builder":
        try:
            draft = Draft.from_text(post.get("definition", ""))
            notice = ""
        except DraftError as error:
            draft, notice = Draft(), str(error)
        builder = cls(draft=draft, user=user, notice=notice)
        if post.get("target") in TARGETS:
            draft.target = post["target"]
        if post.get("address") in ADDRESSES:
            draft.address = post["address"]
        for node in draft.nodes():
            if node.is_group and post.get(f"op-{node.path}") in GROUP_OPS:
                node.op = post[f"op-{node.path}"]
        draft.number()
        editing = post.get("editing", "")
        node = draft.find(editing) if editing else None
        if node is not None and not node.is_group:
            builder.editing = editing
            builder.area = _apply_editor(node.condition, post)
        builder.act(post.get("action", ""))
        builder.evaluate()
        return builder

    @classmethod
    def from_definition(cls, data, user) -> "Builder":
        try:
            draft, notice = Draft.from_json(data), ""
        except DraftError as error:
            draft, notice = Draft(), str(error)
        builder = cls(draft=draft, user=user, notice=notice)
        builder.evaluate()
        return builder

    def act(self, action: str) -> None:
        name, _sep, path = action.partition(":")
        draft = self.draft
        if name == "add_condition":
            self.editing, self.area = draft.add_condition(path) or "", ""
        elif name == "edit":
            node = draft.find(path)
            if node is not None and not node.is_group:
                self.editing = path
                criterion = CATALOG.get(node.condition.get("criterion"))
                self.area = criterion.area if criterion else ""
        elif name == "pick":
            # Moving into another group, step one: the node is marked, the groups it may
            # go to offer "move here".
            self.editing = ""
            if path and draft.parent_of(path) is not None:
                self.targets = draft.move_targets(path)
                if self.targets:
                    self.moving = path
                else:
                    self.notice = _("There is no other group to move this into: add a group first.")
        elif name == "move":
            # Step two: "move:<node>:<group>".
            self.editing = ""
            source, _sep, target = path.partition(":")
            try:
                self.focus, self.focus_button = draft.move_into(source, target), "pick"
            except MoveError as error:
                self.notice = str(error)
        elif name in ("add_group", "remove", "up", "down", "close"):
            self.editing = ""
            if name == "add_group":
                draft.add_group(path)
            elif name == "remove":
                draft.remove(path)
            elif name in ("up", "down"):
                moved = draft.move(path, -1 if name == "up" else 1)
                if moved:
                    self.focus, self.focus_button = _shifted(path, -1 if name == "up" else 1), name

    # --- checking and counting --------------------------------------------------------------

    def evaluate(self) -> None:
        data = self.draft.to_json()
        try:
            self.definition = check(data, self.user)
            steps = explain.counts(self.definition)
        except DefinitionError as error:  # references are expanded when counted
            self.definition = None
            self._error(error)
            return
        self.total = steps[1].count if len(steps) > 1 else steps[0].count
        self.steps = {step.path: step for step in steps[1:]}

    def _error(self, error: DefinitionError) -> None:
        node = self.draft.node_at_where(error.path)
        self.errors.setdefault(node.path, []).append(error.message)

    @property
    def json(self) -> str:
        return self.draft.to_text()

    # --- what the template draws -------------------------------------------------------------

    def tree(self) -> dict:
        return self._view(self.draft.root, 0, 1)

    def _view(self, node: Node, index: int, siblings: int) -> dict:
        step = self.steps.get(node.where)
        view = {
            "path": node.path,
            "number": _number_of(node.path),
            "root": node.path == "",
            "moving": bool(self.moving) and node.path == self.moving,
            "focus": self.focus_button if self.focus and node.path == self.focus else "",
            "first": index == 0,
            "last": index == siblings - 1,
            "errors": self.errors.get(node.path, []),
            "count": step.count if step else None,
            "running": step.running if step else None,
        }
        if (view["focus"] == "up" and view["first"]) or (view["focus"] == "down" and view["last"]):
            view["focus"] = "pick"  # the button pressed is disabled now
        if node.is_group:
            view["group"] = True
            view["op"] = node.op
            view["can_nest"] = self.draft.depth(node.path) < MAX_DEPTH - 1
            view["drop"] = node.path in self.targets
            if view["moving"]:
                self.moving_label = _("group %(number)s") % {"number": view["number"]}
            view["items"] = [
                self._view(item, position, len(node.items))
                for position, item in enumerate(node.items)
            ]
            return view
        view["description"], problem = self._describe(node.condition)
        if problem and (not view["errors"] or not node.condition.get("criterion")):
            view["errors"] = [problem]  # "Choose a criterion" rather than "Unknown criterion"
        if view["moving"]:
            self.moving_label = view["description"]
        if node.path == self.editing:
            view["editor"] = self._editor(node.condition)
        return view

    def _describe(self, condition: dict) -> tuple[str, str]:
        """The condition in words and its own first problem (checked alone)."""
        if not condition.get("criterion"):
            return _("New condition"), _("Choose a criterion.")
        criterion = CATALOG.get(condition.get("criterion"))
        label = str(criterion.label) if criterion else str(condition.get("criterion"))
        try:
            definition = check({"target": self.draft.target, "where": condition}, self.user)
        except DefinitionError as error:
            return label, error.message
        return str(explain.node_description(definition.where)), ""

    def _editor(self, condition: dict) -> dict:
        catalog = catalog_data()["criteria"]
        criterion = CATALOG.get(condition.get("criterion"))
        area = criterion.area if criterion else self.area
        used = {item["area"] for item in catalog}
        editor = {
            "areas": [(key, str(label)) for key, label in AREAS.items() if key in used],
            "area": area,
            "criteria": [(item["key"], item["label"]) for item in catalog if item["area"] == area],
            "criterion": criterion.key if criterion else "",
            "operators": [],
            "op": "",
            "value": None,
            "params": [],
        }
        if criterion is None:
            return editor
        op = condition.get("op")
        editor["op"] = op
        editor["operators"] = [
            (key, str(OPERATOR_LABELS.get(key, key.replace("_", " "))))
            for key in criterion.operators
        ]
        kind = criterion.operators.get(op)
        params = condition.get("params") if isinstance(condition.get("params"), dict) else {}
        applies = _applies(criterion)
        if applies:
            # The attribute first: its type decides the value's picker.
            editor["params_first"] = True
            attribute = pickers.attribute_of(params, applies)
            editor["params"].append(
                pickers.attribute_picker(
                    "e-param-attribute",
                    params.get("attribute"),
                    applies=applies,
                    label=pickers.param_label("attribute"),
                )
            )
            if attribute is not None and kind is not None and kind != "none":
                editor["value"] = pickers.attribute_value_picker(
                    attribute, kind, "e-value", condition.get("value"), label=_("Value")
                )
        elif kind is not None and kind != "none":
            editor["value"] = pickers.picker(
                kind,
                "e-value",
                condition.get("value"),
                label=_("Value"),
                user=self.user,
                choices=criterion.choices_for("value"),
            )
        editor["params"] += [
            pickers.picker(
                kind,
                f"e-param-{name}",
                params.get(name),
                label=pickers.param_label(name),
                user=self.user,
                required=required,
                choices=criterion.choices_for(name),
            )
            for name, (kind, required) in criterion.params.items()
            if not (applies and name == "attribute")
        ]
        return editor


def _apply_editor(condition: dict, post) -> str:
    """The editor's inputs written into ``condition``; the area chosen.

    A new criterion starts with its first operator and no value; a new operator of
    another value kind drops the value. Otherwise the value and parameters are read
    from their pickers.
    """
    area = post.get("e-area", "")
    criterion = CATALOG.get(post.get("e-criterion", ""))
    if criterion is None or (area and criterion.area != area):
        condition.clear()
        return area if area in AREAS else ""
    if condition.get("criterion") != criterion.key:
        condition.clear()
        condition.update(criterion=criterion.key, op=next(iter(criterion.operators)))
        return criterion.area
    op = post.get("e-op", "")
    if op not in criterion.operators:
        op = condition.get("op") if condition.get("op") in criterion.operators else None
        op = op or next(iter(criterion.operators))
    old_kind = criterion.operators.get(condition.get("op"))
    old_params = condition.get("params") if isinstance(condition.get("params"), dict) else {}
    params = {}
    for name, (param_kind, _required) in criterion.params.items():
        value = pickers.read(param_kind, f"e-param-{name}", post)
        if value is not None:
            params[name] = value
    condition["op"] = op
    kind = criterion.operators[op]
    applies = _applies(criterion)
    if old_kind != kind or (applies and params.get("attribute") != old_params.get("attribute")):
        condition.pop("value", None)  # the value's picker was another one
    elif applies:
        attribute = pickers.attribute_of(params, applies)
        if attribute is not None:
            value = pickers.read_attribute_value(attribute, kind, "e-value", post)
            _put(condition, "value", value)
    else:
        _put(condition, "value", pickers.read(kind, "e-value", post))
    _put(condition, "params", params or None)
    return criterion.area


def _applies(criterion) -> str | None:
    """For an attribute criterion: the flag saying an attribute is kept for its records."""
    if "attribute" in criterion.params and isinstance(getattr(criterion, "applies", None), str):
        return criterion.applies
    return None


def _number_of(path: str) -> str:
    """A tree position as people count: "4.1" is the second item of the fifth."""
    return ".".join(str(int(part) + 1) for part in path.split(".")) if path else ""


def _shifted(path: str, step: int) -> str:
    """The position of a node after moving it ``step`` places within its group."""
    head, _sep, index = path.rpartition(".")
    moved = str(int(index) + step)
    return f"{head}.{moved}" if head else moved


def _put(data: dict, key: str, value) -> None:
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value


__all__ = ["Builder", "check"]
