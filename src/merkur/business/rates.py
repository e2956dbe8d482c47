"""Exchange rates: the rate valid on a day, and conversion that never guesses.

A rate says how many units of the base currency (``MERKUR_BASE_CURRENCY``) one
unit of a currency is worth, from its ``valid_from`` day until the next rate of
that currency. A missing rate is an error naming currency and day — a silent
1.0 would turn francs into euros one to one.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from merkur.business.models import ExchangeRate

CENT = Decimal("0.01")


class MissingRate(ValidationError):
    def __init__(self, currency: str, day: datetime.date):
        self.currency, self.day = currency, day
        super().__init__(
            _("No exchange rate for %(currency)s on %(date)s.")
            % {"currency": currency, "date": day.strftime("%d.%m.%Y")},
            code="missing_rate",
        )


def base_currency() -> str:
    return settings.MERKUR_BASE_CURRENCY


def rate_on(currency: str, day: datetime.date) -> Decimal:
    """Base-currency units per unit of ``currency`` on ``day``."""
    if currency == base_currency():
        return Decimal(1)
    rate = (
        ExchangeRate.objects.filter(currency=currency, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if rate is None:
        raise MissingRate(currency, day)
    return rate
