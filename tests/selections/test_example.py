"""The example of PRODUCT.md §5, exactly as a user says it, checked person by person:

    All addresses of the buyers (Einkäufer) of all companies in Germany with which we
    made at least EUR 100,000 revenue last year in the division "Anwendersoftware".
    Only companies that bought more than five licences. Leave out all companies in
    postal code area 66xxx. Add the addresses of the managing directors
    (Geschäftsführer) if the company is in the Datenbanksoftware industry.

Read as: the companies are those of the first three sentences; of them, their
buyers, and their managing directors where the company is in the database
software industry. A managing director of a database company that fails the
revenue test is therefore not selected. Licences: ever bought (no period is said).
"""

import datetime
from decimal import Decimal

import pytest

from merkur.business import services
from merkur.business.models import Article, ArticleCategory, Division
from merkur.companies.models import Function
from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import parse
from tests.factories import make_company, make_industry, make_person

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)  # last year: 2025
D = datetime.date


def example(ids: dict) -> dict:
    return {
        "version": 1,
        "target": "people",
        "where": {
            "and": [
                {"criterion": "address.country", "op": "in", "value": ["DE"]},
                {
                    "criterion": "business.revenue",
                    "op": "gte",
                    "value": "100000",
                    "params": {
                        "period": {"relative": "last_year"},
                        "divisions": [ids["software"]],
                        "currency": "EUR",
                    },
                },
                {
                    "criterion": "business.quantity",
                    "op": "gt",
                    "value": "5",
                    "params": {"categories": [ids["licence"]]},
                },
                {"not": {"criterion": "address.postal_code", "op": "starts_with", "value": "66"}},
                {
                    "or": [
                        {"criterion": "person.functions", "op": "in", "value": [ids["buyer"]]},
                        {
                            "and": [
                                {
                                    "criterion": "person.functions",
                                    "op": "in",
                                    "value": [ids["boss"]],
                                },
                                {
                                    "criterion": "company.industries",
                                    "op": "in",
                                    "value": [ids["dbindustry"]],
                                },
                            ]
                        },
                    ]
                },
            ]
        },
    }


