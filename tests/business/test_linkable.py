"""Business records are linkable kinds (link attributes, journal contacts) and searchable."""

import pytest
from django.urls import reverse

from merkur.business.models import (
    Article,
    ArticleInstance,
    Batch,
    Offer,
    PurchaseOrder,
    SalesOrder,
)
from merkur.core import linkable
from tests.business.test_views_pages import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(settings):
    return build(settings)


def test_kinds_are_registered():
    expected = {
        "sales_order": SalesOrder,
        "offer": Offer,
        "purchase_order": PurchaseOrder,
        "article": Article,
        "batch": Batch,
        "article_instance": ArticleInstance,
        "serial_number": ArticleInstance,
    }
    for key, model in expected.items():
        assert linkable.kind(key).model is model
    assert str(linkable.kind("serial_number").label) in ("Serial number", "Seriennummer")


def test_proxy_kinds_only_find_their_own_documents(data):
    assert list(SalesOrder.objects.filter(pk=data["offer"].pk)) == []
    assert list(Offer.objects.filter(pk=data["offer"].pk)) == [data["offer"]]
    assert list(PurchaseOrder.objects.values_list("number", flat=True)) == ["BE-1"]


def test_search(data):
    """The pickers search with the querysets' ``search``: numbers, article names, serials."""
    assert {d.number for d in SalesOrder.objects.search("au-")} == {"AU-1", "AU-2", "AU-3"}
    assert list(Offer.objects.search("AU-1")) == []
    assert [a.number for a in Article.objects.search("office")] == ["AS-100"]
    assert [a.number for a in Article.objects.search("hw-2")] == ["HW-200"]
    assert [b.number for b in Batch.objects.search("CH-7")] == ["CH-77"]
    assert [i.serial_number for i in ArticleInstance.objects.search("SN-10001")] == ["SN-10001"]
    assert list(Article.objects.search("  ")) == []


def test_link_picker_finds_business_records_by_id(sales_client, data):
    url = reverse("attributes:link_options")
    response = sales_client.get(url, {"kind": "sales_order", "q": "AU-1"})
    assert response.status_code == 200
    assert f"(#{data['order'].pk})" in response.content.decode()
    # An offer's number does not find it as a sales order.
    assert sales_client.get(url, {"kind": "sales_order", "q": "OF-1"}).content.decode() == ""
    response = sales_client.get(url, {"kind": "serial_number", "q": "SN-1000"})
    assert "SN-10000" in response.content.decode() and "SN-10001" in response.content.decode()
    response = sales_client.get(url, {"kind": "batch", "q": "CH"})
    assert f"(#{data['batch'].pk})" in response.content.decode()


def test_linked_records_have_pages(readonly_client, data):
    instance = data["scanner"].instances.first()
    for record in (
        data["order"],
        data["offer"],
        data["purchase"],
        data["office"],
        data["batch"],
        instance,
    ):
        assert readonly_client.get(record.get_absolute_url()).status_code == 200
