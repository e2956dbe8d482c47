"""Sanitising contact texts: what users may format survives, nothing that runs does."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merkur.journal.richtext import paragraphs, sanitize, to_plain

FORBIDDEN = [
    "<script", "onerror", "onclick", "onmouseover", "onload", "javascript:", "data:text",
    "<iframe", "<svg", "<style", "style=", "<form", "<input", "<!--",
]  # fmt: skip


@pytest.mark.parametrize(
    "dirty",
    [
        "<p>Hallo</p><script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT><p>Hallo</p>",
        '<p>Hallo</p><img src=x onerror="alert(1)">',
        '<p onclick="alert(1)" onmouseover="steal()">Hallo</p>',
        '<p><a href="javascript:alert(1)">Hallo</a></p>',
        '<p><a href="JaVaScRiPt:alert(1)">Hallo</a></p>',
        '<p><a href="  javascript:alert(1)">Hallo</a></p>',
        '<p><a href="data:text/html;base64,PHNjcmlwdD4=">Hallo</a></p>',
        '<p style="background:url(javascript:alert(1))">Hallo</p>',
        "<p>Hallo</p><iframe src='https://evil.example'></iframe>",
        "<svg onload=alert(1)><p>Hallo</p></svg>",
        "<p>Hallo<!-- <script>alert(1)</script> --></p>",
        "<style>p{color:red}</style><p>Hallo</p>",
        "<form action='https://evil.example'><p>Hallo</p><input name=x></form>",
    ],
)
def test_nothing_that_runs_survives(dirty):
    clean = sanitize(dirty)
    lowered = clean.lower()
    for bad in FORBIDDEN:
        assert bad not in lowered, (dirty, clean)
    assert "Hallo" in clean


def test_formatting_is_kept():
    html = (
        "<p>Erster <strong>fetter</strong> und <em>kursiver</em> Absatz</p>"
        "<ul><li>Punkt eins</li><li>Punkt zwei</li></ul>"
        "<ol><li>Schritt</li></ol>"
        '<p><a href="https://example.com/offerte">Offerte</a></p>'
    )
    clean = sanitize(html)
    assert "<p>Erster <strong>fetter</strong> und <em>kursiver</em> Absatz</p>" in clean
    assert "<ul><li>Punkt eins</li><li>Punkt zwei</li></ul>" in clean
    assert "<ol><li>Schritt</li></ol>" in clean
    assert 'href="https://example.com/offerte"' in clean
    assert 'rel="noopener noreferrer nofollow"' in clean


def test_links_to_mail_and_phone_are_kept():
    clean = sanitize(
        '<p><a href="mailto:a@example.com">Mail</a> <a href="tel:+41441234567">Tel</a></p>'
    )
    assert 'href="mailto:a@example.com"' in clean and 'href="tel:+41441234567"' in clean


def test_plain_text_becomes_paragraphs_and_is_escaped():
    clean = sanitize("Erste Zeile\nzweite Zeile\n\nNeuer Absatz mit Preis & Rabatt")
    assert clean == "<p>Erste Zeile<br>zweite Zeile</p><p>Neuer Absatz mit Preis &amp; Rabatt</p>"
    assert sanitize("   ") == "" and sanitize(None) == ""


def test_plain_text_with_a_less_than_sign_keeps_its_paragraphs():
    assert sanitize("Zeile\n\n3 < 4") == "<p>Zeile</p><p>3 &lt; 4</p>"


def test_editor_output_divs_lose_their_tags_but_not_their_text():
    clean = sanitize("<div>Zeile eins</div><div><b>Zeile</b> zwei</div>")
    assert "<div" not in clean and "Zeile eins" in clean and "<b>Zeile</b> zwei" in clean


def test_plain_text_and_paragraphs_for_documents():
    html = sanitize("<p>Guten Tag</p><ul><li>Eins</li><li>Zwei &amp; drei</li></ul><p>Gruss</p>")
    assert to_plain(html) == "Guten Tag\n• Eins\n• Zwei & drei\nGruss"
    assert paragraphs(html) == [
        ("text", "Guten Tag"),
        ("bullet", "Eins"),
        ("bullet", "Zwei & drei"),
        ("text", "Gruss"),
    ]


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300))
def test_no_script_from_any_text(text):
    assert "<script" not in sanitize(text).lower()
    assert "<script" not in sanitize(f"<p>{text}</p><script>{text}</script>").lower()


# Lone surrogates cannot arrive: requests are decoded from UTF-8.
@given(
    st.text(
        alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="<>&"),
        max_size=300,
    )
)
def test_sanitising_sanitised_text_changes_nothing(text):
    once = sanitize(text)
    assert sanitize(once) == once
