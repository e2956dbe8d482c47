"""Exchange rates: everyone reads them, administrators add, change and delete them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from merkur.business import currencies, services
from merkur.business.models import ExchangeRate
from merkur.business.rates import base_currency
from merkur.business.views.forms import RateForm
from merkur.companies.views.common import fetch_page
from merkur.core.pagination import COUNT_CAP, Ordering, capped_count
from merkur.core.roles import Capability, has_capability
from merkur.core.views import capability_required

RATE_ORDERING = Ordering(("currency", "-valid_from", "id"))


def _apply_errors(form: RateForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, problems in error.error_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error)


@capability_required(Capability.VIEW_RECORDS)
def rate_list(request: HttpRequest) -> HttpResponse:
    can_manage = has_capability(request.user, Capability.MANAGE_MASTER_DATA)
    form = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = RateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.rate_set(
                    currency=data["currency"], valid_from=data["valid_from"], rate=data["rate"]
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Rate for %(currency)s from %(date)s saved.")
                    % {"currency": entry.currency, "date": date_format(entry.valid_from)},
                )
                return redirect("business:rates")
    elif can_manage:
        initial = {}
        edit = request.GET.get("edit", "")
        if edit.isdigit():
            entry = ExchangeRate.objects.filter(pk=int(edit)).first()
            if entry:
                initial = {
                    "currency": entry.currency,
                    "valid_from": entry.valid_from,
                    "rate": entry.rate,
                }
        form = RateForm(initial=initial)
    currency = request.GET.get("currency", "").strip().upper()[:3]
    rates = ExchangeRate.objects.all()
    if currency:
        rates = rates.filter(currency=currency)
    page, notice = fetch_page(rates, RATE_ORDERING, request.GET.get("cursor", ""))
    context = {
        "form": form,
        "can_manage": can_manage,
        "page": page,
        "count": capped_count(rates),
        "count_cap": COUNT_CAP,
        "notice": notice,
        "currency": currency,
        "currencies": [
            (
                code,
                currencies.name(
                    code, request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "de"
                ),
            )
            for code in ExchangeRate.objects.order_by("currency")
            .values_list("currency", flat=True)
            .distinct()
        ],
        "base_currency": base_currency(),
    }
    return render(request, "business/rate_list.html", context)


@require_POST
@capability_required(Capability.MANAGE_MASTER_DATA)
def rate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(ExchangeRate, pk=pk)
    label = {"currency": entry.currency, "date": date_format(entry.valid_from)}
    try:
        services.rate_delete(entry=entry)
    except ValidationError as error:
        messages.error(
            request,
            _("The rate for %(currency)s from %(date)s cannot be deleted: %(reason)s")
            % {**label, "reason": " ".join(error.messages)},
        )
    else:
        messages.success(request, _("Rate for %(currency)s from %(date)s deleted.") % label)
    return redirect("business:rates")
