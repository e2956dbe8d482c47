"""Personal e-mails: templates rendered in the sandbox and the MIME message built."""

import email
import email.policy

import pytest
from django.utils import translation

from merkur.core.templating import TemplateProblem
from merkur.mailings.email import EmailTemplates, MessageProblem, build_message

FIELDS = {
    "person": {"first_name": "Jördis", "last_name": "Größ <b>"},
    "company": {"name": "Müller & Söhne"},
    "letter_salutation": "Sehr geehrte Frau Größ",
}


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


def make(**overrides):
    data = {
        "to": ("Jördis Größ", "joerdis@example.com"),
        "subject": "Einladung zur Hausmesse für Müller",
        "text": "Sehr geehrte Frau Größ,\nwir freuen uns.\n",
        "html": "<p>Sehr geehrte Frau Größ,</p><p>wir freuen uns.</p>",
        "sender": "Merkur Demo AG <info@merkur.example>",
        "reply_to": "vertrieb@merkur.example",
        "unsubscribe_url": "https://crm.merkur.example/mailings/unsubscribe/abc:def/",
        "headers": None,
    }
    data.update(overrides)
    return build_message(**data)


def test_message_is_multipart_alternative_with_text_then_html():
    message = parsed(make())
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert text.get_content_charset() == "utf-8"
    assert "Sehr geehrte Frau Größ," in text.get_content()
    assert "<p>Sehr geehrte Frau Größ,</p>" in html.get_content()


def test_umlauts_are_encoded_and_the_message_is_seven_bit():
    raw = make().as_bytes()
    assert raw.isascii()
    assert b"=?utf-8?" in raw  # RFC 2047 in Subject and To
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    message = parsed(make())
    assert message["Subject"] == "Einladung zur Hausmesse für Müller"
    assert message["To"].addresses[0].display_name == "Jördis Größ"
    assert message["To"].addresses[0].addr_spec == "joerdis@example.com"


def test_headers_message_id_date_reply_to_and_one_click_unsubscribe():
    message = parsed(make(headers={"X-Merkur-Mailing": "12"}))
    assert message["Message-ID"].endswith("@merkur.example>")
    assert message["Date"].datetime is not None
    assert message["Reply-To"] == "vertrieb@merkur.example"
    assert message["List-Unsubscribe"] == (
        "<https://crm.merkur.example/mailings/unsubscribe/abc:def/>, "
        "<mailto:info@merkur.example?subject=unsubscribe>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["X-Merkur-Mailing"] == "12"


def test_each_message_gets_its_own_message_id():
    assert make()["Message-ID"] != make()["Message-ID"]


def test_without_html_a_plain_text_message_and_without_url_no_unsubscribe_headers():
    message = parsed(make(html="", unsubscribe_url=None))
    assert message.get_content_type() == "text/plain"
    assert message["List-Unsubscribe"] is None
    assert message["List-Unsubscribe-Post"] is None


def test_an_international_domain_is_written_in_punycode():
    message = parsed(make(to="Jörg <jo@müller.example>"))
    assert message["To"].addresses[0].domain == "xn--mller-kva.example"


@pytest.mark.parametrize(
    "overrides",
    [
        {"headers": {"X-Evil": "a\r\nBcc: victim@example.com"}},
        {"to": "Jörg <jo@example.com>\nBcc: victim@example.com"},
        {"to": "kein-at-zeichen"},
        {"subject": "   "},
        {"unsubscribe_url": "https://x.example/a>, <https://evil.example/"},
    ],
)
def test_header_injection_and_bad_addresses_are_refused(overrides):
    with pytest.raises(MessageProblem):
        make(**overrides)


def test_a_line_break_in_the_subject_becomes_a_space():
    assert make(subject="Einladung\r\nBcc: x@example.com")["Subject"] == (
        "Einladung Bcc: x@example.com"
    )


# --- templates ----------------------------------------------------------------------------


def test_templates_render_fields_html_escaped_text_not():
    templates = EmailTemplates(
        subject="Einladung für {{ person.first_name }}",
        text="{{ letter_salutation }},\n{{ company.name }} – {{ person.last_name }}",
        html="<p>{{ letter_salutation }},</p><p>{{ company.name }} {{ person.last_name }}</p>",
    )
    rendered = templates.render(FIELDS)
    assert rendered.subject == "Einladung für Jördis"
    assert rendered.text == "Sehr geehrte Frau Größ,\nMüller & Söhne – Größ <b>"
    assert rendered.html == (
        "<p>Sehr geehrte Frau Größ,</p><p>Müller &amp; Söhne Größ &lt;b&gt;</p>"
    )


def test_a_missing_field_names_the_part_and_line():
    templates = EmailTemplates(subject="Hallo", text="Zeile 1\n{{ person.birthday }}", html="")
    with translation.override("en"), pytest.raises(TemplateProblem) as caught:
        templates.render(FIELDS)
    assert caught.value.part == "text"
    assert caught.value.line == 2
    assert "birthday" in str(caught.value)


def test_a_syntax_error_is_reported_when_compiling():
    with pytest.raises(TemplateProblem) as caught:
        EmailTemplates(subject="Hallo", text="ok", html="<p>\n{% if %}</p>")
    assert caught.value.part == "html"
    assert caught.value.line == 2


@pytest.mark.parametrize(
    "hostile",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ person.__class__ }}",
        "{% include '/etc/passwd' %}",
        "{{ 'x' * 10**9 }}",
    ],
)
def test_hostile_templates_are_refused(hostile):
    templates = EmailTemplates(subject="Hallo", text="ok", html=hostile)
    with pytest.raises(TemplateProblem):
        templates.render(FIELDS)


def test_a_subject_rendering_empty_or_with_line_breaks():
    templates = EmailTemplates(subject="{{ a }}\n{{ b }}", text="x")
    assert templates.render({"a": "Eins", "b": "Zwei"}).subject == "Eins Zwei"
    with pytest.raises(TemplateProblem):
        templates.render({"a": "", "b": ""})


def test_subject_and_text_are_required():
    with pytest.raises(TemplateProblem):
        EmailTemplates(subject="", text="x")
    with pytest.raises(TemplateProblem):
        EmailTemplates(subject="x", text=" ")
