"""Getting generated rows into the database fast: id ranges, COPY, index rebuilds."""

import sys
import time
from concurrent.futures import ThreadPoolExecutor, wait

from django.db import connection, transaction
from django.utils.translation import gettext as _

from merkur.companies.generate.rows import Table


def reserve_ids(table: str, count: int) -> int:
    """Reserve ``count`` consecutive ids of ``table``; return the first.

    Rows then carry their ids from the start and can point at each other
    without a round trip per row. The app's own inserts keep drawing from the
    same sequence and never collide with a reserved range.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement, so the window for a concurrent nextval is tiny.
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
                " nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table, table, count],
            )
            return cursor.fetchone()[0] - count + 1
        # SQLite (AUTOINCREMENT): start after the highest id ever used, so a deleted
        # company's history never attaches to a new one, and move the sequence on.
        cursor.execute(f'SELECT max(id) FROM "{table}"')
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        first = max(highest, row[0] if row else 0) + 1
        if row:
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [first + count - 1, table]
            )
        else:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                [table, first + count - 1],
            )
        return first


def write(table: Table, rows: list[tuple]) -> None:
    """Insert ``rows`` (the table's generated columns; the constant defaults are added)."""
    if not rows:
        return
    defaults = table.write_defaults
    columns = ", ".join(f'"{c}"' for c in table.write_columns)
    if connection.vendor == "postgresql":
        raw = connection.connection  # psycopg 3: COPY is on the driver's own cursor
        sql = f'COPY "{table.name}" ({columns}) FROM STDIN'
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row + defaults)
        return
    marks = ", ".join(["%s"] * len(table.write_columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})',
            [row + defaults for row in rows],
        )


class PostgresIndexes:
    """Drop the secondary indexes and foreign/unique keys of tables; build them again later.

    Building an index once over all rows is many times faster than updating it
    row by row (above all the trigram indexes), and one foreign-key check over
    the whole table beats a trigger per row — what ``pg_restore`` does too.
    ``drop`` runs inside the load's transaction (a failed load brings everything
    back); ``rebuild`` runs after the commit, several indexes at a time on their
    own connections.
    """

    def __init__(self, tables: list[str], *, keep: tuple[str, ...] = ()):
        """``keep``: constraints to leave in place (a unique key ``ON CONFLICT`` needs)."""
        self.tables = tables
        self.keep = keep
        self.indexes: list[tuple[str, str]] = []  # (table, definition)
        self.constraints: list[tuple[str, str, str, str]] = []  # (table, name, kind, definition)

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                    [table],
                )
                self.constraints += [
                    (table, *row) for row in cursor.fetchall() if row[0] not in self.keep
                ]
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
                    " FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary"
                    " AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
                    " WHERE c.conindid = i.indexrelid) ORDER BY 1",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.indexes.append((table, definition))
                    cursor.execute(f"DROP INDEX {name}")
            for table, name, _kind, _definition in self.constraints:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')

    def statements(self) -> tuple[list[str], list[str]]:
        """(what can run in parallel, what must run one after the other)."""
        # Longest first: trigram (GIN) indexes, then the tables with the most rows.
        parallel = sorted(
            self.indexes, key=lambda item: (" gin " not in item[1], self.tables.index(item[0]))
        )
        statements = [definition for _table, definition in parallel]
        statements += [
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            for table, name, kind, definition in self.constraints
            if kind == "u"
        ]
        # Foreign keys lock the tables on both ends, so they run one by one.
        serial = [
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            for table, name, kind, definition in self.constraints
            if kind == "f"
        ]
        return statements, serial

    def rebuild(self, *, workers: int = 2) -> None:
        """Build what ``drop`` removed; ``workers=1`` stays on this connection (and transaction)."""
        parallel, serial = self.statements()
        if workers <= 1:
            with connection.cursor() as cursor:
                for statement in parallel + serial:
                    cursor.execute(statement)
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_execute_alone, statement) for statement in parallel]
            try:
                wait(futures)
            except KeyboardInterrupt:
                # Without its indexes the database would be crippled: finish them.
                sys.stderr.write(_("Finishing the indexes first, please wait …") + "\n")
                wait(futures)
        failed = [future.exception() for future in futures if future.exception()]
        if failed:
            raise failed[0]
        with connection.cursor() as cursor:
            for statement in serial:
                cursor.execute(statement)


