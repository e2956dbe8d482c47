"""Changing saved selections: every write goes through here (UI, API, CLI).

A definition is checked node by node before it is stored; its references to
other saved selections must be visible to the user, must not lead back to the
selection itself (A → B → A) and, for a shared selection, must be shared too —
otherwise colleagues would run a selection whose parts they cannot see. A
selection others build on cannot be deleted or made private.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.core.audit import diff, record_change, snapshot
from merkur.core.locking import lock_for_update
from merkur.core.models import ChangeRecord
from merkur.core.roles import Role, role_of
from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import Definition, dump, parse
from merkur.selections.errors import DefinitionError
from merkur.selections.models import SavedSelection

Action = ChangeRecord.Action
FIELDS = ["name", "description", "shared", "definition"]
REFERENCE = "selection.in"
COMBINATIONS = {"union", "intersection", "difference"}


def parse_or_invalid(data) -> Definition:
    """The checked definition, or a ``ValidationError`` on ``definition`` naming the node."""
    try:
        return parse(data)
    except DefinitionError as error:
        raise ValidationError({"definition": str(error)}, code="invalid_definition") from None


def references_of(definition: Definition) -> dict[int, str]:
    """The saved selections a definition names, each with the path of its first mention."""
    found: dict[int, str] = {}
    for condition in definition.conditions():
        if condition.criterion.key == REFERENCE:
            for pk in condition.value:
                found.setdefault(pk, f"{condition.path}.value")
    return found


def _cycle(selection: SavedSelection, references: dict[int, str]) -> list[int] | None:
    """The chain of ids from ``selection`` back to itself through ``references``, if any."""
    if selection.pk is None:
        return None  # nobody can refer to a selection that does not exist yet
    links: dict[int, list[int]] = {}
    through = SavedSelection.references.through
    for source, target in through.objects.values_list("from_savedselection", "to_savedselection"):
        links.setdefault(source, []).append(target)
    links[selection.pk] = list(references)
    # Depth-first from the selection; the path back to it is the cycle.
    stack: list[tuple[int, list[int]]] = [(selection.pk, [selection.pk])]
    seen: set[int] = set()
    while stack:
        node, chain = stack.pop()
        for target in links.get(node, []):
            if target == selection.pk:
                return [*chain, target]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*chain, target]))
    return None


def _check_references(
    selection: SavedSelection, definition: Definition, by
) -> dict[int, SavedSelection]:
    references = references_of(definition)
    visible = SavedSelection.objects.visible_to(by).in_bulk(list(references))
    for pk, path in references.items():
        if pk not in visible:
            raise ValidationError(
                {
                    "definition": f"{path}: "
                    + _("No saved selection with the id %(id)s.") % {"id": pk}
                }
            )
        if selection.shared and not visible[pk].shared:
            raise ValidationError(
                {
                    "definition": f"{path}: "
                    + _("A shared selection can only use shared selections; “%(name)s” is private.")
                    % {"name": visible[pk].name}
                }
            )
    chain = _cycle(selection, references)
    if chain is not None:
        names = SavedSelection.objects.in_bulk(set(chain))
        shown = [selection.name if pk == selection.pk else names[pk].name for pk in chain]
        raise ValidationError(
            {
                "definition": f"{references[chain[1]]}: "
                + _("A cycle of references: %(chain)s.") % {"chain": " → ".join(shown)}
            },
            code="reference_cycle",
        )
    return visible


def _check_name(selection: SavedSelection) -> None:
    name = selection.name.strip()
    if not name:
        raise ValidationError({"name": _("Give the selection a name.")})
    selection.name = name
    same = SavedSelection.objects.filter(name__iexact=name).exclude(pk=selection.pk)
    if same.filter(owner=selection.owner).exists():
        raise ValidationError({"name": _("You already have a selection of this name.")})
    if selection.shared and same.filter(shared=True).exists():
        raise ValidationError({"name": _("A shared selection of this name exists already.")})


def _check_still_usable(selection: SavedSelection) -> None:
    """Refused: making private a selection that shared or others' selections use."""
    users = selection.referenced_by.filter(Q(shared=True) | ~Q(owner=selection.owner_id))
    names = list(users.values_list("name", flat=True)[:5])
    if names:
        raise ValidationError(
            {
                "shared": _("Still used by %(names)s; it must stay shared.")
                % {"names": ", ".join(f"“{name}”" for name in names)}
            }
        )


def _check_owner(selection: SavedSelection, by) -> None:
    if by is None or selection.owner_id != by.pk:
        raise PermissionDenied(_("Only the owner can change or delete a selection."))


