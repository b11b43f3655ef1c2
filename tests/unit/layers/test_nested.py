"""Protected parts inside a message, header merging, wrappers and content without headers."""

from __future__ import annotations

from smime_archiver.crypto.cms.layers import unwrap_message
from smime_archiver.mime import rawmime
from smime_archiver.model import Status
from tests.support import tools
from tests.support.layers import (
    HEADERS,
    TEXT,
    b64,
    body_text,
    message,
    multipart,
    parse,
    pkcs7_entity,
    sign_synthetic,
)

NOTE = b"Content-Type: text/plain; charset=us-ascii\r\n\r\nSee the attachment."
PDF = b"%PDF-1.4\n\x00\x01\x02binary\xff\xfe" * 20
ATTACHMENT = (
    b'Content-Type: application/pdf; name="rapport.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="rapport.pdf"\r\n\r\n' + b64(PDF)
)


def part_span(data: bytes, path: str) -> tuple[int, int]:
    ref = next(r for r in rawmime.walk(data) if r.path == path and not r.encapsulated)
    return ref.start, ref.end


def test_encrypted_attachment_inside_multipart_mixed_is_opened_in_place(people, bob_keys):
    enc = tools.cms_encrypt(ATTACHMENT, [people.bob])
    original = message(multipart("mixed", [NOTE, pkcs7_entity(enc)]))
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.DECRYPTED
    assert [(la.kind, la.part) for la in result.layers] == [("enveloped", "2")]
    assert result.detail.startswith("Part 2 decrypted (AES-256-CBC) with the key from")
    start, end = part_span(original, "2")
    assert result.message.startswith(original[:start])  # everything before, byte for byte
    assert result.message.endswith(original[end:])  # and after
    assert result.message[start:].startswith(ATTACHMENT[:40])
    msg = parse(result.message)
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == "rapport.pdf" and att.get_content() == PDF
    assert body_text(result.message) == "See the attachment."


def test_nested_part_without_key_is_a_problem_and_the_rest_is_kept(people, bob_keys):
    opened = tools.cms_encrypt(ATTACHMENT, [people.bob])
    closed = tools.cms_encrypt(ATTACHMENT, [people.carol])
    original = message(multipart("mixed", [NOTE, pkcs7_entity(opened), pkcs7_entity(closed)]))
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.NO_KEY  # not fully archived
    (problem,) = result.problems
    assert problem.part == "3" and problem.status is Status.NO_KEY
    assert [r.serial for r in problem.recipients] == [people.carol.serial]
    assert [r.serial for r in result.recipients] == [people.carol.serial]
    assert [la.part for la in result.layers] == ["2"]
    assert "1 part could not be opened or read completely (part 3). None" in result.detail
    start, end = part_span(original, "3")
    assert original[start:end] in result.message  # the closed part, exactly as it was
    assert b"rapport.pdf" in result.message  # the opened one


def test_smime_p7m_attachment_of_forwarded_message(people, bob_keys):
    inner_headers = (b"From: Jens <jens@example.dk>\r\nSubject: Fortroligt\r\n"
                     b"Date: Mon, 01 Feb 2010 09:00:00 +0100\r\n")
    forwarded = inner_headers + b"MIME-Version: 1.0\r\n" + pkcs7_entity(
        tools.cms_encrypt(TEXT, [people.bob]), ctype="application/octet-stream",
        smime_type=None)
    original = message(multipart("mixed", [NOTE, b"Content-Type: message/rfc822\r\n\r\n"
                                           + forwarded]))
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.DECRYPTED
    assert [la.part for la in result.layers] == ["2"]
    msg = parse(result.message)
    (fwd,) = [p for p in msg.walk() if p.get_content_type() == "message/rfc822"]
    inner = fwd.get_content()
    assert inner["subject"] == "Fortroligt" and inner["from"] == "Jens <jens@example.dk>"
    assert "Søren æøå" in inner.get_body(preferencelist=("plain",)).get_content()


def test_nested_signed_part_is_verified(people, bob_keys):
    signed = tools.cms_sign(TEXT, people.alice, detached=True, extra_args=["-crlfeol"])
    signed = signed.split(b"\r\n", 1)[1]  # drop openssl's MIME-Version line
    original = message(multipart("mixed", [NOTE, signed]))
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.SIGNED
    assert [(la.kind, la.part) for la in result.layers] == [("signed", "2")]
    assert result.signatures[0].valid
    assert "Part 2 signed by Søren Ærø Åberg, signature valid" in result.detail