class PostgresConstants:
    """Make the columns every generated row shares column defaults for the load's transaction.

    COPY then neither sends nor parses them (timestamps above all): about 40 %
    less work for the server per person row. The old defaults (Django sets
    none) come back before the commit.
    """

    def __init__(self, tables: list[Table]):
        self.tables = tables
        self.original: list[tuple[str, str, str | None]] = []

    def __enter__(self) -> "PostgresConstants":
        with connection.cursor() as cursor:
            for table in self.tables:
                for column, value in table.constants:
                    cursor.execute(
                        "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d"
                        " JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
                        " WHERE d.adrelid = %s::regclass AND a.attname = %s",
                        [table.name, column],
                    )
                    row = cursor.fetchone()
                    self.original.append((table.name, column, row[0] if row else None))
                    cursor.execute(
                        f'ALTER TABLE "{table.name}" ALTER COLUMN "{column}" SET DEFAULT %s',
                        [value],
                    )
                table.constants_in_database(True)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        for table in self.tables:
            table.constants_in_database(False)
        if exc_type is not None:
            return  # the rollback takes the defaults away
        with connection.cursor() as cursor:
            for table, column, default in self.original:
                action = f"SET DEFAULT {default}" if default is not None else "DROP DEFAULT"
                cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" {action}')


def _execute_alone(statement: str) -> None:
    """Run one statement on this thread's own connection (Django opens one per thread)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(statement)
    finally:
        connection.close()


class SqliteIndexes:
    """The same idea on SQLite, inside the load's transaction (SQLite's DDL is transactional)."""

    def __init__(self, tables: list[str]):
        self.tables = tables
        self.definitions: list[str] = []

    def drop(self) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                # Indexes with SQL text; those behind UNIQUE constraints have none and stay.
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master"
                    " WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    self.definitions.append(definition)
                    cursor.execute(f'DROP INDEX "{name}"')

    def rebuild(self, *, workers: int = 1) -> None:
        with connection.cursor() as cursor:
            for definition in self.definitions:
                cursor.execute(definition)


def bulk_load(loader, names: list[str], phases: dict[str, float]) -> None:
    """Run ``loader`` with the secondary indexes and keys of ``names`` dropped, then build them.

    ``loader`` has ``table_of`` (the tables it writes), ``started`` and
    ``run(transaction_per_batch=...)``. Parallel builds run on connections of their
    own and so need the rows committed first; inside an outer transaction (the tests)
    they run serially. Records ``phases["load"]`` and ``phases["indexes"]``.
    """
    postgres = connection.vendor == "postgresql"
    workers = 2 if postgres and not connection.in_atomic_block else 1
    indexes = PostgresIndexes(names) if postgres else SqliteIndexes(names)
    with transaction.atomic():
        if postgres:
            # Dropping a foreign key alters the referenced tables too, which PostgreSQL
            # refuses while checks of rows written earlier in the same transaction wait
            # there (inside an outer transaction): run those checks now.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        indexes.drop()
        if postgres:
            with PostgresConstants(list(loader.table_of.values())):
                loader.run(transaction_per_batch=False)
        else:
            loader.run(transaction_per_batch=False)
        phases["load"] = time.monotonic() - loader.started
        if workers == 1:
            indexes.rebuild(workers=1)
    if workers > 1:
        indexes.rebuild(workers=workers)
    phases["indexes"] = time.monotonic() - loader.started - phases["load"]


def analyze(tables: list[str]) -> None:
    """Fresh planner statistics, so that the new rows get good plans at once.

    On PostgreSQL ``VACUUM`` also marks the pages all-visible (index-only scans)
    and spares the first readers from writing hint bits on millions of rows.
    """
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                cursor.execute(f'VACUUM (ANALYZE) "{table}"')
            else:
                cursor.execute(f'ANALYZE "{table}"')
