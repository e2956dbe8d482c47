"""Imported companies and people linked to a sales order or another registered target."""

import datetime

import pytest

from merkur.business import services as business
from merkur.companies.models import Company
from merkur.transfer.importing import links
from merkur.transfer.importing.options import LinkTarget
from merkur.transfer.models import DocumentContact
from tests.factories import make_company

HEADER = "Kundennummer;Firma;Straße;PLZ;Ort;Nachname\n"
ROWS = (
    "N-1;Alpha GmbH;Weg 1;10115;Berlin;Eins\n"
    "N-2;Beta AG;Weg 2;10115;Berlin;\n"
    "K-1;Bekannt GmbH;Weg 3;10115;Berlin;Drei\n"
)


@pytest.fixture
def order(db):
    customer = make_company(name="Kunde GmbH")
    document, _created = business.document_save(
        kind="order",
        number="A-2026-1",
        data={"company": customer, "date": datetime.date(2026, 3, 1), "currency": "EUR"},
        lines=[],
    )
    return document


@pytest.fixture
def known(db):
    return make_company(name="Bekannt GmbH", number="K-1")


def test_imported_records_become_the_orders_contacts(run, order, known):
    result = run(HEADER + ROWS, link=LinkTarget("sales_order", "A-2026-1"))
    assert result.written
    contacts = {
        (c.company.name, c.person.last_name if c.person else None)
        for c in DocumentContact.objects.filter(document=order)
    }
    # New ones with their person (or alone); the skipped match is linked as it is.
    assert contacts == {("Alpha GmbH", "Eins"), ("Beta AG", None), ("Bekannt GmbH", None)}
    assert result.linked == 3
    assert "3 links to Sales order A-2026-1" in result.summary()


def test_skipped_matches_stay_unlinked_when_told(run, order, known):
    result = run(HEADER + ROWS, link=LinkTarget("sales_order", "A-2026-1"), link_matches=False)
    assert result.linked == 2
    assert not DocumentContact.objects.filter(company=known).exists()


def test_a_dry_run_counts_the_links_it_would_make(run, order, known):
    result = run(HEADER + ROWS, dry_run=True, link=LinkTarget("sales_order", "A-2026-1"))
    assert result.linked == 3
    assert not DocumentContact.objects.exists()


def test_importing_again_links_nothing_twice(run, order):
    run(HEADER + ROWS, link=LinkTarget("sales_order", "A-2026-1"))
    again = run(
        HEADER + ROWS, link=LinkTarget("sales_order", "A-2026-1"), decisions={"number": "update"}
    )
    assert again.written and again.linked == 0
    assert DocumentContact.objects.filter(document=order).count() == 3


def test_an_unknown_order_stops_the_import_before_it_starts(run, db):
    result = run(HEADER + ROWS, link=LinkTarget("sales_order", "gibt-es-nicht"))
    assert result.failure == "Sales order gibt-es-nicht does not exist."
    assert not Company.objects.exists()


def test_other_targets_register_with_statuses(run, db):
    """The hook marketing events use: a kind with a status for its members."""
    received = []

    def link(record, pairs, *, source=None, status=""):
        pairs = list(pairs)
        received.append((record, pairs, status))
        return len(pairs)

    links.register(
        links.LinkKind(
            key="test_event",
            label="Event",
            reference_label="Event number",
            find=lambda reference: {"id": reference} if reference == "E1" else None,
            link=link,
            describe=lambda record: f"Event {record['id']}",
            statuses=lambda: [("invited", "invited"), ("registered", "registered")],
        )
    )
    try:
        result = run(HEADER + ROWS, link=LinkTarget("test_event", "E1", "invited"))
    finally:
        del links.TARGETS["test_event"]
    assert result.linked == 3
    [(record, pairs, status)] = received
    assert record == {"id": "E1"} and status == "invited" and len(pairs) == 3
    alpha = Company.objects.get(name="Alpha GmbH")
    assert (alpha.pk, alpha.people.get().pk) in pairs
