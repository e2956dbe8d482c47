"""Formatted contact texts: what survives sanitising, and the plain-text form.

Users write paragraphs, lists, emphasis and links in the editor or send HTML
through the API; ``sanitize`` keeps exactly that and drops everything else
(scripts, event handlers, styles, ``javascript:`` URLs), so stored text is safe
to render as it is.
"""

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "blockquote",
    "h3", "h4", "a", "pre", "code",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_BLOCK_END = re.compile(r"</(p|li|h3|h4|blockquote|pre)>|<br\s*/?>", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<li[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_BLANK_LINES = re.compile(r"\n{3,}")
# "3 < 4" is plain text; only something that opens a tag makes it HTML.
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!]")


def sanitize(text: str) -> str:
    """Safe HTML from what a user typed; plain text (no tags) becomes paragraphs."""
    text = (text or "").strip()
    if not text:
        return ""
    if not _LOOKS_LIKE_HTML.search(text):
        paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
        text = "".join(
            "<p>" + html.escape(part).replace("\n", "<br>") + "</p>" for part in paragraphs
        )
    cleaned = nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned.strip()


def to_plain(text: str) -> str:
    """The text without markup: for the search, e-mails and letters."""
    if not text:
        return ""
    plain = _LIST_ITEM.sub("• ", text)
    plain = _BLOCK_END.sub("\n", plain)
    plain = _TAG.sub("", plain)
    plain = html.unescape(plain)
    lines = [line.rstrip() for line in plain.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def paragraphs(text: str) -> list[tuple[str, str]]:
    """``(style, line)`` pairs for documents: ``"bullet"`` for list items, else ``"text"``."""
    result = []
    for block in re.split(r"(?=<li[^>]*>)|</li>|</p>|<br\s*/?>", text or "", flags=re.I):
        is_item = bool(_LIST_ITEM.match(block.strip()))
        line = html.unescape(_TAG.sub("", block)).strip()
        if line:
            result.append(("bullet" if is_item else "text", line))
    return result
