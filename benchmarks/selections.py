"""Scale benchmark for selections (issue 6): the product's example against hand-written SQL.

    python benchmarks/selections.py                     # on merkur_business_bench (see below)
    python benchmarks/selections.py --database-url postgres://…/other --runs 5

Runs on a database filled by ``benchmarks/business_figures.py`` (1,000,000
companies with ~3,000,000 people, 2,000,000 orders with 10,000,000 lines). The
first run adds attribute values (two company attributes, "Anzahl Lizenzen" and
"Kundenstatus", 2–4 validity periods per company each: ~6,000,000 values at
1,000,000 companies) with ``benchmarks/attributes.py``'s loader; otherwise it
writes nothing. Measured, p50 and max over ``--runs`` after a warm-up:

(1) the example of PRODUCT.md §5 as the selection tool compiles it: the count,
    and the first page of 50 recipients sorted by postal code (``recipients``);
(2) the same question as a hand-written SQL query over the raw tables (revenue
    from the order lines with the rate of each order's date, licences from the
    lines) — the result must be the same people;
(3) a mix of 20 random definitions (country, postal area, industry, function,
    revenue threshold, open orders, an attribute's value as of a day) — the count
    of each.

Results go to the console and ``benchmarks/results/selections-*.json``.
Not part of the test suite.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from companies_list import RESULTS, ROOT, _database_info, _environment, _machine, _redacted, _stats

RAW_SQL = """
WITH revenue AS (
    SELECT d.company_id
    FROM business_documentline l
    JOIN business_document d ON d.id = l.document_id
    JOIN business_article a ON a.id = l.article_id
    WHERE d.kind = 'order' AND d.status <> 'cancelled'
      AND d.date BETWEEN %(start)s AND %(end)s AND a.division_id = %(division)s
    GROUP BY d.company_id
    HAVING SUM(ROUND(l.net_amount * CASE WHEN d.currency = %(base)s THEN 1 ELSE (
        SELECT r.rate FROM business_exchangerate r
        WHERE r.currency = d.currency AND r.valid_from <= d.date
        ORDER BY r.valid_from DESC LIMIT 1) END, 2)) >= 100000
), licences AS (
    SELECT d.company_id
    FROM business_documentline l
    JOIN business_document d ON d.id = l.document_id
    JOIN business_article a ON a.id = l.article_id
    WHERE d.kind = 'order' AND d.status <> 'cancelled' AND a.category_id = %(licence)s
    GROUP BY d.company_id
    HAVING SUM(l.quantity) > 5
)
SELECT p.id
FROM companies_person p
JOIN companies_company c ON c.id = p.company_id
WHERE p.archived_at IS NULL AND c.archived_at IS NULL
  AND c.country = 'DE' AND c.postal_code NOT LIKE '66%%'
  AND c.id IN (SELECT company_id FROM revenue)
  AND c.id IN (SELECT company_id FROM licences)
  AND (
    EXISTS (SELECT 1 FROM companies_person_functions f
            WHERE f.person_id = p.id AND f.function_id = %(buyer)s)
    OR (EXISTS (SELECT 1 FROM companies_person_functions f
                WHERE f.person_id = p.id AND f.function_id = %(boss)s)
        AND EXISTS (SELECT 1 FROM companies_company_industries i
                    WHERE i.company_id = c.id AND i.industry_id = %(industry)s))
  )
