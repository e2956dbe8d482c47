"""PDF letters after DIN 5008 form B: letterhead, address field in the window position,
return line, information block (contact, phone, e-mail, date), subject and the body from
the user's template — drawn with ReportLab.

Layout (A4, millimetres from the top left corner): letterhead in the top 45 mm; the
address field at 20/45 (85 × 45: 17.7 mm for the return line, 27.3 mm for up to six
address lines, smaller type when there are more); the information block at 125/50;
subject and body from 98.46 mm, left margin 25 mm, right 20 mm; fold marks at 105 and
210 mm, the punch mark at 148.5 mm. Later pages of a letter start at 20 mm.

The body is a user template (plain text — blank lines part paragraphs — or simple
HTML: ``p br b strong i em u h1–h3 ul ol li``) with the same merge fields as the DOCX
letters, compiled once in the sandbox; values are escaped, nothing is fetched.

Why not WeasyPrint (HTML/CSS): measured on this machine it lays out a one-page letter in
60–80 ms (10,000 letters: 10–13 minutes, the target is 2), ReportLab draws one in a few
milliseconds — see ``docs/mailings.md``.
"""

import functools
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from lxml import html as lxml_html
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame, Paragraph, Spacer

from merkur.core.pdf_fonts import Fonts, pdf_fonts
from merkur.core.templating import Sandbox, TemplateProblem
from merkur.mailings import fields as merge_fields
from merkur.mailings.documents.templates import compile_checked, unknown_names

WIDTH, HEIGHT = A4
LEFT, RIGHT = 25 * mm, 20 * mm
BODY_TOP = 98.46 * mm
NEXT_TOP, BOTTOM = 20 * mm, 20 * mm
ADDRESS_X, ADDRESS_Y, ADDRESS_W = 20 * mm, 45 * mm, 85 * mm
RETURN_H, ADDRESS_H = 17.7 * mm, 27.3 * mm
INFO_X, INFO_Y = 125 * mm, 50 * mm
MARKS = (105 * mm, 148.5 * mm, 210 * mm)
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
INLINE = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u"}
HEADINGS = {"h1": 14, "h2": 12.5, "h3": 11}


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    subject: ParagraphStyle
    headings: dict
    item: ParagraphStyle


@functools.cache
def letter_styles(fonts: Fonts) -> Styles:
    """The paragraph styles of a letter's subject and body in ``fonts``."""
    body = ParagraphStyle(
        "body",
        fontName=fonts.regular,
        bulletFontName=fonts.regular,
        fontSize=10.5,
        leading=14,
        spaceAfter=10,
    )
    return Styles(
        body=body,
        subject=ParagraphStyle("subject", parent=body, fontName=fonts.bold, spaceAfter=18),
        headings={
            tag: ParagraphStyle(tag, parent=body, fontName=fonts.bold, fontSize=size)
            for tag, size in HEADINGS.items()
        },
        item=ParagraphStyle("li", parent=body, leftIndent=6 * mm, spaceAfter=3),
    )


class HtmlSandbox(Sandbox):
    """The sandbox writing values as HTML text: escaped, line breaks as ``<br>``."""

    def __init__(self):
        super().__init__()
        self.finalize = self._html_text

    @staticmethod
    def _html_text(value) -> str:
        if value is None:
            return ""
        return html.escape(str(value)).replace("\n", "<br>")


def text_to_html(source: str) -> str:
    """A plain-text body as HTML paragraphs (blank lines part them, line breaks kept); a
    body with HTML tags is left as it is."""
    if HTML_TAG.search(source):
        return source
    # The template's lines stay where they are: an error's line number is the user's.
    parts = re.split(r"(\n[ \t]*\n\s*)", source.replace("\r\n", "\n"))
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(part)
        elif part.strip():
            out.append("<p>" + part.replace("\n", "<br>\n") + "</p>")
    return "".join(out)


