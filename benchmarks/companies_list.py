"""Scale benchmark: generate N companies, then time the company list.

    python benchmarks/companies_list.py \
        --database-url postgres://postgres@127.0.0.1:5432/merkur_bench --companies 1000000
    python benchmarks/companies_list.py \
        --database-url sqlite:////tmp/merkur_bench.sqlite3 --companies 200000

The database is DROPPED and created afresh (PostgreSQL) or deleted (SQLite),
migrated, and filled with ``merkur generate`` (timed: companies/s, rows/s).
Then each list case is requested ``--requests`` times through Django's test
client, logged in as an administrator (after two warm-up requests), and the same
query is timed at the ORM level (filter + keyset page + capped count, the work
of the view without templates and middleware). On PostgreSQL the plans of the
slowest case are printed with ``EXPLAIN ANALYZE``. Results go to the console
and to ``benchmarks/results/*.json``. See docs/performance.md.

Not part of the test suite.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
PER_PAGE = 50  # the list view's page size (merkur.companies.views.common.PER_PAGE)
TARGET_P95_MS = 150
TARGET_COMPANIES_PER_S = 20_000


def main() -> None:
    args = _arguments()
    url = args.database_url
    os.environ["MERKUR_DATABASE_URL"] = url
    os.environ.setdefault("MERKUR_DATA_DIR", tempfile.mkdtemp(prefix="merkur-bench-"))
    os.environ.setdefault("MERKUR_SECRET_KEY", "benchmark-only")
    os.environ["MERKUR_DEBUG"] = "false"  # no query log, as in production
    os.environ["MERKUR_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "merkur.settings"
    sys.path.insert(0, str(ROOT / "src"))
    if not args.reuse:
        _fresh_database(url)

    import django

    django.setup()
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # or WhiteNoise warns
    from django.core.management import call_command

    report: dict = {"machine": _machine(), "database_url": _redacted(url), "args": vars(args)}
    if args.reuse:
        from merkur.companies.models import Company

        report["generate"] = {"reused": True, "companies": Company.objects.count()}
    else:
        call_command("migrate", verbosity=0)
        report["generate"] = _generate(args.companies, args.batch)
    report["database"] = _database_info()
    cases = _cases()
    report["orm"] = _orm_timings(cases, args.requests)
    report["http"] = _http_timings(cases, args.requests)
    report["explain"] = _explain_slowest(cases, report["orm"])
    report["machine"]["load_after"] = os.getloadavg()
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    vendor = report["database"]["vendor"]
    count = report["generate"]["companies"]
    path = RESULTS / f"companies_list-{vendor}-{count}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nResults written to {path.relative_to(ROOT)}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="sqlite:////tmp/merkur_bench.sqlite3")
    parser.add_argument(
        "--companies",
        type=int,
        default=None,
        help="default: 200,000 (SQLite) or 1,000,000 (PostgreSQL)",
    )
    parser.add_argument("--requests", type=int, default=50, help="per case (default: 50)")
    parser.add_argument("--batch", type=int, default=10_000, help="generate's batch size")
    parser.add_argument(
        "--reuse", action="store_true", help="measure an already generated database again"
    )
    args = parser.parse_args()
    if args.companies is None:
        args.companies = 200_000 if args.database_url.startswith("sqlite") else 1_000_000
    if args.companies < 50_000 or args.requests < 1:
        parser.error("--companies must be at least 50,000 (page 1,000), --requests at least 1")
    return args


def _environment(url: str) -> None:
    """Point Django at ``url`` as production would run (no query log), before ``setup``."""
    os.environ["MERKUR_DATABASE_URL"] = url
    os.environ.setdefault("MERKUR_DATA_DIR", tempfile.mkdtemp(prefix="merkur-bench-"))
    os.environ.setdefault("MERKUR_SECRET_KEY", "benchmark-only")
    os.environ["MERKUR_DEBUG"] = "false"  # no query log, as in production
    os.environ["MERKUR_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "merkur.settings"
    sys.path.insert(0, str(ROOT / "src"))


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return urlunsplit(parts)


# --- setting up -------------------------------------------------------------------------------


def _fresh_database(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _generate(companies: int, batch: int) -> dict:
    from merkur.companies.generate import generate

    end = "" if sys.stderr.isatty() else "\n"  # one line, rewritten, on a terminal

    def progress(done: int, total: int, rows: int, seconds: float) -> None:
        print(
            f"\r  generate: {done:>9,} / {total:,} companies, {rows:>11,} rows, "
            f"{done / seconds:>7,.0f} companies/s",
            end=end,
            file=sys.stderr,
            flush=True,
        )

    print("Generating …", file=sys.stderr)
    result = generate(companies=companies, batch=batch, progress=progress)
    print(file=sys.stderr)
    return {
        "companies": result.companies,
        "rows": result.rows,
        "total_rows": result.total_rows,
        "seconds": round(result.seconds, 2),
        "phases": {name: round(value, 2) for name, value in result.phases.items()},
        "companies_per_s": round(result.companies / result.seconds),
        "rows_per_s": round(result.total_rows / result.seconds),
        "load_companies_per_s": round(result.companies / result.phases["load"]),
    }


def _database_info() -> dict:
    from django.db import connection

    info: dict = {"vendor": connection.vendor}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            info["version"] = cursor.fetchone()[0]
            for setting in ("shared_buffers", "work_mem", "effective_cache_size", "jit"):
                cursor.execute(f"SHOW {setting}")
                info[setting] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            info["size"] = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sqlite_version()")
            info["version"] = cursor.fetchone()[0]
    return info


def _machine() -> dict:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory = meminfo.read_text().splitlines()[0].split(":")[1].strip()
    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line for line in cpuinfo.read_text().splitlines() if "model name" in line]
        cpu = names[0].split(":")[1].strip() if names else ""
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_before": os.getloadavg(),
    }


# --- the cases --------------------------------------------------------------------------------


def _cases() -> list[dict]:
    """Each case: a label, the list URL's query, and the same thing as filter + sort."""
    from merkur.companies.models import Industry
    from merkur.companies.queries import COMPANY_SORTS, CompanyFilter
    from merkur.core.pagination import _encode  # the list's own cursor format

    industry = Industry.objects.filter(name="Maschinenbau").first() or Industry.objects.first()
    page_1000 = _cursor_of_page(1000, CompanyFilter(), COMPANY_SORTS["name"], _encode)
    return [
        {"label": "first page (by name)", "query": {}, "filter": CompanyFilter(), "sort": "name"},
        {
            "label": "page 1,000 (by name)",
            "query": {"cursor": page_1000},
            "filter": CompanyFilter(),
            "sort": "name",
            "cursor": page_1000,
        },
        {
            "label": "industry + postal code 6…",
            "query": {"industry": industry.pk, "postal_code": "6"},
            "filter": CompanyFilter(industries=[industry.pk], postal_code="6"),
            "sort": "name",
        },
        {
            "label": "search “müller”",
            "query": {"q": "müller"},
            "filter": CompanyFilter(q="müller"),
            "sort": "name",
        },
        {
            "label": "sorted by postal code",
            "query": {"sort": "postal_code"},
            "filter": CompanyFilter(),
            "sort": "postal_code",
        },
        {
            "label": "sorted by city",
            "query": {"sort": "city"},
            "filter": CompanyFilter(),
            "sort": "city",
        },
    ]


