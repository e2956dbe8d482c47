"""The steps of an address import that the API takes in one request and the screens in forms.

Uploading, applying a profile, the preview, starting a job and following it are
the screens' own functions (``views._prepare``, ``_preview``, ``_start``,
``_job_of``), used here as they are. What the screens do inside their forms —
re-reading the file with another encoding or separator, changing the mapping
column by column, checking a link target — is here, in the API's terms: a dict
of changes in, the import's draft options changed or a ``ValidationError``
naming the fields.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from merkur.transfer.columns import Mapping, MappingError
from merkur.transfer.importing import links
from merkur.transfer.importing.countries import country_code
from merkur.transfer.importing.options import (
    ALL_OR_NOTHING,
    DEFAULT_SIMILARITY,
    REQUIRED_TARGETS,
    ImportOptions,
    OptionsError,
    mapped_targets,
)
from merkur.transfer.importing.prepare import (
    columns_of,
    header_of,
    mapping_for,
    parse_map_arguments,
)
from merkur.transfer.importing.views import _prepare as prepare_upload
from merkur.transfer.importing.views import _preview as preview_of
from merkur.transfer.models import AddressImport, ImportProfile
from merkur.transfer.models.imports import ImportStatus
from merkur.transfer.reading import ReadError
from merkur.transfer.sniff import Detection, InvalidDetection

# The API's names of the reading settings → ``Detection``'s.
READING = {"encoding": "encoding", "separator": "delimiter", "quotechar": "quotechar",
           "has_header": "has_header"}  # fmt: skip
# Changing only these keeps a dry run valid (as the screens' decisions form does).
DECISIONS = ("decisions", "row_decisions")
PLAIN = ("mode", "roles", "number_format", "date_format", "similarity", "link_matches")
# The draft's keys that come from the file and a profile, not from the other settings.
FROM_FILE = ("detection", "mapping", "number_format", "date_format")


def find_profile(user, reference) -> ImportProfile:
    """A profile the user may use, by id or name (their own before a colleague's shared one)."""
    profiles = ImportProfile.objects.visible_to(user)
    text = str(reference).strip()
    if text.isascii() and text.isdigit() and len(text) < 18:
        found = profiles.filter(pk=int(text)).first()
        if found is not None:
            return found
    named = list(profiles.filter(name__iexact=text).order_by("id")[:20])
    own = [profile for profile in named if profile.owner_id == user.pk]
    if own or len(named) == 1:
        return (own or named)[0]
    if named:
        message = _("Several colleagues share a profile of this name; give its id.")
    else:
        message = _("No import profile of this id or name.")
    raise ValidationError({"profile": [message]})


def prepare(record: AddressImport, *, profile: ImportProfile | None, reading: dict) -> None:
    """Detect how a new upload is written, suggest its mapping, apply the reading choices.

    ``ValidationError`` (``file``, ``profile`` or a reading field) if it cannot be read.
    """
    try:
        prepare_upload(record, profile)
    except (ReadError, InvalidDetection, MappingError) as error:
        field = "profile" if isinstance(error, MappingError) and profile else "file"
        raise ValidationError({field: [str(error)]}) from None
    if reading:
        draft = dict(record.options)
        _reread(record, draft, reading)
        record.options = draft
        record.save(update_fields=["options"])


def settings_of(record: AddressImport) -> dict:
    """The import's options besides reading and mapping, with the defaults filled in."""
    draft = record.options or {}
    return {
        "mode": draft.get("mode", ALL_OR_NOTHING),
        "roles": list(draft.get("roles") or ["prospect"]),
        "country": draft.get("country") or "",
        "number_format": draft.get("number_format", "de"),
        "date_format": draft.get("date_format", "dmy"),
        "similarity": draft.get("similarity", DEFAULT_SIMILARITY),
        "link": draft.get("link"),
        "link_matches": draft.get("link_matches", True),
        "decisions": draft.get("decisions") or {},
        "row_decisions": draft.get("row_decisions") or {},
    }


def change_settings(record: AddressImport, changes: dict, user) -> None:
    """Apply ``changes`` (the API's names) to the import's draft and save it.

    A profile is applied first (its reading options, mapping and formats, as on
    upload), then the reading settings (the file is read again; a different
    header gets a new suggested mapping), then the mapping, then the rest.
    A checked import goes back to "uploaded" unless only decisions changed: its
    dry run no longer says what the real run would do. Call inside a
    transaction: applying a profile saves the record before a later change may
    be refused.
    """
    if "profile" in changes:
        kept = {k: v for k, v in (record.options or {}).items() if k not in FROM_FILE}
        prepare(record, profile=find_profile(user, changes["profile"]), reading={})
        record.options = {**kept, **record.options}
    draft = dict(record.options or {})
    reading = {key: changes[key] for key in READING if key in changes}
    if reading:
        _reread(record, draft, reading)
    errors: dict[str, list[str]] = {}
    if "mapping" in changes:
        try:
            draft["mapping"] = _remap(
                record, draft, changes["mapping"], replace=changes.get("replace_mapping", False)
            ).to_dict()
        except MappingError as error:
            errors["mapping"] = [str(error)]
    for key in PLAIN:
        if key in changes:
            draft[key] = changes[key]
    if "decisions" in changes:
        draft["decisions"] = dict(changes["decisions"])
    if "row_decisions" in changes:
        draft["row_decisions"] = {str(line): act for line, act in changes["row_decisions"].items()}
    if "country" in changes:
        country = (changes["country"] or "").strip().upper()
        if country and country_code(country) != country:
            errors["country"] = [_("%(country)s is not a country code.") % {"country": country}]
        draft["country"] = country
    if "link" in changes:
        link = changes["link"]
        errors |= link_errors(link) if link else {}
        draft["link"] = link or None
    if errors:
        raise ValidationError(errors)
    record.options = draft
    stale = set(changes) - {*DECISIONS, "replace_mapping"}
    if stale and record.status == ImportStatus.CHECKED:
        record.status = ImportStatus.UPLOADED
    record.save()


def _reread(record: AddressImport, draft: dict, reading: dict) -> None:
    """Read the file with the user's encoding, separator, quote or header choice.

    As the reading form of the settings screen: the mapping stays if the header
    row reads the same, else the new header gets the suggested one.
    """
    detection = Detection.from_dict(draft.get("detection") or record.detection)
    values = {READING[key]: value for key, value in reading.items()}
    try:
        header = header_of(record.stored_path, detection)
        changed = detection.override(**values)
        new_header = header_of(record.stored_path, changed)
    except (ReadError, InvalidDetection) as error:
        raise ValidationError({next(iter(reading)): [str(error)]}) from None
    _check_header(new_header, changed.encoding, next(iter(reading)))
    if changed == detection:
        return
    keep = new_header == header and draft.get("mapping")
    draft["detection"] = changed.to_dict()
    draft["mapping"] = (Mapping.from_dict(keep) if keep else mapping_for(new_header)).to_dict()


def _check_header(header, encoding: str, field: str) -> None:
    """Refuse a header with null characters (UTF-16 read as UTF-8): PostgreSQL cannot store
    it. Sniffing refuses null bytes, so only a chosen encoding gets here."""
    if any("\x00" in name for name in header or ()):
        message = _(
            "Read as %(encoding)s the header has null characters; choose another encoding."
        ) % {"encoding": encoding}
        raise ValidationError({field: [message]})


def _remap(record: AddressImport, draft: dict, columns: dict, *, replace: bool) -> Mapping:
    """The draft's mapping with ``columns`` (column name or number → field, "" leaves
    it out) on top; ``replace``: only those columns. ``MappingError`` for the user."""
    detection = Detection.from_dict(draft["detection"])
    try:
        header = header_of(record.stored_path, detection)
    except ReadError as error:
        raise MappingError(str(error)) from None
    width = max(len(header or []), preview_of(record, detection)["width"])
    chosen = {} if replace else columns_of(Mapping.from_dict(draft["mapping"]))
    for name, target in columns.items():
        found = parse_map_arguments([f"{name}={target or ''}"], header)
        index, field = next(iter(found.items()))
        if index >= width:
            raise MappingError(_("The file has no column “%(name)s”.") % {"name": name})
        if field:
            chosen[index] = field
        else:
            chosen.pop(index, None)
    return Mapping.from_columns(chosen, header)


def link_errors(link: dict) -> dict[str, list[str]]:
    """Field errors of a link target that does not exist or has no such status."""
    kind = links.TARGETS.get(link["kind"])
    if kind is None:
        return {
            "link.kind": [
                _("Link to one of: %(kinds)s.") % {"kinds": ", ".join(sorted(links.TARGETS))}
            ]
        }
    if kind.find(link["reference"]) is None:
        message = _("%(kind)s %(reference)s does not exist.") % {
            "kind": kind.label,
            "reference": link["reference"],
        }
        return {"link.reference": [message]}
    status = link.get("status") or ""
    statuses = [value for value, _label in kind.statuses()] if kind.statuses else []
    if status and status not in statuses:
        if not statuses:
            return {"link.status": [_("%(kind)s links have no status.") % {"kind": kind.label}]}
        return {
            "link.status": [_("Choose one of: %(statuses)s.") % {"statuses": ", ".join(statuses)}]
        }
    return {}


def options_for_run(record: AddressImport) -> ImportOptions:
    """The complete options of a dry run or run; ``ValidationError`` naming what is missing."""
    try:
        return ImportOptions.from_dict(record.options)
    except OptionsError as error:
        raise ValidationError({_options_field(record.options): [str(error)]}) from None


def _options_field(draft: dict) -> str:
    try:
        mapped = mapped_targets(Mapping.from_dict((draft or {}).get("mapping")))
    except MappingError:
        return "mapping"
    return "mapping" if any(key not in mapped for key in REQUIRED_TARGETS) else "settings"


def last_run(record: AddressImport) -> dict:
    """The outcome the screens show: the real run's once it ran, else the dry run's."""
    return record.result or record.dry_run or {}


def visible_imports(user):
    return AddressImport.objects.visible_to(user).select_related("created_by", "profile")