def _inline(element) -> str:
    """ReportLab's paragraph markup of an element's content: b, i, u, br; text escaped."""
    parts = [html.escape(element.text or "", quote=False)]
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            parts.append("<br/>")
        elif tag in INLINE:
            parts.append(f"<{INLINE[tag]}>{_inline(child)}</{INLINE[tag]}>")
        elif tag:
            parts.append(_inline(child))
        parts.append(html.escape(child.tail or "", quote=False))
    return "".join(parts)


def html_flowables(markup: str, styles: Styles) -> list:
    """Paragraphs for the body's HTML (unknown elements give their text, scripts nothing)."""
    flowables: list = []
    if not markup.strip():
        return flowables
    root = lxml_html.fragment_fromstring(markup, create_parent="div")

    def block(element, bullet: str | None = None) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in ("script", "style", "head", "title"):
            return
        if tag in ("ul", "ol"):
            for number, item in enumerate(element.iterchildren("li"), start=1):
                block(item, "•" if tag == "ul" else f"{number}.")
            return
        children_are_blocks = any(
            isinstance(child.tag, str) and child.tag in ("p", "div", "ul", "ol", *HEADINGS)
            for child in element
        )
        if children_are_blocks and bullet is None:
            if element.text and element.text.strip():
                flowables.append(Paragraph(html.escape(element.text), styles.body))
            for child in element:
                block(child)
                if child.tail and child.tail.strip():
                    flowables.append(Paragraph(html.escape(child.tail), styles.body))
            return
        style = styles.headings.get(tag, styles.body)
        if bullet is not None:
            flowables.append(Paragraph(_inline(element), styles.item, bulletText=bullet))
        else:
            flowables.append(Paragraph(_inline(element), style))

    block(root)
    return flowables


