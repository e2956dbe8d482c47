"""``merkur import-business-data documents``: staged, set-based, all or nothing per file."""

# ruff: noqa: F811

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from merkur.business import aggregates
from merkur.business.importer import import_file
from merkur.business.models import Document, DocumentLine, RevenueMonth
from tests.business.test_api_helpers import catalog  # noqa: F401 (fixture)
from tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """The import speaks the active language; these tests read English."""
    with translation.override("en"):
        yield


HEADER = (
    "kind;number;company_number;date;currency;status;offer_number;"
    "position;article;quantity;unit_price;discount_percent;net_amount"
)


def write(tmp_path, text: str, name="documents.csv", encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def stored_aggregate() -> dict:
    return {
        (r.company_id, r.month, r.division_id, r.category_id): (r.amount, r.quantity)
        for r in RevenueMonth.objects.all()
    }


def computed_aggregate() -> dict:
    result = {}
    for item in aggregates.lines_by_month():
        month = item["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        key = (item["company_id"], month, item["division_id"], item["category_id"])
        result[key] = (item["amount"], item["quantity"])
    return result


GOOD = f"""{HEADER}
offer;O-1;K-1001;2025-02-01;EUR;accepted;;1;A-100;2;100.00;;
order;A-1;K-1001;15.03.2025;EUR;done;O-1;1;A-100;2;100.00;10;
order;A-1;K-1001;15.03.2025;EUR;done;O-1;2;D-200;1;50;;
order;A-2;K-1002;2025-04-01;CHF;open;;;A-100;3;10;;
order;A-3;K-1002;2025-04-02;EUR;cancelled;;;A-100;1;999;;
purchase;B-1;L-9;2025-01-10;EUR;done;;;;;;;
"""


def test_documents_with_lines_offers_currencies_and_the_aggregate(tmp_path, catalog):
    result = import_file("documents", write(tmp_path, GOOD))
    assert result.ok, result.errors
    assert (result.rows, result.records, result.created, result.updated) == (6, 5, 5, 0)
    order = Document.objects.get(kind="order", number="A-1")
    assert order.offer == Document.objects.get(kind="offer", number="O-1")
    assert order.date == datetime.date(2025, 3, 15)
    assert order.total_net == Decimal("230.00")  # 2 × 100 less 10 % + 50
    assert list(order.lines.values_list("position", "net_amount")) == [
        (1, Decimal("180.00")),
        (2, Decimal("50.00")),
    ]
    assert Document.objects.get(number="A-2").lines.get().position == 1
    assert Document.objects.get(kind="purchase", number="B-1").lines.count() == 0
    assert stored_aggregate() == computed_aggregate()
    chf = RevenueMonth.objects.get(company=catalog["huber"])
    assert chf.amount == Decimal("33.00")  # 30 CHF at 1.10; the cancelled order does not count


def test_reimport_replaces_documents_and_keeps_the_aggregate_exact(tmp_path, catalog):
    import_file("documents", write(tmp_path, GOOD))
    again = import_file("documents", write(tmp_path, GOOD))
    assert again.ok and (again.created, again.updated) == (0, 5)
    assert Document.objects.count() == 5 and DocumentLine.objects.count() == 5
    changed = GOOD.replace("order;A-2;K-1002;2025-04-01", "order;A-2;K-1001;2025-05-01")
    result = import_file("documents", write(tmp_path, changed))
    assert result.ok
    moved = Document.objects.get(number="A-2")
    assert moved.company == catalog["muller"] and moved.version == 3
    assert not RevenueMonth.objects.filter(company=catalog["huber"]).exists()
    assert stored_aggregate() == computed_aggregate()


def test_dry_run_counts_and_writes_nothing(tmp_path, catalog):
    result = import_file("documents", write(tmp_path, GOOD), dry_run=True)
    assert result.ok and (result.created, result.updated) == (5, 0)
    assert not Document.objects.exists() and not RevenueMonth.objects.exists()


BAD = f"""{HEADER}
order;A-1;K-1001;2025-03-15;EUR;done;;1;A-100;2;100.00;;
order;A-2;K-9999;2025-03-15;EUR;done;;1;A-100;1;1;;
order;A-3;K-1001;31.02.2025;EUR;done;;1;A-100;1;1;;
order;A-4;K-1001;2025-03-15;EURO;done;;1;A-100;1;1;;
order;A-5;K-1001;2025-03-15;EUR;done;;1;X-404;1;1;;
order;A-6;K-1001;2025-03-15;EUR;done;;1;A-100;-1;1;;
order;A-7;K-1001;2025-03-15;EUR;done;;1;A-100;1;1;150;
order;A-8;K-1001;2025-03-15;EUR;done;;1;A-100;1,5;1;;
order;A-9;K-1001;2025-03-15;EUR;unterwegs;;1;A-100;1;1;;
order;A-10;K-1001;2025-03-15;EUR;done;;1;A-100;1;1;;
order;A-10;K-1001;2025-03-15;EUR;done;;1;D-200;1;1;;
order;A-11;K-1001;2025-03-15;EUR;done;O-404;1;A-100;1;1;;
order;A-12;K-1001;2025-03-15;USD;done;;1;A-100;1;1;;
order;A-13;K-1001;2025-03-15;EUR;done;;1;A-100;1;1;;
order;A-13;K-1002;2025-03-15;EUR;done;;2;A-100;1;1;;
offer;A-1;K-1001;2025-03-15;EUR;open;;1;A-100;1;1;;
order;A-1;K-1001;2025-03-15;EUR;done;;3;A-100;1;1;;
order;A-14;K-1001;2025-03-15;EUR;done;;1;A-100;1;1;;;
"""


def test_every_bad_row_is_reported_and_nothing_is_written(tmp_path, catalog):
    result = import_file("documents", write(tmp_path, BAD))
    assert not result.ok
    found = {(error.line, error.column) for error in result.errors}
    assert found == {
        (3, "company_number"),  # unknown customer number
        (4, "date"),  # 31 February
        (5, "currency"),  # not ISO 4217
        (6, "article"),  # unknown article
        (7, "quantity"),  # negative
        (8, "discount_percent"),  # over 100 %
        (9, "quantity"),  # decimal comma without the option
        (10, "status"),
        (12, "position"),  # position 1 twice in A-10
        (13, "offer_number"),  # no such offer
        (14, "currency"),  # no USD rate
        (16, "company_number"),  # differs from the document's first line
        (18, "number"),  # A-1 again after other documents
        (19, ""),  # one field too many
    }
    reasons = {error.line: error.reason for error in result.errors}
    assert "K-9999" in reasons[3]
    assert "USD" in reasons[14] and "15.03.2025" in reasons[14]
    assert "line 2" in reasons[18]
    assert not Document.objects.exists() and not RevenueMonth.objects.exists()


def test_errors_file_lists_every_bad_row(tmp_path, catalog):
    errors = tmp_path / "errors.csv"
    result = import_file("documents", write(tmp_path, BAD), errors_file=errors)
    text = errors.read_text(encoding="utf-8-sig").splitlines()
    assert len(text) == result.error_count + 1
    assert text[1].startswith("documents.csv;")


def test_cp1252_comma_separated_decimal_comma(tmp_path, catalog):
    text = (
        "Kind,Number,Company Number,Date,Currency,Article,Quantity,Unit Price\n"
        'auftrag,Ä-1,K-1001,01.06.2025,EUR,A-100,"1.000,5","2,50"\n'
    )
    path = write(tmp_path, text, encoding="cp1252")
    assert not import_file("documents", path).ok  # not UTF-8
    result = import_file("documents", path, encoding="cp1252", decimal_comma=True)
    assert result.ok, result.errors
    line = DocumentLine.objects.get()
    assert (line.document.number, line.quantity, line.net_amount) == (
        "Ä-1",
        Decimal("1000.5"),
        Decimal("2501.25"),
    )


def test_header_problems_are_one_clear_error(tmp_path, catalog):
    result = import_file("documents", write(tmp_path, "kind;number;colour\n"))
    assert [e.line for e in result.errors] == [1]
    assert "colour" in result.errors[0].reason
    assert (
        "company_number"
        in import_file("documents", write(tmp_path, "kind;number\norder;1\n")).errors[0].reason
    )


def test_contact_person_must_work_at_the_company(tmp_path, catalog):
    ours = make_person(company=catalog["muller"])
    other = make_person(company=catalog["huber"])
    text = (
        "kind;number;company_number;person;date;currency\n"
        f"order;P-1;K-1001;{ours.pk};2025-01-01;EUR\n"
        f"order;P-2;K-1001;{other.pk};2025-01-01;EUR\n"
    )
    result = import_file("documents", write(tmp_path, text))
    assert [(e.line, e.column) for e in result.errors] == [(3, "person")]


def test_json_lines_as_the_api_takes_them(tmp_path, catalog):
    text = (
        '{"kind": "order", "number": "J-1", "company_number": "K-1001", "date": "2025-01-05",'
        ' "currency": "EUR", "lines": [{"article": "A-100", "quantity": 2, "unit_price": 9.95}]}\n'
        '{"kind": "order", "number": "J-2", "company_number": "K-1001", "date": "2025-01-05",'
        ' "currency": "EUR", "colour": "red"}\n'
    )
    path = write(tmp_path, text, name="documents.jsonl")
    result = import_file("documents", path)
    assert [(e.line, e.column) for e in result.errors] == [(2, "colour")]
    good = write(tmp_path, text.splitlines()[0], name="good.jsonl")
    assert import_file("documents", good).ok
    assert Document.objects.get(number="J-1").total_net == Decimal("19.90")


def test_large_file_in_a_test_sized_run(tmp_path, catalog):
    rows = [HEADER]
    for number in range(20_000):
        for position in (1, 2, 3, 4, 5):
            rows.append(
                f"order;L-{number};K-100{1 + number % 2};2025-{1 + number % 12:02d}-01;"
                f"{'CHF' if number % 10 == 0 else 'EUR'};done;;{position};A-100;1;10;;"
            )
    result = import_file("documents", write(tmp_path, "\n".join(rows) + "\n"))
    assert result.ok and result.rows == 100_000 and result.created == 20_000
    assert DocumentLine.objects.count() == 100_000
    assert stored_aggregate() == computed_aggregate()


def test_command_exit_status_and_output(tmp_path, catalog, capsys):
    call_command("import_business_data", "documents", write(tmp_path, GOOD))
    assert "5 created" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not imported"):
        call_command("import_business_data", "documents", write(tmp_path, BAD, name="b.csv"))
    out = capsys.readouterr().out
    assert "b.csv:3 [company_number]" in out


def test_big_load_rebuilds_the_lines_indexes(tmp_path, catalog, monkeypatch):
    from django.db import connection

    from merkur.business.importer import documents

    def keys() -> set:
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                return set()
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])"
                " UNION SELECT indexrelid::regclass::text FROM pg_index"
                " WHERE indrelid = ANY(%s::regclass[])",
                [["business_documentline", "business_document"]] * 2,
            )
            return {row[0] for row in cursor.fetchall()}

    before = keys()
    monkeypatch.setattr(documents, "BIG_LOAD_LINES", 1)
    result = import_file("documents", write(tmp_path, GOOD))
    assert result.ok, result.errors
    assert keys() == before
    assert DocumentLine.objects.count() == 5
    assert stored_aggregate() == computed_aggregate()


