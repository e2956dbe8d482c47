"""Everything an import run is told: how to read, how to map, what to do with duplicates.

``ImportOptions`` travels as JSON (``to_dict``/``from_dict``) from the upload
screens and the CLI to the worker and into the import record; ``from_dict``
checks every value and raises ``OptionsError`` with a message for the user.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from merkur.companies.models import CompanyRole
from merkur.transfer.columns import TARGETS_BY_KEY, Mapping, MappingError, Split
from merkur.transfer.sniff import Detection, InvalidDetection

# How duplicates are found, in the order they are tried: the customer number,
# an e-mail address, the normalised name at the same postal code and street
# (against the database), then an earlier row of the same file.
RULES = ("number", "email", "name", "file")
RULE_LABELS = {
    "number": gettext_lazy("Same customer number"),
    "email": gettext_lazy("Same e-mail address"),
    "name": gettext_lazy("Similar name at the same postal code and street"),
    "file": gettext_lazy("Same company as an earlier row of the file"),
}
SKIP, UPDATE, CREATE = "skip", "update", "create"
ACTIONS = (SKIP, UPDATE, CREATE)
ACTION_LABELS = {
    SKIP: gettext_lazy("Skip the row"),
    UPDATE: gettext_lazy("Update the existing record"),
    CREATE: gettext_lazy("Create a new record"),
}
# Nothing is merged unless the user says so.
DEFAULT_ACTION = SKIP

ALL_OR_NOTHING, GOOD_ROWS = "all_or_nothing", "good_rows"
MODES = (ALL_OR_NOTHING, GOOD_ROWS)

NUMBER_FORMATS = ("de", "ch", "en")
DATE_FORMATS = ("dmy", "ymd", "mdy")
DEFAULT_SIMILARITY = 88
MAX_ROW_DECISIONS = 100_000


class OptionsError(ValueError):
    """Options that cannot be used; ``str()`` is for the user."""


@dataclass(frozen=True)
class LinkTarget:
    """Link the imported companies and people to a record (see ``links``)."""

    kind: str  # a key of ``links.TARGETS``
    reference: str  # the number (order) or id of the record
    status: str = ""  # for targets with a member status (marketing events)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "reference": self.reference, "status": self.status}


@dataclass(frozen=True)
class ImportOptions:
    detection: Detection
    mapping: Mapping
    mode: str = ALL_OR_NOTHING
    decisions: dict[str, str] = field(default_factory=dict)  # rule → action
    row_decisions: dict[int, str] = field(default_factory=dict)  # line → action
    roles: tuple[str, ...] = (CompanyRole.PROSPECT,)
    country: str = ""  # for rows without a country; "" = MERKUR_HOME_COUNTRY
    number_format: str = "de"
    date_format: str = "dmy"
    similarity: int = DEFAULT_SIMILARITY
    link: LinkTarget | None = None
    # Rows skipped because they match an existing record still link that record.
    link_matches: bool = True
    # Functions and titles not yet in their master tables are added there
    # (``master_entries``) instead of refusing the row.
    add_to_master_tables: bool = False

    def action_for(self, rule: str, line: int) -> str:
        """What to do with the row on ``line`` that matched by ``rule``."""
        return self.row_decisions.get(line) or self.decisions.get(rule) or DEFAULT_ACTION

    @property
    def default_country(self) -> str:
        return self.country or settings.MERKUR_HOME_COUNTRY

    def to_dict(self) -> dict:
        return {
            "detection": self.detection.to_dict(),
            "mapping": self.mapping.to_dict(),
            "mode": self.mode,
            "decisions": dict(self.decisions),
            "row_decisions": {str(line): action for line, action in self.row_decisions.items()},
            "roles": list(self.roles),
            "country": self.country,
            "number_format": self.number_format,
            "date_format": self.date_format,
            "similarity": self.similarity,
            "link": self.link.to_dict() if self.link else None,
            "link_matches": self.link_matches,
            "add_to_master_tables": self.add_to_master_tables,
        }

    @classmethod
    def from_dict(cls, data) -> "ImportOptions":
        if not isinstance(data, dict):
            raise OptionsError(_("The import settings are incomplete."))
        try:
            detection = Detection.from_dict(data.get("detection") or {})
            mapping = Mapping.from_dict(data.get("mapping"))
        except (InvalidDetection, MappingError) as error:
            raise OptionsError(str(error)) from None
        options = cls(
            detection=detection,
            mapping=mapping,
            mode=data.get("mode", ALL_OR_NOTHING),
            decisions=_decisions(data.get("decisions") or {}),
            row_decisions=_row_decisions(data.get("row_decisions") or {}),
            roles=tuple(data.get("roles") or (CompanyRole.PROSPECT,)),
            country=data.get("country") or "",
            number_format=data.get("number_format", "de"),
            date_format=data.get("date_format", "dmy"),
            similarity=data.get("similarity", DEFAULT_SIMILARITY),
            link=_link(data.get("link")),
            link_matches=bool(data.get("link_matches", True)),
            add_to_master_tables=bool(data.get("add_to_master_tables", False)),
        )
        options.validate()
        return options

    def validate(self) -> None:
        if self.mode not in MODES:
            raise OptionsError(_("Unknown import mode %(mode)s.") % {"mode": self.mode})
        if not self.roles or any(role not in CompanyRole.values for role in self.roles):
            raise OptionsError(_("Choose at least one known role for new companies."))
        if self.number_format not in NUMBER_FORMATS or self.date_format not in DATE_FORMATS:
            raise OptionsError(_("Unknown number or date format."))
        if not isinstance(self.similarity, int) or not 50 <= self.similarity <= 100:
            raise OptionsError(_("The similarity must be a whole number from 50 to 100."))
        if self.country:
            from merkur.transfer.importing.countries import country_code

            if country_code(self.country) != self.country:
                raise OptionsError(
                    _("%(country)s is not a country code.") % {"country": self.country}
                )
        mapped = mapped_targets(self.mapping)
        missing = [key for key in REQUIRED_TARGETS if key not in mapped]
        if missing:
            raise OptionsError(
                _("Map a column to each of: %(fields)s.")
                % {"fields": ", ".join(str(_(TARGETS_BY_KEY[key].label)) for key in missing)}
            )


# Every company needs these; without a column for them no row could be imported.
REQUIRED_TARGETS = ("company.name", "address.city")


def mapped_targets(mapping: Mapping) -> set[str]:
    """The targets a mapping fills (split rules fill several)."""
    targets = set()
    for rule in mapping.rules:
        if isinstance(rule, Split):
            targets |= SPLIT_TARGETS.get(rule.splitter, set())
        else:
            targets.add(rule.target)
    return targets


SPLIT_TARGETS = {
    "person_name": {"person.first_name", "person.last_name"},
    "postal_code_city": {"address.postal_code", "address.city"},
}


def _decisions(data) -> dict[str, str]:
    if not isinstance(data, dict):
        raise OptionsError(_("The duplicate decisions are malformed."))
    for rule, action in data.items():
        if rule not in RULES or action not in ACTIONS:
            raise OptionsError(_("The duplicate decisions are malformed."))
    return dict(data)


def _row_decisions(data) -> dict[int, str]:
    if not isinstance(data, dict) or len(data) > MAX_ROW_DECISIONS:
        raise OptionsError(_("The duplicate decisions are malformed."))
    result = {}
    for line, action in data.items():
        if not (str(line).isascii() and str(line).isdigit()) or action not in ACTIONS:
            raise OptionsError(_("The duplicate decisions are malformed."))
        result[int(line)] = action
    return result


def _link(data) -> LinkTarget | None:
    if not data:
        return None
    from merkur.transfer.importing import links

    if not isinstance(data, dict) or data.get("kind") not in links.TARGETS:
        raise OptionsError(_("Unknown link target."))
    reference = str(data.get("reference") or "").strip()
    if not reference:
        raise OptionsError(_("Name the record to link to."))
    return LinkTarget(data["kind"], reference, str(data.get("status") or ""))
