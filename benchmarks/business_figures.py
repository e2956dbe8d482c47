"""Scale benchmark for the revenue figures and the ABC analysis (issue 5).

    python benchmarks/business_figures.py \
        --database-url postgres://postgres@127.0.0.1:5432/merkur_business_bench
    python benchmarks/business_figures.py --reuse       # measure the generated database again
    python benchmarks/business_figures.py \
        --database-url sqlite:////tmp/merkur_business_bench.sqlite3 \
        --companies 100000 --lines 1000000

Setup (skipped with ``--reuse``): the database is DROPPED and created afresh
(SQLite: deleted), migrated, filled with ``merkur.companies.generate.generate``
(1,000,000 companies by default), then with business data written by set-based
SQL on the server: four divisions, three categories, ~2,000 articles, monthly
CHF and USD rates over six years and ``--lines`` (10,000,000 by default) sales
order lines in a fifth as many orders (1–9 lines each; ~3 % cancelled, ~10 % in
CHF or USD, dates over the last six years). Orders go to the customers with a
Pareto-like skew (the document's customer is drawn with ``u³``), so the ABC
classes look like real ones. Then ``merkur.business.aggregates.rebuild()`` —
what ``merkur rebuild-aggregates`` does — builds the revenue aggregate, timed.
Each phase's time is printed.

Measured (after a warm-up, ``--runs`` times each, p50/max):

(a) revenue in "Anwendersoftware" last year for all companies, through
    ``figures.revenue_by_company`` (grouped over the aggregate) — target < 3 s
    on PostgreSQL (``figures.revenue``, a subquery per company, is the form for
    one company or a page of them);
(b) the same figure by hand-written SQL over the raw lines (rate per line,
    rounded per line as ``aggregates.revenue_lines`` does); both results must
    be equal, company by company;
(c) the ABC analysis of all customers last year: the whole ``abc_ranking``
    list and ``abc_boundaries`` — target < 5 s for 1,000,000 customers;
(d) ``with_abc_class`` for a page of 50 companies and for one company;
(c') and (d') where ``merkur.business.abc_cache`` exists: its boundaries computed
    afresh, and ``company_abc`` (the company page) with the boundaries cached.

A case stops repeating once it has used ``--budget`` seconds (at least one
timed run after the warm-up). The plans (``EXPLAIN (ANALYZE, BUFFERS)``,
without ANALYZE past a minute; SQLite: ``EXPLAIN QUERY PLAN``) of the cases
that miss their target are recorded. Results go to the console and to
``benchmarks/results/business-figures-*.json``. Not part of the test suite.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from companies_list import (  # the list benchmark's helpers
    PER_PAGE,
    RESULTS,
    ROOT,
    _database_info,
    _environment,
    _fresh_database,
    _generate,
    _machine,
    _redacted,
    _stats,
)

TARGET_REVENUE_S = 3.0
TARGET_ABC_S = 5.0
EXPLAIN_ANALYZE_UP_TO_S = 60
DIVISION = "Anwendersoftware"
# division: (article number prefix, its categories)
DIVISIONS = {
    "Anwendersoftware": ("AS", ["Lizenz", "Wartung"]),
    "Datenbanksoftware": ("DB", ["Lizenz", "Wartung"]),
    "Hardware": ("HW", ["Gerät", "Wartung"]),
    "Dienstleistung": ("DL", ["Wartung"]),
}
CATEGORIES = ["Lizenz", "Wartung", "Gerät"]
ARTICLES = 2_000
YEARS = 6
FOREIGN = {"CHF": Decimal("0.95"), "USD": Decimal("0.92")}  # first rate; drifts monthly
LINES_PER_DOCUMENT = 5  # on average: 1 + (id * 7) % 9 runs through 1…9


def main() -> None:
    args = _arguments()
    _environment(args.database_url)
    if not args.reuse:
        _fresh_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    from merkur.business.models import Document, DocumentLine, RevenueMonth
    from merkur.companies.models import Company

    report: dict = {
        "machine": _machine(),
        "database_url": _redacted(args.database_url),
        "args": vars(args),
    }
    if args.reuse:
        report["setup"] = {"reused": True}
    else:
        setup: dict = {}
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        setup["migrate_s"] = _phase("migrate", started)
        setup["generate"] = _generate(args.companies, args.batch)
        print(f"  companies: {setup['generate']['seconds']:,.1f} s", file=sys.stderr)
        setup.update(_business_data(args.lines, args.seed))
        report["setup"] = setup
    report["sizes"] = {
        "companies": Company.objects.count(),
        "documents": Document.objects.count(),
        "lines": DocumentLine.objects.count(),
        "revenue_months": RevenueMonth.objects.count(),
    }
    report["database"] = _database_info()
    print(f"Measuring ({args.runs} runs each, after a warm-up) …", file=sys.stderr)
    report["figures"] = _measure_all(args.runs, args.budget)
    report["explain"] = _explain_missed(report["figures"])
    report["machine"]["load_after"] = os.getloadavg()
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    vendor = report["database"]["vendor"]
    lines = report["sizes"]["lines"]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"business-figures-{vendor}-{lines}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nResults written to {path.relative_to(ROOT)}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/merkur_business_bench"
    )
    parser.add_argument("--companies", type=int, default=1_000_000)
    parser.add_argument("--lines", type=int, default=10_000_000, help="sales order lines")
    parser.add_argument("--runs", type=int, default=5, help="per case (default: 5)")
    parser.add_argument("--batch", type=int, default=10_000, help="generate's batch size")
    parser.add_argument(
        "--budget",
        type=float,
        default=120,
        help="seconds per case after which it stops repeating (default: 120)",
    )
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="measure an existing database")
    args = parser.parse_args()
    if args.companies < 1_000 or args.lines < 10_000 or args.runs < 1:
        parser.error("--companies must be at least 1,000, --lines 10,000, --runs 1")
    return args


def _phase(name: str, started: float) -> float:
    seconds = round(time.monotonic() - started, 2)
    print(f"  {name}: {seconds:,.1f} s", file=sys.stderr)
    return seconds


# --- business data ----------------------------------------------------------------------------


def _business_data(lines: int, seed: int) -> dict:
    """Master data, articles, rates, orders and lines; then the aggregate. Timed per phase."""
    from django.db import connection, transaction

    from merkur.business import aggregates
    from merkur.companies.generate import load

    phases: dict = {}
    started = time.monotonic()
    with transaction.atomic():
        _master_data(seed)
    phases["master_data_s"] = _phase("master data, articles, rates", started)

    documents = max(lines // LINES_PER_DOCUMENT, 1)
    tables = ["business_document", "business_documentline"]
    postgres = connection.vendor == "postgresql"
    indexes = load.PostgresIndexes(tables) if postgres else load.SqliteIndexes(tables)
    started = time.monotonic()
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        indexes.drop()
        with connection.cursor() as cursor:
            _fill_documents(cursor, documents, seed, postgres)
            phases["documents_s"] = _phase(f"{documents:,} orders", started)
            begun = time.monotonic()
            _fill_lines(cursor, lines, documents, postgres)
            phases["lines_s"] = _phase("lines", begun)
            begun = time.monotonic()
            _fill_totals(cursor, postgres)
            phases["totals_s"] = _phase("order totals", begun)
        if not postgres:
            begun = time.monotonic()
            indexes.rebuild(workers=1)
            phases["indexes_s"] = _phase("indexes and keys", begun)
    if postgres:
        begun = time.monotonic()
        indexes.rebuild(workers=2)
        phases["indexes_s"] = _phase("indexes and keys", begun)
    begun = time.monotonic()
    _analyze(["business_document", "business_documentline", "business_article"])
    phases["analyze_s"] = _phase("vacuum analyze", begun)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM business_documentline")
        line_count = cursor.fetchone()[0]

    print("Rebuilding the aggregate (merkur rebuild-aggregates) …", file=sys.stderr)
    begun = time.monotonic()
    rows = aggregates.rebuild()
    seconds = time.monotonic() - begun
    phases["rebuild"] = {
        "seconds": round(seconds, 2),
        "rows": rows,
        "lines": line_count,
        "lines_per_s": round(line_count / seconds),
    }
    print(
        f"  rebuild: {rows:,} aggregate rows from {line_count:,} lines in {seconds:,.1f} s "
        f"({line_count / seconds:,.0f} lines/s)",
        file=sys.stderr,
    )
    begun = time.monotonic()
    _analyze(["business_revenuemonth"])
    phases["analyze_aggregate_s"] = _phase("vacuum analyze aggregate", begun)
    return phases


def _master_data(seed: int) -> None:
    """Divisions, categories, articles (prices by number) and monthly rates, by the ORM."""
    import random

    from merkur.business.models import Article, ArticleCategory, Division, ExchangeRate

    rng = random.Random(seed)
    categories = {
        name: ArticleCategory.objects.get_or_create(name=name, defaults={"sort_order": i})[0]
        for i, name in enumerate(CATEGORIES)
    }
    articles = []
    per_division = ARTICLES // len(DIVISIONS)
    for order, (name, (prefix, names)) in enumerate(DIVISIONS.items()):
        division = Division.objects.get_or_create(name=name, defaults={"sort_order": order})[0]
        for number in range(per_division):
            category = categories[names[number % len(names)]]
            articles.append(
                Article(
                    number=f"{prefix}-{number:05d}",
                    name=f"{name} {category.name} {number}",
                    division=division,
                    category=category,
                )
            )
    Article.objects.bulk_create(articles, batch_size=1_000)
    today = datetime.date.today()
    first = datetime.date(today.year - YEARS - 1, 1, 1)  # before the first order
    rates = []
    for currency, rate in FOREIGN.items():
        month = first
        while month <= today:
            rates.append(ExchangeRate(currency=currency, valid_from=month, rate=rate))
            drift = Decimal(rng.randint(-200, 200)) / 10_000
            rate = max(rate + drift, Decimal("0.5"))
            month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    ExchangeRate.objects.bulk_create(rates)


def _fill_documents(cursor, documents: int, seed: int, postgres: bool) -> None:
    """``documents`` sales orders; the customer is drawn by rank with ``u³`` (Pareto-like).

    The rank → company mapping is a shuffle of the companies, so the best customers
    are spread over the table rather than the first ids.
    """
    days = int(YEARS * 365.25)
    if postgres:
        cursor.execute("SELECT setseed(%s)", [1 / (seed + 1)])
        cursor.execute(
            "CREATE TEMP TABLE bench_rank ON COMMIT DROP AS SELECT"
            " (row_number() OVER (ORDER BY md5(id::text)))::int - 1 AS rank, id"
            " FROM companies_company"
        )
        cursor.execute("ALTER TABLE bench_rank ADD PRIMARY KEY (rank)")
        cursor.execute("SELECT COUNT(*) FROM bench_rank")
        companies = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO business_document (id, kind, number, company_id, date, currency,
                status, total_net, created_at, updated_at, version)
            SELECT g.id, 'order', 'B' || lpad(g.id::text, 9, '0'), r.id,
                current_date - floor(g.day * %(days)s)::int,
                CASE WHEN g.cur < 0.06 THEN 'CHF' WHEN g.cur < 0.10 THEN 'USD' ELSE %(base)s END,
                CASE WHEN g.cancel < 0.03 THEN 'cancelled' ELSE 'done' END,
                0, now(), now(), 1
            FROM (
                SELECT id, floor(%(companies)s * power(random(), 3))::int AS rank,
                    random() AS day, random() AS cur, random() AS cancel
                FROM generate_series(1, %(documents)s) AS id
            ) g JOIN bench_rank r ON r.rank = g.rank
            """,
            {"days": days, "companies": companies, "documents": documents, "base": _base()},
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('business_document', 'id'), %s)", [documents]
        )
        return
    # Typed, the rank is the rowid: an untyped column left the lookup scanning the table.
    cursor.execute("CREATE TEMP TABLE bench_rank (rank INTEGER PRIMARY KEY, id INTEGER)")
    cursor.execute(
        "INSERT INTO bench_rank SELECT"
        " (row_number() OVER (ORDER BY (id * 2654435761) % 4294967296)) - 1, id"
        " FROM companies_company"
    )
    cursor.execute("SELECT COUNT(*) FROM bench_rank")
    companies = cursor.fetchone()[0]
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")
    cursor.execute(
        f"""
        WITH RECURSIVE series(id) AS (
            SELECT 1 UNION ALL SELECT id + 1 FROM series WHERE id < {documents}
        ), g AS MATERIALIZED (  -- drawn once per order, not once per join probe
            SELECT id, (abs(random()) % 1000000) / 1e6 AS u,
                (abs(random()) % 1000000) / 1e6 AS day,
                (abs(random()) % 1000000) / 1e6 AS cur,
                (abs(random()) % 1000000) / 1e6 AS cancel
            FROM series
        )
        INSERT INTO business_document (id, kind, number, company_id, date, currency,
            status, total_net, created_at, updated_at, version)
        SELECT g.id, 'order', 'B' || substr('000000000' || g.id, -9),
            -- a lookup by rank per order (a join lets SQLite scan the orders per company)
            (SELECT r.id FROM bench_rank r WHERE r.rank = g.rank),
            date('now', '-' || CAST(g.day * {days} AS INTEGER) || ' days'),
            CASE WHEN g.cur < 0.06 THEN 'CHF' WHEN g.cur < 0.10 THEN 'USD' ELSE %s END,
            CASE WHEN g.cancel < 0.03 THEN 'cancelled' ELSE 'done' END,
            0, %s, %s, 1
        FROM (SELECT *, CAST({companies} * u * u * u AS INTEGER) AS rank FROM g) g
        """,
        [_base(), now, now],
    )
    cursor.execute("DROP TABLE bench_rank")