@transaction.atomic
def selection_save(
    *,
    data: dict,
    by,
    selection: SavedSelection | None = None,
    expected_version: int | None = None,
) -> SavedSelection:
    """Create (``selection=None``) or change a saved selection.

    ``data`` holds ``name``, ``description``, ``shared`` and ``definition`` (the JSON);
    missing keys keep their values. Errors are ``ValidationError`` per field.
    """
    creating = selection is None
    if by is None or not by.is_authenticated:
        raise PermissionDenied(_("Saved selections belong to a user."))
    if creating:
        selection = SavedSelection(owner=by)
        before = {}
    else:
        _check_owner(selection, by)
        selection = lock_for_update(SavedSelection, selection.pk, expected_version)
        before = snapshot(selection, FIELDS)
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValidationError({sorted(unknown)[0]: _("Unknown field.")})
    for name in FIELDS:
        if name in data:
            setattr(selection, name, data[name])
    if not isinstance(selection.name, str) or not isinstance(selection.description, str):
        raise ValidationError({"name": _("Give the selection a name.")})
    if not isinstance(selection.shared, bool):
        raise ValidationError({"shared": _("Shared is true or false.")})
    if selection.definition is None:
        raise ValidationError({"definition": _("Give the selection a definition.")})
    definition = parse_or_invalid(selection.definition)
    selection.definition = dump(definition)
    selection.target = definition.target
    _check_name(selection)
    visible = _check_references(selection, definition, by)
    if not creating and not selection.shared:
        _check_still_usable(selection)
    selection.full_clean(exclude=["owner", "references"])
    if not creating:
        selection.version += 1
        selection.updated_at = timezone.now()
    selection.save()
    selection.references.set(list(visible.values()))
    after = snapshot(selection, FIELDS)
    record_change(
        obj=selection,
        action=Action.CREATE if creating else Action.UPDATE,
        user=by,
        changes=diff(before, after),
    )
    return selection


def may_delete(selection: SavedSelection, by) -> bool:
    """The owner, or an administrator (a shared selection of somebody who left)."""
    return by is not None and (selection.owner_id == by.pk or role_of(by) == Role.ADMIN)


@transaction.atomic
def selection_delete(*, selection: SavedSelection, by) -> None:
    """Delete a saved selection no other selection uses; its frozen runs stay."""
    if not may_delete(selection, by):
        raise PermissionDenied(_("Only the owner or an administrator can delete a selection."))
    users = list(selection.referenced_by.values_list("name", flat=True)[:5])
    if users:
        raise ValidationError(
            _("The selection is used by %(names)s; change those first.")
            % {"names": ", ".join(f"“{name}”" for name in users)}
        )
    record_change(obj=selection, action=Action.DELETE, user=by)
    selection.delete()


def compile_saved(selection: SavedSelection, *, today=None) -> QuerySet:
    """The people or companies a saved selection selects now (on ``today``).

    The selection itself is on the reference stack, so a cycle that slipped past the
    save check (data changed elsewhere) names the chain starting from it.
    """
    context = Context(stack=(selection.pk,)) if today is None else Context(today, (selection.pk,))
    return compile_definition(parse(selection.definition), context)


def combine(kind: str, ids: list[int], *, target: str | None = None) -> dict:
    """A definition combining saved selections: ``union`` (in any), ``intersection`` (in
    all) or ``difference`` (in the first, in none of the others).

    ``target`` defaults to the first selection's; the others may have another target
    (see ``criteria.saved`` for how that reads).
    """
    if kind not in COMBINATIONS:
        raise ValueError(_("A combination is union, intersection or difference."))
    ids = list(ids)
    if len(ids) < 2 or len(set(ids)) != len(ids):
        raise ValueError(_("Combine two or more different selections."))
    if target is None:
        first = SavedSelection.objects.filter(pk=ids[0]).values_list("target", flat=True).first()
        if first is None:
            raise ValueError(_("No saved selection with the id %(id)s.") % {"id": ids[0]})
        target = first

    def member(pk: int) -> dict:
        return {"criterion": REFERENCE, "op": "in", "value": [pk]}

    if kind == "union":
        where = {"or": [member(pk) for pk in ids]}
    elif kind == "intersection":
        where = {"and": [member(pk) for pk in ids]}
    else:
        where = {"and": [member(ids[0]), *({"not": member(pk)} for pk in ids[1:])]}
    return {"version": 1, "target": target, "where": where}
