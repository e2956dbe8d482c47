"""Detect how a delimited text file is written: encoding, separator, quote, header.

Only the first ``SAMPLE_SIZE`` bytes are read. The certain signs come first
(byte order mark, zero bytes of UTF-16, valid UTF-8); charset-normalizer is
asked only when an 8-bit file does not read plausibly as Windows-1252, the
encoding Excel writes in German-speaking countries.
"""

import codecs
import csv
import dataclasses
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from merkur.transfer.columns import known_header
from merkur.transfer.reading import BOMS, EmptyFile, NotText, Source, open_binary, split_lines

SAMPLE_SIZE = 64 * 1024
DELIMITERS = (";", ",", "\t", "|")
QUOTECHARS = ('"', "'")
# What the user may choose; the names are Python codec names.
ENCODINGS = (
    "utf-8",
    "cp1252",
    "iso-8859-1",
    "iso-8859-15",
    "utf-16-le",
    "utf-16-be",
    "utf-32-le",
    "utf-32-be",
    "cp850",
    "cp437",
    "mac-roman",
    "cp1250",
    "iso-8859-2",
)
# What charset-normalizer may answer for an 8-bit file in a German-speaking
# office: DOS (Excel's "CSV (MS-DOS)"), old Macs, Latin-9 and Central Europe.
_GUESSABLE = ("cp1252", "cp850", "mac-roman", "iso-8859-15", "cp437", "cp1250", "iso-8859-2")
_HEADER_ROWS = 50


class InvalidDetection(ValueError):
    """A user's override that cannot be used; ``str()`` is for the user."""


@dataclass(frozen=True)
class Detection:
    """How to read a file; what ``sniff`` found or what the user chose instead.

    ``confidence`` (0–1) is the weakest of the three guesses; ``notes`` say in
    the user's language how each was made, for the upload screen.
    """

    encoding: str
    delimiter: str
    quotechar: str = '"'
    has_header: bool = True
    columns: int = 0
    confidence: float = 1.0
    notes: tuple[str, ...] = ()

    def override(self, **changes) -> "Detection":
        """A copy with the user's choices; the guesses' notes no longer apply."""
        unknown = set(changes) - {"encoding", "delimiter", "quotechar", "has_header"}
        if unknown:
            raise TypeError(f"cannot override {sorted(unknown)}")
        changed = dataclasses.replace(self, **changes, confidence=1.0, notes=())
        changed.validate()
        return changed

    def validate(self) -> None:
        if self.encoding not in ENCODINGS:
            raise InvalidDetection(
                _("%(encoding)s is not an encoding Merkur can read.") % {"encoding": self.encoding}
            )
        if self.delimiter not in DELIMITERS:
            raise InvalidDetection(
                _("%(delimiter)s is not a separator Merkur can read.")
                % {"delimiter": repr(self.delimiter)}
            )
        if self.quotechar not in (*QUOTECHARS, ""):
            raise InvalidDetection(
                _("%(quote)s is not a quote character Merkur can read.")
                % {"quote": repr(self.quotechar)}
            )
        if not isinstance(self.has_header, bool):
            raise InvalidDetection(_("Say whether the first row is a header."))

    def to_dict(self) -> dict:
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "quotechar": self.quotechar,
            "has_header": self.has_header,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Detection":
        """Read a detection back from a job or a form; invalid values raise."""
        try:
            detection = cls(
                encoding=data["encoding"],
                delimiter=data["delimiter"],
                quotechar=data.get("quotechar", '"'),
                has_header=data.get("has_header", True),
            )
        except (KeyError, TypeError):
            raise InvalidDetection(_("The reading settings are incomplete.")) from None
        detection.validate()
        return detection


def sniff(source: Source) -> Detection:
    """Detect the encoding, separator, quote character and header of ``source``.

    Raises ``EmptyFile`` or ``NotText``. A file object is read from and put
    back to its current position.
    """
    binary, owned = open_binary(source)
    try:
        start = binary.tell()
        sample = binary.read(SAMPLE_SIZE)
        binary.seek(start)
    finally:
        if owned:
            binary.close()
    if not sample:
        raise EmptyFile()
    truncated = len(sample) == SAMPLE_SIZE
    encoding, encoding_confidence, encoding_note = detect_encoding(sample, truncated=truncated)
    text = _decode_sample(sample, encoding, truncated=truncated)
    if not text.strip():
        raise EmptyFile()
    dialect = _detect_dialect(text)
    has_header, header_confidence, header_note = _detect_header(dialect.rows)
    return Detection(
        encoding=encoding,
        delimiter=dialect.delimiter,
        quotechar=dialect.quotechar,
        has_header=has_header,
        columns=dialect.columns,
        confidence=round(min(encoding_confidence, dialect.confidence, header_confidence), 2),
        notes=(encoding_note, dialect.note, header_note),
    )


