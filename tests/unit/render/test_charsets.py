"""Charsets with damage: the declared charset wins and only the bad bytes are replaced.

A Russian Outlook mail labelled UTF-8 with one invalid byte became 100 % Windows-1252
mojibake: the whole part fell back to another charset.  These messages are built the way
clients write them and rendered to PDF; pdftotext reads the text back.
"""

from __future__ import annotations

import base64

import pytest

from smime_archiver.crypto.cms.layers import unwrap_message
from smime_archiver.mime.charsets import codepage_name, decode_bytes, decode_unlabelled
from smime_archiver.mime.message import parse_message
from tests.support import tools

RUSSIAN = ("Здравствуйте, Иван Петрович!\n\nСпасибо за ваше письмо. Документы по договору "
           "№ 42 отправлены сегодня.\n\nС уважением,\nОльга Смирнова\n")
SENTENCE = "Документы по договору № 42 отправлены сегодня."


def _with_bad_byte(text: str, after: str, bad: bytes = b"\xff") -> bytes:
    """``text`` in UTF-8 with ``bad`` inserted after the first ``after`` (between two
    characters, so exactly one replacement character stands for it)."""
    data = text.encode()
    at = data.index(after.encode()) + len(after.encode())
    return data[:at] + bad + data[at:]


def _message(body: bytes, content_type: str, cte: str = "8bit",
             headers: bytes = b"From: Olga <olga@example.ru>\r\nSubject: t\r\n") -> bytes:
    if cte == "base64":
        body = base64.encodebytes(body).replace(b"\n", b"\r\n")
    return (headers + b"MIME-Version: 1.0\r\nContent-Type: " + content_type.encode()
            + b"\r\nContent-Transfer-Encoding: " + cte.encode() + b"\r\n\r\n" + body)


@pytest.mark.parametrize("cte", ["8bit", "base64"])
@pytest.mark.parametrize("bad", [b"\xff", b"\xc0", b"\x92"])
def test_one_bad_byte_in_utf8_keeps_the_cyrillic(render, cte, bad):
    body = _with_bad_byte(RUSSIAN, "Спасибо", bad)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    rendered = render(_message(body, "text/plain; charset=utf-8", cte))
    text = rendered.text()
    assert "Спасибо\ufffd за ваше письмо." in text
    assert SENTENCE in " ".join(text.split())
    assert "Ольга Смирнова" in text
    assert rendered.view.parts[0].text.count("\ufffd") == 1
    assert text.count("\ufffd") == 2  # the damaged byte, and the panel's note that names it
    assert "Ð" not in text and "Ñ" not in text  # no Windows-1252 mojibake anywhere
    assert rendered.view.notes == (
        "Part 1 has 1 damaged character that could not be decoded; it is shown as \ufffd.",)


def test_a_bad_byte_in_the_middle_of_a_letter_replaces_only_that_letter():
    data = RUSSIAN.encode()
    at = data.index("Иван".encode()) + 1  # between the two bytes of "И"
    text = decode_bytes(data[:at] + b"\xff" + data[at:], "utf-8")
    # the two halves of "И" and the bad byte, nothing else
    assert text.count("\ufffd") == 3
    assert text.replace("\ufffd" * 3, "И", 1) == RUSSIAN


def test_utf8_with_a_bad_byte_under_a_single_byte_label_is_still_utf8():
    body = _with_bad_byte(RUSSIAN, "Спасибо")
    for label in ("koi8-r", "windows-1251", "iso-8859-5", "us-ascii", "iso-8859-1", None):
        assert decode_bytes(body, label) == RUSSIAN.replace("Спасибо", "Спасибо\ufffd"), label


@pytest.mark.parametrize("charset", ["koi8-r", "windows-1251", "iso-8859-5"])
def test_real_single_byte_cyrillic_is_not_taken_for_damaged_utf8(charset):
    text = "Съешь же ещё этих мягких французских булок, да выпей чаю — ёлка."
    encoded = text.encode(charset, "replace")
    assert decode_bytes(encoded, charset) == text.encode(charset, "replace").decode(charset)


def test_windows_1252_labelled_utf8_is_still_read_as_windows_1252():
    # all its non-ASCII bytes are invalid UTF-8: the label is wrong, not the bytes damaged
    for text in ("Kære Søren, blåbærgrød og “citat” – 10 €", "It’s here", "æøå"):
        assert decode_bytes(text.encode("cp1252"), "utf-8") == text
        assert decode_unlabelled(text.encode("cp1252")) == text
    # one stray valid-looking pair does not make Danish cp1252 text UTF-8
    assert decode_bytes("Ærø ÂÂ æøå åå".encode("cp1252"), "utf-8") == "Ærø ÂÂ æøå åå"


