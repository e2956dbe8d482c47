"""``merkur import-business-data`` for articles, rates, batches, deliveries and instances:
every row through the API's checks, all or nothing per file, errors at the file's line."""

# ruff: noqa: F811

import csv
import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from merkur.business.importer import import_file
from merkur.business.models import (
    Article,
    ArticleInstance,
    Batch,
    Delivery,
    DeliveryLine,
    Document,
    ExchangeRate,
)
from tests.business.test_api_helpers import catalog  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    """The command and the import speak the active language; these tests read English."""
    with translation.override("en"):
        yield


def write(tmp_path, text: str, name: str, encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding, newline="")
    return str(path)


def found(result) -> list[tuple[int, str]]:
    return [(error.line, error.column) for error in result.errors]


def counts(result) -> tuple[int, int, int]:
    return result.created, result.updated, result.unchanged


# --- articles -------------------------------------------------------------------------------

ARTICLES = """number;name;division;category;unit;is_active;tracking
N-1;Neues Paket;Anwendersoftware;Lizenz;Stk;ja;none
N-2;Altes Paket;datenbanksoftware;LIZENZ;;nein;
N-3;Sensor;Datenbanksoftware;Lizenz;m;1;serial
N-4;Kabel;Datenbanksoftware;Lizenz;;0;batch
"""


def test_articles_create_then_unchanged_then_updated(tmp_path, catalog):
    result = import_file("articles", write(tmp_path, ARTICLES, "articles.csv"))
    assert result.ok, result.errors
    assert (result.rows, result.records) == (4, 4)
    assert counts(result) == (4, 0, 0)
    first, second, third, fourth = Article.objects.filter(number__startswith="N-").order_by(
        "number"
    )
    assert (first.name, first.division, first.category) == (
        "Neues Paket",
        catalog["software"],
        catalog["licence"],
    )
    assert (second.division, second.unit, second.tracking) == (catalog["database"], "Stk", "none")
    assert [a.is_active for a in (first, second, third, fourth)] == [True, False, True, False]
    assert (third.unit, third.tracking, fourth.tracking) == ("m", "serial", "batch")

    again = import_file("articles", write(tmp_path, ARTICLES, "articles.csv"))
    assert again.ok and counts(again) == (0, 0, 4)

    renamed = ARTICLES.replace("N-1;Neues Paket", "N-1;Office Paket 2026")
    changed = import_file("articles", write(tmp_path, renamed, "articles.csv"))
    assert changed.ok and counts(changed) == (0, 1, 3)
    assert Article.objects.get(number="N-1").name == "Office Paket 2026"


def test_an_updated_article_gets_a_new_version(tmp_path, catalog):
    import_file("articles", write(tmp_path, ARTICLES, "articles.csv"))
    renamed = ARTICLES.replace("N-1;Neues Paket", "N-1;Office Paket 2026")
    assert import_file("articles", write(tmp_path, renamed, "articles.csv")).updated == 1
    assert Article.objects.get(number="N-1").version == 2


def test_article_errors_name_line_column_and_value(tmp_path, catalog):
    text = """number;name;division;category;is_active;tracking
N-1;Gut;Anwendersoftware;Lizenz;ja;none
N-2;Falsch verfolgt;Anwendersoftware;Lizenz;ja;charge
N-3;Ohne Sparte;Hardware;Lizenz;ja;none
N-4;Vielleicht aktiv;Anwendersoftware;Lizenz;vielleicht;none
N-5;;Anwendersoftware;Lizenz;1;none
"""
    result = import_file("articles", write(tmp_path, text, "articles.csv"))
    assert found(result) == [(3, "tracking"), (4, "division"), (5, "is_active"), (6, "name")]
    tracking, division, active, name = result.errors
    assert tracking.value == "charge" and "serial" in tracking.reason
    assert division.value == "Hardware" and "Hardware" in division.reason
    assert active.value == "vielleicht" and "ja/nein" in active.reason
    assert name.reason == "This field is required."
    assert (result.created, result.updated) == (0, 0)
    assert not Article.objects.filter(number__startswith="N-").exists()


