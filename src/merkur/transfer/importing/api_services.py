"""The steps of an address import that the API takes in one request and the screens in forms.

Preparing an upload, the preview, starting a job and following it are shared
with the screens (``services``); reading the file again and changing the
mapping with the screens and the CLI (``prepare.reread``, ``remap``). Here they
are in the API's terms: a dict of changes in, the import's draft options
changed or a ``ValidationError`` naming the fields.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from merkur.transfer.columns import Mapping, MappingError
from merkur.transfer.importing import links, master_entries
from merkur.transfer.importing.countries import country_code
from merkur.transfer.importing.options import (
    ALL_OR_NOTHING,
    DEFAULT_ACTION,
    DEFAULT_SIMILARITY,
    REQUIRED_TARGETS,
    RULE_LABELS,
    ImportOptions,
    OptionsError,
    mapped_targets,
)
from merkur.transfer.importing.prepare import (
    FileGone,
    check_target,
    column_index,
    header_of,
    remap,
    reread,
)
from merkur.transfer.importing.services import prepare_upload, preview_of, save_settings
from merkur.transfer.models import AddressImport, ImportProfile
from merkur.transfer.models.imports import ImportStatus
from merkur.transfer.reading import ReadError
from merkur.transfer.sniff import Detection, InvalidDetection

# The API's names of the reading settings → ``Detection``'s.
READING = {"encoding": "encoding", "separator": "delimiter", "quotechar": "quotechar",
           "has_header": "has_header"}  # fmt: skip
# Changing only these keeps a dry run valid (as the screens' decisions form does).
DECISIONS = ("decisions", "row_decisions")
PLAIN = ("mode", "roles", "number_format", "date_format", "similarity", "link_matches",
         "add_to_master_tables")  # fmt: skip
# The draft's keys that come from the file and a profile, not from the other settings.
FROM_FILE = ("detection", "mapping", "number_format", "date_format")
# The changes that read the file.
READS_FILE = ("profile", *READING, "mapping")


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
        "add_to_master_tables": draft.get("add_to_master_tables", False),
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
    be refused. ``FileGone`` if a change needs the file and it is gone,
    ``services.Conflict`` if a job was started meanwhile.
    """
    if any(key in changes for key in READS_FILE) and not record.stored_path.exists():
        raise FileGone()
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
    if changes.get("add_to_master_tables") and not master_entries.may_add(user):
        errors["add_to_master_tables"] = [str(master_entries.NOT_ALLOWED)]
    if "link" in changes:
        link = changes["link"]
        errors |= links.errors(link) if link else {}
        draft["link"] = link or None
    if errors:
        raise ValidationError(errors)
    record.options = draft
    stale = set(changes) - {*DECISIONS, "replace_mapping"}
    if stale and record.status == ImportStatus.CHECKED:
        record.status = ImportStatus.UPLOADED
    save_settings(record)


def _reread(record: AddressImport, draft: dict, reading: dict) -> None:
    """Read the file with the user's encoding, separator, quote or header choice
    (``prepare.reread``, as the settings screen's reading form)."""
    detection = Detection.from_dict(draft.get("detection") or record.detection)
    values = {READING[key]: value for key, value in reading.items()}
    try:
        changed, mapping = reread(record.stored_path, detection, values, draft.get("mapping"))
    except FileGone:
        raise
    except (ReadError, InvalidDetection) as error:
        raise ValidationError({next(iter(reading)): [str(error)]}) from None
    draft["detection"] = changed.to_dict()
    draft["mapping"] = mapping


def _remap(record: AddressImport, draft: dict, columns: dict, *, replace: bool) -> Mapping:
    """The draft's mapping with ``columns`` (column name or number → field, "" leaves
    it out) on top; ``replace``: only those columns. ``MappingError`` for the user."""
    detection = Detection.from_dict(draft["detection"])
    try:
        header = header_of(record.stored_path, detection)
    except FileGone:
        raise
    except ReadError as error:
        raise MappingError(str(error)) from None
    width = max(len(header or []), preview_of(record, detection)["width"])
    chosen = {}
    for name, target in columns.items():
        target = (target or "").strip()
        check_target(target)
        index = column_index(name.strip(), header)
        if index >= width:
            raise MappingError(_("The file has no column “%(name)s”.") % {"name": name})
        chosen[index] = target
    return remap(None if replace else Mapping.from_dict(draft["mapping"]), chosen, header)


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


def duplicates_of(record: AddressImport) -> list[dict]:
    """The rows the dry run found duplicates of, as the screen's duplicates step lists
    them: the row, the rule, what it matched, what the dry run did with it and the
    decision that applies now (the line's own, else the rule's)."""
    current = settings_of(record)
    rows = []
    for match in (record.dry_run or {}).get("matches", []):
        line, rule = match["line"], match["rule"]
        own = current["row_decisions"].get(str(line))
        if match.get("company"):
            matched = {"kind": "company", "id": match["company"], "name": match["company_name"]}
        elif match.get("refers_to"):
            matched = {"kind": "line", "id": match["refers_to"], "name": ""}
        else:
            matched = None
        if matched is not None:
            matched["person"] = match.get("person")
        row = match.get("row") or {}
        rows.append(
            {
                "line": line,
                **{key: row.get(key, "") for key in ("name", "person", "place")},
                "rule": rule,
                "rule_label": str(RULE_LABELS.get(rule, rule)),
                "matched": matched,
                "action": match["action"],
                "decision": own or current["decisions"].get(rule) or DEFAULT_ACTION,
                "row_decision": own,
            }
        )
    return sorted(rows, key=lambda row: row["line"])


def visible_imports(user):
    return AddressImport.objects.visible_to(user).select_related("created_by", "profile")
