"""ISO 4217 currency codes (from Babel's CLDR data) and their names per locale."""

from functools import cache

from babel.numbers import get_currency_name, list_currencies


@cache
def codes() -> frozenset[str]:
    return frozenset(list_currencies())


def is_valid(code: str) -> bool:
    return code in codes()


def name(code: str, locale: str = "de") -> str:
    return get_currency_name(code, locale=locale.replace("-", "_"))