def _cursor_of_page(number: int, company_filter, ordering, encode) -> str:
    """The cursor the list's "next" link carries to page ``number``.

    Built directly from the last row of page ``number - 1`` (one OFFSET query,
    not timed) with the list's own encoding; checked against following the
    "next" cursors page by page through ``keyset_page``.
    """
    from merkur.core.pagination import keyset_page

    queryset = company_filter.apply()
    last = queryset.order_by(*ordering.fields)[(number - 1) * PER_PAGE - 1]
    cursor = encode([getattr(last, name) for name in ordering.names()], "n")
    followed = None
    for _page in range(number - 1):
        followed = keyset_page(queryset, ordering, cursor=followed, per_page=PER_PAGE).next_cursor
    if followed != cursor:
        raise SystemExit("the constructed cursor differs from the followed one")
    return cursor


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "n": len(ordered),
    }


def _orm_timings(cases: list[dict], requests: int) -> list[dict]:
    from merkur.companies.models import Company
    from merkur.companies.queries import COMPANY_SORTS
    from merkur.core.pagination import capped_count, keyset_page

    results = []
    for case in cases:
        rows = Company.objects.select_related("company_class", "sales_rep").defer(
            "search_text", "notes"
        )
        queryset = case["filter"].apply(rows)
        ordering = COMPANY_SORTS[case["sort"]]
        page_samples, count_samples = [], []
        for round_ in range(requests + 2):
            started = time.perf_counter()
            page = keyset_page(queryset, ordering, cursor=case.get("cursor"), per_page=PER_PAGE)
            paged = time.perf_counter()
            count = capped_count(queryset)
            counted = time.perf_counter()
            if round_ >= 2:  # two warm-up rounds
                page_samples.append(paged - started)
                count_samples.append(counted - paged)
        totals = [a + b for a, b in zip(page_samples, count_samples, strict=True)]
        results.append(
            {
                "label": case["label"],
                "rows_on_page": len(page.items),
                "count": count.value,
                "count_exact": count.exact,
                "page": _stats(page_samples),
                "count_query": _stats(count_samples),
                "total": _stats(totals),
            }
        )
    return results


