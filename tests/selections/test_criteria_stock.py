"""Stock and production criteria: batches received and supplied, serial ranges, production.

The world: supplier Zulieferer supplied batch CH-1; Alice received a delivery line
from CH-1 with serials SN-9 and SN-10; Bob received a line from batch CH-2 (no
serials) and instance SN-11 of CH-1 without a delivery line (known from an older
ERP); Carol received nothing. One instance has no customer at all (in stock), so
NOT must not stumble over a NULL customer.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from merkur.business import services
from merkur.business.models import Article, ArticleCategory, Division
from merkur.selections.compiler import compile_definition
from merkur.selections.definition import parse
from merkur.selections.errors import DefinitionError
from tests.factories import make_company, make_person

pytestmark = pytest.mark.django_db
D = datetime.date


def run(node, target="companies") -> set:
    definition = parse({"version": 1, "target": target, "where": node})
    with CaptureQueriesContext(connection) as queries:
        found = set(compile_definition(definition).values_list("pk", flat=True))
    assert len(queries) == 1
    return found


@pytest.fixture
def world():
    division = Division.objects.create(name="Hardware")
    category = ArticleCategory.objects.create(name="Gerät")
    device = Article.objects.create(
        number="HW-1", name="Messgerät", division=division, category=category, tracking="serial"
    )
    sensor = Article.objects.create(
        number="HW-2", name="Sensor", division=division, category=category, tracking="serial"
    )
    supplier = make_company(name="Zulieferer AG", roles=["supplier"])
    alice, bob, carol = (make_company(name=name) for name in ("Alice", "Bob", "Carol"))
    batch1, _ = services.batch_save(article=device, number="CH-1", data={"supplier": supplier})
    batch2, _ = services.batch_save(article=device, number="CH-2", data={})
    services.delivery_save(
        number="L-1",
        data={"company": alice, "date": D(2025, 7, 5)},
        lines=[{"article": device, "quantity": 2, "batch": batch1, "serials": ["SN-9", "SN-10"]}],
    )
    services.delivery_save(
        number="L-2",
        data={"company": bob, "date": D(2025, 7, 6)},
        lines=[{"article": device, "quantity": 1, "batch": batch2}],
    )
    services.instance_save(
        article=device,
        serial_number="SN-11",
        data={
            "customer": bob,
            "batch": batch1,
            "production_run": "R-2",
            "produced_on": D(2025, 3, 1),
        },
    )
    services.instance_save(
        article=sensor,
        serial_number="SN-12",
        data={"customer": carol, "production_run": "R-1", "produced_on": D(2025, 2, 1)},
    )
    # In stock: no customer.
    services.instance_save(
        article=device,
        serial_number="SN-13",
        data={"batch": batch1, "production_run": "R-1", "produced_on": D(2025, 1, 15)},
    )
    for serial, day in (("SN-9", D(2025, 1, 10)), ("SN-10", D(2025, 1, 20))):
        services.instance_save(
            article=device,
            serial_number=serial,
            data={"production_run": "R-1", "produced_on": day},
        )
    people = {name: make_person(company) for name, company in (("ann", alice), ("bo", bob))}
    return {
        "device": device,
        "sensor": sensor,
        "batch1": batch1,
        "batch2": batch2,
        "supplier": supplier,
        "alice": alice,
        "bob": bob,
        "carol": carol,
        **people,
    }


def ids(world, *names) -> set:
    return {world[name].pk for name in names}


def everybody(world) -> set:
    return ids(world, "supplier", "alice", "bob", "carol")


def test_batch_received_by_delivery_line_or_instance(world):
    node = {"criterion": "stock.batch_received", "op": "in", "value": [world["batch1"].pk]}
    assert run(node) == ids(world, "alice", "bob")  # Bob: the instance without a line
    assert run({"not": node}) == ids(world, "supplier", "carol")
    node2 = {"criterion": "stock.batch_received", "op": "in", "value": [world["batch2"].pk]}
    assert run(node2) == ids(world, "bob")
    assert run(node, "people") == ids(world, "ann", "bo")
    assert run({"not": node2}, "people") == ids(world, "ann")


def test_batch_supplied(world):
    node = {
        "criterion": "stock.batch_supplied",
        "op": "in",
        "value": [world["batch1"].pk, world["batch2"].pk],
    }
    assert run(node) == ids(world, "supplier")
    assert run({"not": node}) == everybody(world) - ids(world, "supplier")
    assert run(node, "people") == set()


def test_serial_range_compares_numbers_and_respects_articles(world):
    node = {"criterion": "stock.serial_range", "op": "between", "value": ["SN-9", "SN-10"]}
    # As text, "SN-10" < "SN-9"; as numbers, 9 … 10 holds both of Alice's.
    assert run(node) == ids(world, "alice")
    wide = {**node, "value": ["SN-10", "SN-12"]}
    assert run(wide) == ids(world, "alice", "bob", "carol")
    only_devices = {**wide, "params": {"articles": [world["device"].pk]}}
    assert run(only_devices) == ids(world, "alice", "bob")
    # SN-13 is in stock: NOT is "received none of them", the supplier and Carol included.
    assert run({"not": only_devices}) == ids(world, "supplier", "carol")
    assert run({**node, "value": ["SN-11", "SN-11"]}, "people") == ids(world, "bo")


def test_production_run(world):
    node = {"criterion": "stock.production_run", "op": "in", "value": ["R-1"]}
    assert run(node) == ids(world, "alice", "carol")
    assert run({"not": node}) == ids(world, "supplier", "bob")
    with_article = {**node, "params": {"articles": [world["device"].pk]}}
    assert run(with_article) == ids(world, "alice")
    assert run({"criterion": "stock.production_run", "op": "in", "value": ["R-2", "R-9"]}) == ids(
        world, "bob"
    )


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("between", ["2025-01-20", "2025-02-01"], {"alice", "carol"}),  # both ends included
        ("between", ["2025-01-21", "2025-01-31"], set()),
        ("before", "2025-01-20", {"alice"}),  # SN-9 on the 10th
        ("after", "2025-02-01", {"bob"}),  # SN-11 on 1 March
    ],
)
def test_produced(world, op, value, expected):
    node = {"criterion": "stock.produced", "op": op, "value": value}
    assert run(node) == ids(world, *expected)
    assert run({"not": node}) == everybody(world) - ids(world, *expected)


def test_produced_people_and_articles(world):
    node = {
        "criterion": "stock.produced",
        "op": "before",
        "value": "2025-12-31",
        "params": {"articles": [world["sensor"].pk]},
    }
    assert run(node) == ids(world, "carol")
    assert run({"not": {**node, "params": {}}}, "people") == set()


@pytest.mark.parametrize(
    ("node", "path", "words"),
    [
        (
            {"criterion": "stock.batch_received", "op": "in", "value": [999999]},
            "where.value",
            "999999",
        ),
        ({"criterion": "stock.batch_supplied", "op": "in", "value": []}, "where.value", "one"),
        (
            {"criterion": "stock.batch_supplied", "op": "not_in", "value": [1]},
            "where.op",
            "one of: in",
        ),
        (
            {"criterion": "stock.serial_range", "op": "between", "value": ["SN-1", "AB-5"]},
            "where.value",
            "same prefix",
        ),
        (
            {"criterion": "stock.serial_range", "op": "between", "value": ["SN-1"]},
            "where.value",
            "range",
        ),
        (
            {
                "criterion": "stock.serial_range",
                "op": "between",
                "value": ["SN-1", "SN-2"],
                "params": {"articles": [999999]},
            },
            "where.params.articles",
            "999999",
        ),
        ({"criterion": "stock.production_run", "op": "in", "value": "R-1"}, "where.value", "list"),
        (
            {"criterion": "stock.produced", "op": "between", "value": ["2025-02-01", "2025-01-01"]},
            "where.value",
            "ends before",
        ),
        (
            {"criterion": "stock.produced", "op": "after", "value": "1.1.2025"},
            "where.value",
            "YYYY",
        ),
    ],
)
def test_bad_values_point_at_the_node(world, node, path, words):
    with pytest.raises(DefinitionError) as caught:
        parse({"version": 1, "target": "companies", "where": node})
    assert caught.value.path == path
    assert words in caught.value.message
