"""Scale benchmark for typed attributes with validity periods (issue 3).

    python benchmarks/attributes.py \
        --database-url postgres://postgres@127.0.0.1:5432/merkur_attr_bench

The database is DROPPED and created afresh, migrated, filled with
``merkur.companies.generate.generate`` (200,000 companies by default), then 10
attribute definitions are created through the services and ~6,000,000 values
(2–4 non-overlapping periods per company and attribute, 3 on average, typed
columns) are bulk-loaded with ``COPY`` — secondary indexes, foreign keys and the
exclusion constraints dropped first and built again afterwards, then ANALYZE.

Measured (``--requests`` runs each, after two warm-ups), p50/p95:

(a) the first page of companies filtered by one numeric attribute in a range as
    of a past date: ``value_filter`` + ``keyset_page`` + ``capped_count`` at the
    ORM level, and through the Django test client on ``/companies/`` when the
    list understands the ``attribute*`` parameters (target p95 < 200 ms);
(b) a company's attributes: ``values_as_of`` + ``timelines`` + ``display`` of
    the current values (target < 50 ms).

The plans of (a) are printed with ``EXPLAIN ANALYZE``. Results go to the console
and ``benchmarks/results/attributes-*.json``. See docs/performance.md and
docs/decisions/0008-attribute-storage.md. Not part of the test suite.
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
from urllib.parse import urlencode

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

TARGET_FILTER_P95_MS = 200
TARGET_RECORD_P95_MS = 50
TABLE = "attributes_attributevalue"
FIRST_START = datetime.date(2016, 1, 1)

# code, label, type, unit, (low, high) of the generated values or the choices
DEFINITIONS = [
    ("lizenzen", "Anzahl Lizenzen", "integer", "Lizenzen", (1, 500)),
    ("mitarbeiter", "Mitarbeiter", "integer", "", (1, 5000)),
    ("standorte", "Standorte", "integer", "", (1, 40)),
    ("bonitaet", "Bonitätsindex", "integer", "", (100, 600)),
    ("umsatzpotenzial", "Umsatzpotenzial", "decimal", "EUR", (1_000, 2_000_000)),
    ("flaeche", "Bürofläche", "decimal", "m²", (20, 20_000)),
    ("vertragsende", "Vertragsende", "date", "", None),
    ("iso9001", "Zertifizierung ISO 9001", "boolean", "", None),
    ("kundenstatus", "Kundenstatus", "choice", "",
     ["Neukunde", "Stammkunde", "Schlüsselkunde", "Ruhend"]),
    ("region", "Vertriebsregion", "choice", "", ["Nord", "Süd", "Ost", "West", "Alpen"]),
]  # fmt: skip


def main() -> None:
    args = _arguments()
    os.environ["MERKUR_DATABASE_URL"] = args.database_url
    os.environ.setdefault("MERKUR_DATA_DIR", tempfile.mkdtemp(prefix="merkur-bench-"))
    os.environ.setdefault("MERKUR_SECRET_KEY", "benchmark-only")
    os.environ["MERKUR_DEBUG"] = "false"
    os.environ["MERKUR_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DJANGO_SETTINGS_MODULE"] = "merkur.settings"
    sys.path.insert(0, str(ROOT / "src"))
    if not args.reuse:
        _fresh_database(args.database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    report: dict = {
        "machine": _machine(),
        "database_url": _redacted(args.database_url),
        "args": vars(args),
    }
    if args.reuse:
        from merkur.attributes.models import AttributeValue
        from merkur.companies.models import Company

        report["generate"] = {"reused": True, "companies": Company.objects.count()}
        report["attributes"] = {"reused": True, "values": AttributeValue.objects.count()}
    else:
        call_command("migrate", verbosity=0)
        report["generate"] = _generate(args.companies, 10_000)
        report["attributes"] = _load_values(args.seed)
    report["database"] = _database_info()
    cases = _cases()
    report["filter_orm"] = _filter_orm(cases, args.requests)
    report["filter_http"] = _filter_http(cases, args.requests)
    report["record"] = _record_timings(args.requests, args.seed)
    report["explain"] = _explain(cases[0])
    report["machine"]["load_after"] = os.getloadavg()
    _print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    count = report["generate"]["companies"]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"attributes-postgresql-{count}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nResults written to {path.relative_to(ROOT)}")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/merkur_attr_bench"
    )
    parser.add_argument("--companies", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=50, help="per case (default: 50)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="measure an existing database")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("this benchmark needs PostgreSQL (COPY, exclusion constraints)")
    if args.companies < 1_000 or args.requests < 1:
        parser.error("--companies must be at least 1,000, --requests at least 1")
    return args


# --- loading the values -----------------------------------------------------------------------


def _definitions(codes: tuple[str, ...] | None = None) -> list:
    from merkur.attributes import services

    made = []
    for code, label, kind, unit, spec in DEFINITIONS:
        if codes is not None and code not in codes:
            continue
        data = {"code": code, "label": label, "type": kind, "unit": unit, "group": "Benchmark"}
        choices = spec if kind == "choice" else None
        made.append((services.definition_create(data=data, choices=choices, by=None), spec))
    return made


def _value_columns(definition, spec, rng: random.Random, choice_ids: list[int]) -> tuple:
    """(integer, decimal, date, boolean, choice) — one of them set."""
    kind = definition.type
    if kind == "integer":
        return (rng.randint(*spec), None, None, None, None)
    if kind == "decimal":
        return (None, f"{rng.uniform(*spec):.2f}", None, None, None)
    if kind == "date":
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(2000))
        return (None, None, day, None, None)
    if kind == "boolean":
        return (None, None, None, rng.random() < 0.4, None)
    return (None, None, None, None, rng.choice(choice_ids))


def _rows(definitions, choices: dict, company_ids, seed: int):
    # Reads nothing from the database: it runs while COPY holds the connection.
    """Each company × attribute: 2–4 periods, each closing the day before the next starts."""
    rng = random.Random(seed)
    one_day = datetime.timedelta(days=1)
    for company_id in company_ids:
        for definition, spec in definitions:
            start = FIRST_START + datetime.timedelta(days=rng.randrange(1100))
            periods = rng.randint(2, 4)
            for index in range(periods):
                end = None
                following = start + datetime.timedelta(days=rng.randrange(300, 1000))
                if index < periods - 1:
                    end = following - one_day
                yield (
                    definition.pk, company_id, start, end, True, "",
                    *_value_columns(definition, spec, rng, choices[definition.pk]),
                )  # fmt: skip
                start = following


def _load_values(seed: int, codes: tuple[str, ...] | None = None) -> dict:
    """Create the attributes (all, or those of ``codes``) and COPY their values."""
    from django.db import connection, transaction

    from merkur.companies.generate import load
    from merkur.companies.models import Company

    started = time.monotonic()
    definitions = _definitions(codes)
    choices = {d.pk: [c.pk for c in d.choices.all()] for d, _spec in definitions}
    company_ids = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    indexes = load.PostgresIndexes([TABLE])
    columns = (
        "definition_id, company_id, valid_from, valid_to, exclusive, value_text, "
        "value_integer, value_decimal, value_date, value_boolean, value_choice_id, created_at"
    )
    now = datetime.datetime.now(datetime.UTC)
    written = 0
    print("Loading attribute values …", file=sys.stderr, flush=True)
    with transaction.atomic():
        exclusions = _drop_exclusions()
        indexes.drop()
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {TABLE} ({columns}) FROM STDIN") as copy:
            for row in _rows(definitions, choices, company_ids, seed):
                copy.write_row((*row, now))
                written += 1
                if written % 1_000_000 == 0:
                    print(f"  {written:,} values", file=sys.stderr, flush=True)
    loaded = time.monotonic()
    indexes.rebuild(workers=2)
    with connection.cursor() as cursor:
        for name, definition in exclusions:
            cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
    indexed = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {TABLE}")
    done = time.monotonic()
    return {
        "definitions": len(definitions),
        "values": written,
        "values_per_company_and_attribute": round(written / len(company_ids) / len(definitions), 2),
        "seconds": round(done - started, 1),
        "phases": {
            "copy": round(loaded - started, 1),
            "indexes_and_constraints": round(indexed - loaded, 1),
            "analyze": round(done - indexed, 1),
        },
        "values_per_s_copy": round(written / (loaded - started)),
    }


def _drop_exclusions() -> list[tuple[str, str]]:
    """Drop the period exclusion constraints (their GiST indexes go with them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'x' ORDER BY conname",
            [TABLE],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {name}")
    return found


# --- (a) the filtered list --------------------------------------------------------------------


def _cases() -> list[dict]:
    from merkur.attributes.models import AttributeDefinition

    lizenzen = AttributeDefinition.objects.get(code="lizenzen")
    potenzial = AttributeDefinition.objects.get(code="umsatzpotenzial")
    mitarbeiter = AttributeDefinition.objects.get(code="mitarbeiter")
    past = datetime.date(2021, 12, 31)
    return [
        {
            "label": "Lizenzen 50–60 on 2021-12-31",
            "definition": lizenzen, "operator": "between", "value": (50, 60), "day": past,
            "query": {"attribute_op": "between", "attribute_value": "50",
                      "attribute_value2": "60"},
        },
        {
            "label": "Umsatzpot. > 1.9M on 2021-12-31",
            "definition": potenzial, "operator": "after", "value": 1_900_000, "day": past,
            "query": {"attribute_op": "after", "attribute_value": "1900000"},
        },
        {
            "label": "Mitarbeiter = 4711 on 2019-06-30",
            "definition": mitarbeiter, "operator": "equals", "value": 4711,
            "day": datetime.date(2019, 6, 30),
            "query": {"attribute_op": "equals", "attribute_value": "4711"},
        },
        {
            "label": "Lizenzen not set on 2016-06-30",
            "definition": lizenzen, "operator": "is_not_set", "value": None,
            "day": datetime.date(2016, 6, 30), "query": {"attribute_op": "is_not_set"},
        },
    ]  # fmt: skip


def _filtered(case: dict):
    from merkur.attributes.queries import value_filter
    from merkur.companies.models import Company
    from merkur.companies.queries import CompanyFilter

    rows = Company.objects.select_related("company_class", "sales_rep").defer(
        "search_text", "notes"
    )
    return value_filter(
        CompanyFilter().apply(rows),
        definition=case["definition"],
        operator=case["operator"],
        value=case["value"],
        day=case["day"],
    )


def _filter_orm(cases: list[dict], requests: int) -> list[dict]:
    from merkur.companies.queries import COMPANY_SORTS
    from merkur.core.pagination import capped_count, keyset_page

    results = []
    for case in cases:
        queryset = _filtered(case)
        page_samples, count_samples = [], []
        for round_ in range(requests + 2):
            started = time.perf_counter()
            page = keyset_page(queryset, COMPANY_SORTS["name"], cursor=None, per_page=PER_PAGE)
            paged = time.perf_counter()
            count = capped_count(queryset)
            counted = time.perf_counter()
            if round_ >= 2:
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


def _list_filters_by_attribute(client, definition) -> bool:
    """Whether ``/companies/`` applies the ``attribute*`` parameters (added in parallel).

    Asked by the page itself: a condition nothing matches must show fewer rows.
    """
    everything = client.get("/companies/")
    nothing = client.get(
        "/companies/?"
        + urlencode({"attribute": definition.pk, "attribute_op": "equals", "attribute_value": "-1"})
    )
    if everything.status_code != 200 or nothing.status_code != 200:
        return False
    return nothing.content.count(b"<tr") < everything.content.count(b"<tr")


def _filter_http(cases: list[dict], requests: int) -> list[dict] | dict:
    from django.test import Client

    from merkur.core.roles import Role
    from merkur.core.users import user_create

    user = user_create(
        username=f"bench-{time.time_ns()}", password="-", role=Role.ADMIN, check_password=False
    )
    client = Client()
    client.force_login(user)
    if not _list_filters_by_attribute(client, cases[0]["definition"]):
        return {"skipped": "the company list has no attribute filter parameters yet"}
    results = []
    for case in cases:
        query = {
            "attribute": case["definition"].pk,
            "attribute_as_of": case["day"].isoformat(),
            **case["query"],
        }
        url = "/companies/?" + urlencode(query)
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


def _explain(case: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from merkur.companies.queries import COMPANY_SORTS
    from merkur.core.pagination import capped_count, keyset_page

    queryset = _filtered(case)
    with CaptureQueriesContext(connection) as captured:
        keyset_page(queryset, COMPANY_SORTS["name"], cursor=None, per_page=PER_PAGE)
        capped_count(queryset)
    plans = {"label": case["label"]}
    with connection.cursor() as cursor:
        for index, query in enumerate(captured.captured_queries):
            if query["sql"].startswith("EXPLAIN"):  # capped_count's estimate
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plans[f"query {index + 1}"] = "\n".join(row[0] for row in cursor.fetchall())
    return plans


# --- (b) one company's attributes -------------------------------------------------------------


def _record_timings(requests: int, seed: int) -> dict:
    from merkur.attributes.models import AttributeDefinition
    from merkur.attributes.queries import timelines, values_as_of
    from merkur.attributes.services import display
    from merkur.companies.models import Company

    rng = random.Random(seed)
    highest = Company.objects.order_by("-pk").values_list("pk", flat=True).first()
    lowest = Company.objects.order_by("pk").values_list("pk", flat=True).first()
    today = datetime.date.today()
    samples, sizes = [], []
    for round_ in range(requests + 2):
        pk = rng.randint(lowest, highest)
        started = time.perf_counter()
        company = Company.objects.get(pk=pk)
        definitions = {d.pk: d for d in AttributeDefinition.objects.active().for_companies()}
        current = values_as_of(company, today)
        history = timelines(company)
        shown = [
            display(row)
            for definition_id, rows in current.items()
            for row in rows
            if definition_id in definitions
        ]
        elapsed = time.perf_counter() - started
        if round_ >= 2:
            samples.append(elapsed)
            sizes.append((len(shown), sum(len(rows) for rows in history.values())))
    return {
        **_stats(samples),
        "current_values": round(sum(s[0] for s in sizes) / len(sizes), 1),
        "timeline_rows": round(sum(s[1] for s in sizes) / len(sizes), 1),
    }


# --- the report -------------------------------------------------------------------------------


def _print(report: dict) -> None:
    machine, database = report["machine"], report["database"]
    print(
        f"\n{machine['cpus']} CPUs ({machine['cpu']}), {machine['memory']} RAM, "
        f"{database['vendor']} {database['version'][:40]}, size {database.get('size')}"
    )
    print(f"load average before {machine['load_before']}, after {machine['load_after']}")
    gen, attrs = report["generate"], report["attributes"]
    if not gen.get("reused"):
        print(f"\ngenerate: {gen['companies']:,} companies in {gen['seconds']:,.1f} s")
        print(
            f"attribute values: {attrs['values']:,} ({attrs['values_per_company_and_attribute']}"
            f" per company and attribute) in {attrs['seconds']:,.1f} s {attrs['phases']}"
        )
    print(
        f"\n(a) filtered first page      {'ORM p50':>8} {'ORM p95':>8} {'HTTP p50':>9} "
        f"{'HTTP p95':>9}  rows  count"
    )
    http = report["filter_http"] if isinstance(report["filter_http"], list) else []
    for index, orm in enumerate(report["filter_orm"]):
        web = http[index] if index < len(http) else {}
        count = f"{'' if orm['count_exact'] else '~'}{orm['count']:,}"
        print(
            f"{orm['label']:<32} {orm['total']['p50_ms']:>5} {orm['total']['p95_ms']:>8} "
            f"{web.get('p50_ms', '–'):>9} {web.get('p95_ms', '–'):>9}  {orm['rows_on_page']:>4}  "
            f"{count}"
        )
    if not http:
        print(f"HTTP: {report['filter_http'].get('skipped')}")
    worst = max(
        [row["total"]["p95_ms"] for row in report["filter_orm"]] + [row["p95_ms"] for row in http]
    )
    verdict = "ok" if worst < TARGET_FILTER_P95_MS else "MISSED"
    print(f"slowest p95: {worst} ms (target < {TARGET_FILTER_P95_MS} ms: {verdict})")
    record = report["record"]
    verdict = "ok" if record["p95_ms"] < TARGET_RECORD_P95_MS else "MISSED"
    print(
        f"\n(b) one company's attributes + timelines: p50 {record['p50_ms']} ms, "
        f"p95 {record['p95_ms']} ms ({record['current_values']} current values, "
        f"{record['timeline_rows']} timeline rows; target < {TARGET_RECORD_P95_MS} ms: {verdict})"
    )
    explain = report["explain"]
    print(f"\nEXPLAIN ANALYZE ({explain['label']}):")
    for name, plan in explain.items():
        if name != "label":
            print(f"-- {name}\n{plan}\n")


if __name__ == "__main__":
    main()
