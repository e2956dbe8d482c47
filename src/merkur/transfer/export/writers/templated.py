"""User-defined text formats: a header, a template per row and a footer, in the sandbox.

The row template sees each column by its key, nested: ``{{ company.name }}``,
``{{ address.postal_code }}``, ``{{ company.attr.lizenzen }}`` — and all of them
flat in ``row`` (``{{ row["company.attr.umsatz@2024-12-31"] }}``), plus ``number``
(1, 2, …). Columns the template reads are exported without being chosen; a
misspelt one is refused with its line before anything is read. The header and
footer see ``export`` (``title``, ``date``, ``time``, ``user``, ``columns``; the
footer also ``count``).

Each rendered row is followed by the line ending; line breaks inside the
templates are written as that line ending too. The output is encoded like CSV
(``encoding``, ``on_unencodable``). Values cut by ``fixed`` are counted and
listed in the summary — the rule of fixed-width files made visible.
"""

import datetime
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from merkur.core.templating import Sandbox, TemplateProblem, template_names
from merkur.transfer.export import catalog
from merkur.transfer.export.encoding import Encoder
from merkur.transfer.export.writers import Writer
from merkur.transfer.export.writers.jsondata import nest

ROOTS = ("company", "person", "address", "contact", "billing", "delivery", "own")
PARTS = ("header", "row", "footer")
PART_LABELS = {"header": "template_header", "row": "template_row", "footer": "template_footer"}


def compile_parts(options) -> tuple[Sandbox, dict]:
    """The sandbox and the compiled parts; ``ValidationError`` on the part with the line."""
    sandbox = Sandbox()
    compiled = {}
    for part in PARTS:
        source = getattr(options, f"template_{part}")
        if not source:
            continue
        try:
            compiled[part] = sandbox.compile(source.replace("\r\n", "\n"), part=part)
        except TemplateProblem as problem:
            raise ValidationError({PART_LABELS[part]: str(problem)}) from None
    return sandbox, compiled


def referenced_keys(options, target: str) -> list[str]:
    """The column keys the row template reads (``company.name``, ``row["x.y"]``), in order.

    ``ValidationError`` on ``template_row`` for a name under a column root that is no
    column (``company.nmae``), with its line where Jinja2 knows it.
    """
    _sandbox, compiled = compile_parts(options)
    template = compiled.get("row")
    if template is None:
        return []
    known = {column.key for column in catalog.catalog(target)}
    keys: list[str] = []
    problems = []
    for chain in template_names(template):
        root = chain[0]
        if root == "row" and len(chain) > 1:
            key = chain[1]
        elif root in ROOTS and len(chain) > 1:
            key = _longest_key(chain, known)
            if key is None:
                problems.append(".".join(chain))
                continue
        else:
            continue
        if key not in keys:
            keys.append(key)
    if problems:
        raise ValidationError(
            {
                "template_row": _("No such column: %(names)s.")
                % {"names": ", ".join(sorted(set(problems)))}
            }
        )
    return keys


def _longest_key(chain: tuple[str, ...], known: set[str]) -> str | None:
    """``("company", "name", "upper")`` → ``company.name`` (a method after the column)."""
    for end in range(len(chain), 1, -1):
        key = ".".join(chain[:end])
        if key in known or catalog.ATTRIBUTE_KEY.match(key):
            return key
    return None


def _template_value(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class TemplateWriter(Writer):
    extension = "txt"

    @property
    def content_type(self) -> str:
        return f"text/plain; charset={self.options.encoding.removesuffix('-sig')}"

    def __init__(self, columns, options, context):
        super().__init__(columns, options, context)
        self.sandbox, self.parts = compile_parts(options)
        self.encoder = Encoder(options)
        self.count = 0

    def _export(self) -> dict:
        now = timezone.localtime(self.context.now or timezone.now())
        return {
            "title": self.context.title,
            "date": now.date(),
            "time": now.strftime("%H:%M"),
            "user": self.context.user,
            "description": list(self.context.description),
            "columns": [
                {"key": column.key, "label": column.label(self.context.language)}
                for column in self.columns
            ],
            "count": self.count,
        }

    def _render(self, part: str, context: dict) -> str:
        template = self.parts.get(part)
        if template is None:
            return ""
        text = template.render(context)
        newline = self.options.newline
        if newline != "\n":
            text = text.replace("\r\n", "\n").replace("\n", newline)
        return text + newline if text else text

    def chunks(self, rows: Iterable[list]) -> Iterator[bytes]:
        keys = [column.key for column in self.columns]
        labels = [column.label(self.context.language) for column in self.columns]
        encoder = self.encoder
        yield encoder.start()
        header = self._render("header", {"export": self._export()})
        if header:
            yield encoder.encode_row(0, header, [])
        pieces: list[bytes] = []
        for row in rows:
            self.count += 1
            values = [_template_value(value) for value in row]
            context = nest(keys, values)
            context["row"] = dict(zip(keys, values, strict=True))
            context["number"] = self.count
            try:
                text = self._render("row", context)
            except TemplateProblem as problem:
                raise TemplateProblem(
                    _("record %(number)s: %(problem)s")
                    % {"number": self.count, "problem": str(problem)},
                    part="row",
                ) from None
            cells = [(label, _cell(value)) for label, value in zip(labels, values, strict=True)]
            pieces.append(encoder.encode_row(self.count, text, cells))
            if len(pieces) >= 500:
                yield b"".join(pieces)
                pieces = []
        if pieces:
            yield b"".join(pieces)
        footer = self._render("footer", {"export": self._export()})
        if footer:
            yield encoder.encode_row(self.count + 1, footer, [])
        encoder.finish()

    def summary(self) -> dict:
        found = {}
        if self.encoder.report.count:
            found["unencodable"] = self.encoder.report.to_dict()
        if self.sandbox.cut_count:
            found["cut"] = {
                "count": self.sandbox.cut_count,
                "examples": [
                    {"value": note.value, "width": note.width} for note in self.sandbox.notes[:20]
                ],
            }
        return found


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)
