"""Text helpers shared by search and import."""

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe"})
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+")
MAX_SEARCH_WORDS = 8


def fold(text: str | None) -> str:
    """Fold text for search: lower case, umlauts spelled out, accents dropped.

    ``Müller``, ``Mueller`` and ``müller`` all fold to ``mueller``; ``Genève`` to
    ``geneve``. Stored search columns and search terms go through this same
    function, so matching is a plain substring test the database can index.
    """
    if not text:
        return ""
    lowered = text.casefold().translate(_GERMAN)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACE.sub(" ", stripped).strip()


def search_words(text: str | None) -> str:
    """Folded words separated by single spaces: the stored form of search columns.

    Punctuation separates words ("info@mueller-bau.de" → "info mueller bau de"),
    so a search word matches the start of any word in the record, the same way
    on PostgreSQL (full-text index) and SQLite (``LIKE '% word%'``).
    """
    return search_words_of_folded(fold(text))


def search_words_of_folded(folded: str) -> str:
    """``search_words`` for text that went through ``fold`` already (bulk loads)."""
    return _NON_WORD.sub(" ", folded).strip()


def search_terms(query: str | None) -> list[str]:
    """The distinct words of a search query, at most ``MAX_SEARCH_WORDS``."""
    return list(dict.fromkeys(search_words(query).split()))[:MAX_SEARCH_WORDS]
