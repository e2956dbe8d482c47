"""Fax: numbers in E.164, the e-mail gateway against an SMTP sink, sendfax stand-in."""

import email
import email.policy
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from merkur.mailings.fax import (
    FaxNumberError,
    NoFax,
    SendFax,
    SmtpGatewayFax,
    fax_backend,
    normalise_fax_number,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def pdf(tmp_path):
    path = tmp_path / "brief-müller.pdf"
    path.write_bytes(PDF)
    return path


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("030 1234567", "DE", "+49301234567"),
        ("+49 (0)30 123 45 67", "CH", "+49301234567"),
        ("01 5123456", "AT", "+4315123456"),
        ("044 668 18 00", "CH", "+41446681800"),
        ("0041 44 668 18 00", "DE", "+41446681800"),
        ("236 00 00", "LI", "+4232360000"),
    ],
)
def test_numbers_are_normalised_to_e164_by_the_recipients_country(raw, country, expected):
    assert normalise_fax_number(raw, country=country) == expected


def test_without_country_the_default_phone_region_is_used(settings):
    settings.MERKUR_DEFAULT_PHONE_REGION = "AT"
    assert normalise_fax_number("01 5123456") == "+4315123456"


@pytest.mark.parametrize("raw", ["", "abc", "030", "+49 1", "123456789012345678"])
def test_invalid_numbers_get_a_clear_error(raw):
    with translation.override("en"), pytest.raises(FaxNumberError) as caught:
        normalise_fax_number(raw, country="DE")
    assert "fax number" in str(caught.value).lower()


def test_backends_by_url(settings):
    assert isinstance(fax_backend("none://"), NoFax)
    gateway = fax_backend("smtp-gateway://gateway.example?domain=fax.example&prefix=00")
    assert (gateway.domain, gateway.prefix) == ("fax.example", "00")
    assert fax_backend("smtp-gateway://fax.example").domain == "fax.example"
    sendfax = fax_backend("sendfax:///usr/bin/sendfax?host=faxsrv")
    assert (sendfax.command, sendfax.host) == ("/usr/bin/sendfax", "faxsrv")
    settings.MERKUR_FAX_URL = "none://"
    assert isinstance(fax_backend(), NoFax)
    for bad in ("fax://x", "sendfax://", "smtp-gateway://"):
        with pytest.raises(ImproperlyConfigured):
            fax_backend(bad)


def test_none_refuses_with_a_reason(pdf):
    with translation.override("en"):
        result = fax_backend("none://").send(number="+49301234567", pdf=pdf)
    assert not result.accepted
    assert "switched off" in result.reason


# --- e-mail gateway -----------------------------------------------------------------------


def test_gateway_sends_the_pdf_to_the_number_at_the_domain(settings, smtp, pdf):
    settings.MERKUR_EMAIL_URL = smtp.url
    settings.MERKUR_EMAIL_PER_MINUTE = 0
    settings.DEFAULT_FROM_EMAIL = "Merkur <fax@merkur.example>"
    with fax_backend("smtp-gateway://gw.example?domain=fax.example") as backend:
        result = backend.send(number="030 1234567", pdf=pdf, subject="Einladung Hausmesse")
    assert result.accepted
    assert result.id.endswith("@merkur.example>")
    [envelope] = smtp.handler.envelopes
    assert envelope.rcpt_tos == ["49301234567@fax.example"]
    mail = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    assert mail["Subject"] == "Einladung Hausmesse"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "brief-müller.pdf"
    assert attachment.get_content() == PDF


def test_gateway_reports_the_smtp_refusal(settings, smtp, pdf):
    settings.MERKUR_EMAIL_URL = smtp.url
    smtp.handler.refuse_rcpt["4930999999@fax.example"] = "550 5.1.1 Unknown fax line"
    backend = SmtpGatewayFax(domain="fax.example")
    result = backend.send(number="+49 30 999999", pdf=pdf)
    backend.close()
    assert not result.accepted
    assert result.reason == "550 5.1.1 Unknown fax line"


def test_gateway_refuses_an_invalid_number_without_sending(settings, smtp, pdf):
    settings.MERKUR_EMAIL_URL = smtp.url
    result = SmtpGatewayFax(domain="fax.example").send(number="12", pdf=pdf)
    assert not result.accepted
    assert smtp.handler.envelopes == []


# --- sendfax ------------------------------------------------------------------------------


def stand_in(tmp_path, body: str):
    script = tmp_path / "sendfax"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


RECORDING = 'for a in "$@"; do printf "%s\\n" "$a"; done > "$(dirname "$0")/args.txt"\n'


def test_sendfax_gets_an_argument_list_and_its_job_id_is_read(tmp_path, pdf):
    script = stand_in(
        tmp_path,
        RECORDING + 'echo "request id is 4711 (group id 4711) for host localhost (1 file)"\n',
    )
    backend = fax_backend(f"sendfax://{script}?host=faxsrv")
    result = backend.send(number="+49 30 1234567; rm -rf /", pdf=pdf)
    assert not result.accepted  # not a number: nothing run
    assert not (tmp_path / "args.txt").exists()
    result = backend.send(number="030 1234567", pdf=pdf)
    assert result.accepted
    assert result.id == "4711"
    args = (tmp_path / "args.txt").read_text().splitlines()
    assert args == ["-n", "-h", "faxsrv", "-d", "+49301234567", str(pdf)]


def test_a_path_with_spaces_and_quotes_reaches_sendfax_as_one_argument(tmp_path):
    script = stand_in(tmp_path, RECORDING + 'echo "request id is 5"\n')
    odd = tmp_path / "a b $(touch pwned) 'x'.pdf"
    odd.write_bytes(PDF)
    result = SendFax(command=str(script)).send(number="+41446681800", pdf=odd)
    assert result.accepted and result.id == "5"
    assert (tmp_path / "args.txt").read_text().splitlines()[-1] == str(odd)
    assert not (tmp_path / "pwned").exists()


def test_sendfax_failure_returns_its_error_output(tmp_path, pdf):
    script = stand_in(
        tmp_path, 'echo "sendfax: Can not reach server at host localhost" >&2\nexit 1\n'
    )
    with translation.override("en"):
        result = SendFax(command=str(script)).send(number="+49301234567", pdf=pdf)
    assert not result.accepted
    assert "exit code 1" in result.reason
    assert "Can not reach server" in result.reason


def test_a_missing_sendfax_command_or_pdf_is_a_failure(tmp_path, pdf):
    missing = SendFax(command=str(tmp_path / "nope")).send(number="+49301234567", pdf=pdf)
    assert not missing.accepted
    script = stand_in(tmp_path, RECORDING)
    no_pdf = SendFax(command=str(script)).send(number="+49301234567", pdf=tmp_path / "missing.pdf")
    assert not no_pdf.accepted


def test_a_hanging_sendfax_times_out(tmp_path, pdf):
    script = stand_in(tmp_path, "sleep 5\n")
    result = SendFax(command=str(script), timeout=0.5).send(number="+49301234567", pdf=pdf)
    assert not result.accepted
