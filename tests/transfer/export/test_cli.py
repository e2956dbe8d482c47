"""``merkur export-addresses``: files and standard output, progress on stderr, one-line reasons."""

import csv
import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from merkur.selections.runs import freeze
from merkur.selections.services import selection_save
from merkur.transfer.export import profiles
from tests.factories import make_company

pytestmark = pytest.mark.django_db

GERMANY = {
    "version": 1,
    "target": "people",
    "where": {"criterion": "address.country", "op": "in", "value": ["DE"]},
}


def export(*args) -> tuple[bytes, str]:
    """The command's standard output (bytes) and error (text)."""
    err = io.StringIO()
    out = io.BytesIO()

    class Stdout:
        buffer = out

    original = sys.stdout
    sys.stdout = Stdout()
    try:
        call_command("export_addresses", *args, stderr=err)
    finally:
        sys.stdout = original
    return out.getvalue(), err.getvalue()


def test_csv_to_a_file_with_filters_and_columns(world, tmp_path):
    target = tmp_path / "firmen.csv"
    _out, err = export(
        "--source",
        "companies",
        "--filter",
        "country=AT",
        "--columns",
        "company.number,address.city",
        "--output",
        str(target),
    )
    rows = list(csv.reader(io.StringIO(target.read_text("utf-8-sig")), delimiter=";"))
    assert rows == [["Kundennummer", "Ort"], ["K-200", "Wien"]]
    assert "1 records written to" in err


def test_json_lines_to_standard_output(world):
    out, _err = export(
        "--source", "people", "--format", "jsonl", "--columns", "person.last_name", "--sort", "name"
    )
    assert [json.loads(line) for line in out.decode().splitlines()] == [
        {"person.last_name": "Huber"},
        {"person.last_name": "Mustermann"},
    ]


def test_xlsx_of_a_selection_by_name(world, tmp_path, sales_user):
    selection_save(data={"name": "Deutschland", "definition": GERMANY}, by=sales_user)
    target = tmp_path / "a.xlsx"
    export("--source", "selection:deutschland", "--format", "xlsx", "--output", str(target))
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert rows[1][3] == "Dr."  # person.title among the default people columns


def test_a_run_with_a_profile_and_a_template_file(world, tmp_path, admin_user):
    run = freeze(GERMANY, by=admin_user)
    profiles.profile_save(
        data={
            "name": "Lettershop",
            "options": {
                "format": "template",
                "encoding": "windows-1252",
                "template_row": "{{ person.last_name|fixed(8) }}|",
            },
        },
        by=admin_user,
    )
    out, _err = export("--source", f"run:{run.pk}", "--profile", "Lettershop")
    assert out == b"Musterma|\r\n"
    template = tmp_path / "row.txt"
    template.write_text("{{ address.city|upper }}", encoding="utf-8")
    out, _err = export("--source", f"run:{run.pk}", "--template", str(template))
    assert out.decode("utf-8-sig") == "SAARBRÜCKEN\r\n"


def test_refused_encoding_exits_1_and_writes_nothing(db, tmp_path):
    make_company(name="Łódź S.A.")
    target = tmp_path / "x.csv"
    with pytest.raises(CommandError) as error:
        export("--source", "companies", "--encoding", "windows-1252", "--output", str(target))
    assert error.value.returncode == 1
    assert "“Ł” (U+0141" in str(error.value)
    assert not target.exists()
    with pytest.raises(CommandError):
        export("--source", "companies", "--encoding", "windows-1252")
    _out, err = export(
        "--source",
        "companies",
        "--encoding",
        "windows-1252",
        "--on-unencodable",
        "replace",
        "--output",
        str(target),
    )
    assert "became “?”" in err and target.exists()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--source", "planets"], "--source is one of"),
        (["--source", "companies", "--format", "pdf"], "format: Choose one of"),
        (["--source", "companies", "--filter", "country"], "--filter needs KEY=VALUE"),
        (["--source", "companies", "--filter", "colour=red"], "filters:"),
        (["--source", "companies", "--columns", "company.nope"], "columns:"),
        (["--source", "selection"], "needs a name or id"),
        (["--source", "selection:nichtda"], "selection:"),
        (["--source", "run:77"], "run:"),
        (["--source", "people", "--filter", "q=x", "--format", "template"], "template-row"),
        (["--source", "companies", "--profile", "nichtda"], "No export profile"),
        (["--source", "companies", "--user", "nobody"], "No active user"),
        (["--source", "companies", "--template", "/nonexistent/x.txt"], "cannot read"),
        (["--source", "companies", "--output", "/nonexistent/dir/x.csv"], "no such folder"),
        (["--source", "companies", "--as-of", "gestern"], "as-of:"),
    ],
)
def test_bad_input_exits_2_with_one_line(world, args, reason):
    with pytest.raises(CommandError) as error:
        export(*args)
    assert error.value.returncode == 2
    assert reason in str(error.value)
    assert "\n" not in str(error.value)


def test_a_user_sees_only_what_they_may(world, sales_user, marketing_user):
    selection_save(data={"name": "Geheim", "definition": GERMANY}, by=sales_user)
    with pytest.raises(CommandError):
        export("--source", "selection:Geheim", "--user", marketing_user.username)
    out, _err = export(
        "--source",
        "selection:Geheim",
        "--user",
        sales_user.username,
        "--format",
        "json",
        "--columns",
        "person.last_name",
    )
    assert json.loads(out) == [{"person.last_name": "Mustermann"}]


def test_the_merkur_command_has_help():
    result = subprocess.run(
        [sys.executable, "-m", "merkur.cli", "export-addresses", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
    )
    assert result.returncode == 0
    assert "--source" in result.stdout and "--format" in result.stdout
