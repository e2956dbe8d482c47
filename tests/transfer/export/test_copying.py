"""CSV written by PostgreSQL's COPY (``copying``) is the Python writer's file byte for byte.

Every column with an SQL form and every option combination the fast path accepts is
exported through both paths, with values that trip up CSV writers: separators, quotes,
line breaks (CRLF, LF, a lone CR), formula-like text, umlauts and emoji, empty and
missing values, lists of none, one, two and more entries, date-times at the changes
of daylight saving time, dates, decimals, attributes as of two days. Whatever the fast
path does not accept falls back to the Python writer, with a reason.
"""

import datetime
import io
import itertools
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.test import override_settings

from merkur.addresses.models import Address
from merkur.attributes.models import AttributeChoice, AttributeValue
from merkur.companies import services
from merkur.companies.models import (
    Company,
    CompanyClass,
    Function,
    Industry,
    LegalForm,
    Person,
    PersonCode,
    SalesRep,
)
from merkur.companies.models.company import ALL_ROLES_MASK
from merkur.selections.runs import freeze
from merkur.transfer.export import catalog, copying, runner
from merkur.transfer.export.writers.delimited import CsvWriter
from tests.factories import make_attribute, make_company, make_person
from tests.transfer.export.conftest import DAY

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="COPY is PostgreSQL's; on SQLite every export takes the Python writer",
)

COMPANY_KEYS = [key for key in copying.STATIC if not catalog.STATIC[key].person]
PEOPLE_KEYS = list(copying.STATIC)
COMPANY_ATTRIBUTES = [
    "company.attr.lizenzen", "company.attr.lizenzen@2023-06-30", "company.attr.farbe",
    "company.attr.budget", "company.attr.motto", "company.attr.gruendung",
    "company.attr.ziel", "company.attr.aktiv", "company.attr.stufe", "company.attr.tags",
    "company.attr.zahlen",
]  # fmt: skip
PEOPLE_ATTRIBUTES = ["person.attr.newsletter", "company.attr.lizenzen", "company.attr.ziel"]
UTC = datetime.UTC


