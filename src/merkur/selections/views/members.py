"""Pages of a frozen run's members, sorted as chosen and fetched by keyset.

A run can hold a million members; a page is found with ``WHERE (sort key) >
(last key of the previous page)``, never by counting rows off from the start.
The sort keys are ``recipients.ordering_keys`` of a run (country, postal code, city,
company and person names), then the member's id; a key can be empty (a company run
has no person, a member may have no address), so empty keys sort last and the
comparisons say so explicitly. The rows shown are ``recipients`` rows of the page's
members, in the page's order.
"""

import base64
import json
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from merkur.core.pagination import InvalidCursor, decode_cursor
from merkur.selections.recipients import ordering_keys, recipients, source_of

MAX_KEY = 1000  # characters of a key value in a cursor
LARGEST_ID = 2**63 - 1


@dataclass
class MemberPage:
    rows: list[dict]  # ``recipients`` rows
    next_cursor: str | None
    previous_cursor: str | None
    notice: str = ""


def for_purpose(members: QuerySet, purpose: str) -> QuerySet:
    """For marketing, without people who objected (as ``recipients`` leaves them out)."""
    if purpose == "marketing":
        return members.filter(person__marketing_opt_out_at__isnull=True)
    return members


def _encode(values: list, direction: str) -> str:
    payload = json.dumps({"k": values, "d": direction}).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _decode(cursor: str, width: int) -> tuple[list, str]:
    values, direction = decode_cursor(cursor, width)
    *keys, pk = values
    for value in keys:
        if value is not None and (
            not isinstance(value, str) or "\x00" in value or len(value) > MAX_KEY
        ):
            raise InvalidCursor("cursor value of the wrong type")
    if isinstance(pk, bool) or not isinstance(pk, int) or not 1 <= pk <= LARGEST_ID:
        raise InvalidCursor("cursor id out of range")
    return values, direction


def _beyond(values: list, forward: bool) -> Q:
    """Members after (``forward``) or before the key ``values`` (``k0``, ``k1`` … then the
    id), empty keys counting as the largest."""
    *keys, pk = values
    chosen = Q(pk__in=[])  # nothing, to OR the terms onto
    for index, value in enumerate([*keys, pk]):
        same = Q()
        for position, earlier in enumerate(keys[:index]):
            if earlier is None:
                same &= Q(**{f"k{position}__isnull": True})
            else:
                same &= Q(**{f"k{position}": earlier})
        if index == len(keys):
            step = Q(pk__gt=value) if forward else Q(pk__lt=value)
        elif forward:
            if value is None:
                continue  # nothing sorts after an empty key
            step = Q(**{f"k{index}__gt": value}) | Q(**{f"k{index}__isnull": True})
        elif value is None:
            step = Q(**{f"k{index}__isnull": False})
        else:
            step = Q(**{f"k{index}__lt": value})
        chosen |= same & step
    return chosen


def _ordering(width: int, forward: bool) -> list:
    if forward:
        return [*(F(f"k{i}").asc(nulls_last=True) for i in range(width)), F("pk").asc()]
    return [*(F(f"k{i}").desc(nulls_first=True) for i in range(width)), F("pk").desc()]


def member_page(members: QuerySet, *, sort: str, cursor: str | None, per_page: int) -> MemberPage:
    """One page of ``members`` (a queryset of ``SelectionRunMember``) sorted by ``sort``.

    A cursor that does not fit gives the first page with a notice.
    """
    keys = ordering_keys(source_of(members), sort)
    keyed = members.annotate(**{f"k{i}": key for i, key in enumerate(keys)})
    names = [f"k{i}" for i in range(len(keys))]
    notice = ""
    values, direction = None, "n"
    if cursor:
        try:
            values, direction = _decode(cursor, len(keys) + 1)
        except InvalidCursor:
            notice = _("The page link was no longer valid; showing the first page.")
    forward = direction == "n"
    queryset = keyed if values is None else keyed.filter(_beyond(values, forward))
    fields = ("pk", "person_id", "company_id", *names)
    try:
        with transaction.atomic():  # a refused value must not break the transaction
            ordered = queryset.order_by(*_ordering(len(names), forward))
            found = list(ordered.values(*fields)[: per_page + 1])
    except (DatabaseError, ValueError, TypeError):
        notice = _("The page link was no longer valid; showing the first page.")
        values, forward = None, True
        found = list(keyed.order_by(*_ordering(len(names), True)).values(*fields)[: per_page + 1])
    more = len(found) > per_page
    found = found[:per_page]
    if not forward:
        found.reverse()
    has_next = more if forward else True
    has_previous = values is not None and (more if not forward else True)

    def key(row) -> list:
        return [*(row[name] for name in names), row["pk"]]

    return MemberPage(
        rows=_rows(members, found, sort),
        next_cursor=_encode(key(found[-1]), "n") if found and has_next else None,
        previous_cursor=_encode(key(found[0]), "p") if found and has_previous else None,
        notice=notice,
    )


def _rows(members: QuerySet, found: list[dict], sort: str) -> list[dict]:
    """The recipients rows of the page's members, in the page's order. Within a run a
    person (people runs) or a company (company runs) is a member once."""
    if not found:
        return []
    position = {(row["person_id"], row["company_id"]): index for index, row in enumerate(found)}
    page = members.filter(pk__in=[row["pk"] for row in found])
    rows = list(recipients(page, sort=sort, dedupe=None, purpose="non_marketing"))
    return sorted(rows, key=lambda row: position.get((row["person_pk"], row["company_pk"]), 0))