def test_article_header_problems_are_one_error_on_line_1(tmp_path, catalog):
    missing = import_file(
        "articles", write(tmp_path, "number;name;division\nN-1;X;Anwendersoftware\n", "a.csv")
    )
    assert found(missing) == [(1, "")]
    assert missing.errors[0].reason.startswith("Required columns missing: category")
    unknown = import_file(
        "articles",
        write(tmp_path, "number;name;division;category;colour\nN-1;X;A;Lizenz;rot\n", "b.csv"),
    )
    assert found(unknown) == [(1, "")]
    assert unknown.errors[0].reason.startswith("Unknown columns: colour.")
    assert unknown.rows == 0 and not Article.objects.filter(number="N-1").exists()


def test_header_names_in_any_case_and_order(tmp_path, catalog):
    text = "Category,Article Number,Name,Division\nLizenz,N-9,Neu,Anwendersoftware\n"
    text = text.replace("Article Number", "Number")
    result = import_file("articles", write(tmp_path, text, "a.csv"))
    assert result.ok, result.errors
    assert Article.objects.get(number="N-9").category == catalog["licence"]


# --- rates ----------------------------------------------------------------------------------


def test_rates_create_base_currency_bad_values_and_dates(tmp_path, catalog):
    text = """currency;valid_from;rate
USD;31.12.2025;0.9200
GBP;2025-01-01;1.17
EUR;2025-01-01;1
JPY;2025-01-01;0
SEK;2025-01-01;-0.09
NOK;2025-01-01;viel
DKK;31.13.2025;0.13
XXY;2025-01-01;1
"""
    bad = import_file("rates", write(tmp_path, text, "rates.csv"))
    assert found(bad) == [
        (4, "currency"),
        (5, "rate"),
        (6, "rate"),
        (7, "rate"),
        (8, "valid_from"),
        (9, "currency"),
    ]
    reasons = [error.reason for error in bad.errors]
    assert reasons[0] == "EUR is the base currency; its rate is always 1."
    assert reasons[1] == reasons[2] == "The rate must be greater than zero."
    assert bad.errors[3].value == "viel"
    assert reasons[4] == "Not a date (write 31.12.2025 or 2025-12-31)."
    assert bad.errors[4].value == "31.13.2025"
    assert not ExchangeRate.objects.exclude(currency="CHF").exists()

    good = "\n".join(text.splitlines()[:3]) + "\n"
    result = import_file("rates", write(tmp_path, good, "rates.csv"))
    assert result.ok and counts(result) == (2, 0, 0)
    assert ExchangeRate.objects.get(currency="USD").valid_from == D(2025, 12, 31)
    assert ExchangeRate.objects.get(currency="GBP").rate == Decimal("1.17")
    again = import_file("rates", write(tmp_path, good.replace("1.17", "1.18"), "rates.csv"))
    assert counts(again) == (0, 1, 1)


def test_rates_with_decimal_comma(tmp_path, catalog):
    path = write(tmp_path, "currency;valid_from;rate\nUSD;01.01.2026;1,0825\n", "rates.csv")
    without = import_file("rates", path)
    assert found(without) == [(2, "rate")]
    result = import_file("rates", path, decimal_comma=True)
    assert result.ok, result.errors
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("1.0825")


# --- batches --------------------------------------------------------------------------------


@pytest.fixture
def purchase(catalog):
    return Document.objects.create(
        kind="purchase",
        number="B-1",
        company=catalog["supplier"],
        date=D(2025, 1, 10),
        currency="EUR",
    )


def test_batches_by_supplier_number_and_purchase_order(tmp_path, catalog, purchase):
    text = """article;number;supplier_number;received_on;purchase_order_number
HW-1;CH-1;L-9;15.01.2025;B-1
HW-1;CH-2;;;
D-200;CH-1;L-9;2025-02-01;
"""
    result = import_file("batches", write(tmp_path, text, "batches.csv"))
    assert result.ok, result.errors
    assert counts(result) == (3, 0, 0)
    first = Batch.objects.get(article=catalog["device"], number="CH-1")
    assert (first.supplier, first.received_on, first.purchase_order) == (
        catalog["supplier"],
        D(2025, 1, 15),
        purchase,
    )
    assert Batch.objects.get(article=catalog["device"], number="CH-2").supplier is None
    assert Batch.objects.get(article=catalog["db"], number="CH-1").received_on == D(2025, 2, 1)
    assert counts(import_file("batches", write(tmp_path, text, "batches.csv"))) == (0, 0, 3)


