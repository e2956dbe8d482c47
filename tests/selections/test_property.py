"""Property: the compiled SQL of any tree selects exactly what a naive evaluation does.

A small world (companies in three countries, people, orders in EUR and CHF over
three years, offers) is built once per test; hypothesis draws random trees of
AND / OR / NOT over address, company, person and business criteria with values
taken from that world — revenue thresholds are actual revenues, so "exactly
100,000" cases come up — and each tree's pks from ``compile_definition`` must be
those ``naive.evaluate`` finds record by record.
"""

import datetime
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merkur.business import services as business
from merkur.business.models import Article, ArticleCategory, Division
from merkur.companies import services as companies
from merkur.companies.models import Function
from merkur.selections.compiler import compile_definition
from merkur.selections.context import Context
from merkur.selections.definition import parse
from merkur.selections.errors import DefinitionError
from tests.factories import make_company, make_industry, make_person
from tests.selections import naive

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)  # last year: 2025; last 12 months: 2025-06-01 – 2026-05-31
D = datetime.date
SEED = 20260615
ORDER_DAYS = [
    D(2024, 12, 31),
    D(2025, 1, 1),
    D(2025, 3, 10),
    D(2025, 3, 31),
    D(2025, 6, 30),
    D(2025, 7, 1),
    D(2025, 12, 31),
    D(2026, 1, 15),
    D(2026, 5, 31),
    D(2026, 6, 1),
]
PERIODS = [
    {"relative": "last_year"},
    {"relative": "this_year"},
    {"relative": "last_12_months"},
    {"from": "2025-01-01", "to": "2025-12-31"},  # whole months: the monthly aggregate
    {"from": "2024-12-15", "to": "2025-03-10"},  # edges from the lines, middle aggregated
    {"from": "2025-03-10", "to": "2025-03-30"},  # inside one month: lines only
    {"from": "2025-07-01", "to": "2026-01-15"},
]
COMPANIES = [
    # name, country, postal code, city, roles, industries, employees, archived
    ("Berlin AG", "DE", "10115", "Berlin", ["customer"], ["soft"], 120, False),
    ("Saar GmbH", "DE", "66111", "Saarbrücken", ["customer", "prospect"], ["db"], 45, False),
    ("Grenz GmbH", "DE", "06600", "Halle", ["customer"], ["soft", "db"], None, False),
    ("Zürich AG", "CH", "8001", "Zürich", ["supplier", "customer"], ["trade"], 300, False),
    ("Basel AG", "CH", "4051", "Basel", ["customer"], [], 12, False),
    ("Paris SA", "FR", "75001", "Paris", ["prospect"], ["db"], None, False),
    ("Alt GmbH", "DE", "66000", "Homburg", ["customer"], ["db"], 50, True),
    ("Leer GmbH", "DE", "66999", "saarbrücken", [], [], 0, False),
]
# Whose people: Basel's only person is archived; Leer has none.
PEOPLE_AT = [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 5, 6, 6]