def _at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def awkward(world, admin_user):
    """The world of ``conftest`` with values that are hard to write as CSV."""
    mueller, wien = world["mueller"], world["wien"]
    erika, hans = world["erika"], world["hans"]
    # Master data in an order of their own (sort_order), names with separators …
    kinds = [
        Industry.objects.create(name='Handel; Vertrieb "Süd"', sort_order=1),
        Industry.objects.create(name="=Formel", sort_order=0),
        Industry.objects.create(name="Zeile\nzwei", sort_order=3),
        Industry.objects.create(name="", sort_order=2),
    ]
    mueller.industries.add(*kinds)  # six in all
    wien.industries.add(kinds[0])  # two
    legal = LegalForm.objects.create(name="GmbH & Co. KG")
    klass = CompanyClass.objects.create(name="-A-Kunde")
    rep = SalesRep.objects.create(name="Rep; 1", email="", phone="+49 1")
    Company.objects.filter(pk=mueller.pk).update(
        name='=HYPERLINK("http://x";"y")', name2="Zeile 1\nZeile 2", number="-100",
        phone="+49 681 1", email="@mueller", website="\\.", vat_id=" ",
        notes="CRLF\r\nund CR\rallein", employees=0, roles=ALL_ROLES_MASK, legal_form=legal,
        company_class=klass, sales_rep=rep,
        created_at=_at(2024, 3, 31, 0, 59, 59, 999999), updated_at=_at(2024, 3, 31, 1),
    )  # fmt: skip
    Company.objects.filter(pk=wien.pk).update(
        name='Wiener "Werkstätten"; AG', name2="", notes="\tTab vorn", employees=None, roles=0,
        created_at=_at(2024, 10, 27, 0, 30), updated_at=_at(2024, 10, 27, 1, 30),
    )  # fmt: skip
    third = make_company(
        name="Dritte", number="K-300",
        address={"street": "Bahnhofstr. 1", "street2": "c/o ő ł", "po_box": "Postfach 9",
                 "postal_code": "8001", "city": "Zürich", "region": "ZH", "country": "CH"},
    )  # fmt: skip
    Company.objects.filter(pk=third.pk).update(
        name="\rCR vorn", name2="ő ł 😀 € ß", notes="@", archived_at=_at(2025, 1, 1),
        created_at=_at(1999, 12, 31, 23, 0), sales_rep=rep,
    )  # fmt: skip
    third.industries.add(kinds[2])  # one
    for kind in ("billing", "delivery"):
        services.company_address_add(
            company=third,
            kind=kind,
            address={"street": f'{kind};"x"', "postal_code": "66111", "city": "-Ort"},
            by=admin_user,
        )
    blank = make_company(name="Leer", number="K-400")
    Address.objects.filter(pk=blank.contact_link().address_id).update(
        country="", street="", city="", postal_code=""
    )
    nobody = SalesRep.objects.create(name="NULL", email="{a,b}", phone='"')  # array literals
    Company.objects.filter(pk=blank.pk).update(sales_rep=nobody)
    # People: formula-like, empty, several functions in the master table's order.
    boss = Function.objects.get(name="Geschäftsführer")
    chief = Function.objects.create(name="+Chef", sort_order=5)
    erika.functions.add(boss, chief)
    erika.person_codes.add(PersonCode.objects.create(name="VIP; A"))
    Person.objects.filter(pk=erika.pk).update(
        first_name="", last_name='O"Neill; Jr.', department="=SUM(A1)", language="fr",
        email="-", phone="\t1", notes="a\nb", marketing_consent_at=_at(2024, 3, 31, 1, 0, 1),
        marketing_opt_out_at=_at(2024, 10, 27, 1, 59, 59),
    )  # fmt: skip
    Person.objects.filter(pk=hans.pk).update(language="it", letter_salutation="@Hans")
    unal = make_person(third, first_name="Ünal", last_name="Çelik")
    Person.objects.filter(pk=unal.pk).update(email="")
    # Attributes of every type that has an SQL form, as of two days.
    definitions = {
        "motto": make_attribute("motto", "text"),
        "gruendung": make_attribute("gruendung", "date"),
        "ziel": make_attribute("ziel", "decimal", for_people=True),
        "aktiv": make_attribute("aktiv", "boolean"),
        "stufe": make_attribute("stufe", "choice", choices=["=A", "B;C"]),
        "tags": make_attribute("tags", "text", multi_valued=True),
        "zahlen": make_attribute("zahlen", "decimal", multi_valued=True),
    }
    choice = AttributeChoice.objects.get(definition=definitions["stufe"], label="=A")
    start = datetime.date(2020, 1, 1)

    def value(code, record, **typed):
        definition = definitions[code]
        AttributeValue.objects.create(
            definition=definition, company=record, valid_from=typed.pop("valid_from", start),
            exclusive=not definition.multi_valued, **typed,
        )  # fmt: skip

    value("motto", mueller, value_text="-minus\nzwei")
    value("motto", wien, value_text="")
    value("motto", third, value_text='"quoted"')
    value("gruendung", mueller, value_date=datetime.date(1999, 12, 31))
    value("gruendung", wien, value_date=datetime.date(2024, 2, 29))
    value("ziel", mueller, value_decimal=Decimal("0.000001"))
    value("ziel", wien, value_decimal=Decimal("-12"))
    value("ziel", third, value_decimal=Decimal("12345678901234.5"))
    value("ziel", blank, value_decimal=Decimal("100"))
    value("aktiv", mueller, value_boolean=False)
    value("aktiv", wien, value_boolean=True)
    value("stufe", mueller, value_choice=choice)
    value("tags", mueller, value_text="=y")
    value("tags", mueller, value_text="")
    value("tags", mueller, value_text="x;z", valid_from=datetime.date(2019, 1, 1))
    value("zahlen", wien, value_decimal=Decimal("1.5"))
    value("zahlen", wien, value_decimal=Decimal("-0.25"))
    newsletter = world["erika"].attribute_values.get().definition
    AttributeValue.objects.create(definition=newsletter, person=hans, valid_from=start,
                                  value_boolean=False)  # fmt: skip
    return {**world, "third": third, "blank": blank}


def produce(user, *, copy: bool, source="companies", params=None, **options):
    """The streamed file and the export (``copied`` tells which path wrote it)."""
    with override_settings(MERKUR_EXPORT_COPY=copy):
        export = runner.prepare(source=source, params=params or {}, options=options, user=user)
        data = b"".join(export.primed())
    return data, export


def both(user, **arguments) -> tuple[bytes, bytes, runner.Export]:
    copied, export = produce(user, copy=True, **arguments)
    written, python = produce(user, copy=False, **arguments)
    assert python.copied is False
    return copied, written, export


