"""The PDF renderer: real PDFs, read back with poppler's pdftotext."""

from __future__ import annotations

import datetime as dt
import subprocess

from smime_archiver.mime.message import parse_message
from smime_archiver.model import (
    EncryptionInfo,
    Layer,
    RawMail,
    RecipientRef,
    SignatureInfo,
    Status,
    UnwrapResult,
)
from smime_archiver.render.pdf import render_pdf

UTC = dt.timezone.utc


def pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "m.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")


def _message(body: str, subject: str = "Årsopgørelse 2012") -> bytes:
    return (
        "From: Skat <skat@example.dk>\r\nTo: Søren Ærø <soren@example.dk>\r\n"
        f"Subject: {subject}\r\nDate: Mon, 4 Mar 2013 10:15:00 +0100\r\n"
        "Message-ID: <m1@example.dk>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + body
    ).encode("utf-8")


def _result(msg: bytes) -> UnwrapResult:
    ref = RecipientRef(kind="ktri", issuer="CN=TRUST2408 OCES CA II", serial=1234)
    enc = EncryptionInfo(layer="enveloped", content_algorithm="des_ede3_cbc",
                         content_oid="1.2.840.113549.3.7", key_algorithm="rsaes_pkcs1v15",
                         recipient=ref, key_source="/keys/nemid-2012.p12",
                         key_subject="CN=Søren Ærø")
    sig = SignatureInfo(valid=True, detail="valid", signer="CN=Skat", signing_time=dt.datetime(
        2013, 3, 4, 9, 14, tzinfo=UTC), digest_algorithm="sha1", cert_valid_at_signing=True)
    return UnwrapResult(message=msg, status=Status.DECRYPTED, detail="ok",
                        layers=(Layer(kind="enveloped", encryption=enc),
                                Layer(kind="signed", signatures=(sig,))))


def test_pdf_has_headers_status_body_and_footer(tmp_path):
    msg = _message("Kære Søren\r\n\r\n> citat fra før\r\n\r\nBeløb\t1.234,50 kr.\r\n")
    pdf = render_pdf(parse_message(msg), _result(msg),
                     RawMail(source="/mail/Indbakke", data=msg, index=3, locator="#3@4096"))
    assert pdf.startswith(b"%PDF-")
    text = pdftotext(pdf, tmp_path)
    for expected in ("Årsopgørelse 2012", "Skat <skat@example.dk>", "Søren Ærø",
                     "Kære Søren", "citat fra før", "1.234,50 kr.",
                     "Encrypted with 3DES", "nemid-2012.p12", "Signed by Skat at",
                     "signature valid", "/mail/Indbakke", "message 4 (byte 4096)",
                     "<m1@example.dk>", "page 1 of 1"):
        assert expected in text, expected


def test_long_message_gets_numbered_pages(tmp_path):
    body = "\r\n\r\n".join(f"Afsnit {i}: " + "blåbær " * 60 for i in range(120))
    msg = _message(body)
    pdf = render_pdf(parse_message(msg), _result(msg), RawMail(source="x.eml", data=msg))
    text = pdftotext(pdf, tmp_path)
    pages = text.count("\f")
    assert pages >= 5
    assert f"page {pages} of {pages}" in text
    assert "Afsnit 119:" in text


def test_control_characters_and_markup_are_shown_not_interpreted(tmp_path):
    msg = _message("<b>not bold</b> & <script>x</script>\x07 bell")
    pdf = render_pdf(parse_message(msg), _result(msg), RawMail(source="x.eml", data=msg))
    text = pdftotext(pdf, tmp_path)
    assert "<b>not bold</b> & <script>x</script> bell" in text
