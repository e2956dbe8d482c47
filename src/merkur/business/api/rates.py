"""``/exchange-rates``: list, set (``PUT``) and delete; administrators only write.

A rate applies from its day until the next rate of the currency; setting or
deleting one recomputes the revenue of the sales orders it applies to.
"""

import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from merkur.business import services
from merkur.business.api import serialize
from merkur.business.api.common import body_doc, can_manage_rates, can_view, key, put
from merkur.business.api.inputs import RateBody
from merkur.business.api.schemas import RateOut, RatePage, RateQuery
from merkur.business.models import ExchangeRate
from merkur.core.api.errors import LIST_ERRORS, WRITE_ERRORS
from merkur.core.api.pagination import paginate
from merkur.core.pagination import Ordering

router = Router(tags=["Exchange rates"])

ORDERING = Ordering(("currency", "-valid_from", "id"))


@router.get("", response={200: RatePage, **LIST_ERRORS}, summary="List exchange rates")
def list_exchange_rates(request: HttpRequest, filters: Query[RateQuery]):
    can_view(request)
    queryset = ExchangeRate.objects.all()
    if filters.currency:
        queryset = queryset.filter(currency=filters.currency.strip().upper())
    if filters.valid_from:
        queryset = queryset.filter(valid_from__gte=filters.valid_from)
    if filters.valid_to:
        queryset = queryset.filter(valid_from__lte=filters.valid_to)
    return paginate(queryset, ORDERING, page=filters, serialize=serialize.rate_out)


@router.put(
    "/{currency}/{valid_from}",
    response={200: RateOut, 201: RateOut, **WRITE_ERRORS},
    summary="Set an exchange rate",
    description="How many units of the base currency one unit of `currency` buys from "
    "`valid_from` on. The revenue of the sales orders it applies to is recomputed.",
    openapi_extra=body_doc(RateBody),
)
def set_exchange_rate(request: HttpRequest, currency: str, valid_from: str):
    can_manage_rates(request)
    entry, created = put("rates", {"currency": currency, "valid_from": valid_from}, request)
    return Status(201 if created else 200, serialize.rate_out(entry))


@router.delete(
    "/{currency}/{valid_from}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete an exchange rate",
    description="Refused with 422, naming currency and day, if sales orders would be "
    "left without a rate.",
)
def delete_exchange_rate(request: HttpRequest, currency: str, valid_from: datetime.date):
    can_manage_rates(request)
    entry = get_object_or_404(
        ExchangeRate, currency=key(currency).strip().upper(), valid_from=valid_from
    )
    services.rate_delete(entry=entry)
    return Status(204, None)