def combinations():
    """Every body option the fast path accepts; headings, encoding and list separator
    taken in turn (English with ISO values: English dates have a.m./p.m.)."""
    body = itertools.product(
        (";", ",", "tab", "|"), ("minimal", "all"), ("crlf", "lf"), ("locale", "iso"),
        (True, False),
    )  # fmt: skip
    for number, (separator, quoting, line_ending, values, protect) in enumerate(body):
        headers = ("de", "keys", "none", "en") if values == "iso" else ("de", "keys", "none")
        yield {
            "separator": separator,
            "quoting": quoting,
            "line_ending": line_ending,
            "value_format": values,
            "formula_protection": protect,
            "header": headers[number % len(headers)],
            "encoding": ("utf-8-sig", "utf-8")[number % 2],
            "list_separator": (", ", ";", " | ")[number % 3],
        }
    for separator in (" ", "x", "\\"):  # any other one-byte character
        yield {"separator": separator, "quoting": "minimal", "line_ending": "lf"}


def assert_identical(user, combos, **arguments):
    wrong = []
    for options in combos:
        copied, written, export = both(user, **arguments, **options)
        assert export.copied, (options, copying.refusal(export))
        if copied != written:
            wrong.append((options, copied, written))
    assert not wrong, _first_difference(*wrong[0])


def _first_difference(options, copied, written) -> str:
    for number, (a, b) in enumerate(zip(copied.split(b"\n"), written.split(b"\n"), strict=False)):
        if a != b:
            return f"{options}: line {number}:\nCOPY   {a!r}\nPython {b!r}"
    return f"{options}: lengths {len(copied)} and {len(written)}"


@on_postgresql
def test_companies_are_byte_identical_in_every_accepted_combination(awkward, admin_user):
    columns = COMPANY_KEYS + COMPANY_ATTRIBUTES
    assert_identical(
        admin_user, combinations(), columns=columns, as_of=DAY.isoformat(),
        params={"archived": "yes"}, sort="number",
    )  # fmt: skip
    # The data holds what it should: all rows, each kind of awkward value.
    data, export = produce(admin_user, copy=True, columns=columns, as_of=DAY.isoformat(),
                           params={"archived": "yes"}, sort="number")  # fmt: skip
    assert export.copied and export.done == 4 and export.summary()["rows"] == 4
    text = data.decode("utf-8-sig")
    for expected in (
        "'=HYPERLINK(\"\"http://x\"\";\"\"y\"\")", "'-100", "'=Formel, Datenbanksoftware",
        "\"Zeile 1\nZeile 2\"", "\"CRLF\r\nund CR\rallein\"", "'\tTab vorn", "\"'\rCR vorn\"",
        "ő ł 😀 € ß", "31.03.2024 01:59", "31.03.2024 03:00", "27.10.2024 02:30", "0,000001",
        "12345678901234,5", "29.02.2024", "nein", "'=A", "x;z, =y",
    ):  # fmt: skip
        assert expected in text, expected


@on_postgresql
def test_people_are_byte_identical_in_every_accepted_combination(awkward, admin_user):
    assert_identical(
        admin_user, combinations(), source="people", columns=PEOPLE_KEYS + PEOPLE_ATTRIBUTES,
        as_of=DAY.isoformat(), sort="id",
    )  # fmt: skip


@on_postgresql
def test_sorts_sources_and_addresses_are_byte_identical(awkward, admin_user):
    combos = [{}, {"quoting": "all", "line_ending": "lf", "value_format": "iso"}]
    for sort in ("name", "number", "id"):
        assert_identical(admin_user, combos, sort=sort)  # the list's default columns
    for address in ("billing", "delivery"):
        assert_identical(admin_user, combos, columns=COMPANY_KEYS, address=address)
    run = freeze(
        {"version": 1, "target": "people",
         "where": {"criterion": "address.country", "op": "in", "value": ["DE", "AT", "CH"]}},
        by=admin_user,
    )  # fmt: skip
    assert_identical(
        admin_user, combos, source="run", params={"run": run.pk},
        columns=PEOPLE_KEYS + PEOPLE_ATTRIBUTES, skip_opted_out=False,
    )  # fmt: skip


