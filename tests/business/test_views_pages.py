"""The business pages: articles, documents, stock, serial ranges — content and permissions."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from merkur.business import services
from merkur.business.models import ArticleCategory, Division, DocumentStatus, Tracking
from tests.conftest import client_for
from tests.factories import make_company

pytestmark = pytest.mark.django_db
D = datetime.date


def build(settings) -> dict:
    """Two divisions, a licence and a device tracked by serial number, an offer → order,
    a purchase order → batch from a supplier → delivery with serials to the customer."""
    settings.MERKUR_BASE_CURRENCY = "EUR"
    software = Division.objects.create(name="Anwendersoftware")
    hardware = Division.objects.create(name="Hardware")
    licence = ArticleCategory.objects.create(name="Lizenz")
    device = ArticleCategory.objects.create(name="Gerät")
    office, _ = services.article_save(
        number="AS-100", data={"name": "Office Suite", "division": software, "category": licence}
    )
    scanner, _ = services.article_save(
        number="HW-200",
        data={
            "name": "Scanner",
            "division": hardware,
            "category": device,
            "tracking": Tracking.SERIAL,
        },
    )
    services.rate_set(currency="CHF", valid_from=D(2020, 1, 1), rate=Decimal("1.05"))
    customer = make_company(name="Kunde Eins GmbH")
    swiss = make_company(
        name="Zürcher Kunde AG", address={"country": "CH", "postal_code": "8001", "city": "Zürich"}
    )
    supplier = make_company(name="Lieferant GmbH", roles=["supplier"])
    year = datetime.date.today().year
    offer, _ = services.document_save(
        kind="offer",
        number="OF-1",
        data={
            "company": customer,
            "date": D(year - 1, 2, 1),
            "currency": "EUR",
            "status": DocumentStatus.ACCEPTED,
        },
        lines=[{"article": office, "quantity": 6, "unit_price": 1000}],
    )
    order, _ = services.document_save(
        kind="order",
        number="AU-1",
        data={
            "company": customer,
            "date": D(year - 1, 3, 1),
            "currency": "EUR",
            "status": DocumentStatus.DONE,
            "offer": offer,
        },
        lines=[
            {"article": office, "quantity": 6, "unit_price": 1000, "discount_percent": 10},
            {"article": scanner, "quantity": 2, "unit_price": "1234.50"},
        ],
    )  # 5400 + 2469 = 7869
    open_order, _ = services.document_save(
        kind="order",
        number="AU-2",
        data={
            "company": customer,
            "date": D(year, 1, 10),
            "currency": "EUR",
            "status": DocumentStatus.OPEN,
        },
        lines=[{"article": office, "quantity": 1, "unit_price": 500}],
    )
    chf_order, _ = services.document_save(
        kind="order",
        number="AU-3",
        data={
            "company": swiss,
            "date": D(year - 1, 5, 1),
            "currency": "CHF",
            "status": DocumentStatus.DONE,
        },
        lines=[{"article": office, "quantity": 2, "unit_price": 1000}],
    )  # 2000 CHF = 2100 EUR
    purchase, _ = services.document_save(
        kind="purchase",
        number="BE-1",
        data={
            "company": supplier,
            "date": D(year - 1, 1, 15),
            "currency": "EUR",
            "status": DocumentStatus.DONE,
        },
        lines=[{"article": scanner, "quantity": 10, "unit_price": 500}],
    )
    batch, _ = services.batch_save(
        article=scanner,
        number="CH-77",
        data={"supplier": supplier, "received_on": D(year - 1, 2, 1), "purchase_order": purchase},
    )
    delivery, _ = services.delivery_save(
        number="LI-1",
        data={"company": customer, "order": order, "date": D(year - 1, 3, 5)},
        lines=[
            {"article": scanner, "quantity": 2, "batch": batch, "serials": ["SN-10000", "SN-10001"]}
        ],
    )
    return locals()


@pytest.fixture
def data(settings):
    return build(settings)


def test_pages_render_for_every_role(data, users):
    instance = data["scanner"].instances.get(serial_number="SN-10000")
    urls = [
        reverse("business:articles"),
        reverse("business:article", args=[data["office"].pk]),
        reverse("business:article", args=[data["scanner"].pk]),
        reverse("business:documents"),
        reverse("business:documents") + "?kind=offer",
        reverse("business:documents") + "?kind=purchase",
        reverse("business:document", args=[data["order"].pk]),
        reverse("business:document", args=[data["offer"].pk]),
        reverse("business:document", args=[data["purchase"].pk]),
        reverse("business:batch", args=[data["batch"].pk]),
        reverse("business:delivery", args=[data["delivery"].pk]),
        reverse("business:instance", args=[instance.pk]),
        reverse("business:serials"),
        reverse("business:rates"),
        reverse("business:abc"),
    ]
    for user in users.values():
        client = client_for(user)
        for url in urls:
            assert client.get(url).status_code == 200, (user.username, url)


def test_pages_need_login(client, data):
    for url in [reverse("business:articles"), reverse("business:abc"), reverse("business:rates")]:
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_missing_records_are_404(readonly_client, data):
    for name in ("article", "document", "batch", "delivery", "instance"):
        assert readonly_client.get(reverse(f"business:{name}", args=[999999])).status_code == 404


def test_article_list_filters(readonly_client, data):
    url = reverse("business:articles")
    page = readonly_client.get(url).content.decode()
    assert "AS-100" in page and "HW-200" in page
    page = readonly_client.get(url, {"division": data["hardware"].pk}).content.decode()
    assert "HW-200" in page and "AS-100" not in page
    page = readonly_client.get(url, {"q": "office"}).content.decode()
    assert "AS-100" in page and "HW-200" not in page
    page = readonly_client.get(url, {"active": "no"}).content.decode()
    assert "AS-100" not in page
    # A bad filter value shows the form error, not a 500.
    assert readonly_client.get(url, {"division": "abc"}).status_code == 200
    assert readonly_client.get(url, {"cursor": "garbage"}).status_code == 200


def test_article_list_pages(readonly_client, data, settings):
    for n in range(55):
        services.article_save(
            number=f"X-{n:03}",
            data={"name": f"Extra {n}", "division": data["software"], "category": data["licence"]},
        )
    first = readonly_client.get(reverse("business:articles"))
    assert len(first.context["page"].items) == 50
    cursor = first.context["page"].next_cursor
    second = readonly_client.get(reverse("business:articles"), {"cursor": cursor})
    numbers = [a.number for a in second.context["page"].items]
    assert numbers == ["X-048", "X-049", "X-050", "X-051", "X-052", "X-053", "X-054"]


def test_article_detail_shows_buyers_and_batches(readonly_client, data):
    response = readonly_client.get(reverse("business:article", args=[data["office"].pk]))
    buyers = {row["document__company__name"]: row["quantity"] for row in response.context["buyers"]}
    # The open order counts (not cancelled); the offer does not.
    assert buyers == {"Kunde Eins GmbH": Decimal(7), "Zürcher Kunde AG": Decimal(2)}
    response = readonly_client.get(reverse("business:article", args=[data["scanner"].pk]))
    assert response.context["instance_count"] == 2
    assert "CH-77" in response.content.decode()


def test_document_list_tabs_and_filters(readonly_client, data):
    url = reverse("business:documents")
    page = readonly_client.get(url).content.decode()
    assert "AU-1" in page and "OF-1" not in page and "BE-1" not in page
    page = readonly_client.get(url, {"kind": "offer"}).content.decode()
    assert "OF-1" in page and "AU-1" not in page
    page = readonly_client.get(url, {"kind": "order", "status": "open"}).content.decode()
    assert "AU-2" in page and "AU-1" not in page
    page = readonly_client.get(url, {"kind": "order", "company": data["swiss"].pk}).content.decode()
    assert "AU-3" in page and "AU-1" not in page and "Zürcher Kunde AG" in page
    year = datetime.date.today().year
    page = readonly_client.get(url, {"date_from": f"{year}-01-01"}).content.decode()
    assert "AU-2" in page and "AU-1" not in page
    response = readonly_client.get(url, {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.status_code == 200
    assert "The end of the period lies before its start." in response.content.decode()
    assert readonly_client.get(url, {"kind": "nonsense", "date_from": "x"}).status_code == 200


def test_document_detail_formats_money_per_locale(client, data, readonly_user):
    from merkur.core.models import UserProfile

    url = reverse("business:document", args=[data["order"].pk])
    c = client_for(readonly_user)
    UserProfile.objects.filter(user=readonly_user).update(locale="de")
    page = c.get(url).content.decode()
    assert "7.869,00\xa0€" in page  # de
    assert "AS-100" in page and "LI-1" in page and "OF-1" in page
    UserProfile.objects.filter(user=readonly_user).update(locale="de-ch")
    page = c.get(reverse("business:document", args=[data["chf_order"].pk])).content.decode()
    assert "CHF\xa02&#x27;000.00" in page  # babel's de_CH grouping, HTML-escaped
    UserProfile.objects.filter(user=readonly_user).update(locale="en")
    page = c.get(url).content.decode()
    assert "€7,869.00" in page
    page = c.get(reverse("business:document", args=[data["offer"].pk])).content.decode()
    assert "AU-1" in page  # offer → its order


def test_batch_traceability(readonly_client, data):
    page = readonly_client.get(reverse("business:batch", args=[data["batch"].pk])).content.decode()
    assert "Lieferant GmbH" in page  # supplier
    assert "BE-1" in page  # purchase order
    assert "Kunde Eins GmbH" in page and "LI-1" in page  # who received it
    assert "SN-10001" in page


def test_instance_and_delivery(readonly_client, data):
    instance = data["scanner"].instances.get(serial_number="SN-10001")
    page = readonly_client.get(reverse("business:instance", args=[instance.pk])).content.decode()
    assert "Kunde Eins GmbH" in page and "CH-77" in page and "LI-1" in page
    page = readonly_client.get(
        reverse("business:delivery", args=[data["delivery"].pk])
    ).content.decode()
    assert "SN-10000" in page and "SN-10001" in page and "AU-1" in page


def test_serial_range_search(readonly_client, data):
    url = reverse("business:serials")
    response = readonly_client.get(url, {"first": "SN-9999", "last": "SN-10000"})
    assert [i.serial_number for i in response.context["instances"]] == ["SN-10000"]
    response = readonly_client.get(
        url, {"first": "SN-10001", "last": "SN-10000", "article": "HW-200"}
    )
    assert len(response.context["instances"]) == 2  # reversed ends are swapped
    for bad in ({"first": "SN-1", "last": "XY-2"}, {"first": "abc", "last": "SN-5"}):
        response = readonly_client.get(url, bad)
        assert response.status_code == 200
        assert "same prefix" in response.content.decode()
        assert response.context["instances"] is None
    response = readonly_client.get(url, {"first": "SN-1", "last": "SN-2", "article": "NOPE"})
    assert "There is no article with the number “NOPE”." in response.content.decode()
    response = readonly_client.get(url, {"first": "SN-1"})
    assert response.status_code == 200 and response.context["instances"] is None
