"""Scale benchmark for the contact journal (issue 4).

    python benchmarks/journal.py \
        --database-url postgres://postgres@127.0.0.1:5432/merkur_journal_bench
    python benchmarks/journal.py --reuse        # measure the generated database again
    python benchmarks/journal.py --companies 20000 --contacts 200000   # a quick run

The database is DROPPED and created afresh, migrated, filled with
``merkur.companies.generate.generate`` (200,000 companies by default) and
``merkur.journal.generate.generate_contacts`` (5,000,000 contacts by default:
20 users, 10 years, ~10 % open follow-ups), both timed. Then a deputy scenario
is added: a user with 2,000 open follow-ups, two users absent today with this
user as deputy (one through a chain: B → A → this user), 300 open follow-ups each.

Measured with the application's own code (after two warm-ups, ``--runs`` each):

(a) the journal list filtered by type group + one year + follow-up owner,
    varying all three: ``ContactFilter.apply`` + ``keyset_page`` (newest
    first, 50 rows) + ``capped_count`` — p50/p95/max, target p95 < 150 ms;
(b) other filters the same way: company, kind, a word, state overdue, page 2;
(c) the deputy's due follow-ups: ``follow_ups_for(user, due_only=True)``,
    first 50 rows + count — target p95 < 100 ms.

For (a) and (c) the queries of the slowest run are printed with
``EXPLAIN (ANALYZE, BUFFERS)`` when the target is missed. Results go to the
console and ``benchmarks/results/journal-*.json``. See docs/performance.md.
Not part of the test suite.
"""

import argparse
import datetime
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from companies_list import (  # the list benchmark's helpers
    PER_PAGE,
    RESULTS,
    ROOT,
    _database_info,
    _fresh_database,
    _generate,
    _machine,
    _redacted,
    _stats,
)

TARGET_LIST_P95_MS = 150
TARGET_DUE_P95_MS = 100
DEPUTY = "bench-deputy"
AWAY = ["bench-away-a", "bench-away-b"]  # A: deputy is DEPUTY; B: deputy is A (a chain)
DEPUTY_OPEN = 2_000
AWAY_OPEN = 300


def main() -> None:
    args = _arguments()
    os.environ["MERKUR_DATABASE_URL"] = args.database_url
    os.environ.setdefault("MERKUR_DATA_DIR", tempfile.mkdtemp(prefix="merkur-bench-"))
    os.environ.setdefault("MERKUR_SECRET_KEY", "benchmark-only")
    os.environ["MERKUR_DEBUG"] = "false"  # no query log, as in production
    os.environ["MERKUR_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "merkur.settings"
    sys.path.insert(0, str(ROOT / "src"))
    if not args.reuse:
        _fresh_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    from merkur.companies.models import Company
    from merkur.journal.models import Contact

    report: dict = {
        "machine": _machine(),
        "database_url": _redacted(args.database_url),
        "args": vars(args),
    }
    if args.reuse:
        report["generate"] = {"reused": True, "companies": Company.objects.count()}
        report["journal"] = {"reused": True, "contacts": Contact.objects.count()}
    else:
        call_command("migrate", verbosity=0)
        report["generate"] = _generate(args.companies, 10_000)
        report["journal"] = _generate_contacts(args.contacts, args.batch, args.seed)
    report["deputy"] = _deputy_scenario(args.seed)
    report["database"] = _database_info()
    rng = random.Random(args.seed)
    report["list"] = _list_timings(rng, args.runs)
    report["due"] = _due_timings(args.runs)
    report["explain"] = _explain_missed(report)
    report["machine"]["load_after"] = os.getloadavg()
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    count = report["journal"]["contacts"]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"journal-postgresql-{count}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nResults written to {path.relative_to(ROOT)}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/merkur_journal_bench"
    )
    parser.add_argument("--companies", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=60, help="per case (default: 60)")
    parser.add_argument("--batch", type=int, default=20_000, help="contacts per COPY batch")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="measure an existing database")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("this benchmark needs PostgreSQL")
    if args.companies < 1_000 or args.contacts < 1_000 or args.runs < 1:
        parser.error("--companies and --contacts must be at least 1,000, --runs at least 1")
    return args


