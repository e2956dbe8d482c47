"""Synthetic scale data: many companies, their contact addresses and people, fast.

``merkur generate`` calls ``generate``. It bypasses the services on purpose:
one company through the services costs dozens of queries, here a batch of ten
thousand costs a handful of ``COPY`` statements (PostgreSQL) or ``executemany``
calls (SQLite). The price: it fills the derived columns itself, exactly as the
models' ``refresh_derived`` would (the tests compare them), and it writes no
change history.

Where the speed comes from:

- Faker runs once, to fill pools of names, streets and places (``pools``);
- ids are reserved up front, so rows point at each other without round trips;
- the next batch is built in a thread while the database takes the current one;
- a large load drops the secondary indexes and keys of the tables it fills and
  builds them again at the end (``load.PostgresIndexes``), as ``pg_restore`` does,
  and makes the columns all rows share column defaults meanwhile
  (``load.PostgresConstants``), so COPY does not carry them.
"""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import transaction

from merkur.companies.demo import catalog
from merkur.companies.generate import load
from merkur.companies.generate.rows import ORDER, Generator, tables
from merkur.companies.models import Company

# A load at least this large (and at least as large as what is there) rebuilds
# the indexes instead of updating them row by row.
BULK_THRESHOLD = 50_000

Progress = Callable[[int, int, int, float], None]


@dataclass
class GenerateResult:
    companies: int
    rows: dict[str, int]  # by table
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)  # load, indexes, analyze

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def generate(
    *,
    companies: int,
    people_per_company: int = 3,
    seed: int = 1,
    batch: int = 10_000,
    progress: Progress | None = None,
) -> GenerateResult:
    """Add ``companies`` synthetic companies with a contact address and people each.

    Seeds the master tables first if they are empty. ``progress(companies done,
    total, rows done, seconds)`` is called after each batch.
    """
    if companies < 1 or batch < 1 or people_per_company < 0:
        raise ValueError("companies and batch must be at least 1, people_per_company ≥ 0")
    started = time.monotonic()
    with transaction.atomic():
        master = catalog.seed_master_data()
    generator = Generator(
        master=master, companies=companies, people_per_company=people_per_company, seed=seed
    )
    table_of = tables()
    names = [table_of[name].name for name in ORDER]
    people_counts = generator.people_counts(companies)
    with transaction.atomic():
        ids = {
            "company": load.reserve_ids(table_of["company"].name, companies),
            "address": load.reserve_ids(table_of["address"].name, companies),
            "person": load.reserve_ids(table_of["person"].name, max(sum(people_counts), 1)),
        }
    loader = _Loader(generator, table_of, people_counts, ids, batch, progress, started)
    phases: dict[str, float] = {}
    if companies >= max(BULK_THRESHOLD, Company.objects.count()):
        load.bulk_load(loader, names, phases)
    else:
        loader.run(transaction_per_batch=True)
        phases["load"] = time.monotonic() - started
    analyzed = time.monotonic()
    load.analyze(names)
    phases["analyze"] = time.monotonic() - analyzed
    return GenerateResult(
        companies=companies,
        rows={table_of[name].name: loader.counts[name] for name in ORDER},
        seconds=time.monotonic() - started,
        phases=phases,
    )


class _Loader:
    """Writes batch after batch while a thread builds the next one."""

    def __init__(self, generator, table_of, people_counts, ids, batch, progress, started):
        self.generator = generator
        self.table_of = table_of
        self.people_counts = people_counts
        self.ids = dict(ids)
        self.batch = batch
        self.progress = progress
        self.started = started
        self.counts = dict.fromkeys(ORDER, 0)

    def _build(self, start: int) -> dict[str, list[tuple]]:
        return self.generator.batch(self.people_counts[start : start + self.batch], self.ids)

    def run(self, *, transaction_per_batch: bool) -> None:
        total = len(self.people_counts)
        starts = list(range(0, total, self.batch))
        with ThreadPoolExecutor(max_workers=1) as builder:
            pending = builder.submit(self._build, starts[0])
            for position, start in enumerate(starts):
                rows = pending.result()
                if position + 1 < len(starts):
                    pending = builder.submit(self._build, starts[position + 1])
                if transaction_per_batch:
                    with transaction.atomic():
                        self._write(rows)
                else:
                    self._write(rows)
                if self.progress:
                    done = min(start + self.batch, total)
                    elapsed = time.monotonic() - self.started
                    self.progress(done, total, sum(self.counts.values()), elapsed)

    def _write(self, rows: dict[str, list[tuple]]) -> None:
        for name in ORDER:
            load.write(self.table_of[name], rows[name])
            self.counts[name] += len(rows[name])
