"""Template helpers for the business pages: money per locale and the company-page panel."""

from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent
from django import template
from django.utils import translation

from merkur.business.views.panel import company_figures
from merkur.core.roles import Capability, has_capability

register = template.Library()

# UI language (Merkur's locales) → the babel locale whose number formats it uses.
BABEL_LOCALES = {"de": "de_DE", "de-at": "de_AT", "de-ch": "de_CH", "en": "en"}


def babel_locale() -> str:
    return BABEL_LOCALES.get((translation.get_language() or "de").lower(), "de_DE")


@register.filter
def money(amount, currency: str = "") -> str:
    """``1234.5|money:"CHF"`` → "1.234,50 CHF" (de), "CHF 1’234.50" (de-ch), "CHF 1,234.50" (en).

    The one place amounts are formatted; without a currency the base currency is meant.
    """
    if amount is None or amount == "":
        return "–"
    from merkur.business.rates import base_currency

    return format_currency(Decimal(amount), currency or base_currency(), locale=babel_locale())


@register.filter
def quantity(value) -> str:
    """A quantity without trailing zeros, grouped per locale: ``12.000`` → "12"."""
    if value is None or value == "":
        return "–"
    return format_decimal(Decimal(value).normalize(), locale=babel_locale())


@register.filter
def share(value) -> str:
    """A fraction as a percentage per locale: ``0.8123`` → "81,2 %"."""
    if value is None or value == "":
        return "–"
    locale = babel_locale()
    return format_percent(Decimal(value), format=_percent_pattern(locale), locale=locale)


@cache
def _percent_pattern(locale: str) -> str:
    """The locale's percent pattern with one decimal: "#,##0\xa0%" → "#,##0.0\xa0%"."""
    pattern = Locale.parse(locale).percent_formats[None].pattern
    return pattern if "." in pattern else pattern.replace("0", "0.0", 1)


@register.inclusion_tag("business/partials/company_panel.html", takes_context=True)
def business_panel(context, company) -> dict:
    """Revenue, open documents, deliveries, articles bought and batches supplied of a company."""
    visible = has_capability(context["request"].user, Capability.VIEW_RECORDS)
    figures = company_figures(company) if visible else None
    return {
        "company": company,
        "visible": visible,
        "figures": figures,
        "request": context["request"],
    }
