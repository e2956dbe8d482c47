"""How a list of recipients is made: sort, de-duplication, purpose, and its page.

The builder, a frozen run's page and their CSV files read the same choices; a value
that is not one of them is the default, never an error.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy

MAX_OFFSET = 10**9

SORTS = [
    ("postal_code", gettext_lazy("Postal code (bulk mail)")),
    ("name", gettext_lazy("Name")),
    ("company", gettext_lazy("Company")),
    ("country", gettext_lazy("Country and city")),
]
DEDUPES = [
    ("person", gettext_lazy("One row per person")),
    ("address", gettext_lazy("One letter per address")),
    ("company", gettext_lazy("One letter per company")),
]
PURPOSES = [
    ("marketing", gettext_lazy("Marketing")),
    ("non_marketing", gettext_lazy("Not marketing: everybody")),
]


def _choice(data, name: str, choices: list, default: str) -> str:
    value = data.get(name, "")
    return value if value in {key for key, _label in choices} else default


@dataclass(frozen=True)
class Output:
    """How the recipients are listed: sort, de-duplication and purpose (an unknown
    value is the default, never an error)."""

    sort: str = "postal_code"
    dedupe: str = "person"
    purpose: str = "marketing"

    @classmethod
    def read(cls, data, *, purpose: str = "marketing") -> "Output":
        return cls(
            sort=_choice(data, "sort", SORTS, "postal_code"),
            dedupe=_choice(data, "dedupe", DEDUPES, "person"),
            purpose=_choice(data, "purpose", PURPOSES, purpose),
        )

    @property
    def sort_label(self) -> str:
        return str(dict(SORTS)[self.sort])


def read_offset(data) -> int:
    text = str(data.get("offset", "")).strip()
    if not text.isdigit() or len(text) > 10:
        return 0
    return min(int(text), MAX_OFFSET)
