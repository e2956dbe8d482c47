"""Recurring contacts (Zeitraster): RFC 5545 rules, their next occurrence, plain-language text.

A rule is kept as the RRULE value (``FREQ=WEEKLY;INTERVAL=2;BYDAY=TU``) and
counted from the series start, so COUNT and UNTIL mean what RFC 5545 says and
any calendar program reads the same rule. Occurrences are computed in local
wall-clock time: a weekly 09:00 call stays at 09:00 across daylight saving.
"""

import datetime
import re
from dataclasses import dataclass

from dateutil import rrule
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_KEYS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYMONTH", "COUNT", "UNTIL", "WKST"}
# What each frequency may be narrowed by: the schedules of the form, in RFC 5545
# terms. Narrower than RFC 5545 on purpose — combinations such as a daily rule on
# 30 February never fire, and searching for their next date would take seconds.
_ALLOWED = {
    "DAILY": {"FREQ", "INTERVAL", "COUNT", "UNTIL"},
    "WEEKLY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"},
    "MONTHLY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY"},
    "YEARLY": {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH"},
}
_NTH_DAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
MAX_INTERVAL = 999
MAX_COUNT = 1000
# A valid rule must fire within this time from its start.
_HORIZON = datetime.timedelta(days=366 * 8)


@dataclass(frozen=True)
class Schedule:
    """A rule in the terms of the form: every ``interval`` units, on what, until when."""

    frequency: str  # DAILY, WEEKLY, MONTHLY, YEARLY (quarterly = MONTHLY every 3)
    interval: int = 1
    weekdays: tuple[str, ...] = ()  # WEEKLY: MO…SU; MONTHLY with ``week_of_month``: one day
    month_day: int | None = None  # MONTHLY: on this day (1–31, -1 = last day)
    week_of_month: int | None = None  # MONTHLY: 1.–4. or -1 (last) ``weekdays[0]``
    count: int | None = None
    until: datetime.date | None = None

    def to_rule(self) -> str:
        parts = [f"FREQ={self.frequency}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.week_of_month is not None and self.weekdays:
            parts.append(f"BYDAY={self.week_of_month}{self.weekdays[0]}")
        elif self.weekdays:
            parts.append("BYDAY=" + ",".join(self.weekdays))
        if self.month_day is not None:
            parts.append(f"BYMONTHDAY={self.month_day}")
        if self.count:
            parts.append(f"COUNT={self.count}")
        if self.until:
            parts.append(f"UNTIL={self.until:%Y%m%d}T235959")
        rule = ";".join(parts)
        parse(rule)
        return rule


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_recurrence")


def parse(rule: str) -> dict[str, str]:
    """The rule's parts, checked; raises ``ValidationError`` with a readable reason."""
    rule = (rule or "").strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    parts: dict[str, str] = {}
    for item in filter(None, rule.split(";")):
        key, sep, value = item.partition("=")
        key = key.strip().upper()
        if not sep or key not in _KEYS or key in parts:
            raise _invalid(
                _("“%(part)s” is not a valid part of a recurrence rule.") % {"part": item}
            )
        parts[key] = value.strip().upper()
    if parts.get("UNTIL", "").endswith("Z"):
        # Occurrences are local wall-clock times; a UTC end becomes that day locally.
        parts["UNTIL"] = parts["UNTIL"][:-1]
    if parts.get("FREQ") not in FREQUENCIES:
        raise _invalid(_("A recurrence needs a frequency: daily, weekly, monthly or yearly."))
    _check_narrowing(parts)
    if "COUNT" in parts and "UNTIL" in parts:
        raise _invalid(_("A recurrence ends either after a number of times or on a date."))
    interval = parts.get("INTERVAL", "1")
    if not interval.isdigit() or not 1 <= int(interval) <= MAX_INTERVAL:
        raise _invalid(
            _("The interval must be a whole number from 1 to %(max)d.") % {"max": MAX_INTERVAL}
        )
    count = parts.get("COUNT")
    if count is not None and (not count.isdigit() or not 1 <= int(count) <= MAX_COUNT):
        raise _invalid(_("The number of times must be from 1 to %(max)d.") % {"max": MAX_COUNT})
    start = datetime.datetime(2000, 1, 1)
    try:
        rrule.rrulestr("RRULE:" + _join_parts(parts), dtstart=start)
        # A rule that never fires (30 February, the 5th day of a day) would make a
        # search for the next date run to the year 9999; a real schedule repeats
        # within a few years. Checked with an end set, so the check itself is bounded.
        probe = {k: v for k, v in parts.items() if k not in ("COUNT", "UNTIL")}
        probe["UNTIL"] = f"{start + _HORIZON:%Y%m%dT%H%M%S}"
        fires = rrule.rrulestr("RRULE:" + _join_parts(probe), dtstart=start).after(start, inc=True)
    except (ValueError, TypeError) as error:
        raise _invalid(
            _("The recurrence rule is not valid: %(error)s") % {"error": error}
        ) from None
    if fires is None:
        raise _invalid(_("This recurrence rule never produces a date."))
    return parts


def _join_parts(parts: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts.items())


def _check_narrowing(parts: dict[str, str]) -> None:
    freq = parts["FREQ"]
    extra = set(parts) - _ALLOWED[freq]
    if extra:
        raise _invalid(
            _("“%(freq)s” cannot be narrowed by %(parts)s.")
            % {"freq": _every(freq, 1), "parts": ", ".join(sorted(extra))}
        )
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    for day in days:
        match = _NTH_DAY.match(day)
        if not match or (match.group(1) and freq in ("DAILY", "WEEKLY")):
            raise _invalid(_("“%(day)s” is not a day of the week.") % {"day": day})
    if freq in ("MONTHLY", "YEARLY"):
        if "BYDAY" in parts and "BYMONTHDAY" in parts:
            raise _invalid(_("Choose either a day of the month or a weekday, not both."))
        if len(days) > 1 and any(_NTH_DAY.match(d).group(1) for d in days):
            raise _invalid(_("Only one weekday can be numbered (e.g. the last Friday)."))
        month_day = parts.get("BYMONTHDAY")
        if month_day is not None and month_day not in {str(n) for n in [*range(1, 32), -1]}:
            raise _invalid(_("The day of the month must be from 1 to 31, or -1 for the last day."))
    for month in filter(None, parts.get("BYMONTH", "").split(",")):
        if month not in {str(n) for n in range(1, 13)}:
            raise _invalid(_("“%(month)s” is not a month (1–12).") % {"month": month})


def normalise(rule: str) -> str:
    """The rule in the canonical spelling we store (upper case, no ``RRULE:``)."""
    return _join_parts(parse(rule))


def _local_naive(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment).replace(tzinfo=None)


def _rule(rule: str, start: datetime.datetime) -> rrule.rrule:
    return rrule.rrulestr("RRULE:" + normalise(rule), dtstart=_local_naive(start))


def next_after(rule: str, start: datetime.datetime, after: datetime.datetime):
    """The first occurrence strictly after ``after`` (aware), or None when the series ended."""
    found = _rule(rule, start).after(_local_naive(after), inc=False)
    return None if found is None else timezone.make_aware(found)


def first(rule: str, start: datetime.datetime):
    """The series' first occurrence (``start`` itself if it fits the rule)."""
    found = _rule(rule, start).after(_local_naive(start), inc=True)
    return None if found is None else timezone.make_aware(found)


def upcoming(rule: str, start: datetime.datetime, after: datetime.datetime, limit: int = 5):
    """The next ``limit`` occurrences after ``after``: shown in the form as a check."""
    result = []
    current = after
    for _i in range(limit):
        current = next_after(rule, start, current)
        if current is None:
            break
        result.append(current)
    return result


# --- in plain language ----------------------------------------------------------------------


def _day_names() -> dict[str, str]:
    return {
        "MO": _("Monday"),
        "TU": _("Tuesday"),
        "WE": _("Wednesday"),
        "TH": _("Thursday"),
        "FR": _("Friday"),
        "SA": _("Saturday"),
        "SU": _("Sunday"),
    }


def _ordinal(n: int) -> str:
    return {
        1: _("first"),
        2: _("second"),
        3: _("third"),
        4: _("fourth"),
        5: _("fifth"),
        -1: _("last"),
        -2: _("second to last"),
    }.get(n, str(n))


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s") % {"items": ", ".join(items[:-1]), "last": items[-1]}


def _every(freq: str, interval: int) -> str:
    if freq == "DAILY":
        return (
            _("daily")
            if interval == 1
            else ngettext("every %(n)d day", "every %(n)d days", interval) % {"n": interval}
        )
    if freq == "WEEKLY":
        return (
            _("weekly")
            if interval == 1
            else ngettext("every %(n)d week", "every %(n)d weeks", interval) % {"n": interval}
        )
    if freq == "MONTHLY":
        if interval == 3:
            return _("quarterly")
        if interval == 6:
            return _("half-yearly")
        return (
            _("monthly")
            if interval == 1
            else ngettext("every %(n)d month", "every %(n)d months", interval) % {"n": interval}
        )
    return (
        _("yearly")
        if interval == 1
        else ngettext("every %(n)d year", "every %(n)d years", interval) % {"n": interval}
    )


def describe(rule: str, start: datetime.datetime | None = None) -> str:
    """E.g. "alle 2 Wochen am Dienstag", "monatlich am letzten Freitag, 10-mal"."""
    try:
        parts = parse(rule)
    except ValidationError:
        return rule
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    text = _every(freq, interval)
    names = _day_names()
    days = [d for d in parts.get("BYDAY", "").split(",") if d]
    if days:
        plain = [d for d in days if d in names]
        if len(plain) == len(days):
            text = _("%(every)s on %(days)s") % {
                "every": text,
                "days": _join([names[d] for d in plain]),
            }
        elif len(days) == 1 and days[0][-2:] in names:
            n = int(days[0][:-2] or parts.get("BYSETPOS", "1"))
            text = _("%(every)s on the %(nth)s %(day)s") % {
                "every": text,
                "nth": _ordinal(n),
                "day": names[days[0][-2:]],
            }
    if "BYMONTHDAY" in parts:
        day = int(parts["BYMONTHDAY"].split(",")[0])
        if day == -1:
            text = _("%(every)s on the last day") % {"every": text}
        else:
            text = _("%(every)s on the %(day)d.") % {"every": text, "day": day}
    if "BYMONTH" in parts:
        months = [str(MONTHS[int(m)]) for m in parts["BYMONTH"].split(",")]
        text = _("%(every)s in %(months)s") % {"every": text, "months": _join(months)}
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        text += ", " + ngettext("%(n)d time", "%(n)d times", count) % {"n": count}
    if "UNTIL" in parts:
        until = datetime.datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
        text += ", " + _("until %(date)s") % {
            "date": formats.date_format(until, "SHORT_DATE_FORMAT")
        }
    return text
