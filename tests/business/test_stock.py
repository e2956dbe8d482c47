"""Batches, deliveries and serial numbers: traceability and ranges."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from merkur.business import queries, services
from merkur.business.models import Article, ArticleCategory, ArticleInstance, Division
from merkur.companies.models import Company
from tests.factories import make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def device():
    return Article.objects.create(
        number="HW-1",
        name="Messgerät",
        division=Division.objects.create(name="Hardware"),
        category=ArticleCategory.objects.create(name="Gerät"),
        tracking="serial",
    )


def test_batch_supplier_to_customers_traceability(device):
    supplier, alice, bob, carol = (make_company() for _ in range(4))
    batch, _ = services.batch_save(
        article=device,
        number="CH-2025-07",
        data={"supplier": supplier, "received_on": datetime.date(2025, 7, 1)},
    )
    other, _ = services.batch_save(article=device, number="CH-2025-08", data={})
    services.delivery_save(
        number="L-1",
        data={"company": alice, "date": datetime.date(2025, 7, 5)},
        lines=[{"article": device, "quantity": 2, "batch": batch, "serials": ["SN-1", "SN-2"]}],
    )
    services.delivery_save(
        number="L-2",
        data={"company": bob, "date": datetime.date(2025, 7, 6)},
        lines=[{"article": device, "quantity": 1, "batch": other}],
    )
    received = queries.customers_of_batch(batch, Company.objects.all())
    assert list(received) == [alice]
    assert carol not in received
    assert ArticleInstance.objects.get(serial_number="SN-1").customer == alice
    assert list(Company.objects.filter(supplied_batches=batch)) == [supplier]


def test_redelivering_replaces_lines_and_instances(device):
    alice, bob = make_company(), make_company()
    services.delivery_save(
        number="L-1",
        data={"company": alice, "date": datetime.date(2025, 7, 5)},
        lines=[{"article": device, "quantity": 1, "serials": ["SN-1"]}],
    )
    services.delivery_save(
        number="L-1",
        data={"company": bob, "date": datetime.date(2025, 7, 5)},
        lines=[{"article": device, "quantity": 1, "serials": ["SN-1"]}],
    )
    assert ArticleInstance.objects.get().customer == bob


def test_serial_ranges_compare_numbers(device):
    for serial in ["SN-9", "SN-10", "SN-10000", "SN-10500", "SN-10999", "SN-11000", "XY-10500"]:
        services.instance_save(article=device, serial_number=serial, data={})
    found = queries.serial_range("SN-10000", "SN-10999")
    assert sorted(i.serial_number for i in found) == ["SN-10000", "SN-10500", "SN-10999"]
    assert {i.serial_number for i in queries.serial_range("SN-8", "SN-10")} == {"SN-9", "SN-10"}
    with pytest.raises(ValidationError):
        queries.serial_range("SN-1", "AB-2")


def test_batch_of_another_article_is_refused(device):
    other = Article.objects.create(
        number="HW-2", name="Sonde", division=device.division, category=device.category
    )
    batch, _ = services.batch_save(article=other, number="B-1", data={})
    with pytest.raises(ValidationError) as error:
        services.delivery_save(
            number="L-9",
            data={"company": make_company(), "date": datetime.date(2025, 1, 1)},
            lines=[{"article": device, "quantity": 1, "batch": batch}],
        )
    assert "lines.1.batch" in error.value.message_dict
