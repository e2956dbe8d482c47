"""Temporary tables an import stages its rows in, filled with COPY (PostgreSQL) or in batches.

The rows are checked against the database and written from there with set-based
SQL — a handful of statements per file instead of several per row. The tables
live in the import's own connection and transaction and are dropped at its end.
"""

from django.db import connection

FLUSH_ROWS = 20_000


class StagingTable:
    """``CREATE TEMP TABLE name (columns)``; ``add`` rows, written in batches."""

    def __init__(self, name: str, columns: list[tuple[str, str]]):
        self.name = name
        self.columns = [column for column, _type in columns]
        self.types = columns
        self.buffer: list[tuple] = []
        self.count = 0

    def create(self) -> None:
        definition = ", ".join(f"{column} {kind}" for column, kind in self.types)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            cursor.execute(f"CREATE TEMP TABLE {self.name} ({definition})")

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")

    def add(self, row: tuple) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        columns = ", ".join(self.columns)
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            with (
                connection.connection.cursor() as cursor,
                cursor.copy(f"COPY {self.name} ({columns}) FROM STDIN") as copy,
            ):
                write_row = copy.write_row
                for row in self.buffer:
                    write_row(row)
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {self.name} ({columns}) VALUES ({marks})", self.buffer
                )
        self.count += len(self.buffer)
        self.buffer = []

    def analyze(self) -> None:
        """Statistics for the planner: a temp table has none until told."""
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {self.name}")
