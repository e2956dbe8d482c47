"""From a file to the options of its import: detection, overrides, the suggested mapping.

Shared by the CLI and the upload screens, so both suggest the same.
"""

from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from merkur.transfer.columns import TARGETS_BY_KEY, Mapping, MappingError, Split, header_key
from merkur.transfer.columns import suggest_mapping as suggest
from merkur.transfer.reading import ReadError, open_table
from merkur.transfer.sniff import Detection, sniff


class FileGone(ReadError):
    """The stored upload was removed (e.g. the data folder cleaned up): nothing to read."""

    message = gettext_noop("The uploaded file is gone; upload it again.")


class NullCharacters(ReadError):
    """A header read with the wrong encoding (UTF-16 as UTF-8): PostgreSQL cannot store it.

    Sniffing refuses null bytes, so only an encoding the user chose gets here.
    """

    message = gettext_noop(
        "Read as %(encoding)s the header has null characters; choose another encoding."
    )


def detect(path: Path | str, **overrides) -> Detection:
    """What ``sniff`` finds, with the user's choices (encoding, delimiter, has_header …).

    Raises ``ReadError`` (empty, not text) or ``InvalidDetection``.
    """
    try:
        detection = sniff(path)
    except FileNotFoundError:
        raise FileGone() from None
    chosen = {key: value for key, value in overrides.items() if value is not None}
    return detection.override(**chosen) if chosen else detection


def header_of(path: Path | str, detection: Detection) -> list[str] | None:
    """The file's header row as ``detection`` reads it (None without one).

    Raises ``ReadError``: ``FileGone``, ``NullCharacters`` and what reading finds.
    """
    try:
        with open_table(path, detection) as table:
            header = table.header
    except FileNotFoundError:
        raise FileGone() from None
    if any("\x00" in name for name in header or ()):
        raise NullCharacters(encoding=detection.encoding)
    return header


def reread(
    path: Path | str, detection: Detection, changes: dict, mapping: dict | None
) -> tuple[Detection, dict | None]:
    """``detection`` with ``changes`` (encoding, delimiter, quotechar, has_header) and the
    mapping for it: the same while the header row reads the same, else the suggested one.

    The settings screen's reading form and the API's ``PATCH`` both come here.
    Raises ``ReadError`` (``FileGone``, ``NullCharacters`` …) or ``InvalidDetection``.
    """
    changed = detection.override(**changes)
    new_header = header_of(path, changed)
    if changed == detection:
        return detection, mapping
    try:
        header = header_of(path, detection)
    except ReadError:
        header = None
    if mapping and new_header == header:
        return changed, mapping
    return changed, mapping_for(new_header).to_dict()


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
        check_target(target)
        columns[column_index(name, header)] = target
    return columns


def check_target(target: str) -> None:
    """``MappingError`` unless ``target`` is a field an import fills ("" leaves a column out)."""
    if target and target not in TARGETS_BY_KEY:
        raise MappingError(
            _("%(target)s is not a field an address import can fill.") % {"target": target}
        )


def column_index(name: str, header: list[str] | None) -> int:
    """The column of ``name``: a header (as the mapping compares them) or a number from 1."""
    if header is not None:
        key = header_key(name)
        for index, column in enumerate(header):
            if header_key(column) == key:
                return index
    if name.isascii() and name.isdigit() and int(name) >= 1:
        return int(name) - 1
    raise MappingError(_("The file has no column “%(name)s”.") % {"name": name})


def remap(mapping: Mapping | None, columns: dict[int, str], header: list[str] | None) -> Mapping:
    """``mapping`` (None: nothing mapped) with ``columns`` (index → target) on top.

    A target of ``""`` unmaps that column. The CLI's ``--map`` on a profile and
    the API's ``mapping`` both come here.
    """
    chosen = columns_of(mapping) if mapping is not None else {}
    for index, target in columns.items():
        if target:
            chosen[index] = target
        else:
            chosen.pop(index, None)
    return Mapping.from_columns(chosen, header)


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
