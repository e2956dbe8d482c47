"""Another saved selection: "is in selection S" / "is in none of them".

The referenced selection is compiled with the same day (``Context.today``) and
becomes an ``IN`` subquery, so the whole tree stays one SQL statement. Across
targets the usual company ↔ person translation applies: a people selection used
in a companies selection means "companies having a person in S"; a companies
selection used in a people selection means "people whose company is in S". All
selections named in one condition have the same target.

References are expanded at compile time; ``Context.stack`` holds the chain being
expanded, so a cycle (A → B → A) is refused here as well as when saving.
"""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merkur.selections.catalog import PERSON, Criterion, register
from merkur.selections.compiler import SUBJECT_OF_TARGET, compile_definition
from merkur.selections.definition import parse
from merkur.selections.errors import DefinitionError
from merkur.selections.models import SavedSelection


class ReferenceCycle(DefinitionError):
    """A saved selection refers back to itself (directly or through others)."""


@register
class InSelection(Criterion):
    key = "selection.in"
    area = "selection"
    label = gettext_lazy("Saved selection")
    # Plain ids: whether a selection exists (and its target) is checked where the
    # user is known — on saving, in the API, at compile time — with one message, so
    # nobody learns of a colleague's private selection.
    operators = {"in": "ids", "not_in": "ids"}

    subject = PERSON  # see ``subject_for``: the referenced selections' target decides

    def subject_for(self, condition) -> str:
        """The model the condition's ``Q`` is on: that of the referenced selections."""
        target = (
            SavedSelection.objects.filter(pk__in=condition.value)
            .values_list("target", flat=True)
            .first()
        )
        return SUBJECT_OF_TARGET.get(target, PERSON)

    def q(self, condition, context) -> Q:
        selections = SavedSelection.objects.in_bulk(condition.value)
        path = f"{condition.path}.value"
        targets = set()
        q = Q()
        for pk in condition.value:
            if pk in context.stack:
                raise ReferenceCycle(path, self._cycle_message(context.stack, pk))
            selection = selections.get(pk)
            if selection is None:
                raise DefinitionError(
                    path, _("No saved selection with the id %(id)s.") % {"id": pk}
                )
            try:
                definition = parse(selection.definition)
                inner = compile_definition(definition, context.entering(pk))
            except ReferenceCycle as error:
                raise ReferenceCycle(path, error.message) from None
            except DefinitionError as error:
                raise DefinitionError(
                    path,
                    _("The selection “%(name)s” is not valid: %(error)s")
                    % {"name": selection.name, "error": error},
                ) from None
            targets.add(definition.target)
            q |= Q(pk__in=inner.values("pk"))
        if len(targets) > 1:
            raise DefinitionError(
                path, _("The selections of one condition must all have the same target.")
            )
        return ~q if condition.operator == "not_in" else q

    def describe(self, condition) -> str:
        names = SavedSelection.objects.filter(pk__in=condition.value).values_list("name", flat=True)
        shown = ", ".join(f"“{name}”" for name in names)
        if condition.operator == "not_in":
            return _("is in none of the selections %(names)s") % {"names": shown}
        return _("is in the selection %(names)s") % {"names": shown}

    @staticmethod
    def _cycle_message(stack: tuple[int, ...], pk: int) -> str:
        chain = [*stack[stack.index(pk) :], pk]
        names = SavedSelection.objects.in_bulk(set(chain))
        text = " → ".join(names[item].name if item in names else str(item) for item in chain)
        return _("A cycle of references: %(chain)s.") % {"chain": text}
