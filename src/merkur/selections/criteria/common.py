"""Building blocks several criteria share."""

from django.db.models import Q
from django.utils.translation import gettext as _


def choice_values(values: list[str], allowed) -> list[str]:
    """``values`` all among ``allowed`` (the stored values of a choice), else ``ValueError``."""
    allowed = list(allowed)
    bad = [value for value in values if value not in allowed]
    if bad:
        raise ValueError(
            _("Unknown values %(bad)s; possible: %(allowed)s.")
            % {"bad": ", ".join(bad), "allowed": ", ".join(allowed)}
        )
    return values


def compare(field: str, operator: str, value) -> Q:
    """``field`` compared by one of the ordering operators (between: both ends included)."""
    if operator == "between":
        return Q(**{f"{field}__gte": value[0], f"{field}__lte": value[1]})
    lookup = {"gte": "gte", "gt": "gt", "lte": "lte", "lt": "lt", "before": "lt", "after": "gt"}
    if operator in lookup:
        return Q(**{f"{field}__{lookup[operator]}": value})
    if operator == "equals":
        return Q(**{field: value})
    raise ValueError(operator)


def membership(model, relation: str, operator: str, ids: list[int]) -> Q:
    """For many-to-many classifications (industries, functions …): has one of the entries
    (``in``) or none of them (``not_in``) — a subquery on the link table, never a join."""
    field = model._meta.get_field(relation)
    through = field.remote_field.through
    linked = through.objects.filter(**{f"{field.m2m_reverse_field_name()}__in": ids}).values(
        field.m2m_field_name()
    )
    has = Q(pk__in=linked)
    return ~has if operator == "not_in" else has
