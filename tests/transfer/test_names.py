import pytest

from merkur.transfer.names import (
    company_similarity,
    normalize_company,
    normalize_person,
    normalize_postal_code,
    normalize_street,
    similarity,
    split_street,
    street_similarity,
)


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Müller Bau GmbH & Co. KG", "mueller bau"),
        ("Mueller-Bau KG", "mueller bau"),
        ("MÜLLER BAU GMBH", "mueller bau"),
        ("Meier GmbH&Co.KG", "meier"),
        ("Schmidt e. K.", "schmidt"),
        ("Schmidt e.Kfm.", "schmidt"),
        ("Großhandel Süd AG", "grosshandel sued"),
        ("Foo UG (haftungsbeschränkt)", "foo"),
        ("Bäckerei Groß Gesellschaft mit beschränkter Haftung", "baeckerei gross"),
        ("Acme Inc.", "acme"),
        ("Acme Ltd", "acme"),
        ("Acme Limited", "acme"),
        ("Zürcher Kantonalbank AG", "zuercher kantonalbank"),
        ("Müller & Söhne", "mueller soehne"),
        ("Müller & Co.", "mueller"),
        ("AG", "ag"),
        ("Agentur Kaiser", "agentur kaiser"),
        ("", ""),
        (None, ""),
    ],
)
def test_company_names_are_normalised(name, normalised):
    assert normalize_company(name) == normalised


@pytest.mark.parametrize(
    ("street", "normalised"),
    [
        ("Hauptstr. 12 a", "hauptstrasse 12a"),
        ("Hauptstraße 12a", "hauptstrasse 12a"),
        ("Hauptstrasse 12A", "hauptstrasse 12a"),
        ("Haupt-Str. 12 - 14", "hauptstrasse 12-14"),
        ("Haupt Straße 12", "hauptstrasse 12"),
        ("hauptstr 12", "hauptstrasse 12"),
        ("Straße des 17. Juni 3", "strasse des 17 juni 3"),
        ("Am Strand 4", "am strand 4"),
        ("", ""),
    ],
)
def test_streets_are_normalised(street, normalised):
    assert normalize_street(street) == normalised


@pytest.mark.parametrize(
    ("street", "parts"),
    [
        ("Hauptstr. 12a", ("Hauptstr.", "12a")),
        ("Hauptstraße 12 a", ("Hauptstraße", "12a")),
        ("Am Markt 4-6", ("Am Markt", "4-6")),
        ("Straße des 17. Juni 3", ("Straße des 17. Juni", "3")),
        ("Marktplatz", ("Marktplatz", "")),
        ("Mühlweg 7/1", ("Mühlweg", "7/1")),
    ],
)
def test_street_and_house_number_are_split(street, parts):
    assert split_street(street) == parts


@pytest.mark.parametrize(
    ("code", "country", "normalised"),
    [
        ("01067", "DE", "01067"),
        ("1067", "DE", "01067"),
        ("1010", "AT", "1010"),
        ("1067", None, "1067"),
        ("D-01067", None, "01067"),
        ("CH-8001", "CH", "8001"),
        (" 80 331 ", "DE", "80331"),
        ("sw1a 1aa", "GB", "SW1A1AA"),
        (None, None, ""),
    ],
)
def test_postal_codes_are_normalised(code, country, normalised):
    assert normalize_postal_code(code, country) == normalised


def test_person_names_are_folded():
    assert normalize_person("Müller-Lüdenscheidt") == normalize_person("mueller lüdenscheidt")


def test_the_same_company_written_differently_is_fully_similar():
    assert company_similarity("Müller Bau GmbH", "MUELLER-BAU KG") == 100


def test_a_typo_in_a_company_name_is_still_similar_but_another_company_is_not():
    assert company_similarity("Müller Bau GmbH", "Müler Bau GmbH") > 90
    assert company_similarity("Müller Bau GmbH", "Schulze Elektro GmbH") < 50


def test_word_order_does_not_matter():
    assert similarity("bau mueller", "mueller bau") == 100


def test_empty_names_are_not_similar():
    assert similarity("", "") == 0
    assert company_similarity("GmbH", None) == 0


def test_streets_match_only_with_the_same_house_number():
    assert street_similarity("Hauptstr. 12 a", "Hauptstraße 12a") == 100
    assert street_similarity("Hauptstr. 12", "Hauptstraße 14") == 0
