"""A contact as a letter (DOCX): sender, address block, date, subject, salutation, text.

The layout follows DIN 5008 loosely (A4, address field at 45 mm from the top,
a one-line return address above it), so the letter fits a window envelope.
The address block is formatted by the recipient's country rules
(``merkur.addresses.postal``), as on every other address Merkur prints.
"""

import datetime
import io

from django.conf import settings
from django.utils import formats, timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from merkur.addresses import postal
from merkur.companies.models import Company, Person
from merkur.companies.models.person import GENERIC_LETTER_SALUTATION
from merkur.core.users import display_name
from merkur.journal import richtext

SENDER_LINE_SEPARATOR = " · "


def recipient_address(person: Person | None, company: Company):
    """The address a letter goes to: the person's own address, else the company's."""
    if person is not None:
        own = person.own_address_link()
        if own is not None:
            return own.address
    link = company.contact_link()
    return link.address if link else None


def default_recipient(people: list[Person], company: Company) -> Person | None:
    """The first of the contact's people with an address to write to (or nobody)."""
    for person in people:
        if recipient_address(person, company) is not None:
            return person
    return None


def address_lines(person: Person | None, company: Company) -> list[str]:
    """The address block: company, person, then the address by its country's rules."""
    recipient = [company.name, company.name2]
    if person is not None:
        recipient.append(person.recipient_line)
    address = recipient_address(person, company)
    if address is None:
        return [line for line in recipient if line]
    return postal.format_lines(address, recipient=recipient)


def sender_lines() -> list[str]:
    sender = settings.MERKUR_SENDER
    place = " ".join(p for p in (sender.get("postal_code"), sender.get("city")) if p)
    return [line for line in (sender.get("name"), sender.get("street"), place) if line]


def sender_contact_lines() -> list[str]:
    sender = settings.MERKUR_SENDER
    labels = [
        (_("Phone"), sender.get("phone")),
        (_("E-mail"), sender.get("email")),
        (None, sender.get("website")),
    ]
    return [f"{label}: {value}" if label else value for label, value in labels if value]


def place_and_date(day: datetime.date | None = None) -> str:
    """ "Berlin, 29. November 2026" in the active language's date format."""
    day = day or timezone.localdate()
    city = settings.MERKUR_SENDER.get("city") or ""
    date = formats.date_format(day, "DATE_FORMAT")
    return f"{city}, {date}" if city else date


def salutation(person: Person | None) -> str:
    text = (person.letter_salutation if person else "") or GENERIC_LETTER_SALUTATION
    return f"{text},"


def file_name(contact) -> str:
    slug = slugify(contact.subject)[:60].strip("-")
    base = slugify(pgettext("file name", "letter")) or "brief"
    return f"{base}-{slug}.docx" if slug else f"{base}.docx"


def build(contact, *, person: Person | None, user, day: datetime.date | None = None) -> bytes:
    """The letter for ``contact`` to ``person`` (None: to the company) as DOCX bytes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    # The body starts at the address field (45 mm from the top, DIN 5008 form B);
    # our own block sits above it in the first page's header.
    section.top_margin, section.bottom_margin = Cm(4.5), Cm(2.0)
    section.header_distance = Cm(1.2)
    section.different_first_page_header_footer = True
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(0)

    def paragraph(text: str = "", *, size=None, bold=False, align=None, after=0, style=None):
        para = document.add_paragraph(style=style)
        if text:
            run = para.add_run(text)
            run.bold = bold
            if size:
                run.font.size = Pt(size)
        if align is not None:
            para.alignment = align
        para.paragraph_format.space_after = Pt(after)
        return para

    header = section.first_page_header
    for index, line in enumerate([*sender_lines(), *sender_contact_lines()]):
        para = header.paragraphs[0] if index == 0 else header.add_paragraph()
        run = para.add_run(line)
        run.font.size = Pt(8)
        run.bold = index == 0
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.paragraph_format.space_after = Pt(0)
    if sender_lines():  # the return address line for the window envelope
        line = paragraph(SENDER_LINE_SEPARATOR.join(sender_lines()), size=7, after=4)
        line.runs[0].underline = True
    for line in address_lines(person, contact.company):
        paragraph(line)
    paragraph(after=24)
    paragraph(place_and_date(day), align=WD_ALIGN_PARAGRAPH.RIGHT, after=24)
    paragraph(contact.subject, bold=True, after=18)
    paragraph(salutation(person), after=11)
    for style, line in richtext.paragraphs(contact.text):
        if style == "bullet":
            paragraph(line, style="List Bullet", after=2)
        else:
            paragraph(line, after=8)
    paragraph(after=8)
    paragraph(_("Kind regards"), after=30)
    paragraph(display_name(user))
    paragraph(settings.MERKUR_SENDER.get("name") or "")

    document.core_properties.title = contact.subject
    document.core_properties.author = display_name(user)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