def _fill_lines(cursor, lines: int, documents: int, postgres: bool) -> None:
    """1–9 lines per order (``1 + (id * 7) % 9``), random articles, quantities and discounts.

    The price comes from the article's id (20…4,999.99); ``net_amount`` is
    quantity × price less the discount, rounded to the cent.
    """
    cursor.execute("SELECT MIN(id), COUNT(*) FROM business_article")
    first_article, articles = cursor.fetchone()
    if postgres:
        cursor.execute(
            """
            INSERT INTO business_documentline (document_id, position, article_id, quantity,
                unit_price, discount_percent, net_amount)
            SELECT l.document_id, l.position, l.article_id, l.quantity, l.unit_price,
                l.discount, round(l.quantity * l.unit_price * (100 - l.discount) / 100, 2)
            FROM (
                SELECT d.id AS document_id, p AS position, a.article_id,
                    (1 + floor(power(random(), 4) * 50))::numeric(18, 3) AS quantity,
                    (20 + (a.article_id * 7919) %% 498000 / 100.0)::numeric(18, 4) AS unit_price,
                    (CASE WHEN random() < 0.7 THEN 0 ELSE 5 * floor(random() * 5) END)
                        ::numeric(5, 2) AS discount
                FROM generate_series(1, %(documents)s) AS d(id),
                    generate_series(1, 1 + (d.id * 7) %% 9) AS p,
                    LATERAL (SELECT %(first)s + floor(random() * %(articles)s)::int + 0 * p
                        AS article_id) AS a
            ) l
            """,
            {"documents": documents, "first": first_article, "articles": articles},
        )
        return
    cursor.execute(
        f"""
        WITH RECURSIVE positions(p) AS (
            SELECT 1 UNION ALL SELECT p + 1 FROM positions WHERE p < 9
        ), l AS MATERIALIZED (
            SELECT d.id AS document_id, p.p AS position,
                {first_article} + abs(random()) % {articles} AS article_id,
                1 + CAST(((abs(random()) % 1000000) / 1e6) * ((abs(random()) % 1000000) / 1e6)
                    * ((abs(random()) % 1000000) / 1e6) * ((abs(random()) % 1000000) / 1e6)
                    * 50 AS INTEGER) AS quantity,
                CASE WHEN abs(random()) % 10 < 7 THEN 0 ELSE 5 * (abs(random()) % 5) END
                    AS discount
            FROM business_document d JOIN positions p ON p.p <= 1 + (d.id * 7) % 9
        )
        INSERT INTO business_documentline (document_id, position, article_id, quantity,
            unit_price, discount_percent, net_amount)
        SELECT document_id, position, article_id, quantity, price, discount,
            round(quantity * price * (100 - discount) / 100, 2)
        FROM (SELECT *, 20 + (article_id * 7919) % 498000 / 100.0 AS price FROM l)
        """
    )


