"""From a file to the options of its import: detection, overrides, the suggested mapping.

Shared by the CLI and the upload screens, so both suggest the same.
"""

from pathlib import Path

from django.utils.translation import gettext as _

from merkur.transfer.columns import TARGETS_BY_KEY, Mapping, MappingError, Split, header_key
from merkur.transfer.columns import suggest_mapping as suggest
from merkur.transfer.reading import open_table
from merkur.transfer.sniff import Detection, sniff


def detect(path: Path | str, **overrides) -> Detection:
    """What ``sniff`` finds, with the user's choices (encoding, delimiter, has_header …).

    Raises ``ReadError`` (empty, not text) or ``InvalidDetection``.
    """
    detection = sniff(path)
    chosen = {key: value for key, value in overrides.items() if value is not None}
    return detection.override(**chosen) if chosen else detection


def header_of(path: Path | str, detection: Detection) -> list[str] | None:
    with open_table(path, detection) as table:
        return table.header


def mapping_for(
    header: list[str] | None, columns: dict[int, str] | None = None, *, width: int = 0
) -> Mapping:
    """The suggested mapping for ``header``, with ``columns`` (index → target) on top.

    A target of ``""`` in ``columns`` unmaps that column.
    """
    chosen = suggest(header) if header is not None else {}
    for column, target in (columns or {}).items():
        if target:
            chosen[column] = target
        else:
            chosen.pop(column, None)
    return Mapping.from_columns(chosen, header)


def parse_map_arguments(arguments: list[str], header: list[str] | None) -> dict[int, str]:
    """ "Firma=company.name" or "3=person.email" (column number, from 1) → {index: target}.

    Raises ``MappingError`` naming what it cannot use.
    """
    columns = {}
    for argument in arguments:
        name, sep, target = argument.partition("=")
        name, target = name.strip(), target.strip()
        if not sep or not name:
            raise MappingError(
                _("“%(argument)s” is not COLUMN=FIELD (e.g. Firma=company.name).")
                % {"argument": argument}
            )
        if target and target not in TARGETS_BY_KEY:
            raise MappingError(
                _("%(target)s is not a field an address import can fill.") % {"target": target}
            )
        columns[_column_index(name, header)] = target
    return columns


def _column_index(name: str, header: list[str] | None) -> int:
    if header is not None:
        key = header_key(name)
        for index, column in enumerate(header):
            if header_key(column) == key:
                return index
    if name.isascii() and name.isdigit() and int(name) >= 1:
        return int(name) - 1
    raise MappingError(_("The file has no column “%(name)s”.") % {"name": name})


_SPLIT_TARGET = {"person_name": "person.full_name", "postal_code_city": "address.postal_code_city"}


def columns_of(mapping: Mapping) -> dict[int, str]:
    """Column → target as a form shows it: ``Mapping.from_columns`` backwards."""
    columns: dict[int, str] = {}
    for rule in mapping.rules:
        if isinstance(rule, Split):
            columns[rule.source] = _SPLIT_TARGET[rule.splitter]
            continue
        for position, index in enumerate(rule.sources):
            target = rule.target
            if target == "address.street" and position > 0:
                target = "address.house_number"
            columns[index] = target
    return columns
