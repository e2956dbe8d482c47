"""The filter and entry forms of the business pages."""

import calendar
import datetime
import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from merkur.business.figures import Period
from merkur.business.models import ArticleCategory, Division, DocumentKind, DocumentStatus
from merkur.core.forms import BootstrapMixin

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999


class ActiveChoice(forms.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=[("", _("all")), ("yes", _("active")), ("no", _("inactive"))],
            required=False,
            **kwargs,
        )


class ArticleFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Number or name"), required=False, max_length=200)
    division = forms.ModelChoiceField(
        Division.objects.all(), label=_("Division"), required=False, empty_label=_("all")
    )
    category = forms.ModelChoiceField(
        ArticleCategory.objects.all(), label=_("Category"), required=False, empty_label=_("all")
    )
    active = ActiveChoice(label=_("Active"))
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def apply(self, articles):
        data = self.cleaned_data
        if data.get("q"):
            text = data["q"].strip()
            articles = articles.filter(number__istartswith=text) | articles.filter(
                name__icontains=text
            )
        if data.get("division"):
            articles = articles.filter(division=data["division"])
        if data.get("category"):
            articles = articles.filter(category=data["category"])
        if data.get("active") == "yes":
            articles = articles.filter(is_active=True)
        elif data.get("active") == "no":
            articles = articles.filter(is_active=False)
        return articles


class DocumentFilterForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(choices=DocumentKind.choices, required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Number or company"), required=False, max_length=200)
    company = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("all")), *DocumentStatus.choices], required=False
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("The end of the period lies before its start."))
        return data

    def apply(self, documents):
        data = self.cleaned_data
        if data.get("company"):
            documents = documents.filter(company_id=data["company"])
        if data.get("q"):
            text = data["q"].strip()
            documents = documents.filter(number__istartswith=text) | documents.filter(
                company__name__icontains=text
            )
        if data.get("status"):
            documents = documents.filter(status=data["status"])
        if data.get("date_from"):
            documents = documents.filter(date__gte=data["date_from"])
        if data.get("date_to"):
            documents = documents.filter(date__lte=data["date_to"])
        return documents


class SerialRangeForm(BootstrapMixin, forms.Form):
    first = forms.CharField(label=_("From serial number"), max_length=60)
    last = forms.CharField(label=_("To serial number"), max_length=60)
    article = forms.CharField(label=_("Article number"), required=False, max_length=50)


class RateForm(BootstrapMixin, forms.Form):
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=20,
        decimal_places=10,
        min_value=Decimal("0.0000000001"),
        help_text=_("Units of the base currency for one unit of this currency."),
    )

    def clean_currency(self):
        return self.cleaned_data["currency"].strip().upper()


def _month_value(text: str, field: str) -> datetime.date:
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise forms.ValidationError(
            {field: _("Enter a month as YYYY-MM, e.g. 2025-03.")}, code="invalid"
        )
    year = int(match.group(1))
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise forms.ValidationError({field: _("Enter a year between 1900 and 2999.")})
    return datetime.date(year, int(match.group(2)), 1)


class AbcForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=EARLIEST_YEAR, max_value=LATEST_YEAR
    )
    month_from = forms.CharField(
        label=_("From month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2025-01"}),
    )
    month_to = forms.CharField(
        label=_("To month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2025-12"}),
    )
    division = forms.ModelChoiceField(
        Division.objects.all(), label=_("Division"), required=False, empty_label=_("all")
    )
    # Keyset paging: the running sum is strictly increasing down the ranking (every
    # customer in it has revenue > 0), so it identifies a row.
    after = forms.DecimalField(
        required=False, min_value=0, max_digits=24, decimal_places=2, widget=forms.HiddenInput
    )
    before = forms.DecimalField(
        required=False, min_value=0, max_digits=24, decimal_places=2, widget=forms.HiddenInput
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("month_from"), data.get("month_to")
        if first or last:
            if not (first and last):
                raise forms.ValidationError(_("Give both months of the period, or a year."))
            start = _month_value(first, "month_from")
            end = _month_value(last, "month_to")
            if start > end:
                raise forms.ValidationError(
                    {"month_to": _("The end of the period lies before its start.")}
                )
            last_day = calendar.monthrange(end.year, end.month)[1]
            data["period"] = Period(start, end.replace(day=last_day))
        elif data.get("year"):
            data["period"] = Period.year(data["year"])
        elif not self.errors:
            raise forms.ValidationError(_("Give a year or the months of the period."))
        return data