def test_batch_errors(tmp_path, catalog, purchase):
    text = """article;number;supplier_number;received_on;purchase_order_number
X-404;CH-1;L-9;;
HW-1;CH-2;L-404;;
HW-1;CH-3;L-9;2025-02-30;
HW-1;CH-4;L-9;;B-404
"""
    result = import_file("batches", write(tmp_path, text, "batches.csv"))
    assert found(result) == [
        (2, "article"),
        (3, "supplier_number"),
        (4, "received_on"),
        (5, "purchase_order_number"),
    ]
    assert [error.value for error in result.errors] == ["X-404", "L-404", "2025-02-30", "B-404"]
    assert "X-404" in result.errors[0].reason and "L-404" in result.errors[1].reason
    assert not Batch.objects.exists()


# --- deliveries -----------------------------------------------------------------------------

DELIVERY_HEADER = "number;company_number;order_number;date;position;article;quantity;batch;serials"


@pytest.fixture
def batches(catalog):
    Batch.objects.create(article=catalog["device"], number="CH-1")
    Batch.objects.create(article=catalog["db"], number="DB-1")


def test_delivery_rows_become_one_delivery_with_instances_at_the_customer(
    tmp_path, catalog, batches
):
    text = f"""{DELIVERY_HEADER}
L-1;K-1001;;01.05.2025;;HW-1;2;CH-1;SN-1 SN-2
L-1;K-1001;;01.05.2025;;HW-1;2;;SN-3,SN-4
L-1;K-1001;;01.05.2025;;HW-1;2;;SN-5|SN-6
L-1;K-1001;;01.05.2025;;D-200;1;DB-1;
L-2;K-1002;;2025-05-02;;A-100;5;;
"""
    result = import_file("deliveries", write(tmp_path, text, "deliveries.csv"))
    assert result.ok, result.errors
    assert (result.rows, result.records) == (5, 2) and counts(result) == (2, 0, 0)
    delivery = Delivery.objects.get(number="L-1")
    assert (delivery.company, delivery.date) == (catalog["muller"], D(2025, 5, 1))
    assert list(delivery.lines.order_by("position").values_list("position", "article__number")) == [
        (1, "HW-1"),
        (2, "HW-1"),
        (3, "HW-1"),
        (4, "D-200"),
    ]
    instances = ArticleInstance.objects.order_by("serial_number")
    assert [i.serial_number for i in instances] == [f"SN-{n}" for n in range(1, 7)]
    assert {i.customer for i in instances} == {catalog["muller"]}
    assert [i.delivery_line.position for i in instances] == [1, 1, 2, 2, 3, 3]
    assert instances[0].batch.number == "CH-1"

    again = import_file("deliveries", write(tmp_path, text, "deliveries.csv"))
    assert again.ok and counts(again) == (0, 0, 2)
    assert DeliveryLine.objects.count() == 5 and ArticleInstance.objects.count() == 6


def test_a_row_differing_from_the_first_line_of_its_delivery(tmp_path, catalog, batches):
    text = f"""{DELIVERY_HEADER}
L-1;K-1001;;01.05.2025;;HW-1;1;;SN-1
L-1;K-1001;;01.05.2025;;HW-1;1;;SN-2
L-1;K-1002;;01.05.2025;;HW-1;1;;SN-3
L-1;K-1001;;02.05.2025;;HW-1;1;;SN-4
"""
    result = import_file("deliveries", write(tmp_path, text, "deliveries.csv"))
    assert found(result) == [(4, "company_number"), (5, "date")]
    assert result.errors[0].value == "K-1002"
    assert "line 2" in result.errors[0].reason and "L-1" in result.errors[0].reason
    assert not Delivery.objects.exists() and not ArticleInstance.objects.exists()


def test_an_error_in_the_third_line_of_a_delivery_names_its_row(tmp_path, catalog, batches):
    text = f"""{DELIVERY_HEADER}
L-1;K-1001;;01.05.2025;;HW-1;1;CH-1;SN-1
L-1;K-1001;;01.05.2025;;A-100;1;;
L-1;K-1001;;01.05.2025;;HW-1;1;CH-9;SN-2
L-1;K-1001;;01.05.2025;;X-404;1;;
L-1;K-1001;;01.05.2025;;HW-1;2;;SN-3 SN-3
"""
    result = import_file("deliveries", write(tmp_path, text, "deliveries.csv"))
    assert found(result) == [(4, "batch"), (5, "article"), (6, "serials")]
    assert [error.value for error in result.errors] == ["CH-9", "X-404", "SN-3 SN-3"]
    assert result.errors[0].reason == "Article HW-1 has no batch “CH-9”."
    assert not Delivery.objects.exists()


