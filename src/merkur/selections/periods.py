"""Periods in a selection: fixed ranges or relative to the day the selection runs.

Stored as data — ``{"relative": "last_year"}`` or ``{"from": "2025-01-01", "to":
"2025-12-31"}`` — and resolved at each run, so a saved selection run next year
means next year's "last year".
"""

import datetime

from django.utils.translation import gettext_lazy as _

from merkur.business import months
from merkur.business.figures import Period

RELATIVE = {
    "this_year": _("this year"),
    "last_year": _("last year"),
    "year_before_last": _("the year before last"),
    "last_12_months": _("the last 12 months"),
    "this_month": _("this month"),
    "last_month": _("last month"),
}


def clean(value) -> dict:
    """The stored form of a period; ``ValueError`` with the reason if it is not one."""
    if not isinstance(value, dict):
        raise ValueError(_('A period is {"relative": …} or {"from": …, "to": …}.'))
    if set(value) == {"relative"}:
        if value["relative"] not in RELATIVE:
            raise ValueError(
                _("Unknown relative period; one of: %(names)s.") % {"names": ", ".join(RELATIVE)}
            )
        return {"relative": value["relative"]}
    if set(value) == {"from", "to"}:
        try:
            start = datetime.date.fromisoformat(str(value["from"]))
            end = datetime.date.fromisoformat(str(value["to"]))
        except ValueError:
            raise ValueError(_("Dates are written YYYY-MM-DD.")) from None
        if start > end:
            raise ValueError(_("The period ends before it starts."))
        if start.year < 1900 or end.year > 2999:
            raise ValueError(_("The period must lie between 1900 and 2999."))
        return {"from": start.isoformat(), "to": end.isoformat()}
    raise ValueError(_('A period is {"relative": …} or {"from": …, "to": …}.'))


def resolve(value: dict, today: datetime.date) -> Period:
    """The dates of a stored period on ``today``."""
    if "from" in value:
        return Period(
            datetime.date.fromisoformat(value["from"]), datetime.date.fromisoformat(value["to"])
        )
    name = value["relative"]
    if name == "this_year":
        return Period.year(today.year)
    if name == "last_year":
        return Period.year(today.year - 1)
    if name == "year_before_last":
        return Period.year(today.year - 2)
    this_month = today.replace(day=1)
    if name == "this_month":
        return Period.of_months(this_month, this_month)
    last_month = months.previous_month(this_month)
    if name == "last_month":
        return Period.of_months(last_month, last_month)
    # The last 12 months: the twelve whole months before this one.
    first = last_month.replace(year=last_month.year - 1)
    return Period.of_months(months.next_month(first), last_month)


def describe(value: dict) -> str:
    if "relative" in value:
        return str(RELATIVE[value["relative"]])
    start = datetime.date.fromisoformat(value["from"])
    end = datetime.date.fromisoformat(value["to"])
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}"
