"""``merkur run-selection``: recipients as CSV or JSON Lines, refused with one clear line."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import QuerySet

from merkur.selections.services import selection_save
from tests.factories import make_company, make_person
from tests.selections.test_example import data, example  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

GERMANY = {
    "version": 1,
    "target": "people",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
}


@pytest.fixture
def world(marketing_user, sales_user):
    berlin = make_company(name="Berlin AG", address={"postal_code": "10115", "city": "Berlin"})
    evil = make_company(name='=HYPERLINK("x")', address={"postal_code": "80331"})
    make_company(name="Wien AG", address={"country": "AT", "postal_code": "1010"})
    people = {
        "anna": make_person(berlin, first_name="Anna", last_name="Ärger"),
        "bert": make_person(evil, first_name="Bert", last_name="+Plus"),
    }
    shared = selection_save(
        data={"name": "Deutschland", "shared": True, "definition": GERMANY}, by=marketing_user
    )
    private = selection_save(data={"name": "Geheim", "definition": GERMANY}, by=sales_user)
    return {"shared": shared, "private": private, **people}


def run(*args) -> str:
    out = io.StringIO()
    call_command("run_selection", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_csv_has_bom_semicolons_and_neutralised_formulas(world, tmp_path):
    target = tmp_path / "out.csv"
    err = io.StringIO()
    call_command(
        "run_selection", "deutschland", "--output", str(target), "--sort", "name", stderr=err
    )
    raw = target.read_bytes()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8")[1:]
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    assert [row["person_last_name"] for row in rows] == ["'+Plus", "Ärger"]
    assert rows[0]["company_name"] == '\'=HYPERLINK("x")'
    assert rows[1]["person_pk"] == str(world["anna"].pk)
    assert rows[1]["address_block"].splitlines()[0] == "Berlin AG"
    assert "10115 Berlin" in rows[1]["address_block"]
    assert "2 recipients written" in err.getvalue()


def test_json_lines_one_object_per_recipient(world):
    lines = run(str(world["shared"].pk), "--format", "json", "--sort", "name").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["person_first_name"] for row in rows] == ["Bert", "Anna"]
    assert rows[1]["person_last_name"] == "Ärger"  # JSON is data: not neutralised
    assert rows[0]["company_name"] == '=HYPERLINK("x")'
    assert rows[1]["lines"][0] == "Berlin AG"


def test_dedupe_purpose_and_today_are_passed_on(world):
    by_company = run("Deutschland", "--format", "json", "--dedupe", "company")
    assert len(by_company.splitlines()) == 2
    assert len(run("Deutschland", "--format", "json", "--today", "2020-01-01").splitlines()) == 2
    assert run("Deutschland", "--format", "json", "--purpose", "non_marketing")


def test_rows_are_streamed_with_an_iterator(world, monkeypatch):
    calls = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        calls.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    run("Deutschland", "--format", "json")
    assert calls == [2000]


@pytest.mark.parametrize(
    "args, message",
    [
        (["Nirgendwo"], "No saved selection 'Nirgendwo'"),
        (["999999"], "No saved selection '999999'"),
        (["Deutschland", "--format", "xml"], "--format must be one of: csv, json"),
        (["Deutschland", "--sort", "zip"], "--sort must be one of"),
        (["Deutschland", "--dedupe", "x"], "--dedupe must be one of"),
        (["Deutschland", "--address", "home"], "--address must be one of"),
        (["Deutschland", "--today", "15.06.2026"], "--today is a date written YYYY-MM-DD"),
        (["Deutschland", "--user", "niemand"], "No active user 'niemand'"),
        (["Geheim", "--user", "marketing"], "No saved selection 'Geheim'"),
        (["Deutschland", "--output", "/nonexistent/dir/x.csv"], "Cannot write"),
    ],
)
def test_bad_input_fails_with_one_line(world, args, message):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_a_user_sees_own_and_shared_selections_only(world, sales_user, marketing_user):
    assert len(run("Geheim", "--user", "vertrieb", "--format", "json").splitlines()) == 2
    selection_save(data={"name": "Geheim", "definition": GERMANY}, by=marketing_user)
    with pytest.raises(CommandError, match="Several saved selections"):
        run("Geheim")
    assert run("Geheim", "--user", "marketing", "--format", "json")


def test_today_fixes_the_relative_periods(data, marketing_user):  # noqa: F811
    ids, people = data
    saved = selection_save(data={"name": "Beispiel", "definition": example(ids)}, by=marketing_user)
    found = run(str(saved.pk), "--format", "json", "--today", "2026-06-15", "--dedupe", "none")
    expected = {people[name].pk for name in ("exact_buyer", "sachsen_buyer", "chf_buyer")}
    expected |= {people[name].pk for name in ("db_ok_buyer", "db_ok_boss", "db_ok_both")}
    assert {json.loads(line)["person_pk"] for line in found.splitlines()} == expected
    assert run(str(saved.pk), "--format", "json", "--today", "2027-01-10") == ""