def test_a_delivery_whose_rows_are_apart_is_refused(tmp_path, catalog):
    text = f"""{DELIVERY_HEADER}
L-1;K-1001;;01.05.2025;;A-100;1;;
L-2;K-1001;;01.05.2025;;A-100;1;;
L-1;K-1001;;01.05.2025;;D-200;1;;
"""
    result = import_file("deliveries", write(tmp_path, text, "deliveries.csv"))
    assert found(result) == [(4, "number")]
    assert "line 2" in result.errors[0].reason
    assert not Delivery.objects.exists()


def test_a_delivery_for_an_unknown_customer_and_order(tmp_path, catalog):
    text = f"""{DELIVERY_HEADER}
L-1;K-404;A-404;01.05.2025;;A-100;1;;
L-2;;;01.05.2025;;A-100;1;;
"""
    result = import_file("deliveries", write(tmp_path, text, "deliveries.csv"))
    assert found(result) == [(2, "company_number"), (2, "order_number"), (3, "company_number")]
    assert [error.value for error in result.errors] == ["K-404", "A-404", ""]


# --- instances ------------------------------------------------------------------------------


def test_instances_with_batch_and_customer_serial_unique_per_article(tmp_path, catalog, batches):
    text = """article;serial_number;batch;produced_on;production_run;customer_number
HW-1;SN-1;CH-1;01.02.2025;R-7;K-1001
HW-1;SN-2;;;;
D-200;SN-1;DB-1;;;K-1002
"""
    result = import_file("instances", write(tmp_path, text, "instances.csv"))
    assert result.ok, result.errors
    assert counts(result) == (3, 0, 0)
    first = ArticleInstance.objects.get(article=catalog["device"], serial_number="SN-1")
    assert (first.batch.number, first.produced_on, first.production_run, first.customer) == (
        "CH-1",
        D(2025, 2, 1),
        "R-7",
        catalog["muller"],
    )
    assert ArticleInstance.objects.get(article=catalog["db"]).customer == catalog["huber"]

    moved = text.replace("HW-1;SN-1;CH-1;01.02.2025;R-7;K-1001", "HW-1;SN-1;CH-1;;R-7;K-1002")
    again = import_file("instances", write(tmp_path, moved, "instances.csv"))
    assert again.ok and counts(again) == (0, 1, 2)
    assert ArticleInstance.objects.count() == 3
    first.refresh_from_db()
    assert (first.customer, first.produced_on) == (catalog["huber"], None)


def test_instance_errors(tmp_path, catalog, batches):
    text = """article;serial_number;batch;produced_on;customer_number
HW-1;SN-1;DB-1;;
HW-1;;;;
HW-1;SN-3;;gestern;
HW-1;SN-4;;;K-404
"""
    result = import_file("instances", write(tmp_path, text, "instances.csv"))
    assert found(result) == [
        (2, "batch"),
        (3, "serial_number"),
        (4, "produced_on"),
        (5, "customer_number"),
    ]
    assert not ArticleInstance.objects.exists()


# --- all or nothing, dry run ----------------------------------------------------------------


def test_one_bad_row_among_good_ones_writes_nothing(tmp_path, catalog):
    good = "\n".join(f"N-{n};Artikel {n};Anwendersoftware;Lizenz" for n in range(1, 6))
    text = f"number;name;division;category\n{good}\nN-6;Schlecht;Nirgendwo;Lizenz\n"
    result = import_file("articles", write(tmp_path, text, "articles.csv"))
    assert found(result) == [(7, "division")]
    assert (result.rows, result.created, result.updated) == (6, 0, 0)
    assert not Article.objects.filter(number__startswith="N-").exists()


def test_dry_run_counts_and_writes_nothing(tmp_path, catalog):
    text = (
        "number;name;division;category\n"
        "A-100;Office Paket;Anwendersoftware;Lizenz\n"
        "D-200;Datenbank Server 2;Datenbanksoftware;Lizenz\n"
        "N-1;Neu;Anwendersoftware;Lizenz\n"
    )
    result = import_file("articles", write(tmp_path, text, "a.csv"), dry_run=True)
    assert result.ok and result.dry_run
    assert counts(result) == (1, 1, 1)
    assert "1 would be created, 1 updated, 1 unchanged" in result.summary()
    assert not Article.objects.filter(number="N-1").exists()
    assert Article.objects.get(number="D-200").name == "Datenbank Server"


