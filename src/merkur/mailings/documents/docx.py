"""DOCX letters from the user's Word template: one document with all letters, a ZIP of one
document per recipient, or one recipient's preview.

The template is a normal DOCX whose text holds merge fields ``{{ salutation_line }}``,
simple conditions ``{% if title %}…{% endif %}`` (inside a paragraph) and paragraph
conditions ``{%p if company_name %}`` … ``{%p endif %}`` (the paragraph holding the tag
is removed, as in docxtpl). Headers and footers may use the fields that are the same
for every recipient (sender, own company, date, free fields).

Speed (10,000 letters in one DOCX in well under a minute): the template is prepared
ONCE — merge fields that Word split across runs (``{{ sal`` in one run,
``utation_line }}`` in the next, after a spell check or a change of formatting) are
joined into the run where they start, Word's revision ids are dropped, and the body
XML is compiled as one sandboxed template (``core.templating.Sandbox``; long stretches
of static XML are passed in as data so that the template text stays small). Per
recipient only the body XML is rendered and appended to ``word/document.xml``, which
is streamed into the output ZIP — no document is built per recipient.

Every field the template reads is checked against the merge fields before anything is
produced: ``TemplateProblem`` names the field and the paragraph (and its text).
"""

import html
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from django.utils.translation import gettext as _
from lxml import etree

from merkur.core.templating import Sandbox, TemplateProblem, UserTemplate, xml_escape
from merkur.mailings import fields as merge_fields
from merkur.mailings.documents.templates import compile_checked

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
DOCUMENT = "word/document.xml"
HEADER_FOOTER = re.compile(r"^word/(header|footer)\d*\.xml$")
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
PARAGRAPH_START = re.compile(r"<w:p(?=[\s>/])")
PARAGRAPH_TAG = re.compile(r"<w:p[\s>](?:(?!<w:p[\s>/]).)*?(\{%p\s.*?%\}).*?</w:p>", re.S)
TEXT = re.compile(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>")
DOC_PR = re.compile(r'(<wp:docPr\b[^>]*?\bid=")(\d+)(")')
SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})
STATIC = "_s"  # the name the static XML pieces are passed in as
PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
BREAK = '</w:t><w:br/><w:t xml:space="preserve">'
TAB = '</w:t><w:tab/><w:t xml:space="preserve">'
MAX_DOCX_BYTES = 50 * 1024 * 1024


class _Raw(str):
    """Static XML of the template, written as is."""


class XmlSandbox(Sandbox):
    """The sandbox writing values as WordprocessingML text: escaped, line breaks as
    ``<w:br/>`` (the address block), tabs as ``<w:tab/>``."""

    def __init__(self):
        super().__init__()
        self.finalize = self._xml_text

    @staticmethod
    def _xml_text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, _Raw):
            return value
        text = xml_escape(value)
        if "\n" in text or "\t" in text or "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            text = text.replace("\n", BREAK).replace("\t", TAB)
        return text


# --- preparing the template ------------------------------------------------------------------


def _w(name: str) -> str:
    return f"{{{W}}}{name}"


def _open_tag(text: str) -> bool:
    """Whether ``text`` ends inside a tag (``{{`` or ``{%`` not yet closed)."""
    start = max(text.rfind("{{"), text.rfind("{%"), text.rfind("{#"))
    if start >= 0:
        end = max(text.rfind("}}"), text.rfind("%}"), text.rfind("#}"))
        if end < start:
            return True
    return text.endswith("{")


def _run_text_elements(run) -> list:
    return [child for child in run if child.tag == _w("t")]


