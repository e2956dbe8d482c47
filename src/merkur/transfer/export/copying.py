"""CSV written by PostgreSQL itself: ``COPY (SELECT …) TO STDOUT``, the fast path.

Fetching rows into Python and Python's ``csv`` module together stop a CSV export at
about 90,000 rows/s; PostgreSQL writes CSV several times faster. Where that gives the
file byte for byte as ``writers.delimited`` writes it, the export's main query — the
queryset the Python path reads (``reading.main_query``), compiled by Django — is
wrapped in two SELECTs that turn every column into the text Python would write
(names of master data, lists joined, yes/no, dates, decimals, attributes as of a day,
the formula apostrophe), and PostgreSQL writes the CSV. Python adds the byte order
mark and the heading line, ends the records as chosen (``Records``: PostgreSQL ends
them with LF) and counts them; memory stays constant (the data comes a record at a
time, read from libpq directly: ``_read``).

``copier`` is the one place that decides; ``Unsupported`` says why not (another
database, format or encoding, one column only, a separator of several bytes, a
column without an SQL form here: address block, revenue, ABC class, attributes that
link records, date-times in a format with a.m./p.m. …). The export then takes the
Python path.

The statement::

    COPY (SELECT <cells> FROM (SELECT <texts> FROM (<main query>) AS t (c0, c1, …)
          OFFSET 0) AS m) TO STDOUT WITH (FORMAT csv, …)

The middle SELECT computes each column's text once (OFFSET 0 keeps PostgreSQL from
merging it into the outer one, which would repeat its subqueries); the outer one adds
the apostrophe and writes an empty text as NULL (unquoted, as Python writes "") — or,
with quoting "all", NULL as "" (FORCE_QUOTE quotes every value that is not NULL).
Neither SELECT joins, groups or sorts, so the rows keep the main query's order.
Identifiers come from code (quoted); every value is a parameter (psycopg binds the
parameters of a COPY on the client).
"""

import csv
import datetime
import functools
import io
import json
import logging
import selectors
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import formats, timezone
from django_countries import countries
from psycopg import pq

from merkur.core.listexport import FORMULA_STARTS, neutralise
from merkur.transfer.export import catalog
from merkur.transfer.export.reading import ADDRESS_FIELDS, main_query
from merkur.transfer.export.writers.delimited import QUOTE, CsvWriter, _plain

logger = logging.getLogger("merkur.transfer.export")

CHUNK_BYTES = 256 * 1024  # a streamed piece of the file
DENSE_IDS = 10_000  # master data with ids up to this is looked up in an array
UTF8 = ("utf-8", "utf-8-sig")


class Unsupported(Exception):
    """Why PostgreSQL cannot write this export exactly as the Python path would."""


# --- SQL pieces -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sql:
    text: str
    params: tuple = ()


NULL = Sql("NULL")


def sql(template: str, *parts) -> Sql:
    """``template`` with each ``{}`` filled: a ``Sql`` by its text, any other value as a
    parameter."""
    pieces = template.split("{}")
    if len(pieces) != len(parts) + 1:
        raise ValueError(f"{len(parts)} parts for {template!r}")
    text, params = [pieces[0]], []
    for part, after in zip(parts, pieces[1:], strict=True):
        if isinstance(part, Sql):
            text.append(part.text)
            params.extend(part.params)
        else:
            text.append("%s")
            params.append(part)
        text.append(after)
    return Sql("".join(text), tuple(params))


def joined(separator: str, parts: list[Sql]) -> Sql:
    return Sql(separator.join(part.text for part in parts), sum((p.params for p in parts), ()))


def name(identifier: str) -> Sql:
    return Sql(connection.ops.quote_name(identifier))


# Django's date format characters that to_char() writes alike ("j": day without zero).
TO_CHAR = {
    "d": "DD", "j": "FMDD", "m": "MM", "n": "FMMM", "Y": "YYYY", "y": "YY",
    "H": "HH24", "G": "FMHH24", "i": "MI", "s": "SS",
}  # fmt: skip


def to_char_pattern(django_format: str) -> str:
    """The ``to_char`` pattern of a Django date format, or ``Unsupported``."""
    out, literal = [], []
    escaped = False
    for char in django_format:
        if not escaped and char == "\\":
            escaped = True
            continue
        if not escaped and char in TO_CHAR:
            if literal:
                out.append(f'"{"".join(literal)}"')
                literal = []
            out.append(TO_CHAR[char])
        elif (not escaped and char.isalpha()) or char in '"\\':
            raise Unsupported(f"the date format {django_format!r} ({char!r})")
        else:
            literal.append(char)  # quoted: a literal even where it is a pattern letter
        escaped = False
    if literal:
        out.append(f'"{"".join(literal)}"')
    return "".join(out)


