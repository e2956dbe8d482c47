"""Duplicates of existing records and within the file, and what the user decides for them."""

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from merkur.companies.models import Company, Person
from merkur.transfer.importing import matching
from tests.factories import make_company, make_person

HEADER = "Kundennummer;Firma;Straße;PLZ;Ort;Vorname;Nachname;E-Mail;Telefon\n"


@pytest.fixture
def mueller(db):
    company = make_company(
        name="Müller Bau GmbH & Co. KG",
        number="K-1",
        email="info@mueller-bau.de",
        address={"street": "Hauptstraße 12", "postal_code": "80331", "city": "München"},
    )
    make_person(company, first_name="Hans", last_name="Groß", email="Hans.Gross@mueller-bau.de")
    return company


def row(number="", name="Neu GmbH", street="Weg 1", code="10115", city="Berlin", first="",
        last="", email="", phone="") -> str:  # fmt: skip
    return f"{number};{name};{street};{code};{city};{first};{last};{email};{phone}\n"


def only_match(result) -> dict:
    assert len(result.matches) == 1, result.matches
    return result.matches[0]


# --- finding them -------------------------------------------------------------------------------


def test_the_same_customer_number_is_a_duplicate(run, mueller):
    result = run(HEADER + row(number="K-1", name="Ganz anders AG"))
    match = only_match(result)
    assert (match["rule"], match["company"], match["action"]) == ("number", mueller.pk, "skip")
    assert match["company_name"] == "Müller Bau GmbH & Co. KG"
    assert Company.objects.count() == 1


def test_the_same_email_of_a_person_is_a_duplicate_whatever_its_case(run, mueller):
    result = run(HEADER + row(last="Groß", email="hans.gross@MUELLER-bau.de"))
    match = only_match(result)
    assert match["rule"] == "email"
    assert match["person"] == mueller.people.get().pk


def test_the_same_email_of_a_company_is_a_duplicate(run, mueller):
    result = run(HEADER + row(email="info@mueller-bau.de"))  # no person: the company's e-mail
    assert only_match(result)["rule"] == "email"


@pytest.mark.parametrize(
    ("name", "street"),
    [
        ("Mueller-Bau KG", "Hauptstr. 12"),
        ("MÜLLER BAU GMBH", "Hauptstrasse 12"),
        ("Müller Bau", "Haupt-Str. 12"),
    ],
)
def test_a_similar_name_at_the_same_postal_code_and_street_is_a_duplicate(
    run, mueller, name, street
):
    result = run(HEADER + row(name=name, street=street, code="80331", city="München"))
    match = only_match(result)
    assert (match["rule"], match["company"]) == ("name", mueller.pk)


@pytest.mark.parametrize(
    ("name", "street", "code"),
    [
        ("Müller Bau GmbH", "Hauptstraße 14", "80331"),  # another house
        ("Müller Bau GmbH", "Hauptstraße 12", "80333"),  # another postal code
        ("Meier Elektro GmbH", "Hauptstraße 12", "80331"),  # another company
        ("Müller Bau 2 GmbH", "Hauptstraße 12", "80331"),  # numbers in names differ
    ],
)
def test_other_companies_are_no_duplicates(run, mueller, name, street, code):
    result = run(HEADER + row(name=name, street=street, code=code, city="München"))
    assert result.matches == []
    assert result.actions["create"] == 1


def test_without_a_street_on_one_side_name_and_postal_code_decide():
    from merkur.transfer.importing.matching import _street_key, _streets_agree

    assert _streets_agree(_street_key(""), _street_key("Hauptstr. 12"), 88)
    assert not _streets_agree(_street_key("Hauptstr. 14"), _street_key("Hauptstr. 12"), 88)


def test_archived_companies_are_no_similar_duplicates(run, mueller):
    from merkur.companies import services

    services.company_archive(company=mueller, by=None)
    result = run(HEADER + row(name="Mueller Bau KG", street="Hauptstr. 12", code="80331",
                              city="München"))  # fmt: skip
    assert result.matches == []


