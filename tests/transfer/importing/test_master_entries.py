"""Option ``add_to_master_tables``: unknown functions and titles are added, not refused."""

from merkur.companies.models import Function, Person, Title
from merkur.core.models import ChangeRecord
from merkur.transfer.importing import master_entries
from merkur.transfer.importing.options import GOOD_ROWS

HEADER = "Firma;Straße;PLZ;Ort;Anrede;Titel;Vorname;Nachname;Position\n"
ROWS = (
    "Alpha GmbH;Weg 1;10115;Berlin;Herr;Dr.;Hans;Alt;Einkäufer, Head of Purchasing\n"
    "Beta AG;Weg 2;10115;Berlin;Frau;Dr. rer. nat.;Eva;Berg;head of purchasing / Hausmeister\n"
    "Gamma KG;Weg 3;10115;Berlin;Herr;dr. rer. nat;Udo;Cramer;Einkäufer\n"
)


def functions_of(last_name: str) -> list[str]:
    person = Person.objects.get(last_name=last_name)
    return sorted(person.functions.values_list("name", flat=True))


def test_without_the_option_unknown_entries_refuse_their_rows(run, master):
    result = run(HEADER + ROWS)
    assert not result.written
    assert result.refused == 3
    reasons = " ".join(row.reason() for row in result.bad)
    assert "master table “functions”" in reasons and "master table “titles”" in reasons
    assert result.new_entries == {}
    assert not Function.objects.filter(name__iexact="Head of Purchasing").exists()


def test_the_entries_are_added_once_in_the_first_rows_spelling(run, master, admin_user):
    functions_before = Function.objects.count()
    result = run(HEADER + ROWS, add_to_master_tables=True, user=admin_user)

    assert result.written, result.summary()
    assert result.refused == 0
    assert result.new_entries == {
        "titles": ["Dr. rer. nat."],
        "functions": ["Head of Purchasing", "Hausmeister"],
    }
    assert "1 title and 2 functions added to the master tables" in result.summary()
    assert Function.objects.count() == functions_before + 2
    assert functions_of("Alt") == ["Einkäufer", "Head of Purchasing"]
    assert functions_of("Berg") == ["Hausmeister", "Head of Purchasing"]
    added = Title.objects.get(name="Dr. rer. nat.")
    assert added.in_letter_salutation
    for last_name in ("Berg", "Cramer"):
        assert Person.objects.get(last_name=last_name).title == added
    # The letter salutation is the one the forms give with the new title.
    assert Person.objects.get(last_name="Berg").letter_salutation == (
        "Sehr geehrte Frau Dr. rer. nat. Berg"
    )
    # At the end of their lists, with their history, by the importing user.
    last = Function.objects.order_by("-sort_order").first()
    assert last.name == "Hausmeister"
    record = ChangeRecord.objects.get(
        content_type__model="title", object_id=added.pk, action=ChangeRecord.Action.CREATE
    )
    assert record.user == admin_user


def test_a_dry_run_lists_the_entries_and_adds_none(run, master):
    before = (Function.objects.count(), Title.objects.count())
    result = run(HEADER + ROWS, add_to_master_tables=True, dry_run=True)
    assert result.new_entries["functions"] == ["Head of Purchasing", "Hausmeister"]
    assert "1 title and 2 functions new for the master tables" in result.summary()
    assert (Function.objects.count(), Title.objects.count()) == before


def test_rows_not_written_add_nothing(run, master):
    text = HEADER + ROWS + "Delta;Weg 4;123;Berlin;Herr;;Karl;Dorn;Pförtner\n"
    result = run(text, add_to_master_tables=True, mode=GOOD_ROWS)
    assert result.written and result.refused == 1
    assert "Pförtner" not in result.new_entries["functions"]
    assert not Function.objects.filter(name="Pförtner").exists()


def test_an_all_or_nothing_run_with_bad_rows_adds_nothing(run, master):
    text = HEADER + ROWS + "Delta;Weg 4;123;Berlin;Herr;;Karl;Dorn;Pförtner\n"
    result = run(text, add_to_master_tables=True)
    assert not result.written
    assert result.new_entries["titles"] == ["Dr. rer. nat."]
    assert not Title.objects.filter(name="Dr. rer. nat.").exists()


def test_a_salutation_is_never_added(run, master):
    text = HEADER + "Alpha GmbH;Weg 1;10115;Berlin;Baronin;;Eva;Alt;\n"
    result = run(text, add_to_master_tables=True)
    assert result.refused == 1
    assert "adds no salutations" in result.bad[0].reason()