def _fill_totals(cursor, postgres: bool) -> None:
    """``total_net`` = the sum of the order's lines, as the services keep it."""
    if postgres:
        cursor.execute(
            "UPDATE business_document d SET total_net = s.total FROM ("
            " SELECT document_id, SUM(net_amount) AS total FROM business_documentline"
            " GROUP BY document_id) s WHERE s.document_id = d.id"
        )
        return
    cursor.execute(
        "CREATE TEMP TABLE bench_totals AS SELECT document_id, SUM(net_amount) AS total"
        " FROM business_documentline GROUP BY document_id"
    )
    cursor.execute("CREATE UNIQUE INDEX bench_totals_document ON bench_totals (document_id)")
    cursor.execute(
        "UPDATE business_document SET total_net = ("
        " SELECT round(total, 2) FROM bench_totals t WHERE t.document_id = business_document.id)"
    )
    cursor.execute("DROP TABLE bench_totals")


def _analyze(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":
                cursor.execute(f'VACUUM (ANALYZE) "{table}"')
            else:
                cursor.execute(f'ANALYZE "{table}"')


def _base() -> str:
    from merkur.business import rates

    return rates.base_currency()


# --- measuring --------------------------------------------------------------------------------


def _timed(run, runs: int, budget: float) -> tuple[dict, object, list[str]]:
    """``run()`` once to warm up, then ``runs`` times: stats, the last result, its queries.

    A case that has used up ``budget`` seconds stops early (after at least one timed
    run): at a million customers one run of the slow shapes takes minutes.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    run()
    samples, result, queries = [], None, []
    while len(samples) < runs and (not samples or time.perf_counter() - started < budget):
        with CaptureQueriesContext(connection) as captured:
            begun = time.perf_counter()
            result = run()
            samples.append(time.perf_counter() - begun)
        queries = [q["sql"] for q in captured.captured_queries]
    stats = {
        "p50_s": round(statistics.median(samples), 3),
        "max_s": round(max(samples), 3),
        **_stats(samples),
    }
    return stats, result, queries


def _measure_all(runs: int, budget: float) -> dict:
    from merkur.business.figures import (
        Period,
        abc_boundaries,
        abc_ranking,
        revenue_by_company,
        with_abc_class,
    )
    from merkur.business.models import Division
    from merkur.companies.models import Company

    last_year = datetime.date.today().year - 1
    period = Period.year(last_year)
    division = Division.objects.get(name=DIVISION).pk
    figures: dict = {"period": str(last_year), "division": DIVISION}

    def by_aggregate():
        return list(
            revenue_by_company(period, divisions=[division])
            .filter(revenue__gt=0)
            .values_list("company_id", "revenue")
        )

    stats, rows, queries = _timed(by_aggregate, runs, budget)
    label = "(a) revenue via figures.revenue_by_company"
    figures[label] = {**stats, "rows": len(rows), "queries": queries}
    print(f"  (a) {stats['p50_s']} s, {len(rows):,} companies", file=sys.stderr)
    orm = {pk: Decimal(amount) for pk, amount in rows}

    sql, params = _raw_revenue_sql(period, division)

    def by_lines():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    stats, rows, _queries = _timed(by_lines, runs, budget)
    raw = {pk: _cents(amount) for pk, amount in rows}
    figures["(b) revenue by raw SQL over the lines"] = {**stats, "rows": len(rows), "sql": sql}
    print(f"  (b) {stats['p50_s']} s, {len(rows):,} companies", file=sys.stderr)
    differing = sorted(pk for pk in orm.keys() | raw.keys() if orm.get(pk) != raw.get(pk))
    figures["(a) = (b)"] = {
        "equal": not differing,
        "companies": len(orm),
        "sum": str(_cents(sum(orm.values(), Decimal(0)))),
        "differing": len(differing),
        "examples": [(pk, str(orm.get(pk)), str(raw.get(pk))) for pk in differing[:10]],
    }
    print(f"  (a) = (b): {not differing} ({len(differing)} differing)", file=sys.stderr)

    def ranking():
        # Company rows keyed ``pk`` in the first version of ``abc_ranking``, grouped rows
        # keyed ``company_id`` since: whichever the queryset holds.
        queryset = abc_ranking(period)
        key = "company_id" if queryset.model is not Company else "pk"
        return list(queryset.values_list(key, "revenue", "cumulative", "total"))

    stats, rows, queries = _timed(ranking, runs, budget)
    figures["(c) abc_ranking, whole list"] = {**stats, "rows": len(rows), "queries": queries}
    print(f"  (c) ranking {stats['p50_s']} s, {len(rows):,} customers", file=sys.stderr)

    stats, boundaries, queries = _timed(lambda: abc_boundaries(period), runs, budget)
    figures["(c) abc_boundaries"] = {
        **stats,
        "boundaries": _bounds(boundaries),
        "queries": queries,
    }
    print(f"  (c) boundaries {stats['p50_s']} s", file=sys.stderr)
    figures["(c) classes"] = _classes(rows, boundaries)

    def page():
        companies = Company.objects.order_by("name", "pk")
        return list(with_abc_class(companies, period).values("pk", "abc_class")[:PER_PAGE])

    stats, rows, queries = _timed(page, runs, budget)
    figures["(d) with_abc_class, page of 50"] = {**stats, "rows": len(rows), "queries": queries}
    print(f"  (d) page {stats['p50_s']} s", file=sys.stderr)

    best = figures["(c) classes"]["first_pk"]

    def one():
        companies = Company.objects.filter(pk=best)
        return with_abc_class(companies, period).values("pk", "abc_class", "abc_revenue").get()

    stats, row, queries = _timed(one, runs, budget)
    figures["(d) with_abc_class, one company"] = {**stats, "row": row, "queries": queries}
    print(f"  (d) one company {stats['p50_s']} s", file=sys.stderr)
    figures.update(_cached_path(period, best, runs, budget))
    cold = figures.get("(c') abc_cache.boundaries, cold")
    if cold:  # the fast path must find the same customers as figures.abc_boundaries
        figures["(c') = (c)"] = cold["boundaries"] == figures["(c) abc_boundaries"]["boundaries"]
    return figures


def _cached_path(period, company: int, runs: int, budget: float) -> dict:
    """The company page's path through ``merkur.business.abc_cache``, where it exists:
    the boundaries computed afresh (cache emptied each run) and ``company_abc`` with
    the boundaries cached."""
    try:
        from merkur.business import abc_cache
    except ImportError:
        return {}
    from django.core.cache import cache

    def cold():
        cache.clear()
        return abc_cache.boundaries(period)

    found: dict = {}
    stats, bounds, queries = _timed(cold, runs, budget)
    found["(c') abc_cache.boundaries, cold"] = {
        **stats,
        "boundaries": _bounds(bounds),
        "queries": queries,
    }
    print(f"  (c') abc_cache boundaries, cold {stats['p50_s']} s", file=sys.stderr)
    stats, row, queries = _timed(lambda: abc_cache.company_abc(company, period), runs, budget)
    found["(d') abc_cache.company_abc, boundaries cached"] = {
        **stats,
        "row": str(row),
        "queries": queries,
    }
    print(f"  (d') company_abc {stats['p50_s']} s", file=sys.stderr)
    return found


def _bounds(boundaries: tuple) -> list:
    """(revenue to the cent, pk) of the first B and first C customer, comparable as text."""
    return [None if b is None else (str(_cents(b.revenue)), b.pk) for b in boundaries]


def _cents(amount) -> Decimal:
    """SQLite hands back floats; PostgreSQL numerics. Both to the cent."""
    return Decimal(str(amount)).quantize(Decimal("0.01"))


def _classes(rows: list[tuple], boundaries: tuple) -> dict:
    """Customers per class as the ranking and the boundaries say (they must agree)."""
    first_b, first_c = boundaries
    positions = {pk: index for index, (pk, *_rest) in enumerate(rows)}
    b = positions.get(first_b.pk, len(rows)) if first_b else len(rows)
    c = positions.get(first_c.pk, len(rows)) if first_c else len(rows)
    return {
        "A": b,
        "B": c - b,
        "C": len(rows) - c,
        "first_pk": rows[0][0] if rows else None,
        "total": str(rows[0][3]) if rows else "0",
    }


def _raw_revenue_sql(period, division: int) -> tuple[str, list]:
    """Revenue per company straight from the lines: not cancelled orders, the rate of the
    document's currency on its date (1 for the base), rounded per line."""
    base = _base()
    amount = (
        "ROUND(l.net_amount * CASE WHEN d.currency = %s THEN 1 ELSE ("
        " SELECT r.rate FROM business_exchangerate r"
        " WHERE r.currency = d.currency AND r.valid_from <= d.date"
        " ORDER BY r.valid_from DESC LIMIT 1) END, 2)"
    )
    sql = (
        f"SELECT d.company_id, SUM({amount}) FROM business_document d"
        " JOIN business_documentline l ON l.document_id = d.id"
        " JOIN business_article a ON a.id = l.article_id"
        " WHERE d.kind = 'order' AND d.status <> 'cancelled'"
        " AND d.date BETWEEN %s AND %s AND a.division_id = %s"
        f" GROUP BY d.company_id HAVING SUM({amount}) > 0"
    )
    return sql, [base, period.start, period.end, division, base]


def _explain_missed(figures: dict) -> dict:
    """The plans of (a) and (c) when they miss their targets (PostgreSQL: with ANALYZE)."""
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    cases = [
        ("(a) revenue via figures.revenue_by_company", TARGET_REVENUE_S),
        ("(c) abc_ranking, whole list", TARGET_ABC_S),
        ("(c) abc_boundaries", TARGET_ABC_S),
    ]
    plans = {}
    with connection.cursor() as cursor:
        for label, target in cases:
            if figures[label]["p50_s"] < target:
                continue
            plans[label] = []
            # A query of minutes is explained without running it once more.
            analyze = figures[label]["p50_s"] < EXPLAIN_ANALYZE_UP_TO_S
            prefix = "EXPLAIN QUERY PLAN "
            if postgres:
                prefix = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
            for sql in figures[label]["queries"]:
                cursor.execute(prefix + sql)
                rows = cursor.fetchall()
                plans[label].append("\n".join(" ".join(map(str, row)) for row in rows))
    return plans


# --- the report -------------------------------------------------------------------------------


def _print(report: dict) -> None:
    machine, database, sizes = report["machine"], report["database"], report["sizes"]
    print(
        f"\n{machine['cpus']} CPUs ({machine['cpu']}), {machine['memory']} RAM, "
        f"Python {machine['python']}, {database['vendor']} {database['version'][:40]}, "
        f"database {database.get('size', '')}"
    )
    print(f"load average before {machine['load_before']}, after {machine['load_after']}")
    print(
        f"\n{sizes['companies']:,} companies, {sizes['documents']:,} orders, "
        f"{sizes['lines']:,} lines, {sizes['revenue_months']:,} aggregate rows"
    )
    setup = report["setup"]
    if not setup.get("reused"):
        gen, rebuild = setup["generate"], setup["rebuild"]
        print(
            f"setup: migrate {setup['migrate_s']} s, companies {gen['seconds']} s "
            f"({gen['companies_per_s']:,}/s), master data {setup['master_data_s']} s, "
            f"orders {setup['documents_s']} s, lines {setup['lines_s']} s, "
            f"totals {setup['totals_s']} s, indexes {setup['indexes_s']} s, "
            f"analyze {setup['analyze_s']} s"
        )
        print(
            f"rebuild-aggregates: {rebuild['rows']:,} rows in {rebuild['seconds']} s "
            f"= {rebuild['lines_per_s']:,} lines/s"
        )
    figures = report["figures"]
    print(f"\nperiod {figures['period']}, division {figures['division']}")
    print(f"{'case':<42} {'p50 s':>8} {'max s':>8}  rows")
    for label, case in figures.items():
        if isinstance(case, dict) and "p50_s" in case:
            rows = case.get("rows", "")
            print(
                f"{label:<42} {case['p50_s']:>8} {case['max_s']:>8}  {rows:,}"
                if rows != ""
                else f"{label:<42} {case['p50_s']:>8} {case['max_s']:>8}"
            )
    a = figures["(a) revenue via figures.revenue_by_company"]
    b = figures["(b) revenue by raw SQL over the lines"]
    same = figures["(a) = (b)"]
    print(
        f"\n(a) aggregate {a['p50_s']} s vs (b) raw lines {b['p50_s']} s; equal: {same['equal']} "
        f"({same['companies']:,} companies, sum {same['sum']}, {same['differing']} differing)"
    )
    classes = figures["(c) classes"]
    ranking = figures["(c) abc_ranking, whole list"]["p50_s"]
    bounds = figures["(c) abc_boundaries"]["p50_s"]
    print(f"classes: A {classes['A']:,}, B {classes['B']:,}, C {classes['C']:,}")
    same_bounds = figures.get("(c') = (c)")
    if same_bounds is not None:
        print(f"abc_cache boundaries equal to figures.abc_boundaries: {same_bounds}")
    print(
        f"(a) {a['p50_s']} s (target < {TARGET_REVENUE_S} s: "
        f"{'ok' if a['p50_s'] < TARGET_REVENUE_S else 'MISSED'}); "
        f"(c) ranking + boundaries {ranking + bounds:.3f} s (target < {TARGET_ABC_S} s: "
        f"{'ok' if ranking + bounds < TARGET_ABC_S else 'MISSED'})"
    )
    for label, plans in report["explain"].items():
        print(f"\nPlan of {label}:")
        for plan in plans:
            print(plan, end="\n\n")


if __name__ == "__main__":
    main()