# --- encoding ---------------------------------------------------------------

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
# A non-letter between two letters ("M„rz") is how DOS umlauts look in cp1252.
_WRONG_IN_WORD = re.compile(r"(?<=[A-Za-z])[^\x00-\x7f\w](?=[a-z])")


def detect_encoding(sample: bytes, *, truncated: bool = False) -> tuple[str, float, str]:
    """(codec name, confidence, note) for the first bytes of a file."""
    for bom, name in BOMS:
        if sample.startswith(bom):
            return (
                name,
                1.0,
                _("Encoding %(encoding)s, marked at the start of the file.")
                % {"encoding": display_encoding(name)},
            )
    if b"\x00" in sample:
        return _utf16_without_bom(sample)
    if len(_CONTROL.findall(sample)) > max(2, len(sample) // 100):
        raise NotText()
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=not truncated)
    except UnicodeDecodeError:
        return _eight_bit(sample)
    if sample.isascii():
        return (
            "utf-8",
            0.9,
            _(
                "Only ASCII characters at the start of the file; read as UTF-8. "
                "If umlauts look wrong further down, choose Windows-1252."
            ),
        )
    return "utf-8", 1.0, _("Encoding UTF-8.")


def _utf16_without_bom(sample: bytes) -> tuple[str, float, str]:
    # In UTF-16 text of Latin letters every other byte is zero.
    half = max(1, len(sample) // 2)
    even, odd = sample[0::2].count(0) / half, sample[1::2].count(0) / half
    note = _("Encoding %(encoding)s assumed from the zero bytes; there is no byte order mark.")
    if odd > 0.3 and even < 0.05:
        return "utf-16-le", 0.8, note % {"encoding": display_encoding("utf-16-le")}
    if even > 0.3 and odd < 0.05:
        return "utf-16-be", 0.8, note % {"encoding": display_encoding("utf-16-be")}
    raise NotText()


def _eight_bit(sample: bytes) -> tuple[str, float, str]:
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and len(_WRONG_IN_WORD.findall(text)) <= _plausible_slack(text):
        if re.search(rb"[\x80-\x9f]", sample):
            return (
                "cp1252",
                1.0,
                _(
                    "Encoding Windows-1252 (as Excel writes it): the file has characters "
                    "such as € that ISO-8859-1 lacks."
                ),
            )
        return (
            "cp1252",
            0.95,
            _("Encoding Windows-1252 (as Excel writes it); ISO-8859-1 reads this file the same."),
        )
    return _guess(sample)


def _plausible_slack(text: str) -> int:
    letters = sum(1 for ch in text if ord(ch) > 127 and unicodedata.category(ch).startswith("L"))
    return letters // 20


def _guess(sample: bytes) -> tuple[str, float, str]:
    """The 8-bit encoding under which the sample reads most like German text.

    Umlauts and ß count for an encoding, stray symbols inside words against
    it; when no candidate reads as German, charset-normalizer decides.
    """
    note = _("Encoding %(encoding)s is a guess; check the umlauts in the preview.")
    scores = []
    for encoding in _GUESSABLE:
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        scores.append((_german_score(text), -len(scores), encoding))
    if scores and max(scores)[0] > 0:
        encoding = max(scores)[2]
        return encoding, 0.7, note % {"encoding": display_encoding(encoding)}
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(_GUESSABLE)).best()
    found = codecs.lookup(best.encoding).name if best else None
    names = {codecs.lookup(name).name: name for name in _GUESSABLE}
    if found in names:
        return names[found], 0.5, note % {"encoding": display_encoding(names[found])}
    return (
        "iso-8859-1",
        0.3,
        _("The encoding could not be recognised; read as ISO-8859-1. Check the preview."),
    )


_GERMAN_LETTERS = frozenset("äöüÄÖÜß")


def _german_score(text: str) -> int:
    good = sum(1 for ch in text if ch in _GERMAN_LETTERS)
    bad = len(_WRONG_IN_WORD.findall(text)) + sum(
        1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n"
    )
    return good - 3 * bad


_DISPLAY = {
    "utf-8": "UTF-8",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "utf-32-le": "UTF-32 LE",
    "utf-32-be": "UTF-32 BE",
    "cp1252": "Windows-1252",
    "cp1250": "Windows-1250",
    "iso-8859-1": "ISO-8859-1",
    "iso-8859-15": "ISO-8859-15",
    "iso-8859-2": "ISO-8859-2",
    "cp850": "DOS (CP850)",
    "cp437": "DOS (CP437)",
    "mac-roman": "Mac Roman",
}


def display_encoding(name: str) -> str:
    return _DISPLAY.get(name, name)