def test_signed_p7m_document_becomes_an_attachment(people, bob_keys):
    der = sign_synthetic(PDF, people.alice)
    entity = pkcs7_entity(der, ctype="application/octet-stream", smime_type=None,
                          name="kontrakt.pdf.p7m")
    result = unwrap_message(message(multipart("mixed", [NOTE, entity])), bob_keys)
    assert result.status is Status.SIGNED
    (att,) = list(parse(result.message).iter_attachments())
    assert att.get_content_type() == "application/pdf"
    assert att.get_filename() == "kontrakt.pdf" and att.get_content() == PDF


def test_message_rfc822_wrapper_is_unwrapped_inner_headers_win(people, bob_keys):
    wrapped = (b"Content-Type: message/rfc822\r\n\r\n"
               b"From: =?utf-8?q?S=C3=B8ren_=C3=86r=C3=B8_=C3=85berg?= <soren@example.dk>\r\n"
               b"Subject: Det rigtige emne\r\nMIME-Version: 1.0\r\n" + TEXT)
    outer = HEADERS.replace(b"Subject: Kvartalsrapport", b"Subject: ...")
    result = unwrap_message(outer + b"MIME-Version: 1.0\r\n" + tools.cms_encrypt(
        wrapped, [people.bob], smime=True, extra_args=["-crlfeol"]), bob_keys)
    assert result.status is Status.DECRYPTED
    msg = parse(result.message)
    assert msg.get_all("subject") == ["Det rigtige emne"]
    assert msg["to"] == "Bo <bo@example.dk>"  # filled in from outside
    assert msg["message-id"] == "<abc123@example.dk>"
    assert msg.get_content_type() == "text/plain"
    assert "Søren æøå" in msg.get_content()


def test_protected_headers_from_inside_replace_outer_ones(people, bob_keys):
    inner = (b'Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\n'
             b"Subject: Hemmeligt emne\r\n"
             b"Content-Transfer-Encoding: 8bit\r\n\r\nindhold\r\n")
    outer = HEADERS.replace(b"Subject: Kvartalsrapport", b"Subject: ...")
    enc = tools.cms_encrypt(inner, [people.bob], smime=True, extra_args=["-crlfeol"])
    result = unwrap_message(outer + enc, bob_keys)
    msg = parse(result.message)
    assert msg.get_all("subject") == ["Hemmeligt emne"]
    assert msg["from"].addresses[0].addr_spec == "soren@example.dk"
    assert msg.get_content().strip() == "indhold"


def test_content_without_mime_headers_becomes_text_plain(people, bob_keys):
    for raw, charset, text in (
        (b"Bare tekst med \xc3\xa6\xc3\xb8\xc3\xa5\r\n", "utf-8", "Bare tekst med æøå"),
        (b"Hilsen S\xf8ren \x80\r\n", "windows-1252", "Hilsen Søren €"),
    ):
        enc = tools.cms_encrypt(raw, [people.bob], smime=True, extra_args=["-crlfeol"])
        result = unwrap_message(HEADERS + enc, bob_keys)
        assert result.status is Status.DECRYPTED
        msg = parse(result.message)
        assert msg.get_content_type() == "text/plain"
        assert msg.get_content_charset() == charset
        assert msg.get_content().strip() == text
        assert msg["subject"] == "Kvartalsrapport"


def test_signed_data_directly_inside_enveloped_data(people, bob_keys):
    # Some clients put the DER SignedData straight into the EnvelopedData, no MIME between.
    signed = tools.cms_sign(TEXT, people.alice, smime=False)
    enc = tools.cms_encrypt(signed, [people.bob], smime=True, extra_args=["-crlfeol"])
    result = unwrap_message(HEADERS + enc, bob_keys)
    assert [la.kind for la in result.layers] == ["enveloped", "signed"]
    assert result.signatures[0].valid
    assert "Søren æøå" in body_text(result.message)


def test_lf_message_with_nested_encrypted_part_keeps_lf(people, bob_keys):
    enc = tools.cms_encrypt(ATTACHMENT, [people.bob])
    original = message(multipart("mixed", [NOTE, pkcs7_entity(enc)])).replace(b"\r\n", b"\n")
    result = unwrap_message(original, bob_keys)
    assert result.status is Status.DECRYPTED
    assert b"\r\n" not in result.message
    (att,) = list(parse(result.message).iter_attachments())
    assert att.get_content() == PDF