def test_every_bad_row_has_line_column_value_and_reason(tmp_path, catalog):
    text = "currency;valid_from;rate\nUSD;gestern;1\nGBP;2025-01-01;0\nUSD;2025-01-01;1.1\n"
    result = import_file("rates", write(tmp_path, text, "rates.csv"))
    assert [error.as_dict() for error in result.errors] == [
        {
            "line": 2,
            "column": "valid_from",
            "value": "gestern",
            "reason": "Not a date (write 31.12.2025 or 2025-12-31).",
        },
        {
            "line": 3,
            "column": "rate",
            "value": "0",
            "reason": "The rate must be greater than zero.",
        },
    ]
    assert result.error_count == 2 and not ExchangeRate.objects.filter(currency="USD").exists()


# --- files ----------------------------------------------------------------------------------


def test_cp1252_with_umlauts(tmp_path, catalog):
    text = "number;name;division;category\nN-Ä;Größenmessgerät;Anwendersoftware;Lizenz\n"
    path = write(tmp_path, text, "a.csv", encoding="cp1252")
    result = import_file("articles", path, encoding="cp1252")
    assert result.ok, result.errors
    assert Article.objects.get(number="N-Ä").name == "Größenmessgerät"


def test_wrong_encoding_is_one_clear_error_and_nothing_is_written(tmp_path, catalog):
    good = "".join(f"N-{n};Artikel {n};Anwendersoftware;Lizenz\n" for n in range(1, 4))
    text = f"number;name;division;category\n{good}N-Ä;Größe;Anwendersoftware;Lizenz\n"
    result = import_file("articles", write(tmp_path, text, "a.csv", encoding="cp1252"))
    assert result.error_count == 1
    assert found(result) == [(5, "")]
    byte = len(text.split("Ä")[0])
    assert result.errors[0].reason == (
        f"The file is not in utf-8-sig (byte {byte}); give its encoding, "
        "e.g. cp1252 for Excel’s “CSV (Trennzeichen-getrennt)”."
    )
    assert not Article.objects.filter(number__startswith="N-").exists()


def test_a_wrong_encoding_far_into_the_file_names_its_line_and_byte(tmp_path, catalog):
    long_name = "Artikel " + "x" * 190  # 300 rows: more than one block the reader decodes
    good = "".join(f"N-{n};{long_name};Anwendersoftware;Lizenz\n" for n in range(1, 301))
    text = f"number;name;division;category\n{good}N-Ä;Größe;Anwendersoftware;Lizenz\n"
    result = import_file("articles", write(tmp_path, text, "a.csv", encoding="cp1252"))
    assert found(result) == [(302, "")]
    assert f"(byte {len(text.split('Ä')[0])})" in result.errors[0].reason
    assert not Article.objects.filter(number__startswith="N-").exists()
    jsonl = write(tmp_path, '{"currency": "USD"}\n{"currency": "Ä"}\n', "r.jsonl", "cp1252")
    assert found(import_file("rates", jsonl)) == [(2, "")]


def test_utf8_bom_and_tabs(tmp_path, catalog):
    text = "\ufeffnumber\tname\tdivision\tcategory\nN-1\tEins; zwei\tAnwendersoftware\tLizenz\n"
    path = write(tmp_path, text, "a.tsv")
    result = import_file("articles", path)
    assert result.ok, result.errors
    assert Article.objects.get(number="N-1").name == "Eins; zwei"
    assert import_file("articles", path, encoding="utf-8").ok  # the BOM is not a column's name


def test_a_line_break_in_quotes_keeps_the_physical_line_numbers(tmp_path, catalog):
    text = (
        "number;name;division;category\n"
        'N-1;"Zwei\nZeilen\nlang";Anwendersoftware;Lizenz\n'
        "N-2;Bad;Nirgendwo;Lizenz\n"
        "N-3;Zu viel;Anwendersoftware;Lizenz;extra\n"
        "\n"
        '"N-4";"Quer\nBeet";Anderswo;Lizenz\n'
    )
    result = import_file("articles", write(tmp_path, text, "a.csv"))
    assert found(result) == [(5, "division"), (6, ""), (8, "division")]
    assert result.errors[1].reason == "The row has 5 fields; the header has 4."
    assert result.errors[1].value == "N-3;Zu viel;Anwendersoftware;Lizenz;extra"
    assert result.rows == 4


