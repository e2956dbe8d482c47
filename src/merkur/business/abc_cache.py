"""The ABC class of one company, fast at a million customers.

The class boundaries of a period (``figures.abc_boundaries``) rank every
customer — seconds at a million — so they are kept in Django's cache. Their key
holds the period, divisions, thresholds and base currency, and the *revenue
stamps* of the period: a random token per month of the aggregate and one for
all of it. ``aggregates`` replaces the tokens of the months it changes
(``revenue_changed``), so the boundaries of a period are recomputed exactly
when revenue in one of its months moved: today's orders leave last year's
boundaries cached. The TTL is a safety net for changes that pass the aggregate
functions by (a deleted company takes its rows along).

The stamps reach other processes (web workers, ``merkur worker``) only through
a cache they share; with Django's default per-process memory cache a change
made elsewhere is seen after the TTL at the latest.

A company's own revenue is always read fresh: one query on the aggregate.

``figures.abc_boundaries`` ranks the customers in one statement (from the
aggregate for periods of whole months): a few seconds for a million customers
on PostgreSQL — too slow for every company page, hence this cache. The ABC
page keeps its class totals and curve here too (``cached``).
"""

import datetime
import hashlib
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction

from merkur.business import months, rates

logger = logging.getLogger(__name__)

TTL = 3600  # seconds
# More months changed at once than this (a rate reaching far back): stamp everything.
MAX_STAMPED_MONTHS = 120
_PREFIX = "merkur:abc:"
_ALL = _PREFIX + "stamp:all"


def _month_key(month: datetime.date) -> str:
    return f"{_PREFIX}stamp:{month:%Y-%m}"


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    found, month = [], first.replace(day=1)
    while month <= last:
        found.append(month)
        month = months.next_month(month)
    return found


def _token() -> str:
    return secrets.token_hex(8)


def revenue_changed(first: datetime.date | None = None, last: datetime.date | None = None):
    """The revenue of the months from ``first`` to ``last`` changed (without dates: any month).

    Stamped now, for reads later in the writing transaction, and again on commit:
    boundaries computed between the two from the old figures would otherwise stay
    cached under the new stamp. A cache that fails must not stop the write.
    """
    if first is None:
        stamps = {_ALL: None}
    else:
        changed = _months(first, last or first)
        if len(changed) > MAX_STAMPED_MONTHS:
            stamps = {_ALL: None}
        else:
            stamps = {_month_key(month): None for month in changed}

    def stamp() -> None:
        try:
            cache.set_many({key: _token() for key in stamps}, timeout=None)
        except Exception:  # any backend's error: the TTL still bounds the staleness
            logger.exception("ABC boundaries: could not stamp the revenue change")

    stamp()
    transaction.on_commit(stamp)


def _stamps(period) -> list[str]:
    """The current stamps of ``period`` (one cache round trip when all exist)."""
    keys = [_ALL] + [_month_key(month) for month in _months(period.start, period.end)]
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            # Never stamped or evicted: a fresh token, never an old key's default.
            cache.add(key, _token(), timeout=None)
            found[key] = cache.get(key)
    return [str(found[key]) for key in keys]


def cached(name: str, period, divisions, thresholds, compute):
    """``compute()`` — a figure of the ranking of ``period`` — from the cache while revenue
    in the period is unchanged; ``name`` tells the figures apart."""
    divisions = sorted(set(divisions or []))
    parts = [
        name,
        period.start.isoformat(),
        period.end.isoformat(),
        ",".join(map(str, divisions)),
        str(thresholds.a),
        str(thresholds.b),
        rates.base_currency(),
        *_stamps(period),
    ]
    key = _PREFIX + "ranking:" + hashlib.sha256("|".join(parts).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=TTL)
    return found


def boundaries(period, *, divisions: list[int] | None = None, thresholds=None) -> tuple:
    """``figures.abc_boundaries`` of the period, from the cache while revenue is unchanged."""
    # Imported here: ``aggregates`` imports this module and ``figures`` imports ``aggregates``.
    from merkur.business import figures

    thresholds = thresholds or figures.AbcThresholds.configured()
    return cached(
        "bounds",
        period,
        divisions,
        thresholds,
        lambda: figures.abc_boundaries(period, divisions=divisions or None, thresholds=thresholds),
    )


@dataclass(frozen=True)
class CompanyAbc:
    period: object  # figures.Period
    abc_class: str | None  # "A", "B", "C"; None without revenue in the period
    revenue: Decimal


def _ranked_before(boundary, revenue: Decimal, company_id: int) -> bool:
    # The ranking's order: more revenue first, equal revenue by smaller pk.
    return revenue > boundary.revenue or (revenue == boundary.revenue and company_id < boundary.pk)


def class_of(company_id: int, revenue: Decimal, first_b, first_c) -> str | None:
    """The class of a company with ``revenue`` given the first B and first C customer."""
    if revenue <= 0:
        return None
    if first_b is None or _ranked_before(first_b, revenue, company_id):
        return "A"
    if first_c is None or _ranked_before(first_c, revenue, company_id):
        return "B"
    return "C"


def company_abc(company_id: int, period, divisions: list[int] | None = None) -> CompanyAbc:
    """The company's ABC class and revenue in ``period`` (base currency).

    One query for the company's revenue; the boundaries come from the cache, and
    are not needed at all for a company without revenue. Raises
    ``Company.DoesNotExist`` for an unknown id.
    """
    from merkur.business import figures
    from merkur.companies.models import Company

    revenue = (
        Company.objects.filter(pk=company_id)
        .annotate(abc_revenue=figures.revenue(period, divisions=divisions))
        .values_list("abc_revenue", flat=True)
        .first()
    )
    if revenue is None:
        raise Company.DoesNotExist(f"No company {company_id}")
    if revenue <= 0:
        return CompanyAbc(period, None, revenue)
    first_b, first_c = boundaries(period, divisions=divisions)
    return CompanyAbc(period, class_of(company_id, revenue, first_b, first_c), revenue)