"""


def main() -> None:
    args = _arguments()
    _environment(args.database_url)
    import django

    django.setup()
    from django.db import connection

    from merkur.business import rates
    from merkur.business.models import ArticleCategory, Division
    from merkur.companies.models import Company, Function, Industry, Person
    from merkur.selections.compiler import compile_definition
    from merkur.selections.context import Context
    from merkur.selections.definition import parse
    from merkur.selections.demo import example_definition
    from merkur.selections.recipients import recipients

    report_attributes = _attribute_values(args.seed)
    today = datetime.date.today()
    context = Context(today=today)
    definition = parse(example_definition())
    report: dict = {
        "machine": _machine(),
        "database_url": _redacted(args.database_url),
        "database": _database_info(),
        "sizes": {
            "companies": Company.objects.count(),
            "people": Person.objects.count(),
            "attribute_values": report_attributes["values"],
        },
        "attribute_setup": report_attributes,
    }

    def timed(work) -> tuple[dict, object]:
        work()  # warm-up
        samples, result = [], None
        for _run in range(args.runs):
            started = time.monotonic()
            result = work()
            samples.append(time.monotonic() - started)
        return {"p50_s": round(sorted(samples)[len(samples) // 2], 3), **_stats(samples)}, result

    def count():
        return compile_definition(definition, context).count()

    def first_page():
        return list(recipients(compile_definition(definition, context))[:50])

    def ids():
        return set(compile_definition(definition, context).values_list("pk", flat=True))

    params = {
        "start": datetime.date(today.year - 1, 1, 1),
        "end": datetime.date(today.year - 1, 12, 31),
        "division": Division.objects.get(name="Anwendersoftware").pk,
        "licence": ArticleCategory.objects.get(name="Lizenz").pk,
        "base": rates.base_currency(),
        "buyer": Function.objects.get(name="Einkäufer").pk,
        "boss": Function.objects.get(name="Geschäftsführer").pk,
        "industry": Industry.objects.get(name="Datenbanksoftware").pk,
    }

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_SQL, params)
            return {row[0] for row in cursor.fetchall()}

    report["count"], counted = timed(count)
    report["first_page"], page = timed(first_page)
    report["selection_ids"], selected = timed(ids)
    report["raw_sql"], by_hand = timed(raw)
    report["same_people"] = selected == by_hand
    report["people"] = counted
    report["ratio_count_to_raw"] = round(report["count"]["p50_s"] / report["raw_sql"]["p50_s"], 2)
    report["mix"] = _mix(compile_definition, parse, context, args.seed)
    report["machine"]["load_after"] = os.getloadavg()
    _print(report, len(page))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"selections-{report['database']['vendor']}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nResults written to {path.relative_to(ROOT)}")


ATTRIBUTES = ("lizenzen", "kundenstatus")


def _attribute_values(seed: int) -> dict:
    """Load the attribute values once; later runs find them and only count them."""
    from django.db import connection

    from merkur.attributes.models import AttributeDefinition, AttributeValue

    present = AttributeDefinition.objects.filter(code__in=ATTRIBUTES).count()
    if present == len(ATTRIBUTES):
        return {"values": AttributeValue.objects.count(), "loaded_now": False}
    if present:
        sys.exit(f"Some of the attributes {ATTRIBUTES} exist already; use a fresh database.")
    if connection.vendor == "postgresql":
        from attributes import _load_values

        return {**_load_values(seed, codes=ATTRIBUTES), "loaded_now": True}
    return {**_insert_values(seed), "loaded_now": True}


def _insert_values(seed: int) -> dict:
    """SQLite: the same values as the PostgreSQL loader, inserted in batches."""
    from attributes import TABLE, _definitions, _rows
    from django.db import connection, transaction

    from merkur.companies.models import Company

    started = time.monotonic()
    definitions = _definitions(ATTRIBUTES)
    choices = {d.pk: [c.pk for c in d.choices.all()] for d, _spec in definitions}
    company_ids = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    now = datetime.datetime.now(datetime.UTC)
    insert = (
        f"INSERT INTO {TABLE} (definition_id, company_id, valid_from, valid_to, exclusive,"
        " value_text, value_integer, value_decimal, value_date, value_boolean, value_choice_id,"
        " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    written, batch = 0, []
    with transaction.atomic(), connection.cursor() as cursor:
        for row in _rows(definitions, choices, company_ids, seed):
            batch.append((*row, now))
            if len(batch) == 10_000:
                cursor.executemany(insert, batch)
                written += len(batch)
                batch = []
        cursor.executemany(insert, batch)
        written += len(batch)
        cursor.execute(f"ANALYZE {TABLE}")
    return {"values": written, "seconds": round(time.monotonic() - started, 1)}


def _mix(compile_definition, parse, context, seed: int) -> dict:
    """20 random definitions over the usual criteria; the count of each, timed."""
    from merkur.attributes.models import AttributeDefinition
    from merkur.companies.models import Function, Industry

    rng = random.Random(seed)
    functions = list(Function.objects.values_list("pk", flat=True))
    industries = list(Industry.objects.values_list("pk", flat=True))
    licences = AttributeDefinition.objects.get(code="lizenzen")
    status = AttributeDefinition.objects.get(code="kundenstatus")
    statuses = list(status.choices.values_list("pk", flat=True))

    def attribute():
        as_of = (context.today - datetime.timedelta(days=rng.randrange(0, 1500))).isoformat()
        if rng.random() < 0.5:
            low = rng.randrange(1, 400)
            return {
                "criterion": "attribute.company",
                "op": "between",
                "value": [low, low + rng.randrange(5, 100)],
                "params": {"attribute": licences.pk, "as_of": as_of},
            }
        return {
            "criterion": "attribute.company",
            "op": "in",
            "value": [rng.choice(statuses)],
            "params": {"attribute": status.pk, "as_of": as_of},
        }

    def leaf():
        kind = rng.randrange(7)
        if kind == 6:
            return attribute()
        if kind == 0:
            return {
                "criterion": "address.country",
                "op": "in",
                "value": [rng.choice(["DE", "AT", "CH"])],
            }
        if kind == 1:
            prefix = str(rng.randrange(10, 99))
            return {"criterion": "address.postal_code", "op": "starts_with", "value": prefix}
        if kind == 2:
            return {
                "criterion": "company.industries",
                "op": "in",
                "value": rng.sample(industries, 2),
            }
        if kind == 3:
            return {"criterion": "person.functions", "op": "in", "value": [rng.choice(functions)]}
        if kind == 4:
            return {
                "criterion": "business.revenue",
                "op": "gte",
                "value": str(rng.choice([10_000, 50_000, 100_000])),
                "params": {"period": {"relative": rng.choice(["last_year", "last_12_months"])}},
            }
        return {"criterion": "business.open_document", "op": rng.choice(["yes", "no"])}

    samples = []
    for _number in range(20):
        items = [leaf() for _item in range(rng.randint(2, 4))]
        if rng.random() < 0.3:
            items[-1] = {"not": items[-1]}
        op = rng.choice(["and", "and", "or"])
        definition = parse({"version": 1, "target": "people", "where": {op: items}})
        started = time.monotonic()
        compile_definition(definition, context).count()
        samples.append(time.monotonic() - started)
    return {"p50_s": round(sorted(samples)[len(samples) // 2], 3), **_stats(samples)}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/merkur_business_bench"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=6)
    return parser.parse_args()


def _print(report: dict, page_rows: int) -> None:
    print()
    sizes = report["sizes"]
    print(
        f"{sizes['companies']:,} companies, {sizes['people']:,} people,"
        f" {sizes['attribute_values']:,} attribute values"
    )
    print(f"the example selects {report['people']:,} people; first page {page_rows} rows")
    for name in ("count", "first_page", "selection_ids", "raw_sql"):
        case = report[name]
        print(f"{name:<16} p50 {case['p50_s']:>7} s   max {case['max_ms'] / 1000:>7.3f} s")
    print(f"same people as the hand-written SQL: {report['same_people']}")
    print(
        f"count / hand-written SQL: {report['ratio_count_to_raw']} "
        f"(target ≤ 1.0; ≤ 0.3 using the aggregates)"
    )
    mix = report["mix"]
    print(
        f"mix of 20 random selections, count: p50 {mix['p50_s']} s,"
        f" max {mix['max_ms'] / 1000:.3f} s"
    )


if __name__ == "__main__":
    main()
