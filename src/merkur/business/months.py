"""Calendar months: revenue is kept per month, and periods are cut at month ends."""

import datetime


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def previous_month(first_day: datetime.date) -> datetime.date:
    """The first day of the month before the one starting on ``first_day``."""
    return (first_day - datetime.timedelta(days=1)).replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    return next_month(day) - datetime.timedelta(days=1)
