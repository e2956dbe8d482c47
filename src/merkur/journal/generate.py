"""Synthetic journal at scale: millions of contacts over the existing companies, fast.

``merkur generate --contacts N`` and the journal benchmark call
``generate_contacts``. Like ``companies.generate`` it bypasses the services on
purpose (no history, no validation per row) and fills the derived column
``search_text`` itself, as ``services._prepare`` would (the tests compare it):

- subjects and texts come from pools built once from the demo's German phrases;
- contact ids are reserved up front, so the people rows can point at them;
- PostgreSQL gets ``COPY``, SQLite batched inserts, the next batch is built in
  a thread meanwhile;
- a large load drops the secondary indexes and keys of the two tables and
  builds them again at the end (``companies.generate.load``), the GIN index of
  the search vector above all.
"""

import datetime
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from merkur.companies.generate import load
from merkur.companies.generate.rows import Table
from merkur.companies.models import Company, Person
from merkur.core.roles import Role
from merkur.core.text import search_words
from merkur.core.users import user_create
from merkur.journal import demo, richtext
from merkur.journal.catalog import seed_contact_master_data
from merkur.journal.models import Contact, ContactPerson

BULK_THRESHOLD = 50_000
USERS = 20
GENERATED_USER_PREFIX = "journal-"
OPEN_SHARE = 0.10  # contacts with an open follow-up
DONE_SHARE = 0.15  # contacts with a follow-up done
YEARS = 10
OPEN_WINDOW = 120 * 86_400  # open follow-ups were recorded in the last 120 days (seconds)

Progress = Callable[[int, int, int, float], None]

CONTACT_COLUMNS = [
    "occurred_at", "company_id", "kind_id", "type_id", "subject", "text", "recorded_by_id",
    "follow_up_owner_id", "follow_up_due", "follow_up_done_at", "follow_up_done_by_id",
    "search_text", "created_at", "updated_at",
]  # fmt: skip


@dataclass
class GenerateResult:
    contacts: int
    people_links: int
    seconds: float
    phases: dict[str, float] = field(default_factory=dict)


def tables() -> dict[str, Table]:
    return {
        "contact": Table(Contact, CONTACT_COLUMNS, with_id=True),
        "people": Table(ContactPerson, ["contact_id", "person_id"], with_id=False),
    }


def recorders(count: int = USERS) -> list[int]:
    """Ids of ``count`` active users who may write the journal; missing ones are created.

    Created users (``journal-01`` …) get no usable password: nobody logs in as them
    (and no password hashing slows the load down).
    """
    User = get_user_model()
    writers = list(
        User.objects.filter(
            is_active=True, profile__role__in=[Role.ADMIN, Role.SALES, Role.MARKETING]
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )
    number = 0
    while len(writers) < count:
        number += 1
        username = f"{GENERATED_USER_PREFIX}{number:02d}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                password=None,
                role=Role.SALES,
                check_password=False,
                first_name="Generiert",
                last_name=f"{number:02d}",
            )
        if user.pk not in writers:
            writers.append(user.pk)
    return writers


class _Texts:
    """Pools of (subject, its search words) and (text HTML, its search words) by type name."""

    def __init__(self, rng: random.Random, type_names: list[str | None], size: int = 200):
        self.subjects: dict = {}
        self.texts: dict = {}
        for name in type_names:
            subjects = {demo.subject(rng, name) for _ in range(size)}
            self.subjects[name] = [(s, search_words(s)) for s in sorted(subjects)]
            texts = []
            for _ in range(size):
                html = richtext.sanitize(demo.text(rng, name, rng.choice(_PEOPLE)))
                texts.append((html, search_words(richtext.to_plain(html))))
            self.texts[name] = texts


_PEOPLE = ["Herr Meier", "Frau Keller", "Herr Huber", "Frau Schmid", "Herr Weber", "Frau Brunner"]