def test_an_unclosed_quote_is_reported_where_its_row_starts(tmp_path, catalog):
    text = (
        "number;name;division;category\n"
        "N-1;Gut;Anwendersoftware;Lizenz\n"
        'N-2;"offen;Anwendersoftware;Lizenz\n'
        "N-3;Gut;Anwendersoftware;Lizenz\n"
    )
    result = import_file("articles", write(tmp_path, text, "a.csv"))
    assert found(result) == [(3, "")]
    assert result.errors[0].reason == "The row has 2 fields; the header has 4."
    assert not Article.objects.filter(number__startswith="N-").exists()


def test_an_empty_file(tmp_path, catalog):
    for text in ("", "\n\n"):
        result = import_file("rates", write(tmp_path, text, "rates.csv"))
        assert found(result) == [(1, "")]
        assert result.errors[0].reason == "The file is empty or has no header row."
    header_only = import_file("rates", write(tmp_path, "currency;valid_from;rate\n", "r.csv"))
    assert header_only.ok and (header_only.rows, header_only.created) == (0, 0)


# --- JSON -----------------------------------------------------------------------------------


def test_json_array_of_articles(tmp_path, catalog):
    items = [
        {"number": "N-1", "name": "Eins", "division": "Anwendersoftware", "category": "Lizenz"},
        {"number": "N-2", "name": "Zwei", "division": "Nirgendwo", "category": "Lizenz"},
        {
            "number": "N-3",
            "name": "Drei",
            "division": "Anwendersoftware",
            "category": "Lizenz",
            "is_active": False,
            "colour": "red",
        },
    ]
    path = write(tmp_path, json.dumps(items, indent=2), "articles.json")
    result = import_file("articles", path)
    assert found(result) == [(2, "division"), (3, "colour")]
    assert not Article.objects.filter(number__startswith="N-").exists()
    del items[2]["colour"]
    items[1]["division"] = catalog["database"].pk
    result = import_file("articles", write(tmp_path, json.dumps(items), "articles.json"))
    assert result.ok and counts(result) == (3, 0, 0)
    assert Article.objects.get(number="N-2").division == catalog["database"]
    assert Article.objects.get(number="N-3").is_active is False


def test_json_lines_of_rates(tmp_path, catalog):
    text = (
        '{"currency": "USD", "valid_from": "2025-01-01", "rate": 0.92}\n'
        "\n"
        '{"currency": "GBP", "valid_from": "2025-01-01", "rate": 1.1734567891}\n'
        '{"currency": "JPY", "valid_from": "2025-01-01", "rate": -1}\n'
        '{"currency": "SEK", "valid_from": "2025-01-01", "rate": 0.09\n'
    )
    result = import_file("rates", write(tmp_path, text, "rates.jsonl"))
    assert found(result) == [(4, "rate"), (5, "")]
    assert result.errors[1].reason.startswith("Not valid JSON:")
    good = "".join(text.splitlines(keepends=True)[:3])
    result = import_file("rates", write(tmp_path, good, "rates.jsonl"))
    assert result.ok and counts(result) == (2, 0, 0)
    assert ExchangeRate.objects.get(currency="GBP").rate == Decimal("1.1734567891")


def test_json_items_that_are_not_objects(tmp_path, catalog):
    path = write(
        tmp_path, '[{"currency": "USD", "valid_from": "2025-01-01", "rate": 1}, 7]', "r.json"
    )
    result = import_file("rates", path)
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (2, "", "Expected a JSON object.")
    ]
    assert not ExchangeRate.objects.filter(currency="USD").exists()


def test_invalid_json_syntax(tmp_path, catalog):
    text = '[\n  {"currency": "USD", "valid_from": "2025-01-01", "rate": 1},\n  {"currency":\n'
    result = import_file("rates", write(tmp_path, text, "rates.json"))
    assert found(result) == [(4, "")]
    assert result.errors[0].reason.startswith("Not valid JSON:")
    not_array = import_file("rates", write(tmp_path, '{"currency": "USD"}', "r.json"))
    assert [e.reason for e in not_array.errors] == ["The file must hold a JSON array of records."]
    assert not ExchangeRate.objects.filter(currency="USD").exists()


