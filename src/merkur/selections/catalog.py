"""The criteria catalog: every criterion is a small registered class.

A criterion says what it applies to (a company or a person), which operators it
offers and what value each takes (``kinds``), which further parameters it has
(a period, divisions …), and turns a checked condition into a ``Q`` on its own
model. Its ``Q`` never joins a multi-valued relation (people, industries,
orders …): it uses ``EXISTS`` or ``IN`` subqueries, so the compiled selection has
one row per record and NOT means "has none". Adding a criterion is one class in
``merkur/selections/criteria/`` plus its test.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from django.apps import apps
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from merkur.selections import kinds, periods
from merkur.selections.context import Context

COMPANY, PERSON = "company", "person"

AREAS = {
    "address": _("Address"),
    "company": _("Company"),
    "person": _("Person"),
    "business": _("Business"),
    "stock": _("Stock & production"),
    "journal": _("Journal"),
    "marketing": _("Marketing"),
    "selection": _("Other selections"),
}

OPERATOR_LABELS = {
    "in": _("is one of"),
    "not_in": _("is none of"),
    "equals": _("is"),
    "starts_with": _("starts with"),
    "between": _("between"),
    "gte": _("at least"),
    "gt": _("more than"),
    "lte": _("at most"),
    "lt": _("less than"),
    "before": _("before"),
    "after": _("after"),
    "contains": _("contains"),
    "is_set": _("is set"),
    "is_not_set": _("is not set"),
    "yes": _("yes"),
    "no": _("no"),
}


class BadOperator(ValueError):
    """The operator does not fit (raised by ``check_condition``; reported at ``op``)."""


@dataclass(frozen=True)
class Condition:
    """A checked leaf of the tree: values in their stored form."""

    criterion: "Criterion"
    operator: str
    value: object
    params: dict
    path: str


class Criterion:
    key: ClassVar[str]
    subject: ClassVar[str]  # COMPANY or PERSON: the model ``q`` is for
    area: ClassVar[str]
    label: ClassVar[str]
    operators: ClassVar[dict[str, str]]  # operator → value kind
    params: ClassVar[dict[str, tuple[str, bool]]] = {}  # name → (kind, required)

    def subject_for(self, condition: Condition) -> str:
        """The model the condition's ``Q`` is on (for a saved selection: its target's)."""
        return self.subject

    def clean_value(self, operator: str, value):
        """Extra checks of the value (after its kind's); ``ValueError`` with the reason."""
        return value

    def clean_params(self, params: dict) -> dict:
        """Extra checks across the parameters (after each was checked by its kind)."""
        return params

    def check_condition(self, operator: str, value, params: dict):
        """The last check, of operator and value together with the parameters (an
        attribute's type decides what its value may be); returns the value.
        ``BadOperator`` is reported at the operator, ``ValueError`` at the value."""
        return value

    def choices_for(self, name: str) -> list[tuple[str, str]] | None:
        """The fixed entries the value (``name="value"``) or a parameter of kind
        ``texts`` is chosen from, as (key, label) — the builder offers a list to pick
        from instead of a text field. None: free text."""
        return None

    def q(self, condition: Condition, context: Context) -> Q:
        raise NotImplementedError

    # Parameters a criterion shows in its own words (``describe``), not in the list.
    described_inline: ClassVar[tuple[str, ...]] = ()

    def describe(self, condition: Condition) -> str:
        """“Function is one of Einkäufer”, “Revenue at least 100.000 EUR · last year ·
        Anwendersoftware” — for people."""
        return self.describe_condition(condition) + self.describe_params(condition)

    def describe_condition(self, condition: Condition) -> str:
        shown = self.describe_value(self.operators[condition.operator], condition.value)
        operator = OPERATOR_LABELS.get(condition.operator, condition.operator)
        return f"{self.label} {operator}{' ' + shown if shown else ''}"

    def describe_params(self, condition: Condition) -> str:
        """The parameters that are set, as “ · last year · Anwendersoftware”."""
        parts = []
        for name, value in condition.params.items():
            kind = self.params[name][0]
            if name in self.described_inline or kind == "id":
                continue
            if kind == "period":
                parts.append(periods.describe(value))
            else:
                parts.append(self.describe_value(kind, value))
        return "".join(f" · {part}" for part in parts if part)

    @staticmethod
    def describe_value(kind: str, value) -> str:
        """A stored value as a user reads it: names of records, numbers in the locale."""
        if value is None:
            return ""
        if kind.startswith("records:"):
            model = apps.get_model(kind.split(":", 1)[1])
            names = model.objects.in_bulk(value)
            return ", ".join(str(names.get(pk, pk)) for pk in value)
        if kind in ("number", "number_range"):
            numbers = value if isinstance(value, list) else [value]
            shown = [number_format(Decimal(number), force_grouping=True) for number in numbers]
            return " – ".join(shown)
        if isinstance(value, list):
            return (" – " if kind.endswith("_range") else ", ").join(str(item) for item in value)
        return str(value)


class YesNo(Criterion):
    """A criterion that holds or not (operators ``yes`` / ``no``): ``no`` is the negation."""

    operators = {"yes": "none", "no": "none"}

    def holds(self, condition: Condition, context: Context) -> Q:
        raise NotImplementedError

    def q(self, condition: Condition, context: Context) -> Q:
        q = self.holds(condition, context)
        return q if condition.operator == "yes" else ~q


CATALOG: dict[str, Criterion] = {}


def register(cls: type[Criterion]) -> type[Criterion]:
    if cls.key in CATALOG:
        raise RuntimeError(f"criterion {cls.key!r} registered twice")
    for kind in list(cls.operators.values()) + [kind for kind, _required in cls.params.values()]:
        if not kind.startswith("records:") and kind not in kinds.CLEANERS:
            raise RuntimeError(f"criterion {cls.key!r}: unknown value kind {kind!r}")
    CATALOG[cls.key] = cls()
    return cls