def _http_timings(cases: list[dict], requests: int) -> list[dict] | dict:
    from django.test import Client

    from merkur.core.roles import Role
    from merkur.core.users import user_create

    user = user_create(
        username=f"bench-{time.time_ns()}", password="-", role=Role.ADMIN, check_password=False
    )
    client = Client()
    client.force_login(user)
    if client.get("/companies/").status_code != 200:
        return {"skipped": "GET /companies/ does not answer 200 yet"}
    results = []
    for case in cases:
        url = "/companies/" + ("?" + urlencode(case["query"]) if case["query"] else "")
        samples, statuses = [], set()
        for round_ in range(requests + 2):
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
            statuses.add(response.status_code)
            if round_ >= 2:
                samples.append(elapsed)
        results.append(
            {"label": case["label"], "url": url, "statuses": sorted(statuses), **_stats(samples)}
        )
    return results


def _explain_slowest(cases: list[dict], orm: list[dict]) -> dict | None:
    """EXPLAIN ANALYZE of the queries the slowest case runs (PostgreSQL), as the ORM sent them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from merkur.companies.models import Company
    from merkur.companies.queries import COMPANY_SORTS
    from merkur.core.pagination import capped_count, keyset_page

    if connection.vendor != "postgresql":
        return None
    slowest = max(range(len(orm)), key=lambda i: orm[i]["total"]["p95_ms"])
    case = cases[slowest]
    rows = Company.objects.select_related("company_class", "sales_rep").defer(
        "search_text", "notes"
    )
    queryset = case["filter"].apply(rows)
    with CaptureQueriesContext(connection) as captured:
        keyset_page(
            queryset, COMPANY_SORTS[case["sort"]], cursor=case.get("cursor"), per_page=PER_PAGE
        )
        capped_count(queryset)
    plans = {"label": case["label"]}
    with connection.cursor() as cursor:
        for name, query in zip(("page", "count"), captured.captured_queries, strict=False):
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans[name] = "\n".join(row[0] for row in cursor.fetchall())
    return plans


# --- the report -------------------------------------------------------------------------------


def _print(report: dict) -> None:
    machine, database = report["machine"], report["database"]
    print(
        f"\n{machine['cpus']} CPUs ({machine['cpu']}), {machine['memory']} RAM, "
        f"Python {machine['python']}, {database['vendor']} {database['version'][:40]}"
    )
    print(f"load average before {machine['load_before']}, after {machine['load_after']}")
    gen = report["generate"]
    if not gen.get("reused"):
        verdict = "ok" if gen["companies_per_s"] >= TARGET_COMPANIES_PER_S else "MISSED"
        print(
            f"\ngenerate: {gen['companies']:,} companies, {gen['total_rows']:,} rows in "
            f"{gen['seconds']:,.1f} s = {gen['companies_per_s']:,} companies/s, "
            f"{gen['rows_per_s']:,} rows/s (target {TARGET_COMPANIES_PER_S:,}/s: {verdict})"
        )
        print(
            f"          phases: {gen['phases']}  (load only: "
            f"{gen['load_companies_per_s']:,} companies/s)"
        )
    print(
        f"\n{'case':<28} {'ORM p50':>8} {'ORM p95':>8} {'HTTP p50':>9} {'HTTP p95':>9}  rows  count"
    )
    http = report["http"] if isinstance(report["http"], list) else []
    for index, orm in enumerate(report["orm"]):
        web = http[index] if index < len(http) else {}
        count = f"{'' if orm['count_exact'] else '>'}{orm['count']:,}"
        print(
            f"{orm['label']:<28} {orm['total']['p50_ms']:>8} {orm['total']['p95_ms']:>8} "
            f"{web.get('p50_ms', '–'):>9} {web.get('p95_ms', '–'):>9}  {orm['rows_on_page']:>4}  "
            f"{count}"
        )
    if not http:
        print(f"HTTP: {report['http'].get('skipped')}")
    worst = max((row["p95_ms"] for row in http), default=None)
    if worst is not None:
        verdict = "ok" if worst < TARGET_P95_MS else "MISSED"
        print(f"\nslowest HTTP p95: {worst} ms (target < {TARGET_P95_MS} ms: {verdict})")
    if report["explain"]:
        explain = report["explain"]
        print(f"\nEXPLAIN ANALYZE, slowest ORM case ({explain['label']}) — page query:")
        print(explain["page"])
        print("\ncount query:")
        print(explain["count"])


if __name__ == "__main__":
    main()