# --- the text of each column ------------------------------------------------------------------


class Texts:
    """SQL for each column's text over the main query's columns ``t.c0 …``, as the
    Python path writes it (``writers.delimited.text_converter``), apostrophe aside."""

    def __init__(self, plan, options):
        self.plan = plan
        self.options = options
        self.iso = options.value_format == "iso"
        self.plain = _plain(self.iso)  # the Python path's own yes/no
        self.list_separator = options.list_separator
        self.time_zones: set[str] = set()

    def column(self, column) -> Sql:
        build = STATIC.get(column.key)
        if build is not None:
            return build(self)
        if catalog.ATTRIBUTE_KEY.match(column.key):
            return self.attribute(column)
        raise Unsupported(f"the column {column.key}")

    # building blocks

    def ref(self, index: int | None) -> Sql:
        return NULL if index is None else Sql(f't."c{index}"')

    def field(self, owner: str, field: str) -> Sql:
        return self.ref(self.plan.field(owner, field))

    def mapped(self, mapping: dict, key: Sql, type: str = "text") -> Sql:
        """``mapping[key]`` (NULL where missing), the mapping one parameter: an array where
        the keys are ids of a master table (found by position), else a JSON object."""
        if mapping and all(k.__class__ is int and 0 < k <= DENSE_IDS for k in mapping):
            values = [None] * max(mapping)
            for k, value in mapping.items():
                values[k - 1] = value
            return sql(f"({{}}::{type}[])[({{}})::int]", values, key)
        data = json.dumps({str(k): v for k, v in mapping.items()}, ensure_ascii=False)
        return sql(f"(({{}}::jsonb ->> ({{}})::text))::{type}", data, key)

    def words(self, *parts: Sql) -> Sql:
        """The non-empty parts joined by spaces (``catalog._joined``)."""
        return sql("concat_ws(' ', " + ", ".join(["NULLIF({}, '')"] * len(parts)) + ")", *parts)

    def boolean(self, value: Sql) -> Sql:
        return sql(
            "CASE WHEN {} THEN {} WHEN NOT {} THEN {} END",
            value, self.plain(True), value, self.plain(False),
        )  # fmt: skip

    def date(self, value: Sql) -> Sql:
        if self.iso:
            pattern = "YYYY-MM-DD"
        else:
            pattern = to_char_pattern(formats.get_format("SHORT_DATE_FORMAT"))
        return sql("to_char({}, {})", value, pattern)

    def datetime(self, value: Sql) -> Sql:
        if self.iso:
            pattern = 'YYYY-MM-DD"T"HH24:MI:SS'
        else:
            pattern = to_char_pattern(formats.get_format("SHORT_DATETIME_FORMAT"))
        zone = timezone.get_current_timezone_name()
        self.time_zones.add(zone)
        return sql("to_char({} AT TIME ZONE {}, {})", value, zone, pattern)

    def decimal(self, value: Sql) -> Sql:
        # The Python path: trailing zeros dropped (``_trimmed``), then str() or
        # number_format(), which only swaps the point while thousands are not grouped.
        text = sql("trim_scale({})::text", value)
        if self.iso:
            return text
        if settings.USE_THOUSAND_SEPARATOR and formats.get_format("NUMBER_GROUPING"):
            raise Unsupported("decimals with grouped thousands")
        point = formats.get_format("DECIMAL_SEPARATOR")
        return text if point == "." else sql("replace({}, '.', {})", text, point)

    # columns

    def text(self, owner: str, field: str) -> Sql:
        return self.field(owner, field)

    def integer(self, owner: str, field: str) -> Sql:
        return sql("({})::text", self.field(owner, field))

    def master(self, owner: str, field: str, model_name: str) -> Sql:
        names = self.plan.master(catalog._model(model_name))
        return self.mapped(names, self.field(owner, f"{field}_id"))

    def sales_rep(self, index: int) -> Sql:
        reps = self.plan.master(catalog._model("SalesRep"), "name", "email", "phone")
        values = {pk: rep[index] for pk, rep in reps.items()}
        return self.mapped(values, self.field("company", "sales_rep_id"))

    def many(self, owner: str, field: str) -> Sql:
        loader = self.plan.loaders.get(f"many:{owner}:{field}")
        if loader is None or loader.array is None:
            raise Unsupported(f"{owner}.{field} without an array of ids")
        ids = self.ref(loader.array)
        separator = self.list_separator

        def label(item: Sql) -> Sql:
            return sql("NULLIF({}, '')", self.mapped(loader.names, item))

        def position(item: Sql) -> Sql:
            return self.mapped(loader.position, item, "int")

        first, second, x = Sql(f"{ids.text}[1]"), Sql(f"{ids.text}[2]"), Sql("x")
        # One or two values (most records) without a subquery and its sort: several
        # times faster; more go through string_agg in the master table's order.
        return sql(
            "CASE cardinality({}) WHEN 1 THEN {}"
            " WHEN 2 THEN CASE WHEN {} < {} THEN concat_ws({}, {}, {})"
            " ELSE concat_ws({}, {}, {}) END"
            " ELSE (SELECT string_agg({}, {} ORDER BY {}) FROM unnest({}) AS x) END",
            ids, label(first),
            position(first), position(second), separator, label(first), label(second),
            separator, label(second), label(first),
            label(x), separator, position(x), ids,
        )  # fmt: skip

    def roles(self) -> Sql:
        from merkur.companies.models import CompanyRole
        from merkur.companies.models.company import _ROLE_BITS

        mask = self.field("company", "roles")
        cases = [
            sql("CASE WHEN ({} & {}) <> 0 THEN {} END", mask, bit, label)
            for role, bit in _ROLE_BITS.items()
            if (label := str(CompanyRole(role).label))
        ]
        return sql("concat_ws({}, {})", self.list_separator, joined(", ", cases))

    def archived(self) -> Sql:
        return sql(
            "CASE WHEN {} IS NULL THEN {} ELSE {} END",
            self.field("company", "archived_at"), self.plain(False), self.plain(True),
        )  # fmt: skip

    def opted_out(self) -> Sql:
        return sql(
            "CASE WHEN {} IS NULL THEN NULL WHEN {} IS NULL THEN {} ELSE {} END",
            self.field("person", "id"), self.field("person", "marketing_opt_out_at"),
            self.plain(False), self.plain(True),
        )  # fmt: skip

    def language(self) -> Sql:
        from merkur.companies.models.person import PersonLanguage

        code = self.field("person", "language")
        labels = {code: str(label) for code, label in PersonLanguage.choices}
        return sql("COALESCE({}, {})", self.mapped(labels, code), code)

    def recipient_line(self) -> Sql:
        return self.words(
            self.master("person", "salutation", "Salutation"),
            self.master("person", "title", "Title"),
            self.field("person", "first_name"),
            self.field("person", "last_name"),
        )

    def address(self, kind: str, field: str) -> Sql:
        """As ``AddressJoins.getter``: the preferred address's field, else the fallback's."""
        if field == "country_name":
            names = {code: str(countries.name(code)) for code in dict(countries)}
            code = self.address(kind, "country")
            return sql("NULLIF({}, '')", self.mapped(names, sql("upper({})", code)))
        joins = self.plan.loaders["addresses"]
        first, fallback = joins.own_fields() if kind == "address" else (joins.fields(kind), None)
        if first is None:
            return NULL
        position = ADDRESS_FIELDS.index(field) + 1
        if fallback is None:
            return self.ref(first[position])
        return sql(
            "CASE WHEN {} IS NOT NULL THEN {} ELSE {} END",
            self.ref(first[0]), self.ref(first[position]), self.ref(fallback[position]),
        )  # fmt: skip

    def attribute(self, column) -> Sql:
        """The value valid on the day, as ``AttributeLoader`` finds it: the first by
        ``valid_from``, id (several-valued: all of them, in that order)."""
        from merkur.attributes.models import VALUE_COLUMN, AttributeValue

        owner, code, day = catalog.ATTRIBUTE_KEY.match(column.key).groups()
        loader = self.plan.loaders.get("attributes")
        # the day as the column's bind() took it
        day = datetime.date.fromisoformat(day) if day else self.options.as_of
        day = day or datetime.date.today()
        requests = [
            request
            for request in (loader.requests if loader else ())
            if (request.owner, request.definition.code, request.day) == (owner, code, day)
        ]
        if len(requests) != 1:
            raise Unsupported(f"the column {column.key} (not bound once)")
        request = requests[0]
        definition = request.definition
        if definition.type == "link":
            raise Unsupported(f"the column {column.key} (links to records)")
        meta = AttributeValue._meta

        def column_of(field: str) -> Sql:
            return Sql("v." + connection.ops.quote_name(meta.get_field(field).column))

        value = column_of(VALUE_COLUMN[definition.type])
        text = self.attribute_text(definition, value, loader)
        record = self.ref(self.plan.company_id if owner == "company" else self.plan.person_id)
        start, end = column_of("valid_from"), column_of("valid_to")
        # valid_on_q(day); within one attribute the loader's order
        where = sql(
            "FROM {} AS v WHERE {} = {} AND {} = {} AND {} <= {} AND ({} IS NULL OR {} >= {})",
            name(meta.db_table), column_of(owner), record, column_of("definition"),
            definition.pk, start, request.day, end, end, request.day,
        )  # fmt: skip
        order = sql("ORDER BY {}, {}", start, column_of("id"))
        if definition.multi_valued:
            return sql(
                "(SELECT string_agg(NULLIF({}, ''), {} {}) {})",
                text, self.list_separator, order, where,
            )  # fmt: skip
        return sql("(SELECT {} {} {} LIMIT 1)", text, where, order)

    def attribute_text(self, definition, value: Sql, loader) -> Sql:
        kind = definition.type
        if kind in ("text", "long_text"):
            return value
        if kind == "integer":
            return sql("({})::text", value)
        if kind == "decimal":
            return self.decimal(value)
        if kind == "date":
            return self.date(value)
        if kind == "boolean":
            return self.boolean(value)
        if kind in ("choice", "multi_choice"):
            return self.mapped(loader._choice_labels(), value)
        raise Unsupported(f"attributes of the type {kind}")

    # the cell

    def cell(self, text: Sql, kind: str) -> Sql:
        """The written cell: with the apostrophe (text and lists, as ``text_converter``),
        empty as NULL (quoting "minimal") or NULL as "" (quoting "all")."""
        otherwise = "COALESCE({}, '')" if self.options.quoting == "all" else "NULLIF({}, '')"
        if not self.options.formula_protection or kind not in (catalog.TEXT, catalog.LIST):
            return sql(otherwise, text)
        codes = [ord(start) for start in formula_starts()]
        # ascii(): the first character's code, compared as numbers (cheaper than text)
        return sql(
            f"CASE WHEN ascii({{}}) IN ({', '.join(['{}'] * len(codes))}) THEN {{}} || {{}}"
            f" ELSE {otherwise} END",
            text, *codes, formula_prefix(), text, text,
        )  # fmt: skip


