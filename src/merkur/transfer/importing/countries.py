"""Country as written in address files → ISO 3166 code.

Files write "DE", "DEU", "D" (the old car sign), "Deutschland", "Germany",
"Schweiz", "Suisse" or "CH-". One table of every form in German and English
(plus the usual French and Italian names of our neighbours) answers them all.
"""

from functools import cache, lru_cache

from django.utils import translation
from django_countries import countries

from merkur.core.text import fold

# Car signs (Länderkennzeichen) as German address lists still write them.
_CAR_SIGNS = {
    "D": "DE",
    "A": "AT",
    "CH": "CH",
    "FL": "LI",
    "L": "LU",
    "B": "BE",
    "NL": "NL",
    "F": "FR",
    "I": "IT",
    "E": "ES",
    "P": "PT",
    "DK": "DK",
    "S": "SE",
    "N": "NO",
    "FIN": "FI",
    "PL": "PL",
    "CZ": "CZ",
    "SK": "SK",
    "H": "HU",
    "SLO": "SI",
    "HR": "HR",
    "GB": "GB",
    "IRL": "IE",
    "USA": "US",
}
# Names found in files that are neither the German nor the English one.
_OTHER_NAMES = {
    "suisse": "CH",
    "svizzera": "CH",
    "schweizerische eidgenossenschaft": "CH",
    "bundesrepublik deutschland": "DE",
    "brd": "DE",
    "oesterreich": "AT",
    "republik oesterreich": "AT",
    "england": "GB",
    "grossbritannien": "GB",
    "great britain": "GB",
    "vereinigtes koenigreich": "GB",
    "holland": "NL",
    "niederlande": "NL",
    "vereinigte staaten": "US",
    "vereinigte staaten von amerika": "US",
    "united states of america": "US",
    "italia": "IT",
    "france": "FR",
    "espana": "ES",
    "letzebuerg": "LU",
    "luxemburg": "LU",
}


@cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for language in ("en", "de"):
        with translation.override(language):
            for country in countries:
                table.setdefault(fold(str(country.name)), country.code)
    for country in countries:
        table.setdefault(fold(country.code), country.code)
        alpha3 = countries.alpha3(country.code)
        if alpha3:
            table.setdefault(fold(alpha3), country.code)
    for sign, code in _CAR_SIGNS.items():
        table.setdefault(fold(sign), code)
    for name, code in _OTHER_NAMES.items():
        table.setdefault(name, code)
    return table


@lru_cache(maxsize=10_000)
def country_code(text: str) -> str | None:
    """The ISO code for ``text`` ("Deutschland", "germany", "DEU", "D", "ch"), else ``None``."""
    key = fold(text).strip(" .-")
    if not key:
        return None
    return _table().get(key)
