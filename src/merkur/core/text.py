"""Text helpers shared by search and import."""

import re
import unicodedata

_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe"})
_SPACE = re.compile(r"\s+")


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