def formula_starts() -> tuple[str, ...]:
    """The characters ``neutralise`` looks for; ``Unsupported`` if it looks for more."""
    if any(len(start) != 1 for start in FORMULA_STARTS):
        raise Unsupported("the formula rule (starts of several characters)")
    return FORMULA_STARTS


def formula_prefix() -> str:
    """What ``neutralise`` puts before a formula-like text; ``Unsupported`` if it does more."""
    prefix = neutralise("=x")[: -len("=x")]
    for start in formula_starts():
        plain = "x" + start
        if neutralise(start + "x") != prefix + start + "x" or neutralise(plain) != plain:
            raise Unsupported("the formula rule")
    return prefix


def _fields(owner: str, build: Callable, *names: str) -> dict:
    return {f"{owner}.{field}": (lambda texts, f=field: build(texts, owner, f)) for field in names}


STATIC: dict[str, Callable[[Texts], Sql]] = {
    **_fields("company", Texts.text, "number", "name", "name2", "phone", "email", "website",
              "vat_id", "notes"),
    **_fields("company", Texts.integer, "id", "employees"),
    **_fields("company", lambda t, o, f: t.datetime(t.field(o, f)), "created_at", "updated_at"),
    **_fields("company", Texts.many, "industries", "interest_areas"),
    "company.display_name": lambda t: t.words(
        t.field("company", "name"), t.field("company", "name2")
    ),
    "company.legal_form": lambda t: t.master("company", "legal_form", "LegalForm"),
    "company.company_class": lambda t: t.master("company", "company_class", "CompanyClass"),
    "company.sales_rep": lambda t: t.master("company", "sales_rep", "SalesRep"),
    "company.sales_rep_email": lambda t: t.sales_rep(1),
    "company.sales_rep_phone": lambda t: t.sales_rep(2),
    "company.roles": Texts.roles,
    "company.archived": Texts.archived,
    **_fields("person", Texts.text, "first_name", "last_name", "letter_salutation", "department",
              "email", "phone", "mobile", "notes"),
    **_fields("person", Texts.integer, "id"),
    **_fields("person", lambda t, o, f: t.datetime(t.field(o, f)), "created_at", "updated_at",
              "marketing_consent_at", "marketing_opt_out_at"),
    **_fields("person", Texts.many, "functions", "person_codes"),
    "person.salutation": lambda t: t.master("person", "salutation", "Salutation"),
    "person.title": lambda t: t.master("person", "title", "Title"),
    "person.full_name": lambda t: t.words(
        t.field("person", "first_name"), t.field("person", "last_name")
    ),
    "person.recipient_line": Texts.recipient_line,
    "person.language": Texts.language,
    "person.opted_out": Texts.opted_out,
    **{
        f"{kind}.{field}": (lambda t, k=kind, f=field: t.address(k, f))
        for kind in catalog.ADDRESS_KINDS
        for field in catalog.ADDRESS_LABELS
    },
}  # fmt: skip