def test_greek_with_an_undefined_byte_stays_greek():
    body = "Καλημέρα σας, ευχαριστώ.".encode("iso-8859-7") + b"\xae"  # 0xAE: undefined
    assert decode_bytes(body, "iso-8859-7") == "Καλημέρα σας, ευχαριστώ.\ufffd"


def test_damaged_shift_jis_stays_japanese():
    body = "日本語のテキストです。".encode("cp932")
    damaged = body[:6] + b"\x85 " + body[6:]  # a lead byte without its second byte
    assert decode_bytes(damaged, "shift_jis") == "日本語\ufffd のテキストです。"


def test_a_utf7_part_is_decoded(render):
    body = RUSSIAN.encode("utf-7")
    assert body.isascii()
    for label in ("utf-7", "UTF-7", "unicode-1-1-utf-7", "x-unicode-2-0-utf-7"):
        rendered = render(_message(body, f"text/plain; charset={label}", "7bit"))
        text = rendered.text()
        assert SENTENCE in " ".join(text.split()), label
        assert "+BBc" not in text


def test_a_damaged_utf7_part_is_decoded_with_one_replacement():
    # the line is cut inside a shifted (base64) run: Python's strict decoder refuses it
    body = RUSSIAN.encode("utf-7") + b"+BB8EQ"
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-7")
    view = parse_message(_message(body, "text/plain; charset=utf-7", "7bit"))
    assert view.body_text.startswith(RUSSIAN.rstrip("\n"))
    assert "+BBc" not in view.body_text and view.body_text.count("\ufffd") == 1


def test_utf7_headers_are_decoded():
    def words(charset: str, text: str) -> bytes:
        return f"=?{charset}?B?{base64.b64encode(text.encode('utf-7')).decode()}?=".encode()

    for charset in ("utf-7", "x-unicode-2-0-utf-7"):
        headers = (b"From: " + words(charset, "Ольга Смирнова") + b" <olga@example.ru>\r\n"
                   b"Subject: " + words(charset, "Договор № 42") + b"\r\n")
        view = parse_message(_message(b"hi\r\n", "text/plain; charset=us-ascii",
                                      headers=headers))
        assert view.subject == "Договор № 42", charset
        assert view.sender == "Ольга Смирнова <olga@example.ru>", charset


def test_raw_utf8_headers_with_a_bad_byte_keep_the_cyrillic():
    name = _with_bad_byte("Ольга Смирнова", "Ольга")
    subject = _with_bad_byte("Договор подписан", "Договор")
    headers = b"From: " + name + b" <olga@example.ru>\r\nSubject: " + subject + b"\r\n"
    view = parse_message(_message(b"hi\r\n", "text/plain; charset=utf-8", headers=headers))
    assert view.sender == "Ольга\ufffd Смирнова <olga@example.ru>"
    assert view.subject == "Договор\ufffd подписан"


def test_decrypted_text_without_headers_with_a_bad_byte_stays_utf8(tmp_path, pki):
    """Content that comes out of a CMS layer without MIME headers is labelled by guessing."""
    from tests.support.keys import keystore_for

    bob = pki.identity("charsets-bob", cn="Bob")
    body = _with_bad_byte(RUSSIAN, "Спасибо")
    der = tools.cms_encrypt(body, [bob])
    entity = (b"From: olga@example.ru\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
              b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
              b"Content-Transfer-Encoding: base64\r\n\r\n"
              + base64.encodebytes(der).replace(b"\n", b"\r\n"))
    result = unwrap_message(entity, keystore_for(bob))
    assert result.status.value == "decrypted", result.detail
    view = parse_message(result.message)
    assert view.body_text == RUSSIAN.replace("Спасибо", "Спасибо\ufffd")


def test_outlook_code_pages():
    assert codepage_name(65000) == "utf-7"  # Outlook's UTF-7
    assert codepage_name(20866) == "koi8-r"  # Russian Outlook
    assert codepage_name(28595) == "iso-8859-5"
    assert codepage_name(1251) == "cp1251"
    assert codepage_name(65001) == "utf-8"
    assert codepage_name(12345) == "cp1252"  # unknown: the Western default


def test_a_replacement_character_the_sender_wrote_is_no_damage():
    view = parse_message(_message("Ukendt tegn: \ufffd\n".encode(), "text/plain; charset=utf-8"))
    assert view.body_text == "Ukendt tegn: \ufffd\n" and view.notes == ()
