"""The revenue aggregate (``RevenueMonth``): kept exact on every write, rebuilt on demand.

Revenue is the net amount of the lines of sales orders that are not cancelled,
in the base currency at the rate valid on the order date, rounded to the cent
per line. ``apply`` adds (or, with ``sign=-1``, removes) one document's share;
the services call it inside the transaction that changes the document, so the
aggregate is never out of step with the lines. ``lines_revenue`` is the same
figure computed from the raw lines — what ``rebuild`` writes and what the tests
compare the aggregate with.
"""

import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, models, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum
from django.db.models.functions import Round, TruncMonth

from merkur.business import abc_cache, months, rates
from merkur.business.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    ExchangeRate,
    RevenueMonth,
)
from merkur.companies.generate.load import PostgresIndexes

MONEY = DecimalField(max_digits=18, decimal_places=2)
RATE = DecimalField(max_digits=20, decimal_places=10)


def counts(document: Document) -> bool:
    return document.kind == DocumentKind.ORDER and document.status != DocumentStatus.CANCELLED


def _shares(document: Document) -> dict[tuple[int, int], list[Decimal]]:
    shares: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    lines = list(
        DocumentLine.objects.filter(document=document).values_list(
            "article__division_id", "article__category_id", "net_amount", "quantity"
        )
    )
    if not lines:  # nothing to convert: a document without lines needs no rate
        return shares
    rate = rates.rate_on(document.currency, document.date)
    for division, category, net, quantity in lines:
        share = shares[(division, category)]
        share[0] += (net * rate).quantize(rates.CENT, rounding=ROUND_HALF_UP)
        share[1] += quantity
    return shares


def apply(document: Document, sign: int) -> None:
    """Add (``sign=1``) or remove (``-1``) the document's lines from the aggregate."""
    if not counts(document):
        return
    abc_cache.revenue_changed(document.date)
    month = document.date.replace(day=1)
    for (division, category), (amount, quantity) in _shares(document).items():
        row, _created = RevenueMonth.objects.select_for_update().get_or_create(
            company_id=document.company_id,
            month=month,
            division_id=division,
            category_id=category,
            defaults={"amount": 0, "quantity": 0},
        )
        row.amount += sign * amount
        row.quantity += sign * quantity
        if row.amount == 0 and row.quantity == 0:
            row.delete()
        else:
            row.save(update_fields=["amount", "quantity"])


def rate_on_document_date(currency=None) -> Subquery:
    """For a line: the rate of ``currency`` (default: its document's) on the document date."""
    return Subquery(
        ExchangeRate.objects.filter(
            currency=OuterRef("document__currency") if currency is None else currency,
            valid_from__lte=OuterRef("document__date"),
        )
        .order_by("-valid_from")
        .values("rate")[:1],
        output_field=RATE,
    )


def document_rate() -> models.Expression:
    """For a line: the rate of its document's currency on the document date (1 for the base)."""
    base = rates.base_currency()
    return models.Case(
        models.When(document__currency=base, then=models.Value(Decimal(1), output_field=RATE)),
        default=rate_on_document_date(),
        output_field=RATE,
    )


def revenue_lines(lines: models.QuerySet | None = None) -> models.QuerySet:
    """Lines that count as revenue, annotated with ``base_amount`` (cents, base currency).

    A line of a non-base currency without a rate gets ``base_amount`` NULL;
    ``check_rates`` finds those first.
    """
    lines = DocumentLine.objects.all() if lines is None else lines
    lines = lines.filter(document__kind=DocumentKind.ORDER).exclude(
        document__status=DocumentStatus.CANCELLED
    )
    rate = document_rate()
    return lines.annotate(
        base_amount=Round(ExpressionWrapper(F("net_amount") * rate, output_field=MONEY), 2)
    )


def check_rates(lines: models.QuerySet | None = None) -> None:
    """Raise ``MissingRate`` for the first revenue line whose currency has no rate on its day."""
    missing = (
        revenue_lines(lines)
        .filter(base_amount__isnull=True)
        .values_list("document__currency", "document__date")
        .first()
    )
    if missing:
        raise rates.MissingRate(*missing)


