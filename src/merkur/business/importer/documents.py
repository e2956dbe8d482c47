"""Importing offers, sales orders and purchase orders with their lines: staged, set-based.

One row per document line; the document's own columns are repeated on each of
its lines and must agree (a document without lines is one row with the line
columns empty). The lines of a document follow one another, as every ERP
exports them. Rows are read and checked in Python (values, articles, positions),
staged with COPY, checked against the database in a few set-based queries
(customer numbers, contact persons, offers, exchange rates) and written with
``INSERT … SELECT`` — then the revenue aggregate of the companies concerned is
recomputed in one grouped statement. Re-importing a document number replaces
that document and its lines.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from merkur.business import aggregates, rates
from merkur.business.importer import values
from merkur.business.importer.result import ImportResult
from merkur.business.importer.staging import StagingTable
from merkur.business.models import (
    Article,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    ExchangeRate,
)
from merkur.companies.generate.load import PostgresIndexes
from merkur.companies.models import Company, Person

# name → required
COLUMNS = {
    "kind": True,
    "number": True,
    "company_number": True,
    "person": False,
    "date": True,
    "currency": True,
    "status": False,
    "offer_number": False,
    "position": False,
    "article": False,
    "quantity": False,
    "unit_price": False,
    "discount_percent": False,
    "net_amount": False,
}
HEADER_COLUMNS = (
    "kind",
    "company_number",
    "person",
    "date",
    "currency",
    "status",
    "offer_number",
)
LINE_COLUMNS = ("position", "article", "quantity", "unit_price", "discount_percent", "net_amount")

KIND_NAMES = {
    "offer": DocumentKind.OFFER,
    "offerte": DocumentKind.OFFER,
    "angebot": DocumentKind.OFFER,
    "order": DocumentKind.ORDER,
    "sales_order": DocumentKind.ORDER,
    "auftrag": DocumentKind.ORDER,
    "purchase": DocumentKind.PURCHASE,
    "purchase_order": DocumentKind.PURCHASE,
    "bestellung": DocumentKind.PURCHASE,
}
STATUS_NAMES = {
    "open": DocumentStatus.OPEN,
    "offen": DocumentStatus.OPEN,
    "accepted": DocumentStatus.ACCEPTED,
    "angenommen": DocumentStatus.ACCEPTED,
    "rejected": DocumentStatus.REJECTED,
    "abgelehnt": DocumentStatus.REJECTED,
    "done": DocumentStatus.DONE,
    "erledigt": DocumentStatus.DONE,
    "cancelled": DocumentStatus.CANCELLED,
    "canceled": DocumentStatus.CANCELLED,
    "storniert": DocumentStatus.CANCELLED,
}
NUMBER_LENGTH = Document._meta.get_field("number").max_length
MONEY_LIMIT = Decimal(10) ** 16
# A load of at least this many lines, and at least this share of the lines already
# stored, rebuilds the lines table's indexes instead of updating them (``write``).
BIG_LOAD_LINES = 500_000
BIG_LOAD_SHARE = 0.25
ANALYZE_LINES = 50_000
HUNDRED = Decimal(100)
ZERO = Decimal(0)

STAGED_DOCUMENT = (
    "import_document",
    [
        ("seq", "bigint"),
        ("line", "bigint"),
        ("kind", "varchar(10)"),
        ("number", "varchar(50)"),
        ("company_number", "varchar(50)"),
        ("person_id", "bigint"),
        ("date", "date"),
        ("currency", "varchar(3)"),
        ("status", "varchar(10)"),
        ("offer_number", "varchar(50)"),
        ("total_net", "numeric(18, 2)"),
        ("line_count", "integer"),
    ],
)
STAGED_LINE = (
    "import_line",
    [
        ("doc_seq", "bigint"),
        ("line", "bigint"),
        ("position", "integer"),
        ("article_id", "bigint"),
        ("quantity", "numeric(18, 3)"),
        ("unit_price", "numeric(18, 4)"),
        ("discount_percent", "numeric(5, 2)"),
        ("net_amount", "numeric(18, 2)"),
    ],
)


class Staged:
    """The staging tables of one import (its own: buffers and counts are never shared)."""

    def __init__(self):
        self.documents = StagingTable(*STAGED_DOCUMENT)
        self.lines = StagingTable(*STAGED_LINE)

    def create(self) -> None:
        self.documents.create()
        self.lines.create()

    def drop(self) -> None:
        self.documents.drop()
        self.lines.drop()


# The document's own columns as written, to see at once that a line repeats them.
RAW_HEADER = ("kind", "number", *HEADER_COLUMNS[1:])
# name → (digits before the point, places after it, may be negative); see ``_number``.
NUMBERS = {
    "quantity": (15, 3, False),
    "unit_price": (14, 4, True),
    "discount_percent": (3, 2, False),
    "net_amount": (16, 2, True),
}


def _plain_number(before: int, places: int, negative: bool, decimal_comma: bool):
    """What most fields hold: digits and perhaps a point, within the column's limits."""
    sign = "-?" if negative else ""
    fraction = "" if decimal_comma else rf"(?:\.\d{{1,{places}}})?"
    return re.compile(rf"{sign}\d{{1,{before}}}{fraction}")