def test_rows_repeating_an_earlier_row_are_found(run, db):
    result = run(
        HEADER
        + row(number="N-1", name="Alpha GmbH", last="Eins")
        + row(number="N-1", name="Alpha Gesellschaft", last="Zwei")
        + row(name="Beta Bau GmbH", street="Ring 3", last="Drei")
        + row(name="Beta-Bau KG", street="Ring 3", last="Vier")
        + row(name="Gamma AG", email="x@gamma.de", last="Fünf")
        + row(name="Gamma Holding", street="Weg 9", email="X@gamma.de", last="Sechs")
    )
    found = {m["line"]: (m["rule"], m["refers_to"], m["action"]) for m in result.matches}
    assert found == {3: ("file", 2, "skip"), 5: ("file", 4, "skip"), 7: ("file", 6, "skip")}
    assert Company.objects.count() == 3


# --- deciding ---------------------------------------------------------------------------------


def test_update_changes_the_company_and_adds_the_rows_person(run, mueller, admin_user):
    result = run(
        HEADER + row(number="K-1", name="Müller Bau GmbH", street="Hauptstraße 12", code="80331",
                     city="München", first="Eva", last="Neu", phone="089 999999"),
        decisions={"number": "update"},
        user=admin_user,
    )  # fmt: skip
    assert result.actions["update"] == 1 and result.written
    mueller.refresh_from_db()
    assert mueller.name == "Müller Bau GmbH"
    assert sorted(mueller.people.values_list("last_name", flat=True)) == ["Groß", "Neu"]
    assert result.companies_updated == 1 and result.people_created == 1
    assert mueller.change_records.filter(action="update", user=admin_user).exists()


def test_update_of_a_known_person_changes_it_instead_of_adding_one(run, mueller):
    run(
        HEADER + row(number="K-1", name="Müller Bau GmbH & Co. KG", street="Hauptstraße 12",
                     code="80331", city="München", first="Hans", last="Gross",
                     phone="089 555555"),
        decisions={"number": "update"},
    )  # fmt: skip
    hans = mueller.people.get()
    assert hans.phone == "+49 89 555555"


def test_update_moves_the_contact_address_when_the_file_has_another(run, mueller):
    run(
        HEADER + row(number="K-1", name="Müller Bau GmbH & Co. KG", street="Neuer Weg 5",
                     code="80333", city="München"),
        decisions={"number": "update"},
    )  # fmt: skip
    mueller.refresh_from_db()
    assert (mueller.postal_code, mueller.contact_link().address.street) == ("80333", "Neuer Weg 5")


def test_create_makes_a_new_company_despite_a_similar_one(run, mueller):
    result = run(
        HEADER + row(name="Mueller-Bau KG", street="Hauptstr. 12", code="80331", city="München"),
        decisions={"name": "create"},
    )
    assert result.actions["create"] == 1
    assert Company.objects.count() == 2


def test_create_is_refused_for_a_taken_customer_number(run, mueller):
    result = run(HEADER + row(number="K-1"), decisions={"number": "create"})
    assert not result.written
    assert "belongs to an existing company" in result.bad[0].problems[0].reason
    assert Company.objects.count() == 1


def test_a_decision_for_a_row_beats_the_decision_for_its_rule(run, mueller):
    result = run(
        HEADER
        + row(name="Mueller Bau KG", street="Hauptstr. 12", code="80331", city="München")
        + row(number="K-1", name="Müller Bau"),
        decisions={"name": "skip", "number": "skip"},
        row_decisions={2: "create"},
    )
    assert [(m["line"], m["action"]) for m in result.matches] == [(2, "create"), (3, "skip")]
    assert Company.objects.count() == 2


def test_people_of_one_company_on_several_rows_join_it_when_told(run, db):
    text = (
        HEADER
        + row(name="Alpha GmbH", first="Anna", last="Eins")
        + row(name="Alpha GmbH", first="Bernd", last="Zwei")
        + row(name="ALPHA GMBH", first="Anna", last="Eins")  # the same person again
    )
    skipped = run(text, dry_run=True)
    assert (skipped.actions["create"], skipped.actions["skip"]) == (1, 2)
    result = run(text, decisions={"file": "update"})
    assert (result.actions["create"], result.actions["add"], result.actions["skip"]) == (1, 1, 1)
    alpha = Company.objects.get()
    assert sorted(alpha.people.values_list("last_name", flat=True)) == ["Eins", "Zwei"]
    # The second person is in the company's search text, as the services would have it.
    stored = alpha.search_text
    alpha.refresh_derived()
    assert sorted(stored.split()) == sorted(alpha.search_text.split())


