"""The kinds of values a criterion takes, each with its check: what the JSON may hold.

A kind is also what the builder shows as the value picker (a text field, a date,
a multi-select of a master table …). ``clean(kind, value)`` returns the stored
form or raises ``ValueError`` with the reason.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.utils.translation import gettext as _
from django_countries import countries

from merkur.business import currencies
from merkur.selections import periods

MAX_TEXT = 200
MAX_ITEMS = 1_000
MAX_ID = 2**63 - 1  # what a database id can be


def _text(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("Give a text."))
    if len(value) > MAX_TEXT:
        raise ValueError(_("At most %(max)s characters.") % {"max": MAX_TEXT})
    if "\x00" in value:
        raise ValueError(_("The text holds a NUL character."))
    return value.strip()


def _texts(value) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError(_("Give a list of one or more texts."))
    if len(value) > MAX_ITEMS:
        raise ValueError(_("At most %(max)s entries.") % {"max": MAX_ITEMS})
    return [_text(item) for item in value]


def _number(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise ValueError(_("Give a number."))
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(_("Give a number.")) from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise ValueError(_("Give a number."))
    return str(number)


def _date(value) -> str:
    try:
        day = datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(_("Dates are written YYYY-MM-DD.")) from None
    if not 1900 <= day.year <= 2999:
        raise ValueError(_("The date must lie between 1900 and 2999."))
    return day.isoformat()


def _range(value, item) -> list:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(_("Give a range: [from, to]."))
    low, high = item(value[0]), item(value[1])
    return [low, high]


def _countries(value) -> list[str]:
    codes = _texts(value)
    known = dict(countries)
    bad = [code for code in codes if code.upper() not in known]
    if bad:
        raise ValueError(_("Unknown country codes: %(codes)s.") % {"codes": ", ".join(bad)})
    return [code.upper() for code in codes]


def _currency(value) -> str:
    code = _text(value).upper()
    if not currencies.is_valid(code):
        raise ValueError(_("“%(code)s” is not an ISO 4217 currency code.") % {"code": code})
    return code


def _ids(value) -> list[int]:
    if not isinstance(value, list) or not value:
        raise ValueError(_("Give a list of one or more ids."))
    if len(value) > MAX_ITEMS:
        raise ValueError(_("At most %(max)s entries.") % {"max": MAX_ITEMS})
    if any(
        isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= MAX_ID
        for item in value
    ):
        raise ValueError(_("Ids are whole numbers from 1."))
    return sorted(set(value))


def _id(value) -> int:
    """One record's id (whose record it is, the criterion checks)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise ValueError(_("Give an id: a whole number from 1."))
    return value


def _scalar(value):
    """A text, number or yes/no whose meaning depends on another parameter (an attribute's
    type): checked here for its form only, for its meaning by the criterion."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, int):  # true/false too
        return value
    if isinstance(value, float):
        return _number(value)
    raise ValueError(_("Give a text, a number or true/false."))


def _scalars(value) -> list:
    if not isinstance(value, list) or not value:
        raise ValueError(_("Give a list of one or more values."))
    if len(value) > MAX_ITEMS:
        raise ValueError(_("At most %(max)s entries.") % {"max": MAX_ITEMS})
    return [_scalar(item) for item in value]


def _records(model_label: str):
    def clean(value) -> list[int]:
        ids = _ids(value)
        model = apps.get_model(model_label)
        found = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            raise ValueError(
                _("No %(what)s with the ids %(ids)s.")
                % {"what": model._meta.verbose_name, "ids": ", ".join(missing)}
            )
        return ids

    return clean


def _none(value) -> None:
    if value not in (None, True):
        raise ValueError(_("This operator takes no value."))
    return None


CLEANERS = {
    "none": _none,
    "text": _text,
    "texts": _texts,
    "number": _number,
    "number_range": lambda value: _range(value, _number),
    "date": _date,
    "date_range": lambda value: _range(value, _date),
    "text_range": lambda value: _range(value, _text),
    "countries": _countries,
    "currency": _currency,
    "period": periods.clean,
    "ids": _ids,
    "id": _id,
    "scalar": _scalar,
    "scalars": _scalars,
    "scalar_range": lambda value: _range(value, _scalar),
}


def clean(kind: str, value):
    """``kind`` is a name above or ``records:<app_label.Model>`` (ids that must exist)."""
    if kind.startswith("records:"):
        return _records(kind.split(":", 1)[1])(value)
    return CLEANERS[kind](value)
