"""Reading the values of an import file's fields: fast, strict, with a reason when bad.

ERP exports in German-speaking countries write dates as ``31.12.2025`` or
``2025-12-31`` and numbers with a decimal point or — with ``decimal_comma`` —
a decimal comma (``1.234,50``). Nothing is guessed: a value that does not read
cleanly is refused with the reason, never rounded or cut short.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from merkur.business import currencies

FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_TRUE = {"1", "true", "yes", "ja", "y", "j", "x", "wahr"}
_FALSE = {"0", "false", "no", "nein", "n", "falsch"}


class Bad(ValueError):
    """A field's value cannot be read; ``str()`` is the reason for the user."""


def text(value: str, max_length: int) -> str:
    value = value.strip()
    if len(value) > max_length:
        raise Bad(
            _("At most %(max)s characters (this value has %(count)s).")
            % {"max": max_length, "count": len(value)}
        )
    return value


def date(value: str) -> datetime.date:
    value = value.strip()
    try:
        match = _GERMAN_DATE.match(value)
        if match:
            day = datetime.date(int(match[3]), int(match[2]), int(match[1]))
        else:
            day = datetime.date.fromisoformat(value)
    except ValueError:
        raise Bad(_("Not a date (write 31.12.2025 or 2025-12-31).")) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Bad(_("The date must lie between 1900 and 2999."))
    return day


def decimal(
    value: str, *, digits: int, places: int, decimal_comma: bool = False, minimum=None
) -> Decimal:
    """A number with at most ``digits`` digits, ``places`` of them after the point."""
    raw = value.strip()
    if decimal_comma:
        raw = raw.replace(".", "").replace(",", ".")
    raw = raw.replace("'", "").replace("\u2019", "")  # Swiss thousands separators: 1'234.50
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or "e" in raw.lower():
        if not decimal_comma and "," in raw:
            raise Bad(_("Not a number (a decimal comma needs the option for it)."))
        raise Bad(_("Not a number."))
    exponent = number.as_tuple().exponent
    if -exponent > places:
        raise Bad(_("At most %(places)s decimal places.") % {"places": places})
    if abs(number) >= Decimal(10) ** (digits - places):
        raise Bad(_("The number is too large."))
    if minimum is not None and number < minimum:
        if minimum == 0:
            raise Bad(_("The value cannot be negative."))
        raise Bad(_("The value must be at least %(min)s.") % {"min": minimum})
    return number


def integer(value: str, *, minimum: int = 1, maximum: int = 2**31 - 1) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise Bad(_("Not a whole number.")) from None
    if not minimum <= number <= maximum:
        raise Bad(
            _("The number must lie between %(min)s and %(max)s.") % {"min": minimum, "max": maximum}
        )
    return number


def boolean(value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise Bad(_("Write 1 or 0 (ja/nein, true/false)."))


def currency(value: str) -> str:
    code = value.strip().upper()
    if not currencies.is_valid(code):
        raise Bad(_("“%(code)s” is not an ISO 4217 currency code.") % {"code": value.strip()})
    return code


def choice(value: str, names: dict[str, str]) -> str:
    """``names`` maps every accepted spelling (lower case) to the stored value."""
    word = value.strip().lower()
    if word in names:
        return names[word]
    accepted = ", ".join(sorted({v for v in names.values()}))
    raise Bad(_("Unknown value; one of: %(values)s.") % {"values": accepted})