def test_rows_repeating_a_row_that_updates_an_existing_company_update_it_too(run, mueller):
    result = run(
        HEADER
        + row(number="K-1", name="Müller Bau", first="Eva", last="Neu")
        + row(number="K-1", name="Müller Bau", first="Otto", last="Neu")
        + row(number="K-1", name="Müller Bau", first="Eva", last="Neu"),
        decisions={"number": "update", "file": "update"},
    )
    assert result.written
    assert sorted(mueller.people.values_list("first_name", flat=True)) == ["Eva", "Hans", "Otto"]


def test_a_repeated_customer_number_cannot_make_two_companies(run, db):
    result = run(
        HEADER + row(number="N-1", name="Alpha") + row(number="N-1", name="Beta"),
        decisions={"file": "create"},
    )
    assert result.refused == 1
    assert "appears already on line 2" in result.bad[0].problems[0].reason


def test_rows_matching_an_earlier_skipped_row_are_skipped_with_it(run, mueller):
    result = run(
        HEADER
        + row(number="K-1", name="Müller", first="Eva", last="A")
        + row(number="K-1", name="Müller", first="Otto", last="B"),
        decisions={"number": "skip", "file": "update"},
    )
    assert result.actions["skip"] == 2
    assert Person.objects.count() == 1


_words = st.lists(
    st.sampled_from(["mueller", "muller", "bau", "bauer", "12", "13", "elektro", "&", "a", ""]),
    max_size=5,
)


@hyp_settings(max_examples=300, deadline=None)
@given(a=_words, b=_words)
def test_sorted_keys_compare_as_token_sort_ratio(a, b):
    """The pools compare names with their words sorted once: the scores are the same."""
    first, second = " ".join(filter(None, a)), " ".join(filter(None, b))
    presorted = fuzz.ratio(matching._sorted_words(first), matching._sorted_words(second))
    assert presorted == fuzz.token_sort_ratio(first, second)
    choices = [second, first, "bau mueller", second, "mueller bau 12"]
    old = process.extract(first, choices, scorer=fuzz.token_sort_ratio, score_cutoff=60)
    new = process.extract(
        matching._sorted_words(first),
        [matching._sorted_words(choice) for choice in choices],
        scorer=fuzz.ratio,
        score_cutoff=60,
    )
    assert [found[1:] for found in new] == [found[1:] for found in old]  # scores, order


def _similar_as_before(entries, name, threshold, limit):
    """The pool's answer as it was computed before ``_NamePool`` sorted by length."""
    if len(entries) > limit:
        entries = [entry for entry in entries if entry[1][:3] == name[:3]]
    found = process.extract(
        name,
        [entry[1] for entry in entries],
        scorer=fuzz.token_sort_ratio,
        score_cutoff=threshold,
        limit=None,
    )
    numbers = matching._numbers
    return [entries[i][0] for _n, _s, i in found if numbers(entries[i][1]) == numbers(name)]


_names = st.lists(_words, min_size=0, max_size=40).map(
    lambda names: [" ".join(filter(None, words)) for words in names]
)


@hyp_settings(max_examples=300, deadline=None)
@given(pool=_names, name=_words, threshold=st.integers(50, 100), limit=st.sampled_from([5, 2000]))
def test_the_name_pool_finds_what_comparing_every_name_finds(pool, name, threshold, limit):
    """Only names of a length that can reach the threshold are compared: nothing is missed."""
    name = " ".join(filter(None, name))
    entries = [(100 + index, key) for index, key in enumerate(pool)]
    expected = _similar_as_before(entries, name, threshold, limit)
    assert matching._NamePool(entries, limit).similar(name, threshold) == expected
