"""Normalised names, streets and postal codes for finding duplicates.

"Müller Bau GmbH & Co. KG" and "Mueller-Bau KG" both become ``mueller bau``;
"Hauptstr. 12 a" and "Hauptstraße 12a" both ``hauptstrasse 12a``. Matching
compares these forms exactly or with ``similarity``.
"""

import re

from rapidfuzz import fuzz

from merkur.core.text import fold

_PUNCTUATION = re.compile(r"[^\w&+]+")
_SOLE_TRADER = re.compile(r"\be\s+k(?:fm|fr)?\b")

# Written-out legal forms, folded, replaced before the words are looked at.
_LEGAL_PHRASES = (
    "gesellschaft mit beschraenkter haftung",
    "mit beschraenkter haftung",
    "haftungsbeschraenkt",
    "aktiengesellschaft",
    "kommanditgesellschaft auf aktien",
    "kommanditgesellschaft",
    "offene handelsgesellschaft",
    "gesellschaft buergerlichen rechts",
    "eingetragener kaufmann",
    "eingetragene kauffrau",
    "eingetragener verein",
    "eingetragene genossenschaft",
    "limited liability company",
    "public limited company",
    "incorporated",
    "corporation",
    "limited",
)
_LEGAL_PHRASE = re.compile(r"\b(?:" + "|".join(_LEGAL_PHRASES) + r")\b")
# Words of legal forms once dots are gone ("e.K." → "ek", "Co." → "co").
_LEGAL_WORDS = frozenset(
    [
        "gmbh",
        "mbh",
        "ggmbh",
        "gesmbh",
        "ag",
        "kg",
        "kgaa",
        "ohg",
        "gbr",
        "ug",
        "ek",
        "ekfm",
        "ekfr",
        "ev",
        "eg",
        "se",
        "co",
        "cokg",
        "und",
        "&",
        "+",
        "ltd",
        "llc",
        "inc",
        "corp",
        "plc",
        "lp",
        "llp",
        "sa",
        "sarl",
        "sas",
        "srl",
        "sagl",
        "spa",
        "bv",
        "nv",
        "ab",
        "as",
        "oy",
    ]
)


def normalize_company(name: str | None) -> str:
    """Company name for matching: folded, legal form and punctuation removed.

    Legal forms are dropped only at the end ("Müller GmbH & Co. KG"), where
    they are a suffix; a name made of legal words alone is kept.
    """
    text = fold(name).replace(".", "").replace("&", " & ").replace("+", " + ")
    text = _SOLE_TRADER.sub("ek", text)
    text = _LEGAL_PHRASE.sub(" ", text)
    words = _PUNCTUATION.sub(" ", text).split()
    cut = len(words)
    while cut > 0 and words[cut - 1] in _LEGAL_WORDS:
        cut -= 1
    kept = words[:cut] or words
    return " ".join(word for word in kept if word not in ("&", "+")) or " ".join(kept)


def normalize_person(name: str | None) -> str:
    """A first or last name for matching: folded, hyphens and dots as spaces."""
    return " ".join(_PUNCTUATION.sub(" ", fold(name)).split())


_STREET_ABBREVIATION = re.compile(r"str\b\.?")
_JOINED_STREET = re.compile(r"(?<=\w)[\s-]+strasse\b")
_NUMBER_LETTER = re.compile(r"(\d)\s+([a-z])\b")
_NUMBER_RANGE = re.compile(r"(\d)\s*([-/])\s*(\d)")


def normalize_street(street: str | None) -> str:
    """Street (with house number) for matching.

    "Str.", "str", "Strasse" and "Straße" become ``strasse``, written together
    with the name before it ("Haupt-Str." → ``hauptstrasse``); "12 a" → ``12a``
    and "12 - 14" → ``12-14``.
    """
    text = fold(street)
    text = _STREET_ABBREVIATION.sub("strasse", text)
    text = _JOINED_STREET.sub("strasse", text)
    text = _NUMBER_RANGE.sub(r"\1\2\3", text)
    text = re.sub(r"[^\w/-]+", " ", text)
    text = _NUMBER_LETTER.sub(r"\1\2", text)
    return " ".join(text.split())


_STREET_NUMBER = re.compile(
    r"^(?P<street>.*?\D)\s*(?P<number>\d+\s?[a-zA-Z]?(?:\s?[-/]\s?\d+\s?[a-zA-Z]?)?)$"
)


def split_street(street: str | None) -> tuple[str, str]:
    """("Hauptstr.", "12a") from "Hauptstr. 12a"; the number is "" when there is none."""
    text = " ".join((street or "").split())
    match = _STREET_NUMBER.match(text)
    if not match:
        return text, ""
    return match["street"].strip().rstrip(","), match["number"].replace(" ", "")


_COUNTRY_PREFIX = re.compile(r"^[A-Z]{1,3}\s*-\s*(?=\d)")


def normalize_postal_code(code: str | None, country: str | None = None) -> str:
    """Postal code for matching: upper case, no spaces, no "D-" prefix.

    A German code that a spreadsheet shortened to four digits ("1067" for
    Dresden's "01067") gets its leading zero back; Austrian and Swiss codes
    have four digits, so this happens only when ``country`` is "DE".
    """
    text = (code or "").strip().upper()
    text = _COUNTRY_PREFIX.sub("", text)
    text = re.sub(r"[\s.]+", "", text)
    if country == "DE" and text.isdigit() and len(text) == 4:
        text = "0" + text
    return text


def similarity(a: str, b: str) -> float:
    """0–100: how alike two already normalised texts are, word order ignored."""
    if not a or not b:
        return 0.0
    return fuzz.token_sort_ratio(a, b)


def company_similarity(a: str | None, b: str | None) -> float:
    """0–100 for two company names as written ("Müller Bau GmbH" vs "Mueller-Bau KG")."""
    return similarity(normalize_company(a), normalize_company(b))


def street_similarity(a: str | None, b: str | None) -> float:
    """0–100 for two streets as written; different house numbers count as different."""
    street_a, number_a = split_street(normalize_street(a))
    street_b, number_b = split_street(normalize_street(b))
    if number_a != number_b:
        return 0.0
    return similarity(street_a, street_b)
