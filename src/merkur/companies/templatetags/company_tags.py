"""Template helpers for the company and people pages: list links, sort headers, history."""

import datetime
import re

from django import template
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries

from merkur.companies.services import address_change_label
from merkur.core.audit import field_label
from merkur.core.users import display_name

register = template.Library()

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}.*)?$")


def list_url(request, **changes) -> str:
    """The current list's URL with some parameters replaced (``None`` drops one).

    Empty parameters are left out so that links stay short and readable.
    """
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key not in changes:
            query.setlist(key, [value for value in values if value != ""])
    for key, value in changes.items():
        if value not in (None, ""):
            query[key] = value
    encoded = query.urlencode()
    return f"{request.path}?{encoded}" if encoded else request.path


@register.simple_tag(takes_context=True)
def page_url(context, cursor: str | None) -> str:
    """The URL of another page of the current list, keeping filters and sort."""
    return list_url(context["request"], cursor=cursor)


@register.inclusion_tag("companies/partials/sort_header.html", takes_context=True)
def sort_header(context, key: str, label: str, target: str) -> dict:
    """A column header that sorts by ``key``; a second click reverses the order."""
    current = context.get("sort", "")
    if current == key:
        state, next_key = "ascending", f"-{key}"
    elif current == f"-{key}":
        state, next_key = "descending", key
    else:
        state, next_key = "", key
    return {
        "url": list_url(context["request"], sort=next_key, cursor=None),
        "label": label,
        "state": state,
        "target": target,
    }


@register.filter
def address_text(lines: list[str]) -> str:
    """Address lines as one text; ``.address-block`` keeps the line breaks."""
    return "\n".join(str(line) for line in lines)


@register.filter
def country_name(code: str) -> str:
    return countries.name(code) if code else ""


def _label(model, key: str) -> str:
    link_label = address_change_label(key)
    if link_label is not None:
        return link_label
    return field_label(model, key)


@register.filter
def change_rows(record) -> list[tuple[str, object, object]]:
    """A change record's ``{field: [old, new]}`` as (label, old, new) rows."""
    model = record.content_type.model_class() if record.content_type_id else None
    rows = []
    for key, pair in (record.changes or {}).items():
        old, new = pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        rows.append((_label(model, key), old, new))
    return rows


@register.filter
def show_value(value) -> str:
    """A recorded value as people read it: dates localized, lists joined, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        return _date_text(value)
    return str(value)


def _date_text(value: str) -> str:
    try:
        moment = parse_datetime(value)
        day = parse_date(value) if moment is None else None
    except ValueError:
        return value
    if moment is not None:
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "SHORT_DATETIME_FORMAT")
    if isinstance(day, datetime.date):
        return date_format(day, "SHORT_DATE_FORMAT")
    return value


@register.filter
def who(user) -> str:
    """The name shown for the author of a change (the system when nobody)."""
    if user is None:
        return _("system")
    return display_name(user)
