"""A selection's tree compiled into one queryset — one SQL statement.

Each condition becomes its criterion's ``Q`` on the criterion's model; a
company condition on people becomes "the person's company is in (…)", a person
condition on companies "EXISTS a person of the company with …". AND, OR and NOT
are Django's ``&``, ``|`` and ``~``; because no criterion joins a multi-valued
relation, the result has one row per record and NOT is exact.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from merkur.companies.models import Company, Person
from merkur.selections.catalog import COMPANY, PERSON, Condition
from merkur.selections.context import Context
from merkur.selections.definition import Definition, Group

SUBJECT_OF_TARGET = {"people": PERSON, "companies": COMPANY}


def condition_q(condition: Condition, target: str, context: Context) -> Q:
    """The condition as a ``Q`` on the target's model."""
    q = condition.criterion.q(condition, context)
    subject = condition.criterion.subject_for(condition)
    if subject == SUBJECT_OF_TARGET[target]:
        return q
    if subject == COMPANY:
        return _on_company_id(q)
    # Only the company's current people: somebody who left is archived.
    people = Person.objects.filter(q, company_id=OuterRef("pk"), archived_at__isnull=True)
    return Q(Exists(people))


def _on_company_id(q: Q) -> Q:
    """A company condition as a condition on ``company_id``.

    "The company's id is (not) in (…)" — what the business and classification
    criteria give — is tested on the person's ``company_id`` directly: going
    through the company table again costs PostgreSQL a join of a million rows.
    """
    if len(q.children) == 1 and isinstance(q.children[0], tuple):
        lookup, value = q.children[0]
        if lookup in ("pk__in", "id__in"):
            direct = Q(company_id__in=value)
            return ~direct if q.negated else direct
    return Q(company_id__in=Company.objects.filter(q).values("pk"))


def node_q(node, target: str, context: Context) -> Q:
    if isinstance(node, Condition):
        return condition_q(node, target, context)
    parts = [node_q(item, target, context) for item in node.items]
    if node.op == "or":
        combined = parts[0]
        for part in parts[1:]:
            combined |= part
        return combined
    combined = parts[0]
    for part in parts[1:]:
        combined &= part
    return ~combined if node.op == "not" else combined


def base(target: str) -> QuerySet:
    """The records a selection starts from: not archived."""
    model = Person if target == "people" else Company
    queryset = model.objects.filter(archived_at__isnull=True)
    if target == "people":
        queryset = queryset.filter(company__archived_at__isnull=True)
    return queryset


def compile_definition(definition: Definition, context: Context | None = None) -> QuerySet:
    """The people or companies the definition selects (unordered, lazily evaluated)."""
    context = context or Context()
    queryset = base(definition.target)
    if definition.where is None:
        return queryset
    return queryset.filter(node_q(definition.where, definition.target, context))


__all__ = ["Group", "compile_definition", "condition_q", "node_q"]
