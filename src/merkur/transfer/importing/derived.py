"""The derived columns of imported companies and people, computed from plain values.

The models compute these in ``Company.refresh_derived`` and
``Person.refresh_derived`` from saved instances; an import of a million rows
cannot build three model instances per row, so the same formulas are applied
to plain values here (``tests/transfer/importing/test_derived.py`` compares
both on many inputs, so the two cannot drift apart).
"""

import re
from functools import lru_cache

from merkur.companies.models.person import GENERIC_LETTER_SALUTATION
from merkur.core.text import fold, search_words_of_folded

# Names, cities and streets repeat a lot in address files: fold each once.
cached_fold = lru_cache(maxsize=100_000)(fold)
_SPACE = re.compile(r"\s+")  # as in ``fold``


def quick_fold(text: str) -> str:
    """``fold(text)``, without its Unicode steps for ASCII text (e-mail addresses, numbers).

    For ASCII, ``casefold`` is ``lower``, and the umlaut table, NFKD and the
    accent filter change nothing (``test_derived`` compares both).
    """
    if text.isascii():
        return _SPACE.sub(" ", text.lower()).strip()
    return fold(text)


def _folded(*parts: str) -> str:
    """``fold(" ".join(parts))``, from the parts' cached folds (fold works word by word)."""
    return " ".join(folded for folded in map(cached_fold, parts) if folded)


def _joined(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def company_sort_name(name: str, name2: str) -> str:
    return _folded(name, name2)[:400]


def company_search_text(
    *, name: str, name2: str, number: str, city: str, email: str, people_words: str = ""
) -> str:
    """``Company.search_text``; ``people_words`` is ``person_search_text`` of its people."""
    own = search_words_of_folded(_joined(_folded(name, name2, number, city), quick_fold(email)))
    return f"{own} {people_words}".strip() if people_words else own


def person_sort_name(first_name: str, last_name: str) -> str:
    return _folded(last_name, first_name)[:250]


def person_search_text(first_name: str, last_name: str, email: str) -> str:
    return search_words_of_folded(_joined(_folded(first_name, last_name), quick_fold(email)))


def letter_salutation(
    *, salutation_opening: str, title: str, title_in_salutation: bool, last_name: str
) -> str:
    """ "Sehr geehrte Frau Dr. Muster"; the generic opening without a salutation."""
    if not salutation_opening:
        return GENERIC_LETTER_SALUTATION
    parts = [salutation_opening, title if title_in_salutation else "", last_name]
    return " ".join(part for part in parts if part)