# --- the decision and the copy ----------------------------------------------------------------


def enabled() -> bool:
    """The setting ``MERKUR_EXPORT_COPY`` (default: on)."""
    return bool(settings.MERKUR_EXPORT_COPY)


def copier(export) -> "Copier | None":
    """The COPY of ``export`` where PostgreSQL writes the same bytes, else None.

    Call it in the export's language (headings, yes/no and date formats are taken now).
    """
    try:
        return Copier.build(export)
    except Unsupported as reason:
        logger.debug("CSV export by the Python writer: %s", reason)
        return None


def refusal(export) -> str | None:
    """Why ``export`` takes the Python path (None: it is copied)."""
    try:
        Copier.build(export)
    except Unsupported as reason:
        return str(reason)
    return None


@dataclass
class Copier:
    writer: CsvWriter
    statement: Sql

    @classmethod
    def build(cls, export) -> "Copier":
        options = export.options
        if not enabled():
            raise Unsupported("turned off (MERKUR_EXPORT_COPY)")
        if connection.vendor != "postgresql":
            raise Unsupported("not PostgreSQL")
        if options.format != "csv" or not isinstance(export.writer, CsvWriter):
            raise Unsupported(f"the format {options.format}")
        if options.encoding not in UTF8:
            raise Unsupported(f"the encoding {options.encoding}")
        if len(export.columns) < 2:
            # csv writes a row of one empty value as "" — PostgreSQL writes nothing.
            raise Unsupported("a single column")
        if len(options.separator.encode()) != 1:
            raise Unsupported("a separator of more than one byte")
        texts = Texts(export.plan, options)
        values = [texts.column(column) for column in export.columns]
        cells = [
            texts.cell(Sql(f'm."v{index}"'), column.type)
            for index, column in enumerate(export.columns)
        ]
        for zone in texts.time_zones:
            _check_time_zone(zone)
        query, params = main_query(export.plan).query.sql_with_params()
        names = ", ".join(f'"c{index}"' for index in range(len(export.plan.lookups)))
        middle = joined(", ", [sql(f'{{}} AS "v{i}"', value) for i, value in enumerate(values)])
        force = ", FORCE_QUOTE *" if options.quoting == "all" else ""
        statement = joined(
            "",
            [
                sql("COPY (SELECT {} FROM (SELECT {} FROM (", joined(", ", cells), middle),
                Sql(query, tuple(params)),
                sql(
                    f") AS t ({names}) OFFSET 0) AS m) TO STDOUT WITH (FORMAT csv,"
                    f" DELIMITER {{}}, QUOTE {{}}, NULL '', ENCODING 'UTF8'{force})",
                    options.separator,
                    QUOTE,
                ),
            ],
        )
        return cls(writer=export.writer, statement=statement)

    def chunks(self, export, progress: Callable[[int], None] | None = None) -> Iterator[bytes]:
        """The file's bytes; ``export.done`` counts the rows as they come."""
        records = Records(self.writer)
        yield self.writer.head()
        with transaction.atomic():  # a cancelled download rolls back what COPY began
            connection.ensure_connection()
            with (
                connection.connection.cursor() as cursor,
                # psycopg starts the COPY, and cancels it if the reading stops early
                cursor.copy(self.statement.text, self.statement.params),
            ):
                for pending in _read(connection.connection.pgconn):
                    before = records.rows
                    piece = records.feed(b"".join(pending))
                    export.done += records.rows - before
                    if progress is not None:
                        progress(export.done)
                    if piece:
                        yield piece
        records.finish()