def _decode_sample(sample: bytes, encoding: str, *, truncated: bool) -> str:
    for bom, name in BOMS:
        if name == encoding and sample.startswith(bom):
            sample = sample[len(bom) :]
            break
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    if truncated:
        # Drop the last, probably cut, line.
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut > 0:
            text = text[: cut + 1]
    return text


# --- dialect ----------------------------------------------------------------


@dataclass(frozen=True)
class _Dialect:
    delimiter: str
    quotechar: str
    columns: int
    confidence: float
    note: str
    rows: list[list[str]]


def _detect_dialect(text: str) -> _Dialect:
    """Pick the separator and quote under which the rows agree best on a width."""
    scored = []
    for preference, (delimiter, quotechar) in enumerate(
        (d, q) for q in QUOTECHARS for d in DELIMITERS
    ):
        rows = _parse(text, delimiter, quotechar)
        if not rows:
            continue
        width, count = Counter(len(row) for row in rows).most_common(1)[0]
        share = count / len(rows)
        # Fields still wrapped in quotes were quoted with the other character:
        # a file quoted with " but one unclosed quote reads evenly with ',
        # leaving every field in quotes. Where both read evenly, " is the
        # standard (' would cut quoted fields at their separators: more columns).
        key = (
            width > 1,
            round(share - _wrapped(rows), 1),
            quotechar == '"',
            width,
            -preference,
        )
        scored.append((key, delimiter, quotechar, width, share, rows))
    scored.sort(key=lambda item: item[0], reverse=True)
    _key, delimiter, quotechar, width, share, rows = scored[0]
    label = DELIMITER_LABELS[delimiter]
    if width == 1:
        return _Dialect(
            delimiter, quotechar, 1, 0.3, _("Only one column found; check the separator."), rows
        )

    def rank(item) -> tuple:  # the key without the quote preference
        return item[0][:2] + item[0][3:4]

    rivals = [item for item in scored[1:] if rank(item) == rank(scored[0])]
    confidence = share * (0.7 if any(item[1] != delimiter for item in rivals) else 1.0)
    note = _("Separator %(delimiter)s: %(percent)s%% of the rows have %(columns)s fields.") % {
        "delimiter": label,
        "percent": round(share * 100),
        "columns": width,
    }
    return _Dialect(delimiter, quotechar, width, confidence, note, rows)


def _wrapped(rows: list[list[str]]) -> float:
    """The share of non-empty fields that begin and end with a quote character."""
    fields = [field for row in rows for field in row if field]
    if not fields:
        return 0.0
    wrapped = sum(
        1 for field in fields if len(field) > 1 and field[0] == field[-1] and field[0] in QUOTECHARS
    )
    return wrapped / len(fields)


def _parse(text: str, delimiter: str, quotechar: str) -> list[list[str]]:
    reader = csv.reader(split_lines(text), delimiter=delimiter, quotechar=quotechar)
    try:
        return [row for row in reader if row]
    except csv.Error:
        return []


DELIMITER_LABELS = {";": "“;”", ",": "“,”", "\t": "Tab", "|": "“|”"}


# --- header -----------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)


def _kind(value: str) -> str:
    value = value.strip()
    if not value:
        return "empty"
    if _EMAIL.match(value):
        return "email"
    if _URL.match(value):
        return "url"
    digits = sum(ch.isdigit() for ch in value)
    if digits and digits * 2 >= len(value.replace(" ", "")):
        return "digits"
    return "text"


def _detect_header(rows: list[list[str]]) -> tuple[bool, float, str]:
    """Is the first row a header? (answer, confidence, note).

    Known column names are the strong sign; then, per column, whether the
    first cell is text above a column of numbers, e-mail addresses or web
    addresses (a header) or of the same kind as them (data).
    """
    first, rest = rows[0], rows[1:_HEADER_ROWS]
    known = sum(1 for cell in first if known_header(cell))
    if known >= 2 or (known and known * 2 >= len(first)):
        return True, 1.0, _("The first row names known columns, so it is the header.")
    score = 2 * known
    for column, cell in enumerate(first):
        kinds = Counter(_kind(row[column]) for row in rest if column < len(row))
        kinds.pop("empty", None)
        if not kinds:
            continue
        kind, count = kinds.most_common(1)[0]
        if kind == "text" or count < 0.8 * sum(kinds.values()):
            continue
        first_kind = _kind(cell)
        if first_kind == kind:
            score -= 1
        elif first_kind == "text":
            score += 1
    if score > 0:
        return (
            True,
            0.8,
            _("The first row differs from the rows below it, so it is taken as the header."),
        )
    if score < 0:
        return False, 0.8, _("The first row looks like data, so the file has no header row.")
    return True, 0.5, _("Could not tell whether the first row is a header; please check.")