@pytest.fixture
def world(settings):
    settings.MERKUR_BASE_CURRENCY = "EUR"
    rng = random.Random(SEED)
    divisions = [Division.objects.create(name=n) for n in ("Anwendersoftware", "Datenbanken")]
    categories = [ArticleCategory.objects.create(name=n) for n in ("Lizenz", "Dienstleistung")]
    articles = [
        Article.objects.create(number=f"ART-{i}", name=f"Artikel {i}", division=d, category=c)
        for i, (d, c) in enumerate(
            [(d, c) for d in divisions for c in categories],
            start=1,
        )
    ]
    # 1.05 makes half cents (rounded per line, half up); 0.9513 and 1.0837 make long tails.
    for day, rate in [
        (D(2024, 1, 1), "1.0837"),
        (D(2025, 1, 1), "1.05"),
        (D(2025, 7, 1), "0.9513"),
    ]:
        business.rate_set(currency="CHF", valid_from=day, rate=Decimal(rate))
    industries = {
        key: make_industry(name)
        for key, name in [
            ("soft", "Anwendersoftware"),
            ("db", "Datenbanksoftware"),
            ("trade", "Handel"),
        ]
    }
    functions = [Function.objects.create(name=n) for n in ("Einkäufer", "Geschäftsführer", "IT")]
    firms = []
    for name, country, postal, city, roles, branches, employees, _archived in COMPANIES:
        firms.append(
            make_company(
                name=name,
                roles=roles,
                employees=employees,
                industries=[industries[key] for key in branches],
                address={"country": country, "postal_code": postal, "city": city},
            )
        )
    for index, at in enumerate(PEOPLE_AT):
        person = make_person(
            firms[at],
            functions=rng.sample(functions, rng.choice([0, 1, 1, 2])),
            email=f"p{index}@example.com" if rng.random() < 0.6 else "",
            marketing_opt_out_at=(
                datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) if rng.random() < 0.3 else None
            ),
        )
        if at == 4 or rng.random() < 0.2:
            companies.person_archive(person=person, by=None)
    numbers = iter(range(1, 10_000))

    def document(kind, firm, day, status, currency="EUR", lines=None):
        if lines is None:
            lines = []
            for _line in range(rng.randint(1, 3)):
                price = Decimal(rng.randint(-2_000, 3_000_000)) / 100
                quantity = Decimal(rng.choice(["1", "2", "2.5", "5", "6", "10"]))
                lines.append(
                    {"article": rng.choice(articles), "quantity": quantity, "unit_price": price}
                )
        business.document_save(
            kind=kind,
            number=f"{kind}-{next(numbers)}",
            data={"company": firm, "date": day, "currency": currency, "status": status},
            lines=lines,
        )

    buyers = [*firms[:5], firms[6]]  # Paris and Leer never ordered
    for _order in range(18):
        document(
            "order",
            rng.choice(buyers),
            rng.choice(ORDER_DAYS),
            rng.choice(["done", "done", "open", "accepted", "cancelled"]),
            currency="CHF" if rng.random() < 0.35 else "EUR",
        )
    # Odd cents at 1.05: half cents, rounded up per line.
    document("order", firms[3], D(2025, 3, 10), "done", "CHF", [
        {"article": articles[0], "quantity": Decimal(1), "unit_price": Decimal("1234.50")},
        {"article": articles[0], "quantity": Decimal(1), "unit_price": Decimal("0.30")},
    ])  # fmt: skip
    document("offer", firms[5], D(2026, 5, 2), "open")
    document("offer", firms[0], D(2026, 2, 2), "rejected")
    document("offer", firms[4], D(2025, 2, 2), "open")
    document("purchase", firms[3], D(2025, 3, 10), "open")  # buying from Zürich: no revenue
    for firm, row in zip(firms, COMPANIES, strict=True):
        if row[-1]:  # archived after its orders: they stay, the company is never selected
            companies.company_archive(company=firm, by=None)
    loaded = naive.World.load()
    return {
        "naive": loaded,
        "functions": [f.pk for f in functions],
        "industries": [i.pk for i in industries.values()],
        "divisions": [d.pk for d in divisions],
        "categories": [c.pk for c in categories],
        "articles": [a.pk for a in articles],
        "postal_codes": [c[2] for c in COMPANIES],
        "cities": [c[3] for c in COMPANIES],
    }


# --- strategies ------------------------------------------------------------------------------


def some(items):
    return st.lists(st.sampled_from(items), min_size=1, max_size=3, unique=True)


def comparison(number):
    return st.one_of(
        st.tuples(st.sampled_from(["gte", "gt", "lte", "lt"]), number),
        st.tuples(st.just("between"), st.lists(number, min_size=2, max_size=2)),
    )


def condition(key: str, pair: tuple, params: dict | None = None) -> dict:
    op, value = pair
    node = {"criterion": key, "op": op}
    if value is not None:
        node["value"] = value
    if params:
        node["params"] = params
    return node


def leaf(key, op_value):
    return op_value.map(lambda pair: condition(key, pair))


@st.composite
def figure_leaf(draw, key: str, params, world: naive.World):
    """A revenue or quantity condition; its threshold is often some company's figure
    for the very parameters drawn, so "exactly the threshold" is tested."""
    params = draw(params)
    figure = world.revenue if key == "business.revenue" else world.quantity
    period = naive.period_dates(params.get("period"), TODAY)
    exact = sorted({figure(firm, period, params) for firm in world.companies.values()})
    number = st.one_of(
        st.sampled_from(exact).map(str),
        st.integers(-10, 200_000).map(str),
        st.decimals(0, 100_000, places=2).map(str),
    )
    return condition(key, draw(comparison(number)), params)