class Generator:
    """Builds contact rows batch by batch; deterministic for a seed and the same database."""

    def __init__(self, *, seed: int, users: list[int], now=None):
        self.rng = random.Random(seed)
        kinds, types = seed_contact_master_data()
        self.kind_ids = [kind.pk for kind in kinds.values()]
        self.kind_weights = [demo.KIND_WEIGHTS.get(name, 5) for name in kinds]
        # (type id, name for the phrases); the names of the standard set get their phrases.
        self.types = [(t.pk, t.name) for t in types.values()] + [(None, None)]
        self.texts = _Texts(self.rng, [name for _pk, name in self.types])
        self.users = users
        companies = list(
            Company.objects.filter(archived_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not companies:
            raise ValueError("there are no companies to record contacts for")
        self.companies = companies
        self.people: dict[int, list[int]] = {}
        for company_id, person_id in (
            Person.objects.filter(company__archived_at__isnull=True)
            .order_by("company_id", "pk")
            .values_list("company_id", "pk")
            .iterator(chunk_size=50_000)
        ):
            self.people.setdefault(company_id, []).append(person_id)
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.span = YEARS * 365 * 86_400

    def plan(self, total: int) -> None:
        """Draw when each of ``total`` contacts occurred, oldest first, before any batch.

        A journal is written day by day, so its rows lie on disk in the order they
        occurred; rows in random order would make every period filter read scattered
        pages (pessimistic by an order of magnitude on cold caches). Each value is
        seconds before now × 2, plus 1 for a contact with an open follow-up, which
        were recorded lately (the last 120 days).
        """
        random_ = self.rng.random
        span, recent = self.span, OPEN_WINDOW
        values = [
            int(random_() * recent) * 2 + 1 if random_() < OPEN_SHARE else int(random_() * span) * 2
            for _ in range(total)
        ]
        values.sort(reverse=True)
        self.schedule = values

    def batch(self, start: int, count: int, first_id: int) -> dict[str, list[tuple]]:
        """Rows of contacts ``start`` … ``start + count - 1`` of the plan, ids from ``first_id``."""
        rng = self.rng
        random_ = rng.random
        choices = rng.choices
        n = count
        companies = choices(self.companies, k=n)
        kinds = choices(self.kind_ids, weights=self.kind_weights, k=n)
        types = choices(self.types, k=n)
        recorders = choices(self.users, k=n)
        owners = choices(self.users, k=n)
        schedule = self.schedule[start : start + n]
        contacts, people_rows = [], []
        now, second = self.now, datetime.timedelta(seconds=1)
        people_of = self.people
        subjects, texts = self.texts.subjects, self.texts.texts
        done_share = DONE_SHARE / (1 - OPEN_SHARE)
        contact_id = first_id
        for company_id, kind_id, (type_id, type_name), recorder, owner, value in zip(
            companies, kinds, types, recorders, owners, schedule, strict=True
        ):
            occurred = now - (value >> 1) * second
            due = done_at = done_by = None
            follow_up_owner = None
            if value & 1:
                # Due from about two months ago to three months ahead.
                due = occurred + rng.randrange(86_400, 150 * 86_400) * second
                follow_up_owner = owner
            elif random_() < done_share:
                follow_up_owner = owner
                due = occurred + rng.randrange(3_600, 30 * 86_400) * second
                done_at = min(due, now)
                done_by = owner
            subject, subject_words = rng.choice(subjects[type_name])
            html, text_words = rng.choice(texts[type_name])
            search = f"{subject_words} {text_words}" if text_words else subject_words
            contacts.append(
                (
                    contact_id, occurred, company_id, kind_id, type_id, subject, html, recorder,
                    follow_up_owner, due, done_at, done_by, search, occurred, occurred,
                )
            )  # fmt: skip
            people = people_of.get(company_id)
            if people:
                pick = int(random_() * 4)  # 0–3 people, never more than the company has
                if pick:
                    for person_id in rng.sample(people, min(pick, len(people))):
                        people_rows.append((contact_id, person_id))
            contact_id += 1
        return {"contact": contacts, "people": people_rows}


def generate_contacts(
    *,
    contacts: int,
    seed: int = 1,
    batch: int = 20_000,
    users: int = USERS,
    progress: Progress | None = None,
) -> GenerateResult:
    """Add ``contacts`` synthetic contacts over the existing companies and their people.

    Seeds the contact kinds and types if empty and creates missing recorders
    (``users`` of them). ``progress(done, total, rows, seconds)`` after each batch.
    """
    if contacts < 1 or batch < 1 or users < 1:
        raise ValueError("contacts, batch and users must be at least 1")
    started = time.monotonic()
    with transaction.atomic():
        generator = Generator(seed=seed, users=recorders(users))
        generator.plan(contacts)
        first_id = load.reserve_ids(Contact._meta.db_table, contacts)
    table_of = tables()
    loader = _Loader(generator, table_of, contacts, first_id, batch, progress, started)
    phases: dict[str, float] = {}
    if contacts >= max(BULK_THRESHOLD, Contact.objects.count()):
        load.bulk_load(loader, [table.name for table in loader.table_of.values()], phases)
    else:
        loader.run(transaction_per_batch=True)
        phases["load"] = time.monotonic() - started
    analyzed = time.monotonic()
    load.analyze([table.name for table in table_of.values()])
    phases["analyze"] = time.monotonic() - analyzed
    return GenerateResult(
        contacts=loader.counts["contact"],
        people_links=loader.counts["people"],
        seconds=time.monotonic() - started,
        phases=phases,
    )


class _Loader:
    """Writes batch after batch while a thread builds the next one."""

    def __init__(self, generator, table_of, total, first_id, batch, progress, started):
        self.generator = generator
        self.table_of = table_of
        self.total = total
        self.first_id = first_id
        self.batch = batch
        self.progress = progress
        self.started = started
        self.counts = {"contact": 0, "people": 0}

    def _build(self, start: int) -> dict[str, list[tuple]]:
        count = min(self.batch, self.total - start)
        return self.generator.batch(start, count, self.first_id + start)

    def run(self, *, transaction_per_batch: bool) -> None:
        starts = list(range(0, self.total, self.batch))
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
                    done = min(start + self.batch, self.total)
                    rows_done = sum(self.counts.values())
                    self.progress(done, self.total, rows_done, time.monotonic() - self.started)

    def _write(self, rows: dict[str, list[tuple]]) -> None:
        for name in ("contact", "people"):
            load.write(self.table_of[name], rows[name])
            self.counts[name] += len(rows[name])