def test_a_file_that_breaks_off_leaves_nothing_for_the_next_import(tmp_path, catalog):
    rows = [HEADER] + [
        f"order;X-{number};K-1001;2025-01-01;EUR;done;;1;A-100;1;1;;" for number in range(25_000)
    ]
    broken = tmp_path / "broken.csv"
    broken.write_bytes(("\n".join(rows) + "\n").encode() + b"order;\xff\xfe;K-1001\n")
    assert not import_file("documents", broken).ok
    good = import_file("documents", write(tmp_path, GOOD))
    assert good.ok and Document.objects.count() == 5
    assert not Document.objects.filter(number__startswith="X-").exists()


def test_the_errors_file_holds_no_formulas(tmp_path, catalog):
    text = f"{HEADER}\norder;=1+1;=HYPERLINK(1);2025-01-01;EUR;done;;1;A-100;1;1;;\n"
    errors = tmp_path / "errors.csv"
    import_file("documents", write(tmp_path, text), errors_file=errors)
    content = errors.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in content and ";=" not in content


def test_numbers_longer_than_their_column_are_refused_not_crashing(tmp_path, catalog):
    text = f"{HEADER}\norder;L-1;{'K' * 51};2025-01-01;EUR;done;{'O' * 51};1;A-100;1;1;;\n"
    result = import_file("documents", write(tmp_path, text))
    assert sorted(e.column for e in result.errors) == ["company_number", "offer_number"]


def test_a_json_document_given_twice_is_refused(tmp_path, catalog):
    item = (
        '{"kind": "order", "number": "J-1", "company_number": "K-1001", "date": "2025-01-05",'
        ' "currency": "EUR", "lines": [{"article": "A-100", "quantity": 1}]}\n'
    )
    result = import_file("documents", write(tmp_path, item * 2, name="twice.jsonl"))
    assert [(e.line, e.column) for e in result.errors] == [(2, "number")]
    assert not Document.objects.exists()