def lines_by_month(lines: models.QuerySet | None = None) -> models.QuerySet:
    """The aggregate's rows computed from the raw lines (one grouped query): ``company_id``,
    ``month``, ``division_id``, ``category_id``, ``amount``, ``quantity``."""
    return (
        revenue_lines(lines)
        .annotate(
            company_id=F("document__company_id"),
            division_id=F("article__division_id"),
            category_id=F("article__category_id"),
            month=TruncMonth("document__date"),
        )
        .values("company_id", "month", "division_id", "category_id")
        .annotate(amount=Sum("base_amount"), quantity=Sum("quantity"))
        # A month whose lines net to nothing has no row, as ``apply`` leaves none.
        .exclude(amount=0, quantity=0)
        .order_by()
    )


def _insert(lines: models.QuerySet | None = None, *, bulk: bool = False) -> int:
    """Write the aggregate rows of ``lines`` with one ``INSERT … SELECT`` (no rows in Python).

    ``bulk`` (many rows, PostgreSQL): the aggregate's indexes and keys are dropped
    first and built again after — one sort per index and one check per key instead
    of millions of updates; the table is locked until the transaction ends.
    """
    sql, params = lines_by_month(lines).query.sql_with_params()
    table = connection.ops.quote_name(RevenueMonth._meta.db_table)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        indexes = None
        if postgres:
            # The grouping sorts millions of rows: in memory, for this transaction only.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            if bulk:
                # Checks queued earlier in the transaction would block dropping the keys.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                indexes = PostgresIndexes([RevenueMonth._meta.db_table])
                indexes.drop()
        cursor.execute(
            f"INSERT INTO {table} (company_id, month, division_id, category_id, amount, quantity)"
            " SELECT grouped.company_id, grouped.month, grouped.division_id,"
            f" grouped.category_id, grouped.amount, grouped.quantity FROM ({sql}) grouped",
            params,
        )
        count = cursor.rowcount
        if indexes is not None:
            indexes.rebuild(workers=1)
        return count


@transaction.atomic
def rebuild() -> int:
    """Recompute the whole aggregate from the lines; returns the number of rows."""
    check_rates()
    abc_cache.revenue_changed()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Key checks still queued for rows of this transaction would block TRUNCATE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(RevenueMonth._meta.db_table)}")
        return _insert(bulk=True)
    RevenueMonth.objects.all().delete()
    return _insert()


def documents_affected_by_rate(currency: str, valid_from: datetime.date) -> models.QuerySet:
    """Revenue documents whose rate is the one starting at ``valid_from`` (until the next)."""
    following = (
        ExchangeRate.objects.filter(currency=currency, valid_from__gt=valid_from)
        .order_by("valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    documents = Document.objects.filter(
        kind=DocumentKind.ORDER, currency=currency, date__gte=valid_from
    ).exclude(status=DocumentStatus.CANCELLED)
    if following:
        documents = documents.filter(date__lt=following)
    return documents


@transaction.atomic
def refresh(
    company_ids, first_day: datetime.date, last_day: datetime.date, *, bulk: bool = False
) -> None:
    """Recompute the aggregate of some companies over the months touching a period.

    Used where many documents change at once (a new rate, an import): one grouped
    query instead of one update per document. ``company_ids`` is a list or a
    subquery of company ids; ``bulk`` as for ``_insert`` (a large import).
    """
    if isinstance(company_ids, (list, tuple, set)):
        company_ids = list(company_ids)
        if not company_ids:
            return
    abc_cache.revenue_changed(first_day, last_day)
    start, end = first_day.replace(day=1), months.month_end(last_day)
    lines = DocumentLine.objects.filter(
        document__company_id__in=company_ids, document__date__range=(start, end)
    )
    check_rates(lines)
    RevenueMonth.objects.filter(company_id__in=company_ids, month__range=(start, end)).delete()
    _insert(lines, bulk=bulk)
