"""Writing text in the chosen encoding, with a report of what it cannot hold.

Windows-1252 and ISO-8859-15 hold the letters of Western Europe, not "ő" (Hungarian),
"ł" (Polish) or an emoji. Each such character is reported with its row, column and
code point; the user chooses whether the export is refused (``refuse``: nothing is
written, the report says what to fix) or the character is written as ``?``
(``replace``). Text is encoded a chunk at a time and looked at cell by cell only
when a chunk fails, so the check costs nothing on clean data.
"""

import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

MAX_EXAMPLES = 100


@dataclass(frozen=True)
class Problem:
    row: int  # 0: the heading
    column: str
    character: str

    @property
    def code_point(self) -> str:
        return f"U+{ord(self.character):04X}"

    def describe(self) -> str:
        name = unicodedata.name(self.character, "")
        where = _("heading") if self.row == 0 else _("row %(row)s") % {"row": self.row}
        return _("%(where)s, column “%(column)s”: “%(char)s” (%(code)s %(name)s)") % {
            "where": where,
            "column": self.column,
            "char": self.character,
            "code": self.code_point,
            "name": name,
        }

    def to_dict(self) -> dict:
        return {
            "row": self.row,
            "column": self.column,
            "character": self.character,
            "code_point": self.code_point,
        }


class EncodingRefused(Exception):
    """Characters the encoding cannot hold, with ``on_unencodable="refuse"``."""

    def __init__(self, report: "Report"):
        super().__init__(report.message())
        self.report = report


@dataclass
class Report:
    encoding: str
    policy: str
    count: int = 0
    examples: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(problem)

    def message(self) -> str:
        if not self.count:
            return ""
        if self.policy == "refuse":
            head = _(
                "%(count)s characters cannot be written in %(encoding)s; nothing was exported. "
                "Change these values, choose UTF-8, or let them be written as “?”:"
            )
        else:
            head = _("%(count)s characters cannot be written in %(encoding)s and became “?”:")
        lines = [head % {"count": self.count, "encoding": self.encoding}]
        lines.extend(problem.describe() for problem in self.examples)
        if self.count > len(self.examples):
            lines.append(_("… and %(more)s more.") % {"more": self.count - len(self.examples)})
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "encoding": self.encoding,
            "policy": self.policy,
            "count": self.count,
            "examples": [problem.to_dict() for problem in self.examples],
        }


class Encoder:
    """Text to bytes in ``options.encoding``; unencodable characters reported."""

    def __init__(self, options):
        self.codec = options.codec
        self.bom = options.bom
        self.report = Report(encoding=options.encoding, policy=options.on_unencodable)
        self.refusing = options.on_unencodable == "refuse"

    def start(self) -> bytes:
        return "\ufeff".encode(self.codec) if self.bom else b""

    def encode(self, text: str) -> bytes | None:
        """``text`` encoded, or None if it holds a character the encoding has not."""
        try:
            return text.encode(self.codec)
        except UnicodeEncodeError:
            return None

    def encode_row(self, number: int, text: str, cells: list[tuple[str, str]]) -> bytes:
        """One row's ``text``; where it fails, each bad character of ``cells`` (label, text)
        is reported and written as "?" — or nothing is written when refusing."""
        encoded = self.encode(text)
        if encoded is not None:
            return b"" if self.report.count and self.refusing else encoded
        reported = False
        for label, cell in cells:
            for char in cell:
                if self.encode(char) is None:
                    self.report.add(Problem(number, label, char))
                    reported = True
        if not reported:  # a character of the template itself
            for char in text:
                if self.encode(char) is None:
                    self.report.add(Problem(number, _("(template)"), char))
        if self.refusing:
            return b""
        return text.encode(self.codec, errors="replace")

    def finish(self) -> None:
        if self.refusing and self.report.count:
            raise EncodingRefused(self.report)
