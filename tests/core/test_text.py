import pytest

from merkur.core.text import fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Müller", "mueller"),
        ("Mueller", "mueller"),
        ("müller", "mueller"),
        ("MÜLLER", "mueller"),
        ("Straße", "strasse"),
        ("Genève", "geneve"),
        ("  Bäckerei   Günther ", "baeckerei guenther"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_makes_spellings_of_one_name_equal(text, folded):
    assert fold(text) == folded