class _Document:
    """The document being read: its first row's columns and what its lines add up to."""

    __slots__ = ("bad", "header", "key", "line", "positions", "raw", "seq", "total")

    def __init__(self, seq: int, line: int, key: tuple, raw: tuple, header: tuple):
        self.seq, self.line, self.key, self.raw, self.header = seq, line, key, raw, header
        self.positions: set[int] = set()
        self.total = ZERO
        self.bad = False


class DocumentReader:
    """Turns rows into staged documents and lines, reporting what is wrong with each row."""

    def __init__(
        self, result: ImportResult, names: list[str], staged: Staged, *, decimal_comma=False
    ):
        """``names``: the file's columns in the order of each row's fields."""
        self.result = result
        self.staged = staged
        # A row gets one more, empty field: where the columns the file lacks point to.
        self.names = [*names, ""]

        def getter(columns):
            return itemgetter(*[names.index(c) if c in names else -1 for c in columns])

        self.raw_of = getter(RAW_HEADER)
        self.line_of = getter(("article", "position", *NUMBERS))
        self.decimal_comma = decimal_comma
        self.articles = dict(Article.objects.values_list("number", "pk"))
        self.current: _Document | None = None
        self.seq = 0
        self.plain = {
            name: _plain_number(*limits, decimal_comma).fullmatch
            for name, limits in NUMBERS.items()
        }

    def _error(self, line: int, column: str, value, reason) -> None:
        self.result.add_error(line, column, value, str(reason))

    def _number(self, row, line, column, **kwargs):
        raw = row.get(column, "")
        if self.plain[column](raw):  # the fast path, taken by nearly every field
            return Decimal(raw)
        if not raw.strip():
            return None
        try:
            return values.decimal(raw, decimal_comma=self.decimal_comma, **kwargs)
        except values.Bad as reason:
            self._error(line, column, raw, reason)
            raise

    def row(self, line: int, fields: list[str]) -> None:
        self.result.rows += 1
        errors_before = self.result.error_count
        fields.append("")
        raw = self.raw_of(fields)
        document = self.current
        if document is not None and raw == document.raw:
            # Another line of the same document, its columns repeated as they were.
            self._line(line, fields, document)
            if self.result.error_count > errors_before:
                document.bad = True
            return
        row = dict(zip(self.names, fields, strict=True))
        header, key = self._header(line, row)
        if key is None:
            return
        document = self.current
        if document is None or document.key != key:
            self._finish()
            self.seq += 1
            document = self.current = _Document(self.seq, line, key, raw, header)
        elif header is not None and header != document.header:
            for name, mine, first in zip(HEADER_COLUMNS, header, document.header, strict=True):
                if mine != first:
                    self._error(
                        line,
                        name,
                        row.get(name, ""),
                        _("Differs from the first line of document %(number)s (line %(line)s).")
                        % {"number": key[1], "line": document.line},
                    )
        self._line(line, fields, document)
        if header is None or self.result.error_count > errors_before:
            document.bad = True

    def _header(self, line: int, row: dict[str, str]):
        """(header values or None if one is bad, (kind, number) or None if unusable)."""
        bad = False
        raw_kind, number = row["kind"], row["number"].strip()
        kind = None
        try:
            kind = values.choice(raw_kind, KIND_NAMES)
        except values.Bad as reason:
            self._error(line, "kind", raw_kind, reason)
        if not number:
            self._error(line, "number", "", _("A document number is required."))
        elif len(number) > NUMBER_LENGTH:
            self._error(line, "number", number, _("At most 50 characters."))
            number = ""
        if kind is None or not number:
            return None, None
        parsed = [kind]
        company_number = row["company_number"].strip()
        if not company_number:
            self._error(line, "company_number", "", _("A customer/supplier number is required."))
            bad = True
        elif len(company_number) > NUMBER_LENGTH:
            self._error(line, "company_number", company_number, _("At most 50 characters."))
            bad = True
        parsed.append(company_number)
        person = row.get("person", "").strip()
        try:
            parsed.append(values.integer(person) if person else None)
        except values.Bad as reason:
            self._error(line, "person", person, reason)
            bad = True
        for name, read in (("date", values.date), ("currency", values.currency)):
            try:
                parsed.append(read(row[name]))
            except values.Bad as reason:
                self._error(line, name, row[name], reason)
                bad = True
        status = row.get("status", "").strip()
        try:
            parsed.append(values.choice(status, STATUS_NAMES) if status else DocumentStatus.OPEN)
        except values.Bad as reason:
            self._error(line, "status", status, reason)
            bad = True
        offer = row.get("offer_number", "").strip()
        if len(offer) > NUMBER_LENGTH:
            self._error(line, "offer_number", offer, _("At most 50 characters."))
            bad = True
        elif offer and kind != DocumentKind.ORDER:
            self._error(
                line, "offer_number", offer, _("Only a sales order can come from an offer.")
            )
            bad = True
        parsed.append(offer)
        return (None if bad else tuple(parsed)), (kind, number)

    def _line(self, line: int, fields: list[str], document: _Document) -> None:
        """Stage one line. Nearly every line is plain — a known article, digits with a
        point, no net amount given — and takes the short way; anything else is read
        field by field with a reason for each bad one (``_careful_line``)."""
        plain = self.plain
        article, position, quantity, price, discount, net = self.line_of(fields)
        article = self.articles.get(article)
        if (
            article is not None
            and (not position or (position.isdecimal() and len(position) < 10))
            and plain["quantity"](quantity)
            and (not price or plain["unit_price"](price))
            and (not discount or plain["discount_percent"](discount))
            and not net
        ):
            positions = document.positions
            position = int(position) if position else len(positions) + 1
            quantity = Decimal(quantity)
            price = Decimal(price) if price else ZERO
            discount = Decimal(discount) if discount else ZERO
            if position and position not in positions and discount <= HUNDRED:
                net = quantity * price * (HUNDRED - discount) / HUNDRED
                if abs(net) < MONEY_LIMIT:
                    net = net.quantize(rates.CENT, rounding=ROUND_HALF_UP)
                    positions.add(position)
                    document.total += net
                    self.staged.lines.add(
                        (document.seq, line, position, article, quantity, price, discount, net)
                    )
                    return
        self._careful_line(line, dict(zip(self.names, fields, strict=True)), document)

    def _careful_line(self, line: int, row: dict[str, str], document: _Document) -> None:
        article_number = row.get("article", "").strip()
        if not article_number:
            rest = [name for name in LINE_COLUMNS if row.get(name, "").strip()]
            if rest:
                self._error(line, "article", "", _("A line needs an article number."))
            return
        article = self.articles.get(article_number)
        if article is None:
            self._error(
                line,
                "article",
                article_number,
                _("There is no article with number %(number)s.") % {"number": article_number},
            )
        position = row.get("position", "").strip()
        try:
            position = values.integer(position) if position else len(document.positions) + 1
        except values.Bad as reason:
            self._error(line, "position", position, reason)
            position = None
        if position is not None:
            if position in document.positions:
                self._error(
                    line, "position", position, _("Position %(n)s appears twice.") % {"n": position}
                )
            document.positions.add(position)
        try:
            quantity = self._number(row, line, "quantity", digits=18, places=3, minimum=0)
            if quantity is None:
                self._error(line, "quantity", "", _("A quantity is required."))
                return
            price = self._number(row, line, "unit_price", digits=18, places=4) or ZERO
            discount = self._number(row, line, "discount_percent", digits=5, places=2, minimum=0)
            discount = discount or ZERO
            if discount > HUNDRED:
                self._error(
                    line,
                    "discount_percent",
                    row["discount_percent"],
                    _("The discount must be between 0 and 100 %."),
                )
                return
            net = self._number(row, line, "net_amount", digits=18, places=2)
        except values.Bad:
            return
        if net is None:
            gross = quantity * price * (HUNDRED - discount) / HUNDRED
            if abs(gross) >= MONEY_LIMIT:
                self._error(line, "net_amount", "", _("The net amount is too large."))
                return
            net = gross.quantize(rates.CENT, rounding=ROUND_HALF_UP)
        document.total += net
        if article is not None and position is not None:
            self.staged.lines.add(
                (document.seq, line, position, article, quantity, price, discount, net)
            )

    def _finish(self) -> None:
        document = self.current
        if document is None or document.bad:
            return
        if abs(document.total) >= MONEY_LIMIT:
            self._error(
                document.line, "net_amount", "", _("The net total of the lines is too large.")
            )
            return
        kind, company, person, date, currency, status, offer = document.header
        self.staged.documents.add(
            (
                document.seq,
                document.line,
                kind,
                document.key[1],
                company,
                person,
                date,
                currency,
                status,
                offer,
                document.total,
                len(document.positions),
            )
        )

    def close(self) -> None:
        self._finish()
        self.current = None
        self.staged.documents.flush()
        self.staged.lines.flush()


