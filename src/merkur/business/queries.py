"""Reading stock and production: serial ranges and batch traceability."""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from merkur.business.models import (
    ArticleInstance,
    Batch,
    DeliveryLine,
    split_serial,
)


def serial_range(first: str, last: str, *, article_id: int | None = None) -> QuerySet:
    """Article instances from serial ``first`` to ``last`` (``SN-10000`` … ``SN-10999``).

    Both ends need the same prefix; the numbers compare as numbers, so
    ``SN-9`` < ``SN-10``. Served by the (prefix, number) index.
    """
    prefix, low = split_serial(first.strip())
    last_prefix, high = split_serial(last.strip())
    if low is None or high is None or prefix != last_prefix:
        raise ValidationError(
            _(
                "A serial range needs two serial numbers with the same prefix ending in digits, "
                "e.g. SN-10000 and SN-10999."
            )
        )
    if low > high:
        low, high = high, low
    instances = ArticleInstance.objects.filter(
        serial_prefix=prefix, serial_value__gte=low, serial_value__lte=high
    )
    if article_id:
        instances = instances.filter(article_id=article_id)
    return instances


def customers_of_batch(batch: Batch, companies: QuerySet) -> QuerySet:
    """Of ``companies``, those that received a delivery line or an instance from ``batch``."""
    by_line = DeliveryLine.objects.filter(batch=batch, delivery__company_id=OuterRef("pk"))
    by_instance = ArticleInstance.objects.filter(batch=batch, customer_id=OuterRef("pk"))
    return companies.filter(Exists(by_line) | Exists(by_instance))
