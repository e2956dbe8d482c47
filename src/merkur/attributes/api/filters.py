"""The attribute filter of the company and people lists: ``attribute=…&attribute_op=…``.

Checks the query (unknown code, operator that does not fit the type, values
that do not parse) with errors naming the query parameter, then narrows the
list with ``merkur.attributes.queries.value_filter`` — the same condition the
record page's as-of look-up and the selections use.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field

from merkur.attributes.api.convert import check_value
from merkur.attributes.models import CHOICE_TYPES, AttributeDefinition
from merkur.attributes.queries import OPERATORS, Operator, value_filter
from merkur.attributes.values import parse_value
from merkur.core.api.schemas import InSchema

NO_VALUE = (Operator.IS_SET, Operator.IS_NOT_SET)


class AttributeFilterQuery(InSchema):
    """Query parameters of the attribute filter, mixed into the list queries."""

    attribute: str = Field("", description="Code of the attribute to filter by.")
    attribute_op: Operator | None = Field(
        None,
        description="Default: `equals` with a value, else `is_set`. Which operators fit "
        "depends on the type (`between` takes two values, `in` several).",
    )
    attribute_value: list[str] = Field(
        [], description="The value(s), in the user's notation or ISO dates (repeatable)."
    )
    attribute_as_of: datetime.date | None = Field(None, description="Default: today.")

    def apply_attribute_filter(self, queryset: models.QuerySet) -> models.QuerySet:
        if not self.attribute:
            if self.attribute_op or self.attribute_value:
                raise ValidationError({"attribute": _("Name the attribute to filter by.")})
            return queryset
        return attribute_filter(
            queryset,
            code=self.attribute,
            operator=self.attribute_op,
            raw_values=self.attribute_value,
            day=self.attribute_as_of or timezone.localdate(),
        )


def _definition(model: type[models.Model], code: str) -> AttributeDefinition:
    definitions = AttributeDefinition.objects.all()
    if model._meta.model_name == "company":
        definitions = definitions.for_companies()
    else:
        definitions = definitions.for_people()
    found = definitions.filter(code=code).first()
    if found is None:
        raise ValidationError(
            {"attribute": _("There is no attribute with the code “%(code)s”.") % {"code": code}}
        )
    return found


def _choice_id(definition: AttributeDefinition, raw: str) -> int:
    """A choice by id or label; deactivated ones too — old values still hold them."""
    choices = definition.choices.all()
    text = raw.strip()
    found = (
        choices.filter(pk=int(text)).first()
        if text.isdigit() and len(text) < 19
        else choices.filter(label__iexact=text).first()
    )
    if found is None:
        raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": raw})
    return found.pk


def _one(definition: AttributeDefinition, operator: str, raw: str):
    if definition.type in CHOICE_TYPES:
        return _choice_id(definition, raw)
    if operator == Operator.CONTAINS:
        text = raw.strip()
        if not text:
            raise ValidationError(_("Enter a value."))
        return text
    return parse_value(definition, check_value(definition, raw))


def attribute_filter(
    queryset: models.QuerySet,
    *,
    code: str,
    operator: str | None,
    raw_values: list[str],
    day: datetime.date,
) -> models.QuerySet:
    """``queryset`` narrowed to records whose attribute ``code`` matches on ``day``."""
    definition = _definition(queryset.model, code)
    if operator is None:
        operator = Operator.EQUALS if raw_values else Operator.IS_SET
    if operator not in OPERATORS[definition.type]:
        allowed = ", ".join(OPERATORS[definition.type])
        raise ValidationError(
            {
                "attribute_op": _(
                    "“%(op)s” does not fit an attribute of type “%(type)s”; "
                    "use one of: %(allowed)s."
                )
                % {"op": operator, "type": definition.get_type_display(), "allowed": allowed}
            }
        )
    count = len(raw_values)
    expected = {
        Operator.IS_SET: count == 0,
        Operator.IS_NOT_SET: count == 0,
        Operator.BETWEEN: count == 2,
        Operator.IN: count >= 1,
    }.get(operator, count == 1)
    if not expected:
        message = {
            Operator.BETWEEN: _("Give two values: from and to."),
            Operator.IN: _("Give at least one value."),
        }.get(operator)
        if operator in NO_VALUE:
            message = _("This operator takes no value.")
        raise ValidationError({"attribute_value": message or _("Give exactly one value.")})
    try:
        values = [_one(definition, operator, raw) for raw in raw_values]
    except ValidationError as error:
        raise ValidationError({"attribute_value": error.messages}) from None
    if operator == Operator.BETWEEN:
        value = tuple(values)
    elif operator == Operator.IN:
        value = values
    else:
        value = values[0] if values else None
    return value_filter(queryset, definition=definition, operator=operator, value=value, day=day)