def _join_split_tags(root) -> None:
    """Merge fields Word split across runs: the text of the following runs is moved into
    the run where the tag starts (its formatting stays), the emptied runs removed."""
    for paragraph in root.iter(_w("p")):
        text = "".join(t.text or "" for t in paragraph.iter(_w("t")))
        if "{" not in text:
            continue
        runs = [run for run in paragraph.iter(_w("r")) if _closest_paragraph(run) is paragraph]
        holder = None  # the w:t of the run where an open tag started
        for run in runs:
            texts = _run_text_elements(run)
            if not texts:
                continue
            if len(texts) > 1:  # one w:t per run from here on
                texts[0].text = "".join(t.text or "" for t in texts)
                for extra in texts[1:]:
                    run.remove(extra)
            current = texts[0]
            if holder is not None:
                holder.text = (holder.text or "") + (current.text or "")
                run.getparent().remove(run)
            else:
                holder = current
            if not _open_tag(holder.text or ""):
                holder = None
        for t in paragraph.iter(_w("t")):
            if "{" in (t.text or ""):
                t.set(XML_SPACE, "preserve")


def _closest_paragraph(element):
    parent = element.getparent()
    while parent is not None and parent.tag != _w("p"):
        parent = parent.getparent()
    return parent


def _strip_revision_ids(root) -> None:
    for element in root.iter():
        for name in list(element.attrib):
            if name.startswith(f"{{{W}}}rsid"):
                del element.attrib[name]


def _clean_tag(match: re.Match) -> str:
    """A tag as Jinja reads it: XML entities back to characters, Word's smart quotes plain."""
    return html.unescape(match.group(0)).translate(SMART_QUOTES)


class _Part:
    """One XML part prepared as a template: the skeleton, its static pieces, a place map."""

    def __init__(self, name: str, xml: str, *, kind: str):
        self.name = name
        self.kind = kind  # "body", "header" or "footer"
        xml = PARAGRAPH_START.sub(lambda m: "\n" + m.group(0), xml)
        xml = TAG.sub(_clean_tag, xml)
        xml = PARAGRAPH_TAG.sub(lambda m: "{%" + m.group(1)[3:], xml)
        self.lines = xml.split("\n")
        pieces: list[str] = []
        skeleton: list[str] = []
        position = 0
        for match in TAG.finditer(xml):
            self._static(xml[position : match.start()], pieces, skeleton)
            skeleton.append(match.group(0))
            position = match.end()
        self._static(xml[position:], pieces, skeleton)
        self.pieces = [_Raw(piece) for piece in pieces]
        self.source = "".join(skeleton)
        self.has_tags = position > 0
        self.template: UserTemplate | None = None

    @staticmethod
    def _static(text: str, pieces: list[str], skeleton: list[str]) -> None:
        for index, line in enumerate(text.split("\n")):
            if index:
                skeleton.append("\n")
            if line:
                skeleton.append(f"{{{{ {STATIC}[{len(pieces)}] }}}}")
                pieces.append(line)

    def where(self, line: int) -> str:
        """The place of a template line: "paragraph 3 (“Sehr geehrte {{ anrede }}”)"."""
        text = ""
        if 1 <= line <= len(self.lines):
            text = html.unescape("".join(TEXT.findall(self.lines[line - 1]))).strip()
        if len(text) > 60:
            text = text[:57] + "…"
        part = {"body": _("body"), "header": _("header"), "footer": _("footer")}[self.kind]
        return _("%(part)s, paragraph %(number)s (“%(text)s”)") % {
            "part": part,
            "number": max(line - 1, 1),
            "text": text,
        }

    def compile(self, known: Iterable[str]) -> None:
        known = {*known, STATIC}
        self.template = compile_checked(
            self.source, part=self.name, known=known, sandbox=XmlSandbox(), where=self.where
        )

    def render(self, values: dict) -> str:
        if self.template is None:
            return "".join(self.pieces)
        return self.template.render({**values, STATIC: self.pieces})


def _read_docx(source) -> dict[str, bytes]:
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        with zipfile.ZipFile(source) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_DOCX_BYTES:
                raise TemplateProblem(_("The Word template is too large."), part="docx")
            return {info.filename: archive.read(info) for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError, KeyError) as error:
        raise TemplateProblem(
            _("The file is not a Word document (DOCX): %(error)s") % {"error": error}, part="docx"
        ) from None


def _parse(data: bytes, name: str):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise TemplateProblem(
            _("The Word template is damaged (%(part)s): %(error)s")
            % {"part": name, "error": error},
            part="docx",
        ) from None


