"""Parts encrypted on their own, and multiparts whose closing boundary is missing.

The class of Thunderbird's EFAIL sample (``multipart-alternative.eml``): a plain
multipart/alternative holding two separately encrypted alternatives, written without its
closing boundary, so that parsers see a third, empty part.  It must be archived as
decrypted, with the best alternative that has content, every separately encrypted part
shown as its own encrypted part (never stitched into one text), and the missing boundary
said in the status panel, not called damage.  Fixtures are made here with OpenSSL and
NSS's cmsutil (BER, as Thunderbird writes it).
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from smime_archiver.model import RawMail, Status
from smime_archiver.render.pdf import render_pdf
from smime_archiver.work import open_message
from tests.support import tools
from tests.support.keys import keystore_for
from tests.unit.render.conftest import assert_pdfa

HEADERS = (b"MIME-Version: 1.0\nDate: Tue, 21 Nov 2023 21:12:39 +0000\n"
           b"From: Alice <alice@example.com>\nTo: Bob <bob@example.com>\nSubject: a message\n")
BAIT = (b"Content-type: text/html\n\n<pre>Please reply to this harmless looking message</pre>"
        b"<style>.moz-text-plain, .moz-quote-pre, fieldset {display: none;}</style>\n")
PREY = b"Content-type: text/plain\n\nSECRET-TEXT the attacker wants to steal\n"
ENV = b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n" \
      b"Content-Transfer-Encoding: base64\n\n"


@pytest.fixture(scope="module")
def bob(pki):
    return pki.identity("parts-bob", cn="Bob")


@pytest.fixture(scope="module")
def encrypt(bob, tmp_path_factory):
    """``encrypt(entity, tool)``: base64 lines of an EnvelopedData for Bob."""
    db = tools.NSSDB(tmp_path_factory.mktemp("nss-parts"))

    def _encrypt(entity: bytes, tool: str) -> bytes:
        der = db.encrypt(entity, [bob]) if tool == "cmsutil" else \
            tools.cms_encrypt(entity, [bob], "aes128")
        return base64.encodebytes(der)

    return _encrypt


def efail_message(encrypt, tool: str) -> bytes:
    """As Thunderbird's local-gen.sh makes it: the delimiter after the last part, then
    nothing (no closing ``--BOUNDARY--``)."""
    delim = b"----------BOUNDARY\n"
    return (HEADERS + b'Content-Type: multipart/alternative; boundary="--------BOUNDARY"\n\n'
            + delim + ENV + encrypt(BAIT, tool) + delim + ENV + encrypt(PREY, tool) + delim)


def export(data: bytes, keystore, tmp_path: Path, name: str = "m"):
    raw = RawMail(source=str(tmp_path / f"{name}.eml"), data=data)
    opened = open_message(raw, keystore)
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(render_pdf(opened.view, opened.result, raw))
    assert_pdfa(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    return opened, text


@pytest.mark.parametrize("tool", ["openssl", "cmsutil"])
def test_efail_alternative_without_closing_boundary(bob, encrypt, tmp_path, tool):
    data = efail_message(encrypt, tool)
    assert b"--BOUNDARY--" not in data
    opened, text = export(data, keystore_for(bob), tmp_path)
    result, view = opened.result, opened.view
    assert result.status is Status.DECRYPTED, result.detail
    assert result.problems == ()
    assert [layer.part for layer in result.layers] == ["1", "2"]
    # the best alternative with content (the last one, plain text; not the empty third),
    # and the other separately encrypted alternative too, each as its own encrypted part
    assert [(p.kind, p.part, p.encrypted_part) for p in view.parts] == [
        ("html", "1", "1"), ("text", "2", "2")]
    flat = " ".join(text.split())
    assert "Damaged" not in text
    assert "Encrypted part 1 Encrypted with AES-128-CBC to Bob" in flat
    assert "Please reply to this harmless looking message" in flat
    assert "Encrypted part 2 Encrypted with AES-128-CBC to Bob" in flat
    assert "SECRET-TEXT the attacker wants to steal" in flat
    # never stitched: each text inside its own part, in the order of the message
    assert flat.index("Encrypted part 1") < flat.index("Please reply") \
        < flat.index("Encrypted part 2") < flat.index("SECRET-TEXT")
    # the panel (and the report) say that the closing boundary was missing, as no damage
    assert "The closing MIME boundary of the multipart/alternative part (the message) is " \
           "missing; the message ends right after a boundary line" in flat
    assert "closing MIME boundary" in result.detail
    assert "each encrypted separately" in flat
    # the GUI's text view names each part too
    assert "[Encrypted part 2]\nSECRET-TEXT" in view.body_text


def test_danish_panel_and_labels(bob, encrypt, tmp_path):
    from smime_archiver import i18n

    i18n.set_language("da")
    try:
        _opened, text = export(efail_message(encrypt, "openssl"), keystore_for(bob), tmp_path)
    finally:
        i18n.set_language("en")
    flat = " ".join(text.split())
    assert "Dekrypteret" in flat and "Krypteret del 1" in flat and "Krypteret del 2" in flat
    assert "Den afsluttende MIME-afgrænser i delen af typen multipart/alternative (beskeden) " \
           "mangler" in flat


def test_an_empty_last_alternative_never_wins(bob, tmp_path):
    """Plain alternatives (nothing encrypted): the last one with content is shown, alone."""
    html = b"Content-Type: text/html; charset=utf-8\n\n<p>Hej <b>Bob</b>, HTML-udgaven</p>\n"
    plain = b"Content-Type: text/plain; charset=utf-8\n\nHej Bob, tekstudgaven\n"
    empty_html = b"Content-Type: text/html\n\n<html><body>\n</body></html>\n"
    for parts, shown in (([plain, html, b"\n"], "HTML-udgaven"),
                         ([plain, empty_html], "tekstudgaven"),
                         ([html, plain, b"Content-Type: text/plain\n\n \n"], "tekstudgaven")):
        body = b"".join(b"--b\n" + p for p in parts) + b"--b--\n"
        data = HEADERS + b'Content-Type: multipart/alternative; boundary="b"\n\n' + body
        opened, text = export(data, keystore_for(bob), tmp_path)
        assert opened.result.status is Status.PLAIN
        assert shown in text
        assert len(opened.view.parts) == 1 and opened.view.parts[0].encrypted_part is None
        assert "Encrypted part" not in text


def test_one_encrypted_alternative_beside_a_plain_one_is_shown_and_marked(bob, encrypt,
                                                                           tmp_path):
    """The prey encrypted, the bait in clear (and last, so it would be the one shown)."""
    bait = b"Content-Type: text/plain\n\nPlease reply, nothing to see here\n"
    data = (HEADERS + b'Content-Type: multipart/alternative; boundary="b"\n\n'
            + b"--b\n" + ENV + encrypt(PREY, "openssl") + b"--b\n" + bait + b"--b--\n")
    opened, text = export(data, keystore_for(bob), tmp_path)
    assert opened.result.status is Status.DECRYPTED
    assert opened.result.notes == ()  # closed properly
    flat = " ".join(text.split())
    assert "Encrypted part 1" in flat and "SECRET-TEXT the attacker wants to steal" in flat
    assert "Please reply, nothing to see here" in flat
    assert "Encrypted part 2" not in flat
    assert [p.encrypted_part for p in opened.view.parts] == ["1", None]
    assert "Part 1 is an alternative version of the text (multipart/alternative) that was " \
           "encrypted separately" in flat


def test_encrypted_part_beside_plain_text_is_its_own_part(bob, encrypt, tmp_path):
    intro = b"Content-Type: text/plain; charset=utf-8\n\nSee the encrypted part below.\n"
    data = (HEADERS + b'Content-Type: multipart/mixed; boundary="b"\n\n'
            + b"--b\n" + intro + b"--b\n" + ENV + encrypt(PREY, "openssl") + b"--b--\n")
    opened, text = export(data, keystore_for(bob), tmp_path)
    assert opened.result.status is Status.DECRYPTED
    flat = " ".join(text.split())
    assert flat.index("See the encrypted part below.") < flat.index("Encrypted part 2") \
        < flat.index("SECRET-TEXT")
    assert "Part 2 of this message was encrypted separately from the rest" in flat


def test_whole_message_encryption_is_drawn_as_before(bob, tmp_path):
    """Alternatives inside one encrypted layer are one message: one alternative, no
    encrypted-part marks (the ordinary NemID letter)."""
    inner = (b'Content-Type: multipart/alternative; boundary="b"\n\n--b\n'
             b"Content-Type: text/plain\n\nplain version\n--b\n"
             b"Content-Type: text/html\n\n<p>html version</p>\n--b--\n")
    data = HEADERS + tools.cms_encrypt(inner, [bob], "aes128", smime=True)
    opened, text = export(data, keystore_for(bob), tmp_path)
    assert opened.result.status is Status.DECRYPTED
    assert [layer.part for layer in opened.result.layers] == [None]
    assert "html version" in text and "plain version" not in text
    assert "Encrypted part" not in text and "separately" not in text


def test_a_long_encrypted_part_is_marked_on_every_page(bob, encrypt, tmp_path):
    rows = "".join(f"<tr><td>Post {i}</td><td>{i},50 kr.</td></tr>" for i in range(300))
    html = (f"Content-Type: text/html; charset=utf-8\n\n<h1>Oversigt</h1><table>{rows}</table>"
            "<blockquote>citat</blockquote>\n").encode()
    text = ("Content-Type: text/plain; charset=utf-8\n\n"
            + "\n\n".join(f"Afsnit {i}: " + "blåbær og hindbær " * 30 for i in range(40))
            + "\n> 50 kr.\n").encode()
    inner = (b'Content-Type: multipart/mixed; boundary="in"\n\n--in\n' + html + b"--in\n"
             + text + b"--in--\n")
    data = (HEADERS + b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
            b"Content-Type: text/plain\n\nIntro.\n--b\n" + ENV + encrypt(inner, "openssl")
            + b"--b--\n")
    opened, pdf_text = export(data, keystore_for(bob), tmp_path)
    assert [p.encrypted_part for p in opened.view.parts] == [None, "2", "2"]
    flat = " ".join(pdf_text.split())
    assert "Post 299 299,50 kr." in flat and "Afsnit 39:" in flat and "> 50 kr." in flat
    assert flat.count("Encrypted part 2") == 1  # one part, named once
    import pikepdf

    with pikepdf.open(tmp_path / "m.pdf") as pdf:
        assert len(pdf.pages) >= 5
        for page in pdf.pages[1:]:  # the part's rule on every page after the first
            assert b".505882 .788235 .584314 RG" in page.obj.Contents.read_bytes()


def test_a_forwarded_message_inside_an_encrypted_part_is_not_marked_again(bob, encrypt,
                                                                           tmp_path):
    from tests.unit.render import samples

    forwarded = b"Content-Type: message/rfc822\n\n" + samples.forwarded().replace(b"\r\n", b"\n")
    inner = (b'Content-Type: multipart/mixed; boundary="in"\n\n--in\n'
             b"Content-Type: text/plain\n\nSee below.\n--in\n" + forwarded + b"\n--in--\n")
    data = (HEADERS + b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n'
            b"Content-Type: text/plain\n\nIntro.\n--b\n" + ENV + encrypt(inner, "openssl")
            + b"--b--\n")
    opened, text = export(data, keystore_for(bob), tmp_path)
    assert [(p.kind, p.encrypted_part) for p in opened.view.parts] == [
        ("text", None), ("text", "2"), ("message", "2")]
    flat = " ".join(text.split())
    assert flat.count("Encrypted part 2") == 1
    assert "Forwarded message (part 2.2)" in flat and "Din ansøgning om boligstøtte" in flat
