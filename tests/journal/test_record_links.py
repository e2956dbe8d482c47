"""Contacts linked to business records: shown on the record's page, recorded from it,
and the journal filtered by the link."""

import datetime

import pytest
from django.urls import reverse

from merkur.business import services as business
from merkur.business.models import Article, ArticleCategory, Division
from merkur.journal.models import Contact, ContactLink
from tests.factories import contact_master, make_company, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(settings):
    settings.MERKUR_BASE_CURRENCY = "EUR"
    article = Article.objects.create(
        number="A-1",
        name="Office",
        division=Division.objects.create(name="Anwendersoftware"),
        category=ArticleCategory.objects.create(name="Lizenz"),
    )
    document, _created = business.document_save(
        kind="order",
        number="AU-4711",
        data={
            "company": make_company(name="Kundin AG"),
            "date": datetime.date(2025, 3, 1),
            "currency": "EUR",
        },
        lines=[{"article": article, "quantity": 1, "unit_price": 100}],
    )
    return document


def test_a_linked_contact_shows_on_the_order_page(sales_client, sales_user, order):
    other = make_contact(make_company(), by=sales_user, subject="Nicht verlinkt")
    linked = make_contact(order.company, by=sales_user, subject="Liefertermin AU-4711")
    ContactLink.objects.create(contact=linked, kind="sales_order", object_id=order.pk)
    page = sales_client.get(reverse("business:document", args=[order.pk])).content.decode()
    assert "Liefertermin AU-4711" in page and other.subject not in page
    assert f"link_kind=sales_order&amp;link_id={order.pk}" in page


def test_recording_from_the_order_page_links_the_contact(sales_client, order):
    kinds, _types = contact_master()
    url = reverse("journal:contact_create") + f"?link_kind=sales_order&link_id={order.pk}"
    form = sales_client.get(url).context["form"]
    assert form.initial["company"] == order.company
    response = sales_client.post(
        reverse("journal:contact_create"),
        {
            "occurred_at_0": "01.03.2025",
            "occurred_at_1": "10:00",
            "occurred_at": "2025-03-01 10:00",
            "company": f"{order.company.name} (#{order.company.pk})",
            "kind": kinds["Telefonat"].pk,
            "subject": "Rückfrage zum Auftrag",
            "link_kind": "sales_order",
            "link_id": order.pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    contact = Contact.objects.get(subject="Rückfrage zum Auftrag")
    assert list(contact.links.values_list("kind", "object_id")) == [("sales_order", order.pk)]


def test_the_journal_lists_the_contacts_linked_to_a_record(sales_client, sales_user, order):
    make_contact(order.company, by=sales_user, subject="Ohne Link")
    linked = make_contact(order.company, by=sales_user, subject="Mit Link")
    ContactLink.objects.create(contact=linked, kind="sales_order", object_id=order.pk)
    response = sales_client.get(
        reverse("journal:list"), {"link_kind": "sales_order", "link_id": order.pk}
    )
    assert [c.subject for c in response.context["page"].items] == ["Mit Link"]
    bad = sales_client.get(reverse("journal:list"), {"link_kind": "sales_order", "link_id": 999})
    assert bad.status_code == 200
    assert bad.context["filter_form"].non_field_errors()
