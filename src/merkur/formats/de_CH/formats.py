# Swiss conventions: 1'234'567.50 for amounts (Swiss typographic rules use the
# apostrophe for thousands and the point for decimals), dates as 29.11.2026.
from django.conf.locale.de_CH.formats import *  # noqa: F403

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = "'"
NUMBER_GROUPING = 3