@pytest.fixture
def data(settings):
    settings.MERKUR_BASE_CURRENCY = "EUR"
    software = Division.objects.create(name="Anwendersoftware")
    database = Division.objects.create(name="Datenbanksoftware")
    licence = ArticleCategory.objects.create(name="Lizenz")
    service = ArticleCategory.objects.create(name="Dienstleistung")
    office = Article.objects.create(
        number="LIZ-1", name="Office", division=software, category=licence
    )
    consulting = Article.objects.create(
        number="DL-1", name="Beratung", division=software, category=service
    )
    dbserver = Article.objects.create(
        number="DB-1", name="DB Server", division=database, category=licence
    )
    services.rate_set(currency="CHF", valid_from=D(2025, 1, 1), rate=Decimal("1.10"))
    services.rate_set(currency="CHF", valid_from=D(2025, 7, 1), rate=Decimal("1.00"))
    dbindustry = make_industry("Datenbanksoftware")
    buyer = Function.objects.create(name="Einkäufer")
    boss = Function.objects.create(name="Geschäftsführer")
    numbers = iter(range(1, 1000))

    def company(name, *, postal="10115", country="DE", industries=()):
        return make_company(
            name=name,
            address={"postal_code": postal, "country": country, "city": "Ort"}
            | ({"street": "Bahnhofstrasse 1"} if country == "CH" else {}),
            industries=list(industries),
        )

    def order(company, day, lines, currency="EUR", status="done"):
        services.document_save(
            kind="order",
            number=f"A-{next(numbers)}",
            data={"company": company, "date": day, "currency": currency, "status": status},
            lines=[
                {"article": article, "quantity": Decimal(q), "unit_price": Decimal(p)}
                for article, q, p in lines
            ],
        )

    c = {}
    # Exactly 100,000 EUR in 2025 in Anwendersoftware and exactly 6 licences: in.
    c["exact"] = company("Exakt GmbH")
    order(c["exact"], D(2025, 3, 1), [(office, "6", "10000"), (consulting, "1", "40000")])
    # 99,999.99: out.
    c["short"] = company("Knapp GmbH")
    order(c["short"], D(2025, 3, 1), [(office, "6", "10000"), (consulting, "1", "39999.99")])
    # Plenty of revenue but exactly 5 licences: out ("more than five").
    c["five"] = company("Fünf GmbH")
    order(c["five"], D(2025, 5, 1), [(office, "5", "30000")])
    # Revenue in another year or another division does not count.
    c["old"] = company("Alt GmbH")
    order(c["old"], D(2024, 12, 31), [(office, "10", "20000")])
    order(c["old"], D(2025, 2, 1), [(dbserver, "10", "20000")])
    # A cancelled order does not count.
    c["cancelled"] = company("Storno GmbH")
    order(c["cancelled"], D(2025, 4, 1), [(office, "10", "20000")], status="cancelled")
    # Postal code 66000: left out. 06600 is not in 66xxx: in.
    c["saar"] = company("Saar GmbH", postal="66000")
    order(c["saar"], D(2025, 6, 1), [(office, "10", "20000")])
    c["sachsen"] = company("Sachsen GmbH", postal="06600")
    order(c["sachsen"], D(2025, 6, 1), [(office, "10", "20000")])
    # Revenue in CHF: 91,000 CHF at 1.10 = 100,100 EUR (in); at 1.00 after July: out.
    c["chf"] = company("Franken GmbH")
    order(c["chf"], D(2025, 3, 1), [(office, "7", "13000")], currency="CHF")
    c["chf_late"] = company("Spätfranken GmbH")
    order(c["chf_late"], D(2025, 8, 1), [(office, "7", "13000")], currency="CHF")
    # Not in Germany: out.
    c["swiss"] = company("Schweiz AG", country="CH", postal="8001")
    order(c["swiss"], D(2025, 6, 1), [(office, "10", "20000")])
    # A database company that passes, and one that fails the revenue test.
    c["db_ok"] = company("Daten GmbH", industries=[dbindustry])
    order(c["db_ok"], D(2025, 9, 1), [(office, "10", "20000")])
    c["db_poor"] = company("Datenarm GmbH", industries=[dbindustry])
    order(c["db_poor"], D(2025, 9, 1), [(office, "10", "100")])

    p = {}
    for key in c:
        p[f"{key}_buyer"] = make_person(c[key], functions=[buyer])
        p[f"{key}_boss"] = make_person(c[key], functions=[boss])
        p[f"{key}_other"] = make_person(c[key], functions=[])
    # Buyer and managing director at once: appears once.
    p["db_ok_both"] = make_person(c["db_ok"], functions=[buyer, boss])
    ids = {
        "software": software.pk,
        "licence": licence.pk,
        "buyer": buyer.pk,
        "boss": boss.pk,
        "dbindustry": dbindustry.pk,
    }
    return ids, p


def test_the_example_person_by_person(data):
    ids, people = data
    found = list(
        compile_definition(parse(example(ids)), Context(today=TODAY)).values_list("pk", flat=True)
    )
    expected = {
        "exact_buyer",
        "sachsen_buyer",
        "chf_buyer",
        "db_ok_buyer",
        "db_ok_boss",
        "db_ok_both",
    }
    by_pk = {person.pk: name for name, person in people.items()}
    assert sorted(by_pk[pk] for pk in found) == sorted(expected)
    assert len(found) == len(set(found))


def test_last_year_moves_with_the_day_the_selection_runs(data):
    ids, _people = data
    next_year = Context(today=datetime.date(2027, 1, 10))  # last year: 2026, no orders
    assert not compile_definition(parse(example(ids)), next_year).exists()
