# Austrian conventions follow Germany's for numbers and dates (1.234,50; 29.11.2026).
from django.conf.locale.de.formats import *  # noqa: F403
