"""Attribute criteria: "attribute A <operator> value as of day D", for companies and people.

``params.attribute`` names the attribute (its id), ``params.as_of`` the day
(default: the day the selection runs). The operators an attribute offers and
the values they take depend on its type (``attributes.queries.OPERATORS``); the
condition itself is ``attributes.queries.value_q`` — the one answer to "value of
attribute A on day D" the lists and pages use too.

Values are stored as JSON gives them: choice and link ids, whole numbers,
numbers (decimals as text), dates as ``YYYY-MM-DD``, true/false, texts.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from merkur.attributes.models import CHOICE_TYPES, AttributeDefinition, AttributeType
from merkur.attributes.queries import OPERATORS, value_q
from merkur.attributes.values import BIGINT_MAX, BIGINT_MIN
from merkur.companies.models import Company, Person
from merkur.selections.catalog import COMPANY, PERSON, BadOperator, Criterion, register

# The engine checks a condition's value (``clean_value``) before its parameters
# (``clean_params``) and has no hook that sees both, but an attribute's value
# means something only with its type. ``clean_value`` leaves the value here and
# ``clean_params`` of the same condition — called right after it — checks both.
OPERATOR_KINDS = {
    "equals": "scalar",
    "in": "scalars",
    "between": "scalar_range",
    "before": "scalar",
    "after": "scalar",
    "contains": "text",
    "is_set": "none",
    "is_not_set": "none",
}


def _one(definition: AttributeDefinition, raw):
    """One value for the attribute's type, in the form its column compares with."""
    kind = definition.type
    if kind in (AttributeType.TEXT, AttributeType.LONG_TEXT):
        if not isinstance(raw, str):
            raise ValueError(gettext("Give a text."))
        return raw
    if kind in (*CHOICE_TYPES, AttributeType.LINK):
        if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= BIGINT_MAX:
            raise ValueError(gettext("Give ids: whole numbers from 1."))
        return raw
    if kind == AttributeType.INTEGER:
        if isinstance(raw, bool) or not isinstance(raw, int) or not BIGINT_MIN <= raw <= BIGINT_MAX:
            raise ValueError(gettext("Give a whole number."))
        return raw
    if kind == AttributeType.DECIMAL:
        try:
            number = (
                Decimal(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else None
            )
        except InvalidOperation:
            number = None
        # The column holds 14 digits before the point.
        if number is None or not number.is_finite() or abs(number) >= 10**14:
            raise ValueError(gettext("Give a number."))
        return number
    if kind == AttributeType.DATE:
        try:
            return datetime.date.fromisoformat(raw if isinstance(raw, str) else "")
        except ValueError:
            raise ValueError(gettext("Dates are written YYYY-MM-DD.")) from None
    if kind == AttributeType.BOOLEAN:
        if not isinstance(raw, bool):
            raise ValueError(gettext("Give true or false."))
        return raw
    raise ValueError(gettext("Unknown attribute type."))


def typed_value(definition: AttributeDefinition, operator: str, value):
    """The condition's value for the attribute's type (``ValueError`` if it does not fit)."""
    if operator in ("is_set", "is_not_set") or operator == "contains":
        return value
    if operator == "in":
        return [_one(definition, item) for item in value]
    if operator == "between":
        low, high = (_one(definition, item) for item in value)
        if low > high:
            raise ValueError(gettext("The range ends before it starts."))
        return [low, high]
    return _one(definition, value)


class _Attribute(Criterion):
    operators = OPERATOR_KINDS
    params = {"attribute": ("id", True), "as_of": ("date", False)}
    model: type
    applies: str  # the definition's flag: for_companies / for_people

    def clean_params(self, params: dict) -> dict:
        self._definition(params["attribute"])
        return params

    def check_condition(self, operator, value, params):
        self.clean_condition(self._definition(params["attribute"]), operator, value)
        return value

    def _definition(self, pk: int) -> AttributeDefinition:
        definition = AttributeDefinition.objects.filter(pk=pk).first()
        if definition is None:
            raise ValueError(gettext("No attribute with the id %(id)s.") % {"id": pk})
        if not getattr(definition, self.applies):
            raise ValueError(
                gettext("The attribute “%(attribute)s” is not kept for %(records)s.")
                % {"attribute": definition.display_label, "records": self.records()}
            )
        return definition

    def records(self) -> str:
        return gettext("companies") if self.subject == COMPANY else gettext("people")

    def describe_condition(self, condition) -> str:
        """The attribute's own name in place of the criterion's: “Lizenzen at least 20”."""
        definition = AttributeDefinition.objects.filter(pk=condition.params["attribute"]).first()
        text = super().describe_condition(condition)
        if definition is None:
            return text
        return text.replace(str(self.label), definition.display_label, 1)

    def clean_condition(self, definition: AttributeDefinition, operator: str, value):
        """Does the operator fit the attribute's type, and the value the type?"""
        allowed = OPERATORS[definition.type]
        if operator not in allowed:
            raise BadOperator(
                gettext(
                    "“%(op)s” does not fit the attribute “%(attribute)s” (%(type)s); "
                    "one of: %(ops)s."
                )
                % {
                    "op": operator,
                    "attribute": definition.display_label,
                    "type": definition.get_type_display(),
                    "ops": ", ".join(allowed),
                }
            )
        try:
            typed = typed_value(definition, operator, value)
        except ValueError as error:
            raise ValueError(
                gettext("The value does not fit the attribute “%(attribute)s”: %(reason)s")
                % {"attribute": definition.display_label, "reason": error}
            ) from None
        if definition.type in CHOICE_TYPES and typed is not None:
            wanted = set(typed if isinstance(typed, list) else [typed])
            # Deactivated choices too: old values still carry them.
            known = set(definition.choices.filter(pk__in=wanted).values_list("pk", flat=True))
            missing = sorted(wanted - known)
            if missing:
                raise ValueError(
                    gettext("No choice %(ids)s of the attribute “%(attribute)s”.")
                    % {
                        "ids": ", ".join(str(pk) for pk in missing),
                        "attribute": definition.display_label,
                    }
                )
        return typed

    def q(self, condition, context) -> Q:
        definition = AttributeDefinition.objects.get(pk=condition.params["attribute"])
        as_of = condition.params.get("as_of")
        day = datetime.date.fromisoformat(as_of) if as_of else context.today
        return value_q(
            self.model,
            definition=definition,
            operator=condition.operator,
            value=typed_value(definition, condition.operator, condition.value),
            day=day,
        )


@register
class CompanyAttribute(_Attribute):
    key = "attribute.company"
    subject = COMPANY
    area = "company"
    label = _("Company attribute")
    model = Company
    applies = "for_companies"


@register
class PersonAttribute(_Attribute):
    key = "attribute.person"
    subject = PERSON
    area = "person"
    label = _("Person attribute")
    model = Person
    applies = "for_people"
