"""Explain: which branch let a record in (or kept it out), and the count after each step."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from merkur.business import services as business
from merkur.business.models import Article, ArticleCategory, Division
from merkur.companies.models import Function, Person
from merkur.selections.context import Context
from merkur.selections.definition import parse
from merkur.selections.explain import counts, why
from tests.factories import make_company, make_person
from tests.selections import test_example

pytestmark = pytest.mark.django_db

example_data = test_example.data  # the product example's data (fixture)
TODAY = test_example.TODAY  # last year: 2025


def explain(ids, person, **kwargs):
    definition = parse(test_example.example(ids))
    return why(definition, person, Context(today=TODAY), **kwargs)


def by_path(result) -> dict:
    found = {result.path: result}
    for child in result.children:
        found |= by_path(child)
    return found


# --- why: the product example ----------------------------------------------------------------


def test_a_buyer_is_in_by_every_condition_and_the_buyer_branch(example_data):
    ids, people = example_data
    explanation = explain(ids, people["chf_buyer"])
    assert explanation.selected and explanation.active
    leaves = explanation.deciding.leaves()
    assert [leaf.path for leaf in leaves] == [
        "where.and.1",
        "where.and.2",
        "where.and.3",
        "where.and.4.not",  # the NOT holds because its condition fails
        "where.and.5.or.1",  # the buyer branch, not the managing directors'
    ]
    revenue = leaves[1]
    # 91,000 CHF at 1.10 = 100,100 EUR: the company's own figure next to the threshold.
    assert revenue.figure == "2025: 100,100.00 EUR"
    assert (
        revenue.text
        == "Revenue at least 100,000 EUR · last year · Anwendersoftware (2025: 100,100.00 EUR)"
    )
    assert leaves[2].figure == "all time: 7"
    assert leaves[3].matched is False
    assert all(leaf.matched for leaf in leaves if leaf.path != "where.and.4.not")
    assert explanation.summary.startswith(
        "Country is one of DE + Revenue at least 100,000 EUR · last year · Anwendersoftware (2025:"
    )
    assert explanation.summary.count(" + ") == 4


def test_a_managing_director_is_in_through_the_industry_branch(example_data):
    ids, people = example_data
    explanation = explain(ids, people["db_ok_boss"])
    assert explanation.selected
    nodes = by_path(explanation.tree)
    assert nodes["where.and.5.or.1"].matched is False  # not a buyer
    assert nodes["where.and.5.or.2"].matched is True
    deciding = by_path(explanation.deciding)
    assert "where.and.5.or.1" not in deciding
    assert [child.path for child in deciding["where.and.5.or.2"].children] == [
        "where.and.5.or.2.and.1",
        "where.and.5.or.2.and.2",
    ]
    assert deciding["where.and.2"].figure == "2025: 200,000.00 EUR"


def test_a_managing_director_failing_the_revenue_test_is_out_and_shows_his_revenue(example_data):
    ids, people = example_data
    explanation = explain(ids, people["db_poor_boss"])
    assert explanation.active and not explanation.selected
    assert explanation.tree.matched is False
    # Only the failing condition decided; the others (country, licences, …) held.
    [leaf] = explanation.deciding.leaves()
    assert leaf.path == "where.and.2"
    assert leaf.matched is False
    assert (
        leaf.text
        == "Revenue at least 100,000 EUR · last year · Anwendersoftware (2025: 1,000.00 EUR)"
    )
    assert by_path(explanation.tree)["where.and.5"].matched is True


def test_a_person_left_out_by_the_postal_code_area(example_data):
    ids, people = example_data
    explanation = explain(ids, people["saar_buyer"])
    assert not explanation.selected
    deciding = by_path(explanation.deciding)
    assert set(deciding) == {"where", "where.and.4", "where.and.4.not"}
    assert deciding["where.and.4.not"].matched is True


def test_the_figures_are_written_in_the_active_locale(example_data):
    ids, people = example_data
    with translation.override("de"):
        explanation = explain(ids, people["chf_buyer"])
    assert by_path(explanation.tree)["where.and.2"].figure.endswith("100.100,00 EUR")


def test_an_archived_person_is_never_selected_though_the_tree_matches(example_data):
    ids, people = example_data
    Person.objects.filter(pk=people["exact_buyer"].pk).update(archived_at=timezone.now())
    explanation = explain(ids, people["exact_buyer"].pk)
    assert explanation.tree.matched and explanation.active is False
    assert explanation.selected is False
    assert explanation.summary == "Archived records are never selected."


MASTER_TABLES = (
    "companies_function",
    "companies_industry",
    "business_division",
    "business_articlecategory",
)


def evaluating(queries) -> list:
    """The statements that evaluate the selection, not those naming master entries."""
    return [
        query
        for query in queries
        if not any(f'FROM "{table}"' in query["sql"] for table in MASTER_TABLES)
    ]


def test_why_takes_two_statements_however_large_the_tree(example_data):
    ids, people = example_data
    definition = parse(test_example.example(ids))
    with CaptureQueriesContext(connection) as queries:
        why(definition, people["exact_buyer"].pk, Context(today=TODAY))
    # Every node's flag (and the record's company), then every business figure; the
    # rest reads the names of master entries for the descriptions.
    assert len(evaluating(queries)) == 2


def test_a_record_of_the_other_target_or_an_unknown_id_is_refused(example_data):
    ids, people = example_data
    with pytest.raises(ValueError, match="This selection lists people, not companies"):
        explain(ids, people["exact_buyer"].company)
    with pytest.raises(ValueError, match="No person with the id 999999"):
        explain(ids, 999999)
    with pytest.raises(ValueError, match="A record is a person or company, or its id"):
        explain(ids, "1")


# --- counts: the product example -------------------------------------------------------------


def test_the_count_after_each_criterion_of_the_example(example_data):
    ids, _people = example_data
    definition = parse(test_example.example(ids))
    with CaptureQueriesContext(connection) as queries:
        steps = counts(definition, Context(today=TODAY))
    assert len(evaluating(queries)) == 1
    table = {step.path: (step.count, step.running) for step in steps}
    # 12 companies with 3 people each, and one buyer who is also managing director.
    assert steps[0].path == "" and steps[0].description == "All people"
    assert table == {
        "": (37, None),
        "where": (6, None),
        "where.and.1": (34, 34),  # in Germany: all but the Swiss company
        "where.and.2": (22, 19),  # 7 companies with the revenue, 6 of them in Germany
        "where.and.3": (31, 16),  # 10 with more than five licences; "Fünf" drops out
        "where.and.4": (34, 13),  # outside 66xxx; "Saar" drops out
        "where.and.4.not": (3, None),
        "where.and.5": (15, 6),  # 13 buyers or 3 managing directors of database companies
        "where.and.5.or.1": (13, 13),
        "where.and.5.or.2": (3, 15),
        "where.and.5.or.2.and.1": (13, 13),
        "where.and.5.or.2.and.2": (7, 3),
    }
    descriptions = {step.path: step.description for step in steps}
    assert descriptions["where"] == "all of"
    assert descriptions["where.and.4"] == "none of"
    assert descriptions["where.and.5"] == "any of"
    assert descriptions["where.and.1"] == "Country is one of DE"


# --- NOT and nested OR on small data ---------------------------------------------------------


@pytest.fixture
def world():
    buyer = Function.objects.create(name="Einkäufer")
    boss = Function.objects.create(name="Geschäftsführer")
    berlin = make_company(name="Berlin AG")
    zurich = make_company(name="Zürich AG", address={"country": "CH", "postal_code": "8001"})
    vienna = make_company(name="Wien AG", address={"country": "AT", "postal_code": "1010"})
    return {
        "buyer": buyer,
        "boss": boss,
        "berlin": berlin,
        "zurich": zurich,
        "vienna": vienna,
        "anna": make_person(berlin, functions=[buyer]),
        "bert": make_person(zurich, functions=[boss]),
        "carl": make_person(vienna, functions=[]),
    }


def companies(node) -> object:
    return parse({"version": 1, "target": "companies", "where": node})


def test_a_not_node_is_decided_by_its_condition_failing_or_holding(world):
    definition = companies({"not": {"criterion": "address.country", "op": "in", "value": ["DE"]}})
    inside = why(definition, world["zurich"])
    assert inside.selected
    assert [(leaf.path, leaf.matched) for leaf in inside.deciding.leaves()] == [
        ("where.not", False)
    ]
    outside = why(definition, world["berlin"])
    assert not outside.selected
    assert outside.deciding.kind == "not" and outside.deciding.matched is False
    assert [(leaf.path, leaf.matched) for leaf in outside.deciding.leaves()] == [
        ("where.not", True)
    ]
    assert {step.path: step.count for step in counts(definition)} == {
        "": 3,
        "where": 2,
        "where.not": 1,
    }


def test_nested_or_shows_the_inner_branch_that_matched_and_counts_the_union(world):
    definition = companies(
        {
            "or": [
                {
                    "or": [
                        {"criterion": "address.country", "op": "in", "value": ["CH"]},
                        {"criterion": "person.functions", "op": "in", "value": [world["buyer"].pk]},
                    ]
                },
                {"criterion": "address.country", "op": "in", "value": ["CH", "AT"]},
            ]
        }
    )
    berlin = why(definition, world["berlin"])
    assert berlin.selected
    assert [leaf.path for leaf in berlin.deciding.leaves()] == ["where.or.1.or.2"]
    assert berlin.summary.startswith("Function is one of")
    zurich = why(definition, world["zurich"])
    # Both branches matched: both are shown.
    assert [leaf.path for leaf in zurich.deciding.leaves()] == ["where.or.1.or.1", "where.or.2"]
    table = {step.path: (step.count, step.running) for step in counts(definition)}
    assert table == {
        "": (3, None),
        "where": (3, None),
        "where.or.1": (2, 2),
        "where.or.1.or.1": (1, 1),
        "where.or.1.or.2": (1, 2),
        "where.or.2": (2, 3),
    }
    # Left out by an OR: every branch failed, so every branch is shown.
    paris = make_company(name="Paris SA", address={"country": "FR", "postal_code": "75001"})
    outside = why(definition, paris)
    assert not outside.selected
    assert [(leaf.path, leaf.matched) for leaf in outside.deciding.leaves()] == [
        ("where.or.1.or.1", False),
        ("where.or.1.or.2", False),
        ("where.or.2", False),
    ]


def test_a_selection_without_conditions_explains_and_counts_all_active_records(world):
    definition = parse({"version": 1, "target": "people"})
    explanation = why(definition, world["anna"])
    assert explanation.selected and explanation.tree is None
    assert counts(definition) == [("", "All people", 3, None)]


# --- figures of the other business criteria --------------------------------------------------


def test_quantity_in_a_period_and_orders_of_an_article_show_the_companys_figures(settings):
    settings.MERKUR_BASE_CURRENCY = "EUR"
    division = Division.objects.create(name="Software")
    category = ArticleCategory.objects.create(name="Lizenz")
    article = Article.objects.create(
        number="L-1", name="Lizenz", division=division, category=category
    )
    company = make_company(name="Kunde GmbH")
    for number, day, quantity in (("1", (2025, 2, 1), "2.5"), ("2", (2025, 3, 1), "1250")):
        business.document_save(
            kind="order",
            number=f"A-{number}",
            data={"company": company, "date": datetime.date(*day), "currency": "EUR"},
            lines=[{"article": article, "quantity": Decimal(quantity), "unit_price": Decimal(1)}],
        )
    definition = companies(
        {
            "and": [
                {
                    "criterion": "business.quantity",
                    "op": "gte",
                    "value": "2000",
                    "params": {
                        "articles": [article.pk],
                        "period": {"from": "2025-01-15", "to": "2025-06-30"},
                    },
                },
                {
                    "criterion": "business.orders_of_article",
                    "op": "gte",
                    "value": "2",
                    "params": {"articles": [article.pk], "period": {"relative": "last_year"}},
                },
            ]
        }
    )
    explanation = why(definition, company, Context(today=TODAY))
    assert not explanation.selected
    quantity, orders = explanation.tree.children
    assert quantity.figure == "01/15/2025 – 06/30/2025: 1,252.5"
    assert quantity.matched is False
    assert orders.figure == "2025: 2 orders"
    assert orders.matched is True
    assert [leaf.path for leaf in explanation.deciding.leaves()] == ["where.and.1"]