def criteria(w: dict):
    postal = st.sampled_from(w["postal_codes"])
    prefix = postal.flatmap(lambda code: st.integers(1, len(code)).map(lambda n: code[:n]))
    city = st.sampled_from(w["cities"])
    city_text = st.one_of(city, city.map(str.lower), city.map(lambda c: c[:3]))
    # Whole numbers from 0: others are refused when the definition is read
    # (``test_employee_thresholds_outside_whole_numbers_of_the_column_are_refused``).
    employees = st.one_of(
        st.sampled_from(["0", "12", "45", "50", "120", "300"]), st.integers(0, 400).map(str)
    )
    yes_no = st.tuples(st.sampled_from(["yes", "no"]), st.none())
    in_not_in = st.sampled_from(["in", "not_in"])
    return st.one_of(
        leaf("address.country", st.tuples(in_not_in, some(["DE", "CH", "FR", "at"]))),
        leaf(
            "address.postal_code",
            st.one_of(
                st.tuples(st.just("equals"), postal),
                st.tuples(st.just("in"), some(w["postal_codes"])),
                st.tuples(st.sampled_from(["starts_with", "not_starts_with"]), prefix),
                st.tuples(st.just("between"), st.lists(prefix, min_size=2, max_size=2)),
            ),
        ),
        leaf(
            "address.city",
            st.one_of(
                st.tuples(st.sampled_from(["equals", "starts_with"]), city_text),
                st.tuples(st.just("in"), st.lists(city_text, min_size=1, max_size=3)),
            ),
        ),
        leaf(
            "company.role",
            st.tuples(in_not_in, some(["customer", "prospect", "supplier", "bank"])),
        ),
        leaf("company.industries", st.tuples(in_not_in, some(w["industries"]))),
        leaf(
            "company.employees",
            st.one_of(
                st.tuples(st.just("is_not_set"), st.none()),
                st.tuples(st.sampled_from(["gte", "lte"]), employees),
                st.tuples(st.just("between"), st.lists(employees, min_size=2, max_size=2)),
            ),
        ),
        leaf("person.functions", st.tuples(in_not_in, some(w["functions"]))),
        leaf("person.has_email", yes_no),
        leaf("person.marketing_opt_out", yes_no),
        figure_leaf(
            "business.revenue",
            st.fixed_dictionaries(
                {"period": st.sampled_from(PERIODS)},
                optional={"divisions": some(w["divisions"]), "categories": some(w["categories"])},
            ),
            w["naive"],
        ),
        figure_leaf(
            "business.quantity",
            st.fixed_dictionaries(
                {},
                optional={
                    "period": st.sampled_from(PERIODS),
                    "articles": some(w["articles"]),
                    "divisions": some(w["divisions"]),
                    "categories": some(w["categories"]),
                },
            ),
            w["naive"],
        ),
        st.builds(
            lambda pair, params: condition("business.open_document", pair, params),
            yes_no,
            st.fixed_dictionaries({}, optional={"kinds": some(["offer", "order"])}),
        ),
    )


def trees(w: dict, depth: int = 4):
    """Nodes nesting at most ``depth`` levels (a condition is one level)."""
    if depth == 1:
        return criteria(w)
    inner = trees(w, depth - 1)
    return st.one_of(
        criteria(w),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"and": items}),
        st.lists(inner, min_size=1, max_size=3).map(lambda items: {"or": items}),
        inner.map(lambda item: {"not": item}),
    )


# --- the property ----------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["people", "companies"])
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_compiled_selection_equals_naive_evaluation(world, target, data):
    definition = {"version": 1, "target": target, "where": data.draw(trees(world), label="where")}
    compiled = compile_definition(parse(definition), Context(today=TODAY))
    found = set(compiled.values_list("pk", flat=True))
    assert found == naive.evaluate(world["naive"], definition, TODAY)


def test_the_world_has_what_the_trees_need(world):
    """Guards the property from passing vacuously: the edge cases are in the data."""
    w = world["naive"]
    firms = list(w.companies.values())
    assert any(firm.archived and firm.documents for firm in firms)
    assert any(not firm.archived and not firm.people for firm in firms)
    assert any(firm.people and all(person.archived for person in firm.people) for firm in firms)
    assert len({firm.country for firm in firms}) == 3
    documents = [document for firm in firms for document in firm.documents]
    assert {"done", "cancelled", "open", "accepted"} <= {d.status for d in documents}
    assert {d.currency for d in documents} == {"EUR", "CHF"}
    assert {d.date.year for d in documents} >= {2024, 2025, 2026}
    people = list(w.people.values())
    for test in (
        lambda p: p.email,
        lambda p: p.opted_out,
        lambda p: p.archived,
        lambda p: not p.functions,
        lambda p: len(p.functions) > 1,
    ):
        assert any(test(p) for p in people) and not all(test(p) for p in people)


@pytest.mark.parametrize("value", ["49.5", "0.5", "-1", "99999999999"])
def test_employee_thresholds_outside_whole_numbers_of_the_column_are_refused(world, value):
    """Found by the property test: 49.5 reached the integer column (a 500), and -1
    (99999999999 on PostgreSQL) let companies without a count in."""
    definition = {
        "target": "companies",
        "where": {"criterion": "company.employees", "op": "gte", "value": value},
    }
    with pytest.raises(DefinitionError) as caught:
        parse(definition)
    assert caught.value.path == "where.value"


@pytest.mark.parametrize("target", ["people", "companies"])
def test_companies_without_a_count_meet_no_threshold(world, target):
    for node in (
        {"criterion": "company.employees", "op": "gte", "value": "0"},
        {"criterion": "company.employees", "op": "lte", "value": "2147483647"},
    ):
        definition = {"target": target, "where": node}
        compiled = compile_definition(parse(definition), Context(today=TODAY))
        found = set(compiled.values_list("pk", flat=True))
        assert found == naive.evaluate(world["naive"], definition, TODAY)
