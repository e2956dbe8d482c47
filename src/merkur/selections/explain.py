"""Why a selection holds a record, and why it is as long as it is.

``why`` evaluates every node of the tree for one person or company in one
statement (a boolean per node, ``CASE WHEN <node's condition>``) and keeps the
branch that decided: for a selected record the conditions that let it in, for
one left out those that kept it out. Business conditions show the record's own
figure next to the threshold — "Revenue at least 100000 (2025: 143,250.00 EUR)" —
computed with the same filters as the criterion, in a second statement.

``counts`` gives, for the whole selection, how many records each node matches on
its own and how many remain after each item of a group (AND of the first k items,
OR of them): one ``COUNT(…) FILTER (WHERE …)`` per figure, all in one statement.
The node conditions are the compiler's own ``node_q``, so what is explained is
exactly what is selected.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from merkur.business import figures, rates
from merkur.companies.models import Company, Person
from merkur.selections import periods
from merkur.selections.catalog import Condition
from merkur.selections.compiler import base, node_q
from merkur.selections.context import Context
from merkur.selections.definition import Definition, Group

MODELS = {"people": Person, "companies": Company}
QUANTITY = DecimalField(max_digits=18, decimal_places=3)


# --- Figures of business conditions --------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """How to show a record's own figure for a condition: an expression on ``Company``
    (the record's company) and how to write its value."""

    expression: Callable[[Condition, Context], object]
    text: Callable[[Condition, Context, object], str]


FIGURES: dict[str, Figure] = {}


def figure(key: str):
    """Register the figure of criterion ``key`` (a ``Figure`` factory)."""

    def register(factory: Callable[[], Figure]):
        FIGURES[key] = factory()
        return factory

    return register


def _period(condition: Condition, context: Context) -> figures.Period | None:
    value = condition.params.get("period")
    return None if value is None else periods.resolve(value, context.today)


def _period_text(period: figures.Period | None) -> str:
    if period is None:
        return _("all time")
    if period == figures.Period.year(period.start.year):
        return str(period.start.year)
    return "{} – {}".format(
        date_format(period.start, "SHORT_DATE_FORMAT"),
        date_format(period.end, "SHORT_DATE_FORMAT"),
    )


def format_number(value) -> str:
    """A number in the active locale, grouped; decimals only where there are any."""
    value = Decimal(value or 0)
    places = 0 if value == value.to_integral_value() else max(0, -value.normalize().as_tuple()[2])
    return number_format(value, decimal_pos=places, force_grouping=True)


def format_money(value, currency: str) -> str:
    amount = number_format(Decimal(value or 0), decimal_pos=2, force_grouping=True)
    return f"{amount} {currency}"


def _figure_text(condition: Condition, context: Context, shown: str) -> str:
    return _("%(period)s: %(figure)s") % {
        "period": _period_text(_period(condition, context)),
        "figure": shown,
    }


@figure("business.revenue")
def _revenue() -> Figure:
    def currency(condition):
        return (condition.params.get("currency") or rates.base_currency()).upper()

    def expression(condition, context):
        return figures.revenue(
            _period(condition, context),
            divisions=condition.params.get("divisions"),
            categories=condition.params.get("categories"),
            currency=currency(condition),
        )

    def text(condition, context, value):
        return _figure_text(condition, context, format_money(value, currency(condition)))

    return Figure(expression, text)


@figure("business.quantity")
def _quantity() -> Figure:
    def expression(condition, context):
        lines = condition.criterion.lines(condition, context)
        total = (
            lines.filter(document__company_id=OuterRef("pk"))
            .order_by()
            .values("document__company_id")
            .annotate(total=figures.decimal_sum("quantity", figures.QUANTITY_PLACES))
            .values("total")
        )
        return Coalesce(
            Subquery(total, output_field=QUANTITY), Value(Decimal(0), output_field=QUANTITY)
        )

    def text(condition, context, value):
        return _figure_text(condition, context, format_number(value))

    return Figure(expression, text)


@figure("business.orders_of_article")
def _orders_of_article() -> Figure:
    def expression(condition, context):
        orders = condition.criterion.orders(condition, context).filter(company_id=OuterRef("pk"))
        number = (
            orders.order_by().values("company_id").annotate(n=Count("pk", distinct=True))
        ).values("n")
        return Coalesce(Subquery(number, output_field=IntegerField()), Value(0))

    def text(condition, context, value):
        shown = _("%(count)s orders") % {"count": format_number(value)}
        return _figure_text(condition, context, shown)

    return Figure(expression, text)


# --- Why one record is in (or out) ---------------------------------------------------------


def group_description(group: Group) -> str:
    return {"and": _("all of"), "or": _("any of"), "not": _("none of")}[group.op]


def node_description(node) -> str:
    if isinstance(node, Group):
        return group_description(node)
    return str(node.criterion.describe(node))


@dataclass(frozen=True)
class NodeResult:
    """One node evaluated for one record."""

    path: str
    kind: str  # "and", "or", "not" or "criterion"
    description: str
    matched: bool
    figure: str | None = None  # the record's own figure (business conditions)
    children: tuple["NodeResult", ...] = ()

    @property
    def text(self) -> str:
        return f"{self.description} ({self.figure})" if self.figure else self.description

    def leaves(self) -> list["NodeResult"]:
        """The conditions of this (sub)tree, in order."""
        if self.kind == "criterion":
            return [self]
        return [leaf for child in self.children for leaf in child.leaves()]


@dataclass(frozen=True)
class Explanation:
    """``tree``: every node with its result; ``deciding``: the part of the tree that
    decided — the branch that let the record in, or the conditions that kept it out."""

    target: str
    pk: int
    active: bool  # neither the record nor (for a person) its company is archived
    selected: bool
    tree: NodeResult | None
    deciding: NodeResult | None

    @property
    def summary(self) -> str:
        """One line, e.g. "Function is one of 4 + Revenue at least 100000 (2025: …)"."""
        if not self.active:
            return _("Archived records are never selected.")
        if self.deciding is None:
            return _("The selection has no conditions.")
        return " + ".join(leaf.text for leaf in self.deciding.leaves())


def _nodes(node) -> list:
    """Every node, depth first (the root first)."""
    found = [node]
    if isinstance(node, Group):
        for item in node.items:
            found.extend(_nodes(item))
    return found


def _matches(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


class RecordNotFound(ValueError):
    """The record to explain does not exist."""


def _pk(definition: Definition, record) -> int:
    """The record's pk; ``ValueError`` if it is a record of the other target."""
    model = MODELS[definition.target]
    if isinstance(record, Company | Person):
        if isinstance(record, model):
            return record.pk
        if model is Person:
            raise ValueError(_("This selection lists people, not companies."))
        raise ValueError(_("This selection lists companies, not people."))
    if isinstance(record, bool) or not isinstance(record, int):
        raise ValueError(_("A record is a person or company, or its id."))
    return record


def why(definition: Definition, record, context: Context | None = None) -> Explanation:
    """For one person or company (instance or pk) of the definition's target: the result
    of every node of the tree, and the branch that decided. Two statements: the flags of
    all nodes, then the figures of the business conditions."""
    context = context or Context()
    pk = _pk(definition, record)
    model = MODELS[definition.target]
    nodes = _nodes(definition.where) if definition.where is not None else []
    flags = {
        f"node_{index}": _matches(node_q(node, definition.target, context))
        for index, node in enumerate(nodes)
    }
    active = Q(Exists(base(definition.target).filter(pk=OuterRef("pk"))))
    values = (
        model.objects.filter(pk=pk)
        .annotate(
            active=_matches(active),
            owner=F("pk") if model is Company else F("company_id"),
            **flags,
        )
        .values("active", "owner", *flags)
        .first()
    )
    if values is None:
        if model is Company:
            raise RecordNotFound(_("No company with the id %(id)s.") % {"id": pk})
        raise RecordNotFound(_("No person with the id %(id)s.") % {"id": pk})
    active = bool(values["active"])
    if definition.where is None:
        return Explanation(definition.target, pk, active, active, None, None)
    matched = {id(node): values[f"node_{index}"] for index, node in enumerate(nodes)}
    tree = _result(definition.where, matched, _figures(nodes, values["owner"], context))
    return Explanation(
        definition.target,
        pk,
        active,
        active and tree.matched,
        tree,
        _deciding(tree, want=tree.matched),
    )


def _figures(nodes, company: int, context: Context) -> dict[int, str]:
    """The record's company's figure for each business condition: one statement."""
    wanted = {
        f"figure_{index}": (node, FIGURES[node.criterion.key])
        for index, node in enumerate(nodes)
        if isinstance(node, Condition) and node.criterion.key in FIGURES
    }
    if not wanted:
        return {}
    values = (
        Company.objects.filter(pk=company)
        .annotate(
            **{name: shown.expression(node, context) for name, (node, shown) in wanted.items()}
        )
        .values(*wanted)
        .get()
    )
    return {
        id(node): shown.text(node, context, values[name]) for name, (node, shown) in wanted.items()
    }


def _result(node, matched: dict, shown: dict) -> NodeResult:
    if isinstance(node, Condition):
        return NodeResult(
            path=node.path,
            kind="criterion",
            description=node_description(node),
            matched=bool(matched[id(node)]),
            figure=shown.get(id(node)),
        )
    return NodeResult(
        path=node.path,
        kind=node.op,
        description=group_description(node),
        matched=bool(matched[id(node)]),
        children=tuple(_result(item, matched, shown) for item in node.items),
    )


def _deciding(result: NodeResult, want: bool) -> NodeResult:
    """The part of ``result`` that made it come out as ``want``.

    Matched: an AND by all its items, an OR by those that matched, a NOT by its
    items that failed. Failed: an AND by the items that failed, an OR by all of them,
    a NOT by all its items (matching; a NOT is NOT of the AND of its items).
    """
    if result.kind == "criterion":
        return result
    every = {"and": want, "or": not want, "not": not want}[result.kind]
    item_want = not want if result.kind == "not" else want
    reasons = tuple(
        _deciding(child, item_want)
        for child in result.children
        if every or child.matched == item_want
    )
    return NodeResult(result.path, result.kind, result.description, result.matched, None, reasons)


# --- How many after each step ----------------------------------------------------------------


class Step(NamedTuple):
    """One row of ``counts``.

    ``count``: the records the node matches on its own (the root: the selection's
    length; the first row, path "": every active record of the target). ``running``:
    for an item of an AND or OR group, the records matching the group's items up to
    and including this one (AND: what is left; OR: the union so far); else None.
    """

    path: str
    description: str
    count: int
    running: int | None = None


# Groups with more items get no running counts (see ``counts``).
RUNNING_MAX = 30


def counts(definition: Definition, context: Context | None = None) -> list[Step]:
    """How many records each node matches, alone and step by step; one statement."""
    context = context or Context()
    queryset = base(definition.target)
    everything = _("All people") if definition.target == "people" else _("All companies")
    if definition.where is None:
        return [Step("", everything, queryset.count())]
    nodes = _nodes(definition.where)
    index_of = {id(node): index for index, node in enumerate(nodes)}
    q_of = {id(node): node_q(node, definition.target, context) for node in nodes}
    figures_wanted = {"all": Count("pk")}
    for index, node in enumerate(nodes):
        figures_wanted[f"node_{index}"] = Count("pk", filter=q_of[id(node)])
        if isinstance(node, Group) and node.op in ("and", "or") and len(node.items) <= RUNNING_MAX:
            # The group of its first k items, for 1 < k < all (k = 1 is the first item
            # alone, k = all is the group itself). Beyond RUNNING_MAX items the
            # prefixes would grow with the square of the group: none are counted.
            combined = q_of[id(node.items[0])]
            for position, item in enumerate(node.items[1:-1], start=2):
                if node.op == "and":
                    combined &= q_of[id(item)]
                else:
                    combined |= q_of[id(item)]
                figures_wanted[f"prefix_{index}_{position}"] = Count("pk", filter=combined)
    values = queryset.aggregate(**figures_wanted)
    steps = [Step("", everything, values["all"])]
    running: dict[int, int] = {}
    for index, node in enumerate(nodes):
        if isinstance(node, Group) and node.op in ("and", "or") and len(node.items) <= RUNNING_MAX:
            last = len(node.items)
            for position, item in enumerate(node.items, start=1):
                if position == 1:
                    key = f"node_{index_of[id(item)]}"
                elif position == last:
                    key = f"node_{index}"
                else:
                    key = f"prefix_{index}_{position}"
                running[id(item)] = values[key]
    for index, node in enumerate(nodes):
        steps.append(
            Step(node.path, node_description(node), values[f"node_{index}"], running.get(id(node)))
        )
    return steps


__all__ = ["FIGURES", "Explanation", "NodeResult", "Step", "counts", "figure", "why"]
