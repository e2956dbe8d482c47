"""The typeface of PDF letters and labels: a TrueType font when one is found, else Helvetica.

ReportLab's built-in Helvetica knows only Western European letters: "Łukasz Dąbrowski"
or "Şahin Yılmaz" would print with black boxes. So a TrueType font is embedded (only
the letters used): ``MERKUR_PDF_FONT``, the path of the regular .ttf file, by default
DejaVu Sans from Debian's ``fonts-dejavu-core``. Bold, italic and bold italic are the
files next to it named with the usual suffixes (``-Bold``, ``-Oblique`` or ``-Italic``,
``-BoldOblique`` or ``-BoldItalic``); a style without its file is drawn regular.
Without a readable font the documents fall back to Helvetica, and ``check_fonts`` (a
Django system check) warns; the choice holds for the life of the process (a font
installed later is used after a restart).
"""

import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

FAMILY = "MerkurSans"
STYLES = {  # ReportLab name suffix: file name suffixes, the first found wins
    "": ("",),
    "-Bold": ("-Bold",),
    "-Italic": ("-Oblique", "-Italic"),
    "-BoldItalic": ("-BoldOblique", "-BoldItalic"),
}
HELVETICA = ("Helvetica", "Helvetica-Bold")


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    embedded: bool  # False: Helvetica, Western European letters only


def style_files(regular: Path) -> dict[str, Path]:
    """The font file of each style, by ReportLab name suffix (the regular one for a
    style without a file of its own)."""
    base = regular.stem
    files = {}
    for style, suffixes in STYLES.items():
        candidates = [regular.with_name(f"{base}{suffix}{regular.suffix}") for suffix in suffixes]
        files[style] = next((path for path in candidates if path.is_file()), regular)
    return files


@functools.cache
def _load(regular: str) -> Fonts:
    # ReportLab is imported here, not at start-up (this module is loaded with the app).
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    # ReportLab keeps the first font registered under a name: each file gets its own.
    family = f"{FAMILY}-{hashlib.sha1(regular.encode(), usedforsecurity=False).hexdigest()[:8]}"
    try:
        pdfmetrics.registerFont(TTFont(family, regular))
    except (OSError, TTFError) as error:
        logger.warning("PDF font not usable (%s); falling back to Helvetica.", error)
        return Fonts(*HELVETICA, embedded=False)
    for style, path in style_files(Path(regular)).items():
        if not style:
            continue
        try:
            pdfmetrics.registerFont(TTFont(family + style, str(path)))
        except (OSError, TTFError) as error:  # that style is drawn regular
            logger.warning("PDF font style not usable (%s); using the regular one.", error)
            pdfmetrics.registerFont(TTFont(family + style, regular))
    # so that <b> and <i> in a letter's body find the styles
    pdfmetrics.registerFontFamily(
        family,
        normal=family,
        bold=family + "-Bold",
        italic=family + "-Italic",
        boldItalic=family + "-BoldItalic",
    )
    return Fonts(family, family + "-Bold", embedded=True)


def pdf_fonts(*, condensed: bool = False) -> Fonts:
    """The fonts to draw with (registered with ReportLab once per font file).

    ``condensed``: the narrow cut next to the font (``DejaVuSansCondensed.ttf``) if
    there is one — for tables, where DejaVu Sans runs about 10 % wider than Helvetica.
    """
    path = Path(settings.MERKUR_PDF_FONT)
    if condensed:
        narrow = path.with_name(f"{path.stem}Condensed{path.suffix}")
        if narrow.is_file():
            path = narrow
    return _load(str(path))


@checks.register()
def check_fonts(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if pdf_fonts().embedded:
        return []
    return [
        checks.Warning(
            _("PDF letters, labels and lists fall back to Helvetica: font not usable: %(path)s")
            % {"path": settings.MERKUR_PDF_FONT},
            hint=_(
                "Install Debian's fonts-dejavu-core or set MERKUR_PDF_FONT to a TrueType "
                "file; with Helvetica, letters beyond Western European ones (Ł, Ş, ı …) "
                "print wrongly."
            ),
            id="merkur.W010",
        )
    ]