@on_postgresql
def test_a_saved_file_is_copied_too_with_progress(awkward, admin_user, tmp_path):
    params = {"archived": "yes"}
    export = runner.prepare(
        source="companies", params=params, options={"columns": COMPANY_KEYS}, user=admin_user
    )
    seen = []
    summary = export.save(tmp_path / "a.csv", progress=seen.append)
    assert export.copied and summary["rows"] == 4 and seen[-1] == 4
    written, _ = produce(admin_user, copy=False, columns=COMPANY_KEYS, params=params)
    assert (tmp_path / "a.csv").read_bytes() == written


@on_postgresql
def test_an_abandoned_download_leaves_the_connection_usable(awkward, admin_user, monkeypatch):
    monkeypatch.setattr(copying, "CHUNK_BYTES", 1)  # a piece per record
    export = runner.prepare(source="companies", params={}, options={}, user=admin_user)
    pieces = export.stream()
    next(pieces), next(pieces)  # the heading and the first record
    pieces.close()
    assert Company.objects.count() == 4
    _data, export = produce(admin_user, copy=True)
    assert export.copied and export.done == 3


@on_postgresql
def test_an_error_in_the_middle_of_the_copy_is_raised_and_rolled_back(
    awkward, admin_user, monkeypatch
):
    second = awkward["wien"].pk
    # company.name of the second row divides by zero: the first rows are sent already
    monkeypatch.setitem(
        copying.STATIC, "company.name", lambda texts: copying.sql("(1 / ({} - {}))::text",
                                                                  texts.field("company", "id"),
                                                                  second),
    )  # fmt: skip
    monkeypatch.setattr(copying, "CHUNK_BYTES", 1)
    export = runner.prepare(source="companies", params={}, options={"sort": "number"},
                            user=admin_user)  # fmt: skip
    pieces = export.stream()
    assert next(pieces).startswith(b"\xef\xbb\xbfKundennummer")
    with pytest.raises(psycopg.errors.DivisionByZero):
        list(pieces)
    assert export.copied and export.done == 1
    assert Company.objects.count() == 4  # the connection goes on


UNSUPPORTED = [
    ({"encoding": "windows-1252", "on_unencodable": "replace"}, "the encoding windows-1252"),
    ({"columns": ["company.name"]}, "a single column"),
    ({"columns": ["company.name", "address.block"]}, "the column address.block"),
    ({"columns": ["company.name", "company.revenue"]}, "the column company.revenue"),
    ({"separator": "§"}, "a separator of more than one byte"),
    ({"header": "en", "columns": ["company.name", "company.created_at"]}, "the date format"),
    ({"format": "json"}, "the format json"),
]


@on_postgresql
@pytest.mark.parametrize(("options", "reason"), UNSUPPORTED)
def test_what_copy_cannot_write_alike_falls_back_to_python(awkward, admin_user, options, reason):
    copied, written, export = both(admin_user, **options)
    assert export.copied is False
    assert reason in copying.refusal(export)
    assert copied == written and copied


@on_postgresql
def test_link_attributes_and_grouped_decimals_fall_back(awkward, admin_user):
    make_attribute("partner", "link", link_kind="company")
    columns = ["company.name", "company.attr.partner"]
    copied, written, export = both(admin_user, columns=columns)
    assert not export.copied and "links to records" in copying.refusal(export)
    columns = ["company.name", "company.attr.ziel"]
    with override_settings(USE_THOUSAND_SEPARATOR=True):
        copied, written, export = both(admin_user, columns=columns)
        assert not export.copied and "grouped thousands" in copying.refusal(export)
        copied, written, export = both(admin_user, columns=columns, value_format="iso")
        assert export.copied and copied == written


@on_postgresql
def test_english_values_without_date_times_are_copied(awkward, admin_user):
    columns = [key for key in COMPANY_KEYS if catalog.STATIC[key].type != catalog.DATETIME]
    assert_identical(admin_user, [{"header": "en"}, {"header": "en", "quoting": "all"}],
                     columns=columns + COMPANY_ATTRIBUTES, as_of=DAY.isoformat())  # fmt: skip


@on_postgresql
@pytest.mark.parametrize("user_locale", ["de-ch", "de-at", "en"])
def test_the_users_locale_is_copied_alike(awkward, admin_user, user_locale):
    """Swiss decimals have a point; English date-times take the Python writer."""
    columns = COMPANY_KEYS + COMPANY_ATTRIBUTES
    if user_locale == "en":
        columns = [key for key in columns if catalog.STATIC.get(key, None) is None
                   or catalog.STATIC[key].type != catalog.DATETIME]  # fmt: skip
    combos = [{"header": "keys"}, {"header": "none", "value_format": "iso"}, {"header": "de"}]
    assert_identical(admin_user, combos, columns=columns, as_of=DAY.isoformat())
    data, _export = produce(admin_user, copy=True, columns=columns, as_of=DAY.isoformat(),
                            header="none", params={"archived": "yes"})  # fmt: skip
    assert ("12345678901234.5" in data.decode()) == (user_locale != "de-at")