# --- loading ----------------------------------------------------------------------------------


def _generate_contacts(contacts: int, batch: int, seed: int) -> dict:
    from merkur.journal.generate import generate_contacts

    end = "" if sys.stderr.isatty() else "\n"

    def progress(done: int, total: int, rows: int, seconds: float) -> None:
        if done % (batch * 10) and done != total and end:
            return
        print(
            f"\r  journal: {done:>9,} / {total:,} contacts, {rows:>11,} rows, "
            f"{done / seconds:>7,.0f} contacts/s",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    print("Generating the journal …", file=sys.stderr)
    result = generate_contacts(contacts=contacts, batch=batch, seed=seed, progress=progress)
    print(file=sys.stderr)
    return {
        "contacts": result.contacts,
        "people_links": result.people_links,
        "seconds": round(result.seconds, 2),
        "phases": {name: round(value, 2) for name, value in result.phases.items()},
        "contacts_per_s": round(result.contacts / result.seconds),
        "load_contacts_per_s": round(result.contacts / result.phases["load"]),
    }


def _deputy_scenario(seed: int) -> dict:
    """The deputy with 2,000 open follow-ups and two absent users (once; reused after)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from merkur.companies.models import Company
    from merkur.core.roles import Role
    from merkur.core.text import search_words
    from merkur.core.users import user_create
    from merkur.journal import services
    from merkur.journal.models import Contact, ContactKind

    User = get_user_model()
    users = {}
    for username in [DEPUTY, *AWAY]:
        user = User.objects.filter(username=username).first()
        users[username] = user or user_create(
            username=username, password=None, role=Role.SALES, check_password=False
        )
    deputy, away_a, away_b = users[DEPUTY], users[AWAY[0]], users[AWAY[1]]
    if not Contact.objects.filter(follow_up_owner=deputy).exists():
        rng = random.Random(seed)
        now = timezone.now()
        companies = list(Company.objects.order_by("?").values_list("pk", flat=True)[:500])
        kind = ContactKind.objects.order_by("pk").first()
        rows = []
        for owner, count in ((deputy, DEPUTY_OPEN), (away_a, AWAY_OPEN), (away_b, AWAY_OPEN)):
            for number in range(count):
                subject = f"Rückruf wegen Offerte {number}"
                occurred = now - datetime.timedelta(days=rng.randint(1, 90))
                rows.append(
                    Contact(
                        occurred_at=occurred,
                        company_id=rng.choice(companies),
                        kind=kind,
                        subject=subject,
                        recorded_by=owner,
                        follow_up_owner=owner,
                        # From two months ago to three months ahead: about 40 % due by today.
                        follow_up_due=now + datetime.timedelta(hours=rng.randint(-1_440, 2_160)),
                        search_text=search_words(subject),
                    )
                )
        Contact.objects.bulk_create(rows, batch_size=1_000)
    today = timezone.localdate()
    for user, standing_in in ((away_a, deputy), (away_b, away_a)):
        if not user.absences.filter(starts_on__lte=today, ends_on__gte=today).exists():
            services.absence_create(
                data={
                    "user": user,
                    "deputy": standing_in,
                    "starts_on": today - datetime.timedelta(days=3),
                    "ends_on": today + datetime.timedelta(days=7),
                },
                by=deputy,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE journal_contact")
    return {"deputy": DEPUTY, "open": DEPUTY_OPEN, "away": AWAY, "away_open": AWAY_OPEN}


# --- measuring --------------------------------------------------------------------------------


def _rows():
    from merkur.journal.models import Contact

    # What a list row shows: company, kind, type, recorder and follow-up owner by name.
    return Contact.objects.select_related(
        "company", "kind", "type", "recorded_by", "follow_up_owner"
    ).defer("search_text", "text")


def _measure(make_case, runs: int) -> dict:
    """Run ``make_case(i)`` → (filter, cursor) through apply + keyset_page + capped_count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from merkur.core.pagination import capped_count, keyset_page
    from merkur.journal.queries import SORTS

    samples, slowest, rows, counts = [], (0.0, None, []), [], []
    for run in range(runs + 2):
        contact_filter, cursor, label = make_case(run)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            queryset = contact_filter.apply(_rows())
            page = keyset_page(queryset, SORTS["newest"], cursor=cursor, per_page=PER_PAGE)
            count = capped_count(queryset)
            elapsed = time.perf_counter() - started
        if run < 2:
            continue  # warm-up
        samples.append(elapsed)
        rows.append(len(page.items))
        counts.append(count.value)
        if elapsed > slowest[0]:
            slowest = (elapsed, label, [q["sql"] for q in captured.captured_queries])
    return {
        **_stats(samples),
        "rows_min": min(rows),
        "count_median": sorted(counts)[len(counts) // 2],
        "slowest": {"label": slowest[1], "queries": slowest[2]},
    }


def _list_timings(rng: random.Random, runs: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from merkur.core.pagination import keyset_page
    from merkur.journal.demo import PRODUCTS
    from merkur.journal.generate import recorders
    from merkur.journal.models import Contact, ContactKind, ContactTypeGroup
    from merkur.journal.queries import SORTS, ContactFilter, State

    owners = recorders()  # the users the generator recorded with (created already)
    names = dict(get_user_model().objects.filter(pk__in=owners).values_list("pk", "username"))
    groups = dict(ContactTypeGroup.objects.values_list("pk", "name"))
    kinds = dict(ContactKind.objects.values_list("pk", "name"))
    this_year = timezone.localdate().year
    top = Contact.objects.order_by("-pk").values_list("pk", flat=True).first()
    companies = []
    while len(companies) < runs + 2:  # companies that have contacts, drawn at random
        found = Contact.objects.filter(pk__gte=rng.randint(1, top)).order_by("pk")
        company = found.values_list("company_id", flat=True).first()
        if company:
            companies.append(company)
    words = [p.split()[0].lower() for p in PRODUCTS]
    page_two = keyset_page(
        ContactFilter().apply(_rows()), SORTS["newest"], cursor=None, per_page=PER_PAGE
    ).next_cursor

    def group_period_owner(run: int):
        group = rng.choice(list(groups))
        year = rng.randint(this_year - 9, this_year)
        owner = rng.choice(owners)
        flt = ContactFilter(
            type_group=group,
            date_from=datetime.date(year, 1, 1),
            date_to=datetime.date(year, 12, 31),
            owner=owner,
        )
        return flt, None, f"type group {groups[group]}, {year}, owner {names.get(owner)}"

    def by_company(run: int):
        return ContactFilter(company=companies[run]), None, f"company {companies[run]}"

    def by_kind(run: int):
        kind = rng.choice(list(kinds))
        return ContactFilter(kinds=[kind]), None, f"kind {kinds[kind]}"

    def by_word(run: int):
        word = rng.choice(words)
        return ContactFilter(q=word), None, f"word {word}"

    def overdue(run: int):
        return ContactFilter(state=State.OVERDUE), None, "state overdue"

    def word_and_owner(run: int):
        word, owner = rng.choice(words), rng.choice(owners)
        return ContactFilter(q=word, owner=owner), None, f"word {word}, owner {names.get(owner)}"

    def page_2(run: int):
        return ContactFilter(), page_two, "page 2 (newest first)"

    cases = {
        "(a) type group + year + owner": group_period_owner,
        "(b) company": by_company,
        "(b) kind": by_kind,
        "(b) word": by_word,
        "(b) word + owner": word_and_owner,
        "(b) state overdue": overdue,
        "(b) page 2 via cursor": page_2,
    }
    return {label: _measure(make_case, runs) for label, make_case in cases.items()}


def _due_timings(runs: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from merkur.journal.queries import follow_ups_for

    deputy = get_user_model().objects.get(username=DEPUTY)
    samples, slowest, sizes = [], (0.0, []), set()
    for run in range(runs + 2):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            found = follow_ups_for(deputy, due_only=True)
            first = list(found.contacts.select_related("company", "follow_up_owner")[:PER_PAGE])
            total = found.contacts.count()
            elapsed = time.perf_counter() - started
        if run < 2:
            continue
        samples.append(elapsed)
        sizes.add((len(first), total, len(found.redirected)))
        if elapsed > slowest[0]:
            slowest = (elapsed, [q["sql"] for q in captured.captured_queries])
    (shown, total, redirected), *_ = sorted(sizes)
    return {
        **_stats(samples),
        "rows": shown,
        "due": total,
        "redirected_owners": redirected,
        "slowest": {"label": "due follow-ups of the deputy", "queries": slowest[1]},
    }


def _explain_missed(report: dict) -> dict:
    """EXPLAIN ANALYZE of the slowest run's queries, for each case that missed its target."""
    from django.db import connection

    missed = []
    case = report["list"]["(a) type group + year + owner"]
    if case["p95_ms"] >= TARGET_LIST_P95_MS:
        missed.append(("(a) " + str(case["slowest"]["label"]), case["slowest"]["queries"]))
    if report["due"]["p95_ms"] >= TARGET_DUE_P95_MS:
        missed.append(("(c) due follow-ups", report["due"]["slowest"]["queries"]))
    plans = {}
    with connection.cursor() as cursor:
        for label, queries in missed:
            plans[label] = []
            for sql in queries:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plans[label].append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


# --- the report -------------------------------------------------------------------------------


def _print(report: dict) -> None:
    machine, database = report["machine"], report["database"]
    print(
        f"\n{machine['cpus']} CPUs ({machine['cpu']}), {machine['memory']} RAM, "
        f"Python {machine['python']}, {database['vendor']} {database['version'][:40]}, "
        f"database {database.get('size')}"
    )
    print(f"load average before {machine['load_before']}, after {machine['load_after']}")
    gen, journal = report["generate"], report["journal"]
    if not gen.get("reused"):
        print(
            f"\ncompanies: {gen['companies']:,} in {gen['seconds']:,.1f} s "
            f"({gen['companies_per_s']:,}/s)"
        )
    if not journal.get("reused"):
        print(
            f"contacts: {journal['contacts']:,} (+ {journal['people_links']:,} people links) in "
            f"{journal['seconds']:,.1f} s = {journal['contacts_per_s']:,} contacts/s; "
            f"phases {journal['phases']} (load only {journal['load_contacts_per_s']:,}/s)"
        )
    else:
        print(f"\nreused: {journal['contacts']:,} contacts")
    print(f"\n{'case':<32} {'p50':>7} {'p95':>7} {'max':>7}  rows  count (median)")
    for label, case in report["list"].items():
        print(
            f"{label:<32} {case['p50_ms']:>7} {case['p95_ms']:>7} {case['max_ms']:>7}  "
            f"{case['rows_min']:>4}  {case['count_median']:,}"
        )
    due = report["due"]
    print(
        f"{'(c) due follow-ups, deputy':<32} {due['p50_ms']:>7} {due['p95_ms']:>7} "
        f"{due['max_ms']:>7}  {due['rows']:>4}  {due['due']:,} "
        f"({due['redirected_owners']} owners redirected)"
    )
    a, c = report["list"]["(a) type group + year + owner"]["p95_ms"], due["p95_ms"]
    print(
        f"\n(a) p95 {a} ms (target < {TARGET_LIST_P95_MS} ms: "
        f"{'ok' if a < TARGET_LIST_P95_MS else 'MISSED'}); (c) p95 {c} ms "
        f"(target < {TARGET_DUE_P95_MS} ms: {'ok' if c < TARGET_DUE_P95_MS else 'MISSED'})"
    )
    for label, plans in report["explain"].items():
        print(f"\nEXPLAIN ANALYZE, slowest run of {label}:")
        for plan in plans:
            print(plan, end="\n\n")


if __name__ == "__main__":
    main()
