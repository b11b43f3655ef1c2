"""The preview frames each part that was encrypted on its own, apart from the rest of the
message (EFAIL-style mixes), as the PDF does: never one run-together text."""

from __future__ import annotations

import base64

import pytest
from PySide6.QtGui import QTextDocument

from smime_archiver.model import RawMail, Status
from smime_archiver.ui.preview import view_html
from smime_archiver.work import open_message
from tests.support import tools
from tests.support.keys import keystore_for

ENV = b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n" \
      b"Content-Transfer-Encoding: base64\n\n"


@pytest.fixture(scope="module")
def bob(pki):
    return pki.identity("preview-parts-bob", cn="Bob")


def test_a_separately_encrypted_part_is_framed_apart_from_the_plain_text(qapp, bob):
    inner = b"Content-Type: text/plain\n\nINNER secret text from an old mail\n"
    sealed = base64.encodebytes(tools.cms_encrypt(inner, [bob], "aes128"))
    data = (b"MIME-Version: 1.0\nFrom: Eve <eve@example.com>\nTo: Bob <bob@example.com>\n"
            b"Subject: mixed\nContent-Type: multipart/mixed; boundary=XX\n\n"
            b"--XX\nContent-Type: text/plain\n\nOUTER plain text anyone could write\n"
            b"--XX\n" + ENV + sealed + b"--XX--\n")
    opened = open_message(RawMail(source="mixed.eml", data=data), keystore_for(bob))
    assert opened.result.status is Status.DECRYPTED, opened.result.detail
    markup = view_html(opened.view)
    document = QTextDocument()
    document.setHtml(markup)
    text = document.toPlainText()
    outer, title, inner_at = (text.index("OUTER plain"), text.index("Encrypted part 2"),
                              text.index("INNER secret"))
    assert outer < title < inner_at
    # the frame holds the encrypted part only: the plain text is outside the table
    assert markup.index("OUTER plain") < markup.index("<table") < markup.index("INNER secret")
    assert markup.count("<table") == 1 and markup.rstrip().endswith("</table>")


def test_a_wholly_encrypted_message_is_not_framed(qapp, bob):
    entity = b"Content-Type: text/plain\n\nThe whole message was encrypted\n"
    data = (b"MIME-Version: 1.0\nFrom: Alice <a@example.com>\nSubject: whole\n" + ENV
            + base64.encodebytes(tools.cms_encrypt(entity, [bob], "aes128")))
    opened = open_message(RawMail(source="whole.eml", data=data), keystore_for(bob))
    assert opened.result.status is Status.DECRYPTED
    markup = view_html(opened.view)
    assert "whole message was encrypted" in markup and "<table" not in markup
