"""The kinds of records that attributes of type "link" and journal contacts may point at.

One registry: each app registers its linkable models in ``AppConfig.ready``
(companies and people now; orders, articles, batches … when the business data
lands). A kind's key is stored with the link, so keys never change.
"""

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class LinkableKind:
    key: str
    model: type[models.Model]
    label: str


_KINDS: dict[str, LinkableKind] = {}


def register(key: str, model: type[models.Model], label) -> None:
    _KINDS[key] = LinkableKind(key=key, model=model, label=label)


def kinds() -> list[LinkableKind]:
    return list(_KINDS.values())


def kind(key: str) -> LinkableKind | None:
    return _KINDS.get(key)


def choices() -> list[tuple[str, str]]:
    return [(k.key, str(k.label)) for k in _KINDS.values()]
