import datetime
import html
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

TEMPLATE = Template(
    "{% load humanize %}{{ number|intcomma }}|{{ amount|floatformat:'2g' }}|"
    "{{ day|date:'SHORT_DATE_FORMAT' }}|{{ pk }}"
)
VALUES = {
    "number": 1234567,
    "amount": Decimal("1234.50"),
    "day": datetime.date(2026, 11, 29),
    "pk": 1279,  # ids are never grouped: they end up in URLs and form values
}


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("de", "1.234.567|1.234,50|29.11.2026|1279"),
        ("de-at", "1.234.567|1.234,50|29.11.2026|1279"),
        ("de-ch", "1'234'567|1'234.50|29.11.2026|1279"),
        ("en", "1,234,567|1,234.50|11/29/2026|1279"),
    ],
)
def test_numbers_and_dates_follow_the_users_locale(locale, expected):
    with translation.override(locale):
        assert html.unescape(TEMPLATE.render(Context(VALUES))) == expected
