"""Outlook .msg files: MAPI properties, transport headers, bodies, attachments, S/MIME."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy

import pytest

from smime_archiver.mailbox import iter_messages
from smime_archiver.model import RawMail, SourceProblem
from tests.support import tools
from tests.support.mailbox import Att, Msg, lzfu_literal, write_cfb, write_msg

UTC = dt.timezone.utc
TRANSPORT = ("Received: from mx.example.dk by mail.example.dk; Mon, 13 Jan 2014 10:00:00 +0100\r\n"
             "From: =?utf-8?q?S=C3=B8ren?= <soren@example.dk>\r\nTo: aase@example.dk\r\n"
             "Subject: Krypteret brev\r\nDate: Mon, 13 Jan 2014 10:00:00 +0100\r\n"
             "Message-ID: <smime-1@example.dk>\r\nMIME-Version: 1.0\r\n"
             "Content-Type: application/pkcs7-mime;\r\n\tsmime-type=enveloped-data;\r\n"
             "\tname=\"smime.p7m\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")


def _read_one(tmp_path, msg: Msg, name: str = "mail.msg") -> RawMail:
    path = tmp_path / name
    path.write_bytes(write_msg(msg))
    [item] = list(iter_messages([path]))
    assert isinstance(item, RawMail), item
    assert item.index is None and item.locator == ""
    return item


def _parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def test_plain_message_from_mapi_properties(tmp_path):
    when = dt.datetime(2011, 5, 4, 12, 30, tzinfo=UTC)
    msg = Msg({0x001A: "IPM.Note", 0x0037: "Møde om nøglen", 0x1000: "Hej Åse,\r\nvi ses.",
               0x0C1A: "Søren Sørensen", 0x5D01: "soren@example.dk", 0x0039: when,
               0x1035: "<m1@example.dk>", 0x3FDE: 65001},
              recipients=[{0x0C15: 1, 0x3001: "Åse Ås", 0x39FE: "aase@example.dk"},
                          {0x0C15: 2, 0x3001: "Bo", 0x3003: "bo@example.dk", 0x3002: "SMTP"},
                          {0x0C15: 1, 0x3001: "Exchange Bruger",
                           0x3003: "/O=FIRMA/OU=EXCHANGE/CN=RECIPIENTS/CN=BRUGER"}])
    parsed = _parse(_read_one(tmp_path, msg).data)
    assert parsed["Subject"] == "Møde om nøglen"
    assert parsed["From"].addresses[0].display_name == "Søren Sørensen"
    assert parsed["From"].addresses[0].addr_spec == "soren@example.dk"
    assert next(a.addr_spec for a in parsed["To"].addresses) == "aase@example.dk"
    assert "Exchange Bruger" in str(parsed["To"])
    assert parsed["Cc"].addresses[0].addr_spec == "bo@example.dk"
    assert parsed["Date"].datetime == when
    assert parsed["Message-ID"] == "<m1@example.dk>"
    assert parsed.get_content().replace("\r\n", "\n").strip() == "Hej Åse,\nvi ses."


def test_transport_headers_html_string8_attachments_and_embedded(tmp_path):
    html = "<html><body><p>Kære Åse</p></body></html>".encode("cp1252")
    inner = Msg({0x001A: "IPM.Note", 0x0037: "Indre brev", 0x1000: "indre tekst"})
    msg = Msg({0x001A: "IPM.Note", 0x007D: TRANSPORT.replace("application/pkcs7-mime", "x/y"),
               0x1000: (0x1E, "Kære Åse"), 0x1013: html, 0x3FFD: 1252},
              attachments=[Att({0x3707: "bilag æ.pdf", 0x370E: "application/pdf"},
                               data=b"%PDF-1.4\n" + bytes(range(256)) * 30),
                           Att({0x3707: "logo.png", 0x370E: "image/png", 0x3712: "logo@x"},
                               data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
                           Att({0x3001: "Videresendt brev"}, embedded=inner)])
    raw = _read_one(tmp_path, msg).data
    parsed = _parse(raw)
    assert parsed["Received"].startswith("from mx.example.dk")
    assert parsed["Subject"] == "Krypteret brev"
    assert raw.count(b"MIME-Version") >= 1 and b"x/y" not in raw
    body = parsed.get_body(("plain",))
    assert body.get_content().strip() == "Kære Åse"
    assert "Kære Åse" in parsed.get_body(("html",)).get_content()
    atts = list(parsed.iter_attachments())
    assert [a.get_filename() for a in atts[:2]] == ["bilag æ.pdf", "logo.png"]
    assert atts[0].get_content() == b"%PDF-1.4\n" + bytes(range(256)) * 30
    assert atts[1]["Content-ID"] == "<logo@x>"
    assert atts[2].get_content_type() == "message/rfc822"
    inner_msg = atts[2].get_content()
    assert inner_msg["Subject"] == "Indre brev"
    assert inner_msg.get_content().strip() == "indre tekst"


def test_rtf_only_body_with_encapsulated_html(tmp_path):
    rtf = (b"{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
           b"{\\*\\htmltag19 <html>}{\\*\\htmltag34 <body>}\\htmlrtf {\\htmlrtf0 "
           b"{\\*\\htmltag64 <p>}K\\'e6re \\u197?se\\htmlrtf\\par\\htmlrtf0"
           b"{\\*\\htmltag72 </p>}}\\htmlrtf0 {\\*\\htmltag35 </body>}{\\*\\htmltag27 </html>}}")
    msg = Msg({0x001A: "IPM.Note", 0x0037: "rtf", 0x1009: lzfu_literal(rtf)})
    parsed = _parse(_read_one(tmp_path, msg).data)
    html = parsed.get_body(("html",)).get_content()
    assert html.replace("\r\n", "") == "<html><body><p>Kære Åse</p></body></html>"


def test_rtf_only_native_body_becomes_text_and_keeps_the_rtf(tmp_path):
    rtf = (b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Arial;}}{\\colortbl;\\red0;}"
           b"{\\*\\generator Riched20;}\\pard F\\'f8rste linje\\par Anden \\b linje\\b0\\par}")
    msg = Msg({0x001A: "IPM.Note", 0x0037: "rtf", 0x1009: lzfu_literal(rtf)})
    parsed = _parse(_read_one(tmp_path, msg).data)
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.strip() == "Første linje\nAnden linje"
    [att] = list(parsed.iter_attachments())
    assert att.get_content_type() == "application/rtf" and att.get_content() == rtf


@pytest.mark.parametrize("mime_tag", ["application/octet-stream", "application/pkcs7-mime"])
def test_smime_note_becomes_pkcs7_mime_message(tmp_path, pki, mime_tag):
    ident = pki.identity("msg-recipient", cn="Åse Modtager")
    der = tools.cms_encrypt(b"Content-Type: text/plain\r\n\r\nhemmeligt\r\n", [ident])
    msg = Msg({0x001A: "IPM.Note.SMIME", 0x007D: TRANSPORT, 0x0037: "Krypteret brev"},
              attachments=[Att({0x3707: "smime.p7m", 0x370E: mime_tag}, data=der)])
    raw = _read_one(tmp_path, msg).data
    parsed = _parse(raw)
    assert parsed.get_content_type() == "application/pkcs7-mime"
    assert parsed.get_param("smime-type") == "enveloped-data"
    assert parsed.get_param("name") == "smime.p7m"
    assert parsed["Message-ID"] == "<smime-1@example.dk>"
    assert parsed.get_payload(decode=True) == der
    assert raw.count(b"Content-Type:") == 1  # the transport's own one was replaced
    # and openssl decrypts what we rebuilt
    out = tools.openssl("cms", "-decrypt", "-recip", str(ident.cert_pem), "-inkey",
                        str(ident.key_pem), "-inform", "SMIME", input=raw)
    assert out.endswith(b"hemmeligt\r\n")


def test_smime_opaque_signed_gets_signed_data_type(tmp_path, pki):
    signer = pki.identity("msg-opaque-signer")
    der = tools.cms_sign(b"Content-Type: text/plain\r\n\r\nunderskrevet\r\n", signer,
                         smime=False)
    msg = Msg({0x001A: "IPM.Note.SMIME", 0x0037: "opaque", 0x0C1A: "S", 0x0C1F: "s@example.dk"},
              attachments=[Att({0x3707: "smime.p7m"}, data=base64.encodebytes(der))])
    parsed = _parse(_read_one(tmp_path, msg).data)
    assert parsed.get_param("smime-type") == "signed-data"
    assert parsed.get_payload(decode=True) == der
    assert parsed["From"].addresses[0].addr_spec == "s@example.dk"


def test_smime_multipart_signed_keeps_the_signed_entity_byte_for_byte(tmp_path, pki):
    signer = pki.identity("msg-signer", cn="Søren Signer")
    entity = tools.cms_sign(b"Content-Type: text/plain; charset=utf-8\r\n\r\nFrom me: hej\r\n",
                            signer, detached=True)
    msg = Msg({0x001A: "IPM.Note.SMIME.MultipartSigned", 0x007D: TRANSPORT,
               0x0037: "signed", 0x1000: "From me: hej"},
              attachments=[Att({0x3707: "smime.p7m", 0x370E: "multipart/signed"},
                               data=entity)])
    raw = _read_one(tmp_path, msg).data
    assert raw.endswith(entity)
    assert _parse(raw).get_content_type() == "multipart/signed"
    tools.openssl("cms", "-verify", "-noverify", "-inform", "SMIME", input=raw)


def test_compound_file_that_is_not_a_message(tmp_path):
    doc = write_cfb({"WordDocument": b"\x00" * 600, "\x05SummaryInformation": b"\x00" * 100})
    path = tmp_path / "letter.doc"
    path.write_bytes(doc)
    [problem] = list(iter_messages([path]))
    assert isinstance(problem, SourceProblem) and "not an Outlook message" in problem.detail
    folder = tmp_path / "walk"
    folder.mkdir()
    (folder / "letter.doc").write_bytes(doc)
    assert list(iter_messages([folder])) == []  # a Word file in a folder is left alone


def test_damaged_compound_file(tmp_path):
    data = write_msg(Msg({0x001A: "IPM.Note", 0x1000: "x" * 9000}))
    path = tmp_path / "cut.msg"
    path.write_bytes(data[:1100])
    [problem] = list(iter_messages([path]))
    assert isinstance(problem, SourceProblem)
    assert "damaged" in problem.detail and "cut.msg" in problem.detail