def test_junk_and_salutations_are_never_added(run, master):
    master.salutations["Frau"].is_active = False
    master.salutations["Frau"].save()
    for salutation, title, function in (
        ("Herr Kommerzialrat", "", ""),  # titles only from the title column
        ("Herr und Frau", "", ""),
        ("Herr´Xyz", "", ""),  # folds to two words: no crash
        ("", "Frau", ""),  # a deactivated salutation is no title
        ("", "Herr Müller", ""),
        ("", "-", ""),
        ("", "", "?"),
        ("", "", "n/a"),
    ):
        text = HEADER + f"Alpha GmbH;Weg 1;10115;Berlin;{salutation};{title};Hans;Alt;{function}\n"
        result = run(text, add_to_master_tables=True)
        assert result.refused == 1, (salutation, title, function, result.summary())
        assert result.new_entries == {"titles": [], "functions": []}
    assert not Title.objects.filter(name__in=["Frau", "-", "Herr Müller"]).exists()


def test_a_letter_salutation_too_long_refuses_the_row(run, master):
    title = "Prof. " + "x" * 94
    text = HEADER + f"Alpha GmbH;Weg 1;10115;Berlin;Herr;{title};Hans;{'L' * 95};\n"
    result = run(text, add_to_master_tables=True)
    assert result.refused == 1
    assert "too long for the letter salutation" in result.bad[0].reason()


def test_every_spelling_gets_the_entrys_name_in_its_letter_salutation(run, master):
    text = HEADER + (
        "Alpha GmbH;Weg 1;10115;Berlin;Herr;Dr. rer. nat.;Hans;Alt;\n"
        "Beta AG;Weg 2;10115;Berlin;Herr;DR. RER. NAT;Udo;Berg;\n"
    )
    result = run(text, add_to_master_tables=True)
    assert result.written, result.summary()
    assert Person.objects.get(last_name="Berg").letter_salutation == (
        "Sehr geehrter Herr Dr. rer. nat. Berg"
    )


def test_two_new_functions_of_one_row_are_named_in_their_order(run, master):
    text = HEADER + "Alpha GmbH;Weg 1;10115;Berlin;Herr;;Hans;Alt;cto / Pförtner, CTO\n"
    result = run(text, add_to_master_tables=True)
    assert result.new_entries["functions"] == ["cto", "Pförtner"]
    assert functions_of("Alt") == ["Pförtner", "cto"]


def test_a_run_for_a_user_without_the_right_adds_nothing(run, master, sales_user):
    result = run(HEADER + ROWS, add_to_master_tables=True, user=sales_user)
    assert not result.written
    assert "maintain the master tables" in result.failure
    assert not Function.objects.filter(name="Hausmeister").exists()


def test_a_deactivated_entry_is_refused_and_not_added_again(run, master):
    master.functions["Einkäufer"].is_active = False
    master.functions["Einkäufer"].save()
    text = HEADER + "Alpha GmbH;Weg 1;10115;Berlin;Herr;;Hans;Alt;einkäufer\n"
    for add in (False, True):
        result = run(text, add_to_master_tables=add)
        assert result.refused == 1
        assert "“einkäufer” is deactivated in the master table “functions”" in (
            result.bad[0].reason()
        )
    assert Function.objects.filter(name__iexact="einkäufer").count() == 1


def test_a_name_too_long_for_the_table_is_refused(run, master):
    text = HEADER + f"Alpha GmbH;Weg 1;10115;Berlin;Herr;;Hans;Alt;{'x' * 101}\n"
    result = run(text, add_to_master_tables=True)
    assert result.refused == 1
    assert "at most 100 characters" in result.bad[0].reason()


def test_too_many_new_entries_stop_the_run(run, master, monkeypatch):
    monkeypatch.setattr(master_entries, "LIMIT", 1)
    result = run(HEADER + ROWS, add_to_master_tables=True)
    assert not result.written
    assert "would add more than 1 entries to the master table “functions”" in result.failure
    assert result.new_entries == {}
    assert not Function.objects.filter(name="Hausmeister").exists()


def test_an_update_takes_the_new_entries(run, master):
    run(HEADER + "Alpha GmbH;Weg 1;10115;Berlin;Herr;;Hans;Alt;Einkäufer\n")
    text = HEADER + "Alpha GmbH;Weg 1;10115;Berlin;Herr;Dr. h.c.;Hans;Alt;Pförtner\n"
    result = run(text, add_to_master_tables=True, decisions={"name": "update"})
    assert result.written, result.summary()
    assert result.actions["update"] == 1
    assert functions_of("Alt") == ["Einkäufer", "Pförtner"]
    assert Person.objects.get(last_name="Alt").title.name == "Dr. h.c."


def test_an_entry_added_meanwhile_is_used_not_added_twice(run, master, monkeypatch):
    planned = master_entries.planned

    def planned_then_added_elsewhere():
        entries = planned()
        Function.objects.create(name="HAUSMEISTER", sort_order=999)
        return entries

    monkeypatch.setattr(master_entries, "planned", planned_then_added_elsewhere)
    result = run(HEADER + ROWS, add_to_master_tables=True)
    assert result.written, result.summary()
    assert Function.objects.filter(name__iexact="hausmeister").count() == 1
    assert functions_of("Berg") == ["HAUSMEISTER", "Head of Purchasing"]
