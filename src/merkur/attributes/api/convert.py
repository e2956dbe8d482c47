"""Between JSON and typed attribute values: API input for ``parse_value``, output as JSON.

``parse_value`` reads what a user typed in the user's notation; a JSON number is
no notation, so it is handed over written the way the active language writes
numbers (``1.5`` → ``"1,5"`` in German) and means the same in every language.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from merkur.attributes.models import AttributeDefinition, AttributeType, AttributeValue
from merkur.attributes.services import display
from merkur.attributes.values import parse_value
from merkur.core import linkable

BIGINT = 2**63 - 1


def _localized_number(raw):
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return raw
    if isinstance(raw, int):
        return raw
    try:
        return formats.localize_input(Decimal(str(raw)))
    except InvalidOperation:  # inf, nan
        return str(raw)


def api_input(definition: AttributeDefinition, raw):
    """``raw`` from a JSON body or query as ``parse_value`` expects it."""
    if definition.type in (AttributeType.INTEGER, AttributeType.DECIMAL):
        return _localized_number(raw)
    if definition.type == AttributeType.LINK and isinstance(raw, dict):
        return raw.get("id")
    if definition.type in (AttributeType.CHOICE, AttributeType.MULTI_CHOICE):
        if isinstance(raw, dict):
            return raw.get("id")
        if isinstance(raw, list):
            return [item.get("id") if isinstance(item, dict) else item for item in raw]
    return raw


def check_value(definition: AttributeDefinition, raw):
    """``raw`` (JSON) checked, as the services take it; else a ``ValidationError`` on ``value``.

    The services parse it again: handing them the typed value would let a
    ``Decimal("1.234")`` be read in German notation as 1234.
    """
    if isinstance(raw, dict | list) and definition.type not in (
        AttributeType.MULTI_CHOICE,
        AttributeType.CHOICE,
        AttributeType.LINK,
    ):
        raise ValidationError({"value": _("Enter a single value.")})
    prepared = api_input(definition, raw)
    typed = parse_value(definition, prepared)
    if definition.type == AttributeType.INTEGER and abs(typed) > BIGINT:
        raise ValidationError({"value": _("The number is too large.")})
    return prepared


def value_json(row: AttributeValue):
    """The typed value of ``row`` in JSON-native form."""
    definition = row.definition
    kind = definition.type
    if kind in (AttributeType.CHOICE, AttributeType.MULTI_CHOICE):
        choice = row.value_choice
        return None if choice is None else {"id": choice.pk, "label": choice.label}
    if kind == AttributeType.DECIMAL:
        return None if row.value_decimal is None else format(row.value_decimal.normalize(), "f")
    if kind == AttributeType.LINK:
        if row.value_link is None:
            return None
        target = linkable.kind(definition.link_kind)
        found = target.model.objects.filter(pk=row.value_link).first() if target else None
        return {
            "kind": definition.link_kind,
            "id": row.value_link,
            "label": str(found) if found is not None else f"#{row.value_link}",
        }
    return row.value


def value_out(row: AttributeValue, *, history: bool = False) -> dict:
    data = {
        "id": row.pk,
        "value": value_json(row),
        "display": display(row),
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
    }
    if history:
        data["created_at"] = row.created_at
        data["created_by"] = row.created_by.get_username() if row.created_by else None
    return data
