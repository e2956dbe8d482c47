"""Reading attribute values: as of a day, their timeline, and list filters.

``values_as_of`` and ``value_q`` (``value_filter`` for a queryset) are the one
answer to "what is attribute A of record R on day D"; pages, API, list filters
and selections use them.
"""

import datetime
from collections import defaultdict

from django.db import models
from django.db.models import Exists, OuterRef, Q

from merkur.attributes.models import (
    AttributeDefinition,
    AttributeType,
    AttributeValue,
    valid_on_q,
)


class Operator(models.TextChoices):
    EQUALS = "equals", "="
    IN = "in", "in"
    BETWEEN = "between", "between"
    BEFORE = "before", "<"
    AFTER = "after", ">"
    CONTAINS = "contains", "contains"
    IS_SET = "is_set", "is set"
    IS_NOT_SET = "is_not_set", "is not set"


# Which operators make sense for which type.
OPERATORS: dict[str, tuple[str, ...]] = {
    AttributeType.TEXT: ("equals", "in", "contains", "is_set", "is_not_set"),
    AttributeType.LONG_TEXT: ("contains", "is_set", "is_not_set"),
    AttributeType.CHOICE: ("equals", "in", "is_set", "is_not_set"),
    AttributeType.MULTI_CHOICE: ("equals", "in", "is_set", "is_not_set"),
    AttributeType.INTEGER: ("equals", "in", "between", "before", "after", "is_set", "is_not_set"),
    AttributeType.DECIMAL: ("equals", "between", "before", "after", "is_set", "is_not_set"),
    AttributeType.DATE: ("equals", "between", "before", "after", "is_set", "is_not_set"),
    AttributeType.BOOLEAN: ("equals", "is_set", "is_not_set"),
    AttributeType.LINK: ("equals", "in", "is_set", "is_not_set"),
}


def _owner(model: type[models.Model]) -> str:
    return "company" if model._meta.model_name == "company" else "person"


def values_as_of(record, day: datetime.date) -> dict[int, list[AttributeValue]]:
    """Every attribute value of ``record`` valid on ``day``, by definition id (one query)."""
    rows = (
        AttributeValue.objects.filter(**{_owner(type(record)): record})
        .valid_on(day)
        .select_related("value_choice")
        .order_by("definition_id", "valid_from", "id")
    )
    result: dict[int, list[AttributeValue]] = defaultdict(list)
    for row in rows:
        result[row.definition_id].append(row)
    return dict(result)


def timelines(record) -> dict[int, list[AttributeValue]]:
    """Every value ``record`` ever had, oldest first, by definition id (one query)."""
    rows = (
        AttributeValue.objects.filter(**{_owner(type(record)): record})
        .select_related("value_choice", "created_by")
        .order_by("definition_id", "valid_from", "id")
    )
    result: dict[int, list[AttributeValue]] = defaultdict(list)
    for row in rows:
        result[row.definition_id].append(row)
    return dict(result)


def value_condition(definition: AttributeDefinition, operator: str, value) -> Q:
    """The condition on one value row for ``operator`` (not the period)."""
    column = definition.value_column
    if definition.type in (AttributeType.CHOICE, AttributeType.MULTI_CHOICE):
        column = "value_choice_id"
    if operator in (Operator.IS_SET, Operator.IS_NOT_SET):
        return Q()
    if operator == Operator.EQUALS:
        return Q(**{column: value})
    if operator == Operator.IN:
        return Q(**{f"{column}__in": list(value)})
    if operator == Operator.BETWEEN:
        low, high = value
        return Q(**{f"{column}__gte": low, f"{column}__lte": high})
    if operator == Operator.BEFORE:
        return Q(**{f"{column}__lt": value})
    if operator == Operator.AFTER:
        return Q(**{f"{column}__gt": value})
    if operator == Operator.CONTAINS:
        return Q(**{f"{column}__icontains": value})
    raise ValueError(f"unknown operator {operator!r}")


def value_q(
    model: type[models.Model],
    *,
    definition: AttributeDefinition,
    operator: str,
    value=None,
    day: datetime.date,
) -> Q:
    """The condition on ``model`` (companies or people) "attribute matches on ``day``".

    One correlated ``EXISTS`` over the value rows, served by the
    ``(record, definition, valid_from)`` index; "is not set" is its negation.
    """
    if operator not in OPERATORS[definition.type]:
        raise ValueError(f"operator {operator!r} does not fit type {definition.type!r}")
    rows = AttributeValue.objects.filter(
        valid_on_q(day),
        definition=definition,
        **{_owner(model): OuterRef("pk")},
    )
    if operator == Operator.IS_NOT_SET:
        return ~Q(Exists(rows))
    return Q(Exists(rows.filter(value_condition(definition, operator, value))))


def value_filter(
    queryset: models.QuerySet,
    *,
    definition: AttributeDefinition,
    operator: str,
    value=None,
    day: datetime.date,
) -> models.QuerySet:
    """``queryset`` (companies or people) narrowed to records whose attribute matches on ``day``."""
    return queryset.filter(
        value_q(queryset.model, definition=definition, operator=operator, value=value, day=day)
    )
