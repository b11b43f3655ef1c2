"""What the page says: headers, status panel, attachments table, footer, bookmarks."""

from __future__ import annotations

import hashlib

import pikepdf

from smime_archiver.model import RawMail, Status, UnwrapResult
from tests.unit.render import samples


def test_header_block_decodes_rfc2047_and_rfc2231(render):
    raw = (b"From: =?iso-8859-1?q?S=F8ren_=C6r=F8?= <soren@example.dk>\r\n"
           b"To: =?utf-8?b?w4VzYSDDmHN0ZXI=?= <aasa@example.dk>, bo@example.dk\r\n"
           b"Cc: =?windows-1252?q?Birthe_=C5g=E5rd?= <b@example.dk>\r\n"
           b"Subject: =?utf-8?q?Bekr=C3=A6ftelse_af_=C3=A6ndring?=\r\n"
           b"Date: Mon, 4 Mar 2013 10:15:00 +0100\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nHej\r\n--B\r\n"
           b"Content-Type: application/pdf\r\n"
           b"Content-Disposition: attachment; filename*=utf-8''%C3%A5rsopg%C3%B8relse.pdf\r\n"
           b"\r\n%PDF-1.4\r\n--B--\r\n")
    text = render(raw).text()
    for expected in ("Søren Ærø <soren@example.dk>", "Åsa Øster <aasa@example.dk>, bo@example.dk",
                     "Birthe Ågård <b@example.dk>", "Bekræftelse af ændring",
                     "2013-03-04 10:15 +0100", "årsopgørelse.pdf"):
        assert expected in text, expected


def test_status_panel_names_algorithm_certificate_signer_and_validity(render):
    data = samples.plain_letter()
    text = " ".join(render(data, samples.decrypted_result(data)).text().split())
    for expected in ("Decrypted", "Encrypted with 3DES to Søren Ærø",
                     "nøglefil-2012.p12", "Signed by Skattestyrelsen",
                     "at 2013-03-04 09:14 UTC", "signature valid",
                     "certificate not valid at signing time"):
        assert expected in text, expected
    text = " ".join(render(data, samples.decrypted_result(data, signature_valid=False))
                    .text().split())
    assert "signature NOT valid: digest mismatch" in text


def test_mailbox_note_is_in_the_status_panel(render):
    data = samples.plain_letter()
    raw = RawMail(source="Indbakke.mbox", data=data, index=7, locator="mbox#7@9000",
                  note="The mailbox ends inside this message; it may be incomplete.")
    text = " ".join(render(data, raw=raw).text().split())
    assert "Mailbox: The mailbox ends inside this message; it may be incomplete." in text


def test_plain_message_says_so(render):
    data = samples.plain_letter()
    text = render(data, UnwrapResult(message=data, status=Status.PLAIN, detail="")).text()
    assert "Not encrypted" in text and "neither encrypted nor signed" in text


def test_attachment_table_has_full_sha256_and_embedded_column(render):
    text = render(samples.with_attachments()).text()
    digest = hashlib.sha256(samples.ATTACHMENT_PDF).hexdigest()
    assert digest[:32] in text and digest[32:] in text
    flat = " ".join(text.split())
    assert flat.count("embedded in") == 6
    assert "application/pdf" in flat and "58 bytes" in flat


def test_footer_has_source_locator_message_id_and_page_count(render):
    rendered = render(samples.long_letter())
    text = rendered.text()
    pages = text.count("\f")
    assert pages >= 5
    for page in range(1, pages + 1):
        assert f"page {page} of {pages}" in text
    assert text.count("/home/soren/Mail/Indbakke · mbox#3@40960 · <m1-2013@skat.example.dk>") \
        == pages
    assert "Afsnit 119:" in text


def test_bookmarks_for_message_and_parts(render):
    rendered = render(samples.forwarded())
    with pikepdf.open(rendered.path) as pdf, pdf.open_outline() as outline:
        top = outline.root
        assert [t.title for t in top] == ["Fwd: Oprindelig besked om boligstøtte"]
        children = [c.title for c in top[0].children]
        assert children[0] == "Message text"
        assert any(c.startswith("Forwarded message (part 2)") for c in children)
        assert children[-1] == "Attachments"
        forwarded = next(c for c in top[0].children if c.title.startswith("Forwarded"))
        assert [c.title for c in forwarded.children] == ["Message text", "Attachments"]