def _read(pgconn) -> Iterator[list]:
    """The data of the running COPY in pieces of about ``CHUNK_BYTES``, from libpq itself.

    PostgreSQL sends a message per record; psycopg's ``Copy.read`` spends about 2 µs of
    Python on each (a generator and a wait), ``get_copy_data`` without waiting half that
    — the socket is waited for only when nothing is buffered.
    """
    selector = selectors.DefaultSelector()
    selector.register(pgconn.socket, selectors.EVENT_READ)
    get = pgconn.get_copy_data
    pending, size = [], 0
    try:
        while True:
            nbytes, data = get(1)
            if nbytes > 0:
                pending.append(data)
                size += nbytes
                if size >= CHUNK_BYTES:
                    yield pending
                    pending, size = [], 0
            elif nbytes == 0:  # nothing complete buffered
                selector.select()
                pgconn.consume_input()
            elif nbytes == -1:  # the end, or an error: the result tells
                break
            else:
                raise psycopg.OperationalError(pgconn.error_message.decode(errors="replace"))
    finally:
        selector.close()
    failed = None
    while (result := pgconn.get_result()) is not None:  # all of them: the connection is idle
        if result.status != pq.ExecStatus.COMMAND_OK and failed is None:
            failed = result
    if failed is not None:
        state = (failed.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
        try:
            error = psycopg.errors.lookup(state)
        except KeyError:
            error = psycopg.DatabaseError
        raise error(failed.error_message.decode(errors="replace"))
    yield pending


class Records:
    """PostgreSQL's CSV text made the file's: records end with the chosen line ending,
    are counted, and — with LF line ends — are quoted as Python's csv quotes them.

    A record ends at an LF outside quotes. Quotes come in pairs (around a value, or
    doubled inside it), so an LF is outside when an even number of quotes precedes it;
    a piece is cut after its last such LF and the rest waits for the next one.
    """

    def __init__(self, writer: CsvWriter):
        options = writer.options
        self.crlf = options.newline == "\r\n"
        # With LF line ends Python's csv quotes a value for a CR only as a line
        # terminator character — not at all (3.11); PostgreSQL quotes it. Such pieces
        # (rare) are read back and written by Python's csv.
        self.requote = (
            writer.line_writer() if not self.crlf and options.quoting == "minimal" else None
        )
        self.separator = options.separator
        self.rest = b""
        self.rows = 0

    def feed(self, data: bytes) -> bytes:
        data = self.rest + data
        self.rest = b""
        parts = data.split(b'"')
        if not (len(parts) % 2 and data.endswith(b"\n")):
            last = len(parts) - 1 if len(parts) % 2 else len(parts) - 2
            for index in range(last, -1, -2):
                cut = parts[index].rfind(b"\n") + 1
                if cut:
                    break
            else:
                self.rest = data
                return b""
            self.rest = b'"'.join([parts[index][cut:], *parts[index + 1 :]])
            parts = [*parts[:index], parts[index][:cut]]
            data = b'"'.join(parts)
        outside = parts[::2]
        self.rows += sum(part.count(b"\n") for part in outside)
        if self.crlf:
            if len(parts) == 1:
                return data.replace(b"\n", b"\r\n")
            parts[::2] = [part.replace(b"\n", b"\r\n") for part in outside]
            return b'"'.join(parts)
        if self.requote is not None and b"\r" in data:
            return self._requote(data)
        return data

    def _requote(self, data: bytes) -> bytes:
        reader = csv.reader(
            io.StringIO(data.decode(), newline=""), delimiter=self.separator, quotechar=QUOTE
        )
        return "".join(self.requote.writerow(row) for row in reader).encode()

    def finish(self) -> None:
        if self.rest:
            raise ValueError("COPY ended inside a record")


def _check_time_zone(zone: str) -> None:
    if not _known_zone(zone):
        raise Unsupported(f"the time zone {zone} (unknown to PostgreSQL)")


@functools.lru_cache(maxsize=8)
def _known_zone(zone: str) -> bool:
    """Whether PostgreSQL knows ``zone`` (a scan of its zone files: asked once)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = %s)", [zone])
        return cursor.fetchone()[0]