def _day(value) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def index_staged(staged: Staged) -> None:
    """Planner statistics for the staged rows; on SQLite, which only joins along indexes,
    the indexes its joins need."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("CREATE INDEX import_document_seq ON import_document (seq)")
            cursor.execute("CREATE INDEX import_document_key ON import_document (kind, number)")
            cursor.execute("CREATE INDEX import_line_doc ON import_line (doc_seq)")
    staged.documents.analyze()
    staged.lines.analyze()


def check(result: ImportResult) -> None:
    """The checks that need the database, each one query over the staged documents."""
    document, company, person = _table(Document), _table(Company), _table(Person)
    for line, number, first in _rows(
        "SELECT d.line, d.number, g.first_line FROM import_document d JOIN"
        " (SELECT kind, number, min(seq) AS first_seq, min(line) AS first_line"
        "  FROM import_document GROUP BY kind, number HAVING count(*) > 1) g"
        " ON g.kind = d.kind AND g.number = d.number AND g.first_seq <> d.seq"
    ):
        result.add_error(
            line,
            "number",
            number,
            _(
                "Document %(number)s appears again; the lines of a document must follow one "
                "another (first at line %(line)s)."
            )
            % {"number": number, "line": first},
        )
    for line, number in _rows(
        "SELECT d.line, d.company_number FROM import_document d WHERE NOT EXISTS"
        f" (SELECT 1 FROM {company} c WHERE c.number = d.company_number)"
    ):
        result.add_error(
            line,
            "company_number",
            number,
            _("There is no company with customer/supplier number %(number)s.") % {"number": number},
        )
    for line, person_id, number in _rows(
        "SELECT d.line, d.person_id, d.company_number FROM import_document d"
        " WHERE d.person_id IS NOT NULL AND NOT EXISTS"
        f" (SELECT 1 FROM {person} p JOIN {company} c ON c.id = p.company_id"
        "  WHERE p.id = d.person_id AND c.number = d.company_number)"
    ):
        result.add_error(
            line,
            "person",
            person_id,
            _("There is no person with id %(id)s at company %(number)s.")
            % {"id": person_id, "number": number},
        )
    for line, number in _rows(
        "SELECT d.line, d.offer_number FROM import_document d WHERE d.offer_number <> ''"
        f" AND NOT EXISTS (SELECT 1 FROM {document} o"
        "  WHERE o.kind = %s AND o.number = d.offer_number)"
        " AND NOT EXISTS (SELECT 1 FROM import_document o"
        "  WHERE o.kind = %s AND o.number = d.offer_number)",
        [DocumentKind.OFFER, DocumentKind.OFFER],
    ):
        result.add_error(
            line,
            "offer_number",
            number,
            _("There is no offer with number %(number)s.") % {"number": number},
        )
    for line, currency, day in _rows(
        "SELECT d.line, d.currency, d.date FROM import_document d"
        " WHERE d.kind = %s AND d.status <> %s AND d.line_count > 0 AND d.currency <> %s"
        f" AND NOT EXISTS (SELECT 1 FROM {_table(ExchangeRate)} r"
        "  WHERE r.currency = d.currency AND r.valid_from <= d.date)",
        [DocumentKind.ORDER, DocumentStatus.CANCELLED, rates.base_currency()],
    ):
        result.add_error(line, "currency", currency, rates.MissingRate(currency, day).messages[0])


def count(result: ImportResult) -> None:
    """How many of the staged documents exist already (updated) and how many are new."""
    ((total, existing),) = _rows(
        "SELECT count(*), count(e.id) FROM import_document d"
        f" LEFT JOIN {_table(Document)} e ON e.kind = d.kind AND e.number = d.number"
    )
    result.records = total
    result.updated = existing
    result.created = total - existing


def _big_load(cursor, lines: int) -> bool:
    """Whether the staged lines are many next to the table's (PostgreSQL's estimate)."""
    if connection.vendor != "postgresql" or lines < BIG_LOAD_LINES:
        return False
    cursor.execute(
        "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [_table(DocumentLine)]
    )
    return lines >= cursor.fetchone()[0] * BIG_LOAD_SHARE


def write(staged: Staged) -> None:
    """Replace the documents and their lines; recompute the aggregate of their companies.

    A big load (many lines next to those already there, on PostgreSQL) drops the
    indexes and keys of the documents and lines tables first (but the documents'
    unique number) and builds them again at the end —
    one sort per index and one check per key instead of millions of updates; what
    ``pg_restore`` does. The tables are locked for the import's duration then.
    """
    document, line, company = _table(Document), _table(DocumentLine), _table(Company)
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Sorts and hashes over millions of rows in memory, not in temporary files;
            # only for this transaction.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        indexes = None
        if _big_load(cursor, staged.lines.count):
            # Checks queued earlier in the transaction would block dropping the keys.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # The documents' unique number stays: the upsert below finds them by it.
            indexes = PostgresIndexes(
                [DocumentLine._meta.db_table, Document._meta.db_table],
                keep=("document_unique_number",),
            )
            indexes.drop()
        # The companies whose revenue changes: of the documents as they were and as they come.
        cursor.execute("DROP TABLE IF EXISTS import_company")
        cursor.execute("CREATE TEMP TABLE import_company (company_id bigint)")
        cursor.execute(
            "INSERT INTO import_company (company_id)"
            f" SELECT c.id FROM import_document d JOIN {company} c ON c.number = d.company_number"
            " WHERE d.kind = %s UNION"
            f" SELECT e.company_id FROM import_document d JOIN {document} e"
            "  ON e.kind = d.kind AND e.number = d.number WHERE e.kind = %s",
            [DocumentKind.ORDER, DocumentKind.ORDER],
        )
        cursor.execute(
            "SELECT min(day), max(day) FROM (SELECT d.date AS day FROM import_document d"
            f" UNION ALL SELECT e.date FROM import_document d JOIN {document} e"
            "  ON e.kind = d.kind AND e.number = d.number) days"
        )
        # SQLite answers min/max of dates as text.
        first, last = (_day(value) for value in cursor.fetchone())
        cursor.execute(
            f"DELETE FROM {line} WHERE document_id IN (SELECT e.id FROM {document} e"
            " JOIN import_document d ON e.kind = d.kind AND e.number = d.number)"
        )
        cursor.execute(
            f"INSERT INTO {document} (kind, number, company_id, person_id, date, currency,"
            " status, offer_id, total_net, created_at, updated_at, version)"
            " SELECT d.kind, d.number, c.id, d.person_id, d.date, d.currency, d.status, NULL,"
            f" d.total_net, %s, %s, 1 FROM import_document d JOIN {company} c"
            "  ON c.number = d.company_number WHERE true"
            " ON CONFLICT (kind, number) DO UPDATE SET company_id = excluded.company_id,"
            " person_id = excluded.person_id, date = excluded.date,"
            " currency = excluded.currency, status = excluded.status, offer_id = NULL,"
            " total_net = excluded.total_net, updated_at = excluded.updated_at,"
            f" version = {document}.version + 1",
            [now, now],
        )
        cursor.execute("SELECT 1 FROM import_document WHERE offer_number <> '' LIMIT 1")
        if cursor.fetchone():
            cursor.execute(
                f"UPDATE {document} SET offer_id = (SELECT o.id FROM {document} o"
                "  WHERE o.kind = %s AND o.number = (SELECT d.offer_number FROM import_document d"
                f"   WHERE d.kind = {document}.kind AND d.number = {document}.number))"
                f" WHERE id IN (SELECT e.id FROM import_document d JOIN {document} e"
                "  ON e.kind = d.kind AND e.number = d.number WHERE d.offer_number <> '')",
                [DocumentKind.OFFER],
            )
        cursor.execute(
            f"INSERT INTO {line} (document_id, position, article_id, quantity, unit_price,"
            " discount_percent, net_amount)"
            " SELECT e.id, l.position, l.article_id, l.quantity, l.unit_price,"
            " l.discount_percent, l.net_amount FROM import_line l"
            " JOIN import_document d ON d.seq = l.doc_seq"
            f" JOIN {document} e ON e.kind = d.kind AND e.number = d.number"
        )
        if indexes is not None:
            indexes.rebuild(workers=1)
        if staged.lines.count >= ANALYZE_LINES:
            # Fresh statistics, or the aggregate's grouped query plans for an empty table.
            cursor.execute(f"ANALYZE {document}")
            cursor.execute(f"ANALYZE {line}")
        # A few companies or a million: the aggregate's plan depends on knowing which.
        cursor.execute("ANALYZE import_company")
    if first is not None:
        aggregates.refresh(
            RawSQL("SELECT company_id FROM import_company", ()),
            first,
            last,
            bulk=indexes is not None,
        )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_company")