class PdfLetter:
    """The letter layout with the user's ``body`` and ``subject`` templates.

    ``known``: merge field keys allowed (default ``fields.catalogue()``);
    ``TemplateProblem`` names an unknown field and its line before anything is drawn.
    ``fields``: the merge fields the letter uses (pass them to ``merge_rows(keys=…)``).
    """

    def __init__(self, body: str, *, subject: str = "", known: Iterable[str] | None = None):
        known = set(merge_fields.catalogue() if known is None else known)
        self.fonts = pdf_fonts()
        self.styles = letter_styles(self.fonts)
        self.body = compile_checked(
            text_to_html(body), part=_("body"), known=known, sandbox=HtmlSandbox()
        )
        self.subject = compile_checked(subject, part=_("subject"), known=known)
        self.fields = {name for name, _line in unknown_names(self.body, ())}
        self.fields |= {name for name, _line in unknown_names(self.subject, ())}
        self.fields |= {
            "address_block", "date", "sender_name", "sender_phone", "sender_email", "org_name",
            "org_sender_line", "org_phone", "org_email", "org_website",
        }  # fmt: skip

    # --- drawing ---------------------------------------------------------------------------

    def _frame(self, canvas: Canvas, values: dict) -> None:
        """Letterhead, marks, return line, address field and information block."""
        top = HEIGHT
        canvas.setFont(self.fonts.bold, 16)
        canvas.drawRightString(WIDTH - RIGHT, top - 20 * mm, values.get("org_name", ""))
        contact = " · ".join(
            part
            for part in (
                values.get("org_phone"),
                values.get("org_email"),
                values.get("org_website"),
            )
            if part
        )
        canvas.setFont(self.fonts.regular, 8.5)
        canvas.drawRightString(WIDTH - RIGHT, top - 26 * mm, values.get("org_sender_line", ""))
        if contact:
            canvas.drawRightString(WIDTH - RIGHT, top - 30 * mm, contact)
        canvas.setLineWidth(0.3)
        for y in MARKS:
            canvas.line(3 * mm, top - y, 8 * mm if y != MARKS[1] else 10 * mm, top - y)
        # Return line at the bottom of the 17.7 mm zone, cut to the field's width.
        text = _fit(values.get("org_sender_line", ""), self.fonts.regular, 7, ADDRESS_W - 5 * mm)
        canvas.setFont(self.fonts.regular, 7)
        canvas.drawString(ADDRESS_X + 5 * mm, top - ADDRESS_Y - RETURN_H + 2 * mm, text)
        self._address(canvas, values.get("address_block", ""))
        rows = [
            (_("Contact"), values.get("sender_name")),
            (_("Phone"), values.get("sender_phone")),
            (_("E-mail"), values.get("sender_email")),
            (_("Date"), values.get("date")),
        ]
        y = top - INFO_Y - 3 * mm
        for label, value in rows:
            if not value:
                continue
            canvas.setFont(self.fonts.regular, 8)
            canvas.drawString(INFO_X, y, label)
            canvas.setFont(self.fonts.regular, 9)
            canvas.drawString(
                INFO_X + 22 * mm,
                y,
                _fit(value, self.fonts.regular, 9, WIDTH - RIGHT - INFO_X - 22 * mm),
            )
            y -= 4.5 * mm

    def _address(self, canvas: Canvas, block: str) -> None:
        """Up to six lines in 27.3 mm at 10 pt; more lines get smaller type (down to 7 pt,
        then the rest is cut — visibly, with "…"); long lines are cut to the field."""
        lines = [line for line in block.split("\n") if line.strip()]
        size = 10.0
        while size > 7 and len(lines) * size * 1.2 > ADDRESS_H / 1.0 - 1:
            size -= 0.5
        leading = size * 1.2
        room = int((ADDRESS_H - 1) // leading)
        if len(lines) > room:
            lines = [*lines[: room - 1], lines[room - 1] + " …"]
        y = HEIGHT - ADDRESS_Y - RETURN_H - size
        canvas.setFont(self.fonts.regular, size)
        for line in lines:
            canvas.drawString(
                ADDRESS_X + 5 * mm, y, _fit(line, self.fonts.regular, size, ADDRESS_W - 5 * mm)
            )
            y -= leading

    def _draw(self, canvas: Canvas, values: dict) -> None:
        body = self.body.render(values)
        subject = " ".join(self.subject.render(values).split())
        story = []
        if subject:
            story.append(Paragraph(html.escape(subject), self.styles.subject))
        story.extend(html_flowables(body, self.styles) or [Spacer(1, 1)])
        self._frame(canvas, values)
        first = True
        while story:
            top = BODY_TOP if first else NEXT_TOP
            frame = Frame(
                LEFT, BOTTOM, WIDTH - LEFT - RIGHT, HEIGHT - top - BOTTOM,
                leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
            )  # fmt: skip
            before = len(story)
            frame.addFromList(story, canvas)
            if story and len(story) == before and not first:
                # A paragraph taller than a whole page: left out rather than loop forever.
                story.pop(0)
            if story:
                canvas.showPage()
                first = False
        canvas.showPage()

    def write(
        self,
        records: Iterable[dict],
        target,
        *,
        language: str = "de",
        progress: Callable[[int], None] | None = None,
        title: str = "",
    ) -> int:
        """All letters in one PDF (``target``: path or binary file); returns the count.
        ``language`` is that of the information block's labels."""
        canvas = Canvas(target if not hasattr(target, "__fspath__") else str(target), pagesize=A4)
        canvas.setTitle(title or _("Letters"))
        canvas.setCreator("Merkur")
        count = 0
        with translation.override(language):
            for values in records:
                self._draw(canvas, values)
                count += 1
                if progress is not None and count % 100 == 0:
                    progress(count)
        if count == 0:
            raise TemplateProblem(_("There are no letters to write."), part="pdf")
        canvas.save()
        return count

    def render_one(self, values: dict, target, *, language: str = "de") -> None:
        """One recipient's letter as a PDF (the preview)."""
        self.write([values], target, language=language)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut (with "…") to ``width`` points."""
    text = str(text or "")
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