def _serialize(root) -> str:
    return etree.tostring(root, encoding="unicode")


class DocxLetter:
    """A Word template prepared once for many letters.

    ``DocxLetter(source, known=None)``: ``source`` is a path, bytes or a binary file;
    ``known`` the merge field keys allowed (default: ``fields.catalogue()`` — the static
    fields and the attributes; pass ``catalogue(free)`` keys for free fields).
    ``TemplateProblem`` (a message naming the field and paragraph) if the template is
    not usable. ``fields``: the merge fields it uses (pass them to ``merge_rows(keys=…)``).
    """

    def __init__(self, source, *, known: Iterable[str] | None = None):
        if isinstance(source, str | Path):
            source = Path(source).read_bytes()
        self.parts = _read_docx(source)
        if DOCUMENT not in self.parts:
            raise TemplateProblem(_("The file has no Word document body."), part="docx")
        known = set(merge_fields.catalogue() if known is None else known)
        # Headers and footers are the same for every letter: no recipient's fields there.
        shared = {
            key
            for key in known
            if "_attr_" not in key
            and not (key in merge_fields.FIELDS and merge_fields.FIELDS[key].per_recipient)
        }
        self.fields: set[str] = set()
        self._prepare_body(known)
        self.extras: dict[str, _Part] = {}
        for name in self.parts:
            match = HEADER_FOOTER.match(name)
            if match is None:
                continue
            root = _parse(self.parts[name], name)
            _strip_revision_ids(root)
            _join_split_tags(root)
            part = _Part(name, _serialize(root), kind=match.group(1))
            if part.has_tags:
                self._compile(part, shared, known)
                self.extras[name] = part

    def _compile(self, part: _Part, allowed: set[str], known: set[str]) -> None:
        try:
            part.compile(allowed)
        except TemplateProblem as problem:
            names = [n for n in known - allowed if f"“{n}”" in problem.message]
            if names and part.kind != "body":
                raise TemplateProblem(
                    problem.message
                    + " "
                    + _(
                        "Headers and footers may only use fields that are the same for every "
                        "recipient (sender, date, free fields)."
                    ),
                    part=part.name,
                ) from None
            raise
        from merkur.mailings.documents.templates import unknown_names

        self.fields |= {name for name, _line in unknown_names(part.template, {STATIC})}

    def _prepare_body(self, known: set[str]) -> None:
        root = _parse(self.parts[DOCUMENT], DOCUMENT)
        _strip_revision_ids(root)
        _join_split_tags(root)
        body = root.find(_w("body"))
        if body is None:
            raise TemplateProblem(_("The file has no Word document body."), part="docx")
        children = list(body)
        section = children[-1] if children and children[-1].tag == _w("sectPr") else None
        content = [child for child in children if child is not section]
        start, end = etree.Comment("merkur-body-start"), etree.Comment("merkur-body-end")
        if content:
            content[0].addprevious(start)
            content[-1].addnext(end)
        elif section is not None:
            section.addprevious(start)
            section.addprevious(end)
        else:
            body.append(start)
            body.append(end)
        text = _serialize(root)
        head, rest = text.split("<!--merkur-body-start-->", 1)
        middle, tail = rest.split("<!--merkur-body-end-->", 1)
        self.head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + head
        self.tail = tail
        self.body = _Part(DOCUMENT, middle, kind="body")
        self._compile(self.body, known, known)
        self.numbered_drawings = "<wp:docPr" in middle
        self.separator = PAGE_BREAK
        if section is not None and (
            section.find(_w("headerReference")) is not None
            or section.find(_w("footerReference")) is not None
            or section.find(_w("titlePg")) is not None
        ):
            # Letters with their own header/footer set-up: a section per letter, so the
            # first-page header and the page numbers start again for every letter.
            copy = etree.fromstring(etree.tostring(section))
            for old in copy.findall(_w("pgNumType")):
                copy.remove(old)
            numbering = etree.SubElement(copy, _w("pgNumType"))
            numbering.set(_w("start"), "1")
            order = (
                "headerReference", "footerReference", "footnotePr", "endnotePr", "type",
                "pgSz", "pgMar", "paperSrc", "pgBorders", "lnNumType", "pgNumType", "cols",
                "formProt", "vAlign", "noEndnote", "titlePg", "textDirection", "bidi",
                "rtlGutter", "docGrid", "printerSettings",
            )  # fmt: skip
            _reorder(copy, order)
            properties = etree.tostring(copy, encoding="unicode")
            properties = re.sub(r"\sxmlns(:\w+)?=\"[^\"]*\"", "", properties)
            self.separator = f"<w:p><w:pPr>{properties}</w:pPr></w:p>"

    # --- rendering ---------------------------------------------------------------------------

    def _letter(self, values: dict, number: int) -> str:
        xml = self.body.render(values)
        if self.numbered_drawings and number:
            offset = number * 10_000
            xml = DOC_PR.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + offset}{m.group(3)}", xml)
        return xml

    def _write_parts(self, archive: zipfile.ZipFile, values: dict) -> None:
        for name, data in self.parts.items():
            if name == DOCUMENT:
                continue
            part = self.extras.get(name)
            if part is not None:
                archive.writestr(name, part.render(values).encode("utf-8"))
            else:
                archive.writestr(name, data)

    def write_combined(self, records: Iterable[dict], target, *, progress: Callable | None = None):
        """All letters in ONE DOCX (``target``: a path or binary file), separated by page
        breaks — by section breaks when the template has its own header/footer set-up.
        ``records``: merge field dicts (``merge_rows``). Returns the number of letters."""
        records = iter(records)
        first = next(records, None)
        count = 0
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as archive:
            self._write_parts(archive, first or {})
            with archive.open(DOCUMENT, "w", force_zip64=True) as stream:
                stream.write(self.head.encode("utf-8"))
                if first is not None:
                    stream.write(self._letter(first, 0).encode("utf-8"))
                    count = 1
                    for values in records:
                        stream.write((self.separator + self._letter(values, count)).encode())
                        count += 1
                        if progress is not None and count % 100 == 0:
                            progress(count)
                stream.write(self.tail.encode("utf-8"))
        return count

    def render_one(self, values: dict, target) -> None:
        """One recipient's letter as a DOCX (the preview, or one file of the ZIP)."""
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as archive:
            self._write_parts(archive, values)
            archive.writestr(
                DOCUMENT, (self.head + self._letter(values, 0) + self.tail).encode("utf-8")
            )

    def write_zip(
        self,
        records: Iterable[dict],
        target,
        *,
        name: Callable[[int, dict], str] | None = None,
        progress: Callable | None = None,
    ) -> int:
        """A ZIP with one DOCX per recipient; ``name(number, values)`` gives each file's
        name (default "0001-Muster GmbH.docx"). Returns the number of letters."""
        name = name or default_name
        count = 0
        used: set[str] = set()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for values in records:
                count += 1
                buffer = io.BytesIO()
                self.render_one(values, buffer)
                file_name = name(count, values)
                if file_name in used:
                    file_name = f"{count:05d}-{file_name}"
                used.add(file_name)
                archive.writestr(file_name, buffer.getvalue())
                if progress is not None and count % 100 == 0:
                    progress(count)
        return count


def _reorder(element, order: tuple[str, ...]) -> None:
    """Children in the schema's order (``pgNumType`` after ``pgMar``, before ``cols`` …)."""
    known = {f"{{{W}}}{name}": index for index, name in enumerate(order)}
    children = list(element)
    for child in children:
        element.remove(child)
    late = len(order)
    children.sort(key=lambda child: known.get(child.tag, late))
    for child in children:
        element.append(child)


UNSAFE_NAME = re.compile(r"[^\w\-. äöüÄÖÜß]+")


def default_name(number: int, values: dict) -> str:
    who = values.get("company_name") or values.get("full_name") or ""
    if values.get("last_name") and values.get("company_name"):
        who = f"{values['company_name']}-{values['last_name']}"
    who = UNSAFE_NAME.sub("_", who).strip(" ._")[:60]
    return f"{number:04d}-{who or 'brief'}.docx"