def test_json_delivery_errors_keep_the_line_in_the_path(tmp_path, catalog, batches):
    delivery = {
        "number": "L-1",
        "company_number": "K-1001",
        "date": "2025-05-01",
        "lines": [
            {"article": "HW-1", "quantity": 1, "serials": ["SN-1"]},
            {"article": "HW-1", "quantity": 1, "batch": "CH-9"},
        ],
    }
    result = import_file("deliveries", write(tmp_path, json.dumps(delivery) + "\n", "d.jsonl"))
    assert found(result) == [(1, "lines.2.batch")]


# --- the command ----------------------------------------------------------------------------


def test_command_prints_file_line_and_column_and_fails(tmp_path, catalog, capsys):
    text = "currency;valid_from;rate\nUSD;2025-01-01;1\nGBP;2025-01-01;nix\n"
    path = write(tmp_path, text, "rates.csv")
    with pytest.raises(CommandError, match=r"not imported \(bad rows\): .*rates\.csv"):
        call_command("import_business_data", "rates", path)
    out = capsys.readouterr().out
    assert "rates.csv: 1 errors in 2 rows; nothing was imported." in out
    assert "  rates.csv:3 [rate] „nix“: " in out
    assert not ExchangeRate.objects.filter(currency="USD").exists()


def test_command_several_files_dry_run_and_errors_file(tmp_path, catalog, capsys):
    good = write(tmp_path, "currency;valid_from;rate\nUSD;2025-01-01;1\n", "good.csv")
    bad = write(tmp_path, "currency;valid_from;rate\nGBP;gestern;1\nSEK;2025-01-01;0\n", "bad.csv")
    errors = tmp_path / "errors.csv"
    with pytest.raises(CommandError) as raised:
        call_command("import_business_data", "rates", good, bad, "--errors", str(errors))
    assert "bad.csv" in str(raised.value) and "good.csv" not in str(raised.value)
    out = capsys.readouterr().out
    assert "good.csv: 1 rows imported: 1 created" in out
    assert "bad.csv:2 [valid_from]" in out and "bad.csv:3 [rate]" in out
    assert ExchangeRate.objects.filter(currency="USD").exists()
    with open(f"{errors}.2", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows == [
        ["file", "line", "column", "value", "reason"],
        ["bad.csv", "2", "valid_from", "gestern", "Not a date (write 31.12.2025 or 2025-12-31)."],
        ["bad.csv", "3", "rate", "0", "The rate must be greater than zero."],
    ]
    with open(f"{errors}.1", encoding="utf-8-sig") as handle:
        assert handle.read().splitlines() == ["file;line;column;value;reason"]

    dry = write(tmp_path, "currency;valid_from;rate\nUSD;2025-01-01;2\nNOK;2025-01-01;1\n", "d.csv")
    call_command("import_business_data", "rates", dry, "--dry-run", "--errors", str(errors))
    assert "2 rows checked (dry run): 1 would be created, 1 updated" in capsys.readouterr().out
    assert ExchangeRate.objects.get(currency="USD").rate == 1
    assert not ExchangeRate.objects.filter(currency="NOK").exists()
    assert errors.read_text(encoding="utf-8-sig").splitlines() == ["file;line;column;value;reason"]


def test_command_options_and_a_missing_file(tmp_path, catalog, capsys):
    path = write(tmp_path, "currency|valid_from|rate\r\nUSD|01.01.2026|1,0825\r\n", "r.txt")
    call_command("import_business_data", "rates", path, "--delimiter", "|", "--decimal-comma")
    assert ExchangeRate.objects.get(currency="USD").rate == Decimal("1.0825")
    with pytest.raises(CommandError, match=r"nope\.csv"):
        call_command("import_business_data", "rates", str(tmp_path / "nope.csv"))


def test_the_same_record_twice_in_one_file_is_refused(tmp_path, catalog):
    text = ARTICLES + "N-1;Noch einmal;Anwendersoftware;Lizenz;Stk;ja;none\n"
    result = import_file("articles", write(tmp_path, text, "twice.csv"))
    assert found(result) == [(6, "number")]
    assert "line 2" in result.errors[0].reason
    assert not Article.objects.filter(number="N-1").exists()


def test_division_and_category_by_id(tmp_path, catalog):
    text = (
        "number;name;division;category\n"
        f"N-9;Per Id;{catalog['software'].pk};{catalog['licence'].pk}\n"
    )
    result = import_file("articles", write(tmp_path, text, "ids.csv"))
    assert result.ok, result.errors
    assert Article.objects.get(number="N-9").division == catalog["software"]
