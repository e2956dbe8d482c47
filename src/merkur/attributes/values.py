"""Parsing and checking a value for an attribute's type — one place for every entry path.

Forms, the API and imports hand over what the user typed (text, numbers in
German or Swiss notation, ISO dates, choice ids or labels); ``parse_value``
returns the typed value or raises a ``ValidationError`` on ``value`` with a
message in the user's language. Django's own form fields do the parsing, so
"1.234,5" (de) and "1'234.5" (de-ch) are read as the user's locale writes them.
"""

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from merkur.attributes.models import AttributeChoice, AttributeDefinition, AttributeType
from merkur.core import linkable

MAX_TEXT = 1000


# The range of the integer column (BIGINT on both databases).
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1


def _bounds(definition: AttributeDefinition, *, integer: bool = False) -> dict:
    bounds = {"min_value": BIGINT_MIN, "max_value": BIGINT_MAX} if integer else {}
    if definition.min_value is not None:
        bounds["min_value"] = definition.min_value
    if definition.max_value is not None:
        bounds["max_value"] = definition.max_value
    return bounds


def _number_text(raw) -> str:
    """A number as the user's locale writes it, in plain notation ("1.234,5" → "1234.5").

    Grouping is dropped only where it is unambiguous (groups of three digits),
    so a German "1.5" stays one and a half, while "1.234" is a thousand and more.
    Numbers that arrive as numbers (API, imports) are taken as they are.
    """
    if isinstance(raw, int | float | Decimal):
        return str(raw)
    text = str(raw).strip()
    for space in (" ", "\u00a0", "\u202f", "'", "’"):
        text = text.replace(space, "")
    thousand = get_format("THOUSAND_SEPARATOR")
    decimal = get_format("DECIMAL_SEPARATOR")
    if thousand in (".", ","):
        grouped = rf"[-+]?\d{{1,3}}(\{thousand}\d{{3}})+(\{decimal}\d+)?"
        if re.fullmatch(grouped, text):
            text = text.replace(thousand, "")
    return text.replace(decimal, ".") if decimal != "." else text


def _choice(definition: AttributeDefinition, raw) -> AttributeChoice:
    choices = definition.choices.all()
    found = None
    if isinstance(raw, AttributeChoice):
        found = raw if raw.definition_id == definition.pk else None
    elif isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit()):
        found = choices.filter(pk=int(raw)).first()
    elif isinstance(raw, str):
        found = choices.filter(label__iexact=raw.strip()).first()
    if found is None:
        raise ValidationError(_("“%(value)s” is not one of the choices.") % {"value": raw})
    if not found.is_active:
        raise ValidationError(
            _("“%(value)s” is deactivated and can no longer be chosen.") % {"value": found}
        )
    return found


def _link(definition: AttributeDefinition, raw) -> int:
    kind = linkable.kind(definition.link_kind)
    if isinstance(raw, str):
        # "Müller AG (#123)" as the link input offers it, or a bare id.
        picked = re.search(r"#(\d+)\)?\s*$", raw)
        raw = picked.group(1) if picked else raw.strip()
    try:
        pk = int(getattr(raw, "pk", raw))
    except (TypeError, ValueError):
        raise ValidationError(_("Choose a record.")) from None
    in_range = BIGINT_MIN <= pk <= BIGINT_MAX
    if kind is None or not in_range or not kind.model.objects.filter(pk=pk).exists():
        raise ValidationError(_("There is no such record."))
    return pk


def parse_value(definition: AttributeDefinition, raw):
    """The typed value of ``raw`` for ``definition`` (a list of choices for multi-choice)."""
    try:
        return _parse(definition, raw)
    except ValidationError as error:
        raise ValidationError({"value": error.messages}) from None


def _parse(definition: AttributeDefinition, raw):
    kind = definition.type
    if raw is None or raw == "" or raw == []:
        raise ValidationError(_("Enter a value."))
    if kind == AttributeType.TEXT:
        text = str(raw).strip()
        if "\n" in text:
            raise ValidationError(_("This attribute takes a single line."))
        return forms.CharField(max_length=MAX_TEXT).clean(text)
    if kind == AttributeType.LONG_TEXT:
        return forms.CharField(strip=True).clean(str(raw))
    if kind == AttributeType.INTEGER:
        if isinstance(raw, bool):
            raise ValidationError(_("Enter a whole number."))
        field = forms.IntegerField(**_bounds(definition, integer=True))
        return field.clean(_number_text(raw))
    if kind == AttributeType.DECIMAL:
        if isinstance(raw, bool):
            raise ValidationError(_("Enter a number."))
        field = forms.DecimalField(max_digits=20, decimal_places=6, **_bounds(definition))
        return field.clean(_number_text(raw))
    if kind == AttributeType.DATE:
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        if not isinstance(raw, str):
            raise ValidationError(_("Enter a valid date."))
        return forms.DateField(localize=True).clean(raw)
    if kind == AttributeType.BOOLEAN:
        value = forms.NullBooleanField().clean(raw)
        if value is None:
            raise ValidationError(_("Choose yes or no."))
        return value
    if kind == AttributeType.CHOICE:
        return _choice(definition, raw)
    if kind == AttributeType.MULTI_CHOICE:
        items = raw if isinstance(raw, list | tuple) else [raw]
        chosen = [_choice(definition, item) for item in items]
        return list({c.pk: c for c in chosen}.values())
    if kind == AttributeType.LINK:
        return _link(definition, raw)
    raise ValidationError(_("Unknown attribute type."))
