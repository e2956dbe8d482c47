"""``merkur import-addresses``: detection shown, dry run, exit codes, mapping, profiles."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from merkur.companies.models import Company, Function, Person
from merkur.mailings.models import EventMember
from merkur.transfer.importing.prepare import mapping_for
from merkur.transfer.models import AddressImport, ImportProfile

GOOD = (
    "Firma;Straße;PLZ;Ort;Nachname;Telefon\r\n"
    "Müller Bau GmbH;Hauptstr. 1;80331;München;Müller;089 123456\r\n"
    "Schmidt AG;Am Markt 3;04109;Leipzig;Schmidt;\r\n"
)


@pytest.fixture
def write(tmp_path):
    def _write(text: str, encoding="cp1252", name="adressen.csv"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


def command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_addresses", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_prints_the_detection_and_imports(write, db):
    out, err = command(write(GOOD))
    assert out.startswith("Encoding Windows-1252, separator ;, header row.")
    assert "adressen.csv imported: 2 rows: 2 new companies" in out
    assert "%" in err  # progress on stderr
    assert Company.objects.count() == 2
    record = AddressImport.objects.get()
    assert (record.status, record.file_name) == ("done", "adressen.csv")


def test_a_dry_run_writes_nothing(write, db):
    out, _err = command(write(GOOD), "--dry-run")
    assert "dry run, nothing written" in out
    assert not Company.objects.exists()
    assert AddressImport.objects.get().status == "checked"


def test_bad_rows_fail_with_a_one_line_reason_and_go_to_the_errors_file(write, db, tmp_path):
    errors = tmp_path / "fehler.csv"
    path = write(GOOD + "Kaputt KG;Weg 1;123;Berlin;X;\r\n")
    with pytest.raises(CommandError) as failure:
        command(path, "--errors", errors)
    assert str(failure.value) == (
        "not imported: 1 bad rows (all or nothing; see --commit-good-rows)"
    )
    assert not Company.objects.exists()
    assert "Kaputt KG" in errors.read_text(encoding="utf-8-sig")


def test_commit_good_rows_imports_the_rest(write, db):
    out, _err = command(write(GOOD + "Kaputt KG;Weg 1;123;Berlin;X;\r\n"), "--commit-good-rows")
    assert "Line 4: PLZ „123“" in out
    assert Company.objects.count() == 2


def test_overrides_and_map(write, db):
    path = write("Name\tAdresse\tPLZ\tOrt\tKontakt\nAlpha GmbH\tRing 1\t10115\tBerlin\tEva Lang\n",
                 encoding="utf-16-le")  # fmt: skip
    out, _err = command(
        path, "--encoding", "utf-16-le", "--separator", "tab", "--map", "Kontakt=person.full_name",
        "--show-mapping",
    )  # fmt: skip
    assert "Encoding UTF-16 LE, separator Tab" in out
    assert "“Kontakt” → person_name" in out
    assert Person.objects.get().first_name == "Eva"


def test_a_column_number_maps_a_file_without_header(write, db):
    path = write("Alpha GmbH;Ring 1;10115;Berlin\n")
    command(
        path, "--no-header", "--map", "1=company.name", "--map", "2=address.street",
        "--map", "3=address.postal_code", "--map", "4=address.city",
    )  # fmt: skip
    assert Company.objects.get().city == "Berlin"


def test_a_saved_profile_maps_the_columns(write, admin_user):
    header = ["Kunde", "Anschrift", "Postleitzahl", "Stadt"]
    mapping = mapping_for(header, {0: "company.name"})
    ImportProfile.objects.create(name="Händler X", owner=admin_user, mapping=mapping.to_dict())
    path = write("Anschrift;Kunde;Stadt;Postleitzahl\nRing 1;Alpha GmbH;Berlin;10115\n")
    command(path, "--profile", "händler x")
    assert Company.objects.get().name == "Alpha GmbH"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "Gibt es nicht"], "There is no import profile named “Gibt es nicht”."),
        (["--map", "Fax"], "“Fax” is not COLUMN=FIELD"),
        (["--map", "Firma=company.fax"], "company.fax is not a field"),
        (["--map", "Telefax=company.phone"], "The file has no column “Telefax”."),
        (["--decide", "number=merge"], "write RULE=ACTION"),
        (["--link-order", "X-1"], "Sales order X-1 does not exist."),
        (["--link-event", "Gibt es nicht"], "Marketing event Gibt es nicht does not exist."),
        (["--link-order", "X-1", "--link-event", "1"], "Link to one record"),
        (["--link-status", "invited"], "--link-status goes with --link-event"),
    ],
)
def test_bad_options_fail_with_one_line(write, db, args, message):
    with pytest.raises(CommandError) as failure:
        command(write(GOOD), *args)
    assert message in str(failure.value)
    assert "\n" not in str(failure.value)


def test_files_that_cannot_be_read_fail_with_one_line(write, tmp_path, db):
    with pytest.raises(CommandError, match="no such file"):
        command(tmp_path / "fehlt.csv")
    with pytest.raises(CommandError, match=r"The file is empty\."):
        command(write(""))
    binary = tmp_path / "tabelle.csv"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 20)
    with pytest.raises(CommandError, match="not a text file"):
        command(binary)


def test_a_header_read_with_null_characters_fails_with_one_line(write, db):
    path = write("Firma;Ort\nAlpha;Köln\n", encoding="utf-16-le")
    with pytest.raises(CommandError) as failure:
        command(path, "--encoding", "utf-8")
    assert "the header has null characters; choose another encoding" in str(failure.value)
    assert not AddressImport.objects.exists()


def test_map_changes_a_profiles_mapping(write, admin_user):
    header = ["Kunde", "Anschrift", "Postleitzahl", "Stadt", "Telefon"]
    mapping = mapping_for(header, {0: "company.name"})
    ImportProfile.objects.create(name="Händler X", owner=admin_user, mapping=mapping.to_dict())
    path = write("Anschrift;Kunde;Stadt;Postleitzahl;Telefon;Zusatz\n"
                 "Ring 1;Alpha GmbH;Berlin;10115;030 1234;Werk 2\n")  # fmt: skip
    command(path, "--profile", "Händler X", "--map", "Zusatz=company.name2", "--map", "Telefon=")
    company = Company.objects.get()
    assert (company.name, company.name2, company.phone) == ("Alpha GmbH", "Werk 2", "")


def test_the_records_become_members_of_an_event_with_a_status(write, event):
    out, _err = command(write(GOOD), "--link-event", "hausmesse 2026", "--link-status", "invited")
    assert "Link to: Marketing event hausmesse 2026." in out
    members = EventMember.objects.filter(event=event)
    assert members.count() == 2
    assert {m.status for m in members} == {"invited"}
    assert {m.company.name for m in members} == {"Müller Bau GmbH", "Schmidt AG"}


def test_an_unknown_member_status_fails_naming_the_statuses(write, event):
    with pytest.raises(CommandError, match="Choose one of: planned, invited"):
        command(write(GOOD), "--link-event", str(event.pk), "--link-status", "eingeladen")
    assert not Company.objects.exists()


def test_unknown_functions_are_added_to_their_master_table_when_asked(write, db):
    text = "Firma;Straße;PLZ;Ort;Nachname;Position\r\nAlpha;Weg 1;10115;Berlin;Alt;Pförtner\r\n"
    with pytest.raises(CommandError, match="not imported"):
        command(write(text))
    out, _err = command(write(text), "--add-to-master-tables", "--dry-run")
    assert "New functions for the master table: Pförtner" in out
    assert not Function.objects.exists()
    out, _err = command(write(text), "--add-to-master-tables")
    assert "Functions added to the master table: Pförtner" in out
    assert list(Person.objects.get().functions.values_list("name", flat=True)) == ["Pförtner"]