@on_postgresql
def test_attributes_as_of_today_and_of_their_own_day(awkward, admin_user):
    columns = ["company.name", "company.attr.lizenzen", "company.attr.lizenzen@2023-06-30",
               "company.attr.ziel@2019-06-30"]  # fmt: skip
    assert_identical(admin_user, [{}], columns=columns, sort="number")
    data, _export = produce(admin_user, copy=True, columns=columns, sort="number")
    assert data.decode("utf-8-sig").splitlines()[1].endswith(";8;5;")


@on_postgresql
def test_turned_off_by_setting(awkward, admin_user):
    _data, export = produce(admin_user, copy=False)
    assert export.copied is False
    with override_settings(MERKUR_EXPORT_COPY=False):
        assert copying.refusal(export) == "turned off (MERKUR_EXPORT_COPY)"
    assert copying.refusal(export) is None


@pytest.mark.skipif(connection.vendor == "postgresql", reason="tests the fallback off PostgreSQL")
def test_other_databases_take_the_python_writer(world, admin_user):
    data, export = produce(admin_user, copy=True)
    assert export.copied is False
    assert copying.refusal(export) == "not PostgreSQL"
    assert data.decode("utf-8-sig").count("\r\n") == 3


# --- the pieces, on every database ------------------------------------------------------------


def _records(**options) -> copying.Records:
    from merkur.transfer.export import options as export_options
    from merkur.transfer.export.writers import Context

    parsed = export_options.parse({"format": "csv", **options})
    return copying.Records(CsvWriter([], parsed, Context("", "companies", "de")))


def test_records_end_with_crlf_outside_quotes_however_the_data_is_cut():
    data = b'a;"x\ny""\n";b\nc;d\n\n"e\r\n";f\n'
    expected = b'a;"x\ny""\n";b\r\nc;d\r\n\r\n"e\r\n";f\r\n'
    for cut in range(len(data) + 1):
        for cut2 in range(cut, len(data) + 1):
            records = _records()
            out = records.feed(data[:cut]) + records.feed(data[cut:cut2])
            out += records.feed(data[cut2:])
            records.finish()
            assert (out, records.rows) == (expected, 4), (cut, cut2)


def test_records_with_lf_are_quoted_as_python_quotes_a_lone_cr():
    records = _records(line_ending="lf")
    assert records.feed(b'a;"x\ry"\n"b;";"c\rd\n"\n') == b'a;x\ry\n"b;";"c\rd\n"\n'
    assert records.rows == 2
    assert _records(line_ending="lf", quoting="all").feed(b'"a";"x\ry"\n') == b'"a";"x\ry"\n'


def test_records_refuse_an_unfinished_end():
    records = _records()
    assert records.feed(b'a;"b\n') == b""
    with pytest.raises(ValueError):
        records.finish()


def test_date_formats_become_to_char_patterns():
    assert copying.to_char_pattern("d.m.Y H:i") == 'DD"."MM"."YYYY" "HH24":"MI'
    assert copying.to_char_pattern("j.n.y \\T G:s") == 'FMDD"."FMMM"."YY" T "FMHH24":"SS'
    for unsupported in ("m/d/Y P", "N j, Y", 'd"m'):
        with pytest.raises(copying.Unsupported):
            copying.to_char_pattern(unsupported)


def test_sql_pieces_keep_values_apart_from_the_text():
    piece = copying.sql("x = {} AND {}", "a'b", copying.sql("y = {}", 3))
    assert piece == copying.Sql("x = %s AND y = %s", ("a'b", 3))
    with pytest.raises(ValueError):
        copying.sql("{} {}", 1)


def test_the_formula_prefix_is_the_one_of_neutralise():
    assert copying.formula_prefix() == "'"


def test_written_output_is_readable_csv(world, admin_user):
    """Whatever path wrote it, the defaults read back as CSV (a guard on both)."""
    import csv

    data, _export = produce(admin_user, copy=True, sort="number")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["K-100", "K-200"]
