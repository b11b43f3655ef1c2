"""Every safety limit, hit by a real message: the outcome names it, the rest is archived.

Each message goes through the export's own per-message work (:func:`process_message`:
unwrap, MIME model, PDF) and the PDF is read back with ``pdftotext``.  Structural limits
(MIME depth and parts, header size, part size, S/MIME layers, decompression) make the
message ``corrupt`` with a sentence that says which limit and which part, and the PDF
still shows everything else.  Display limits (a picture's pixels, an HTML table's size)
keep the status (the picture is embedded in the PDF, the table's cells are all drawn)
and add their sentence to the message's line in the report.
"""

from __future__ import annotations

import base64
import io
import subprocess
import zlib
from pathlib import Path

import pytest
from PIL import Image

from smime_archiver.crypto.cms import layers
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.mime import body
from smime_archiver.model import RawMail, Status
from smime_archiver.work import Outcome, WorkOptions, process_message
from tests.support.layers import HEADERS, TEXT, compressed_data, message, multipart, pkcs7_entity

BODY = "Den gode del af beskeden med æøå"


def _text_part(text: str = BODY) -> bytes:
    return f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n".encode()


def _process(tmp_path: Path, data: bytes) -> tuple[Outcome, str]:
    outcome = process_message(RawMail("hostile.eml", data), KeyStore(),
                              WorkOptions(tmp_dir=str(tmp_path)))
    assert outcome.pdf_tmp, f"no PDF: {outcome.record.status} {outcome.record.detail}"
    text = subprocess.run(["pdftotext", outcome.pdf_tmp, "-"], capture_output=True,
                          check=True).stdout.decode()
    return outcome, " ".join(text.split())


def _limited(tmp_path: Path, data: bytes, reason: str) -> str:
    outcome, text = _process(tmp_path, data)
    record = outcome.record
    assert record.status is Status.CORRUPT, record.detail
    assert reason in record.detail
    assert reason in text.replace("- ", "")  # the PDF's status panel says it too
    assert BODY in text  # the rest of the message is archived
    return text


def test_mime_nesting_deeper_than_40_levels(tmp_path):
    inner = b"Content-Type: text/plain\r\n\r\nBunden af beskeden\r\n"
    for i in reversed(range(45)):
        inner = multipart("mixed", [_text_part(f"niveau {i}"), inner], boundary=f"n{i}")
    data = HEADERS + b"MIME-Version: 1.0\r\n" + multipart("mixed", [_text_part(), inner])
    text = _limited(tmp_path, data, "nested more than 40 levels deep")
    assert "niveau 0" in text and "niveau 38" in text
    assert "Bunden af beskeden" not in text  # kept raw, as an attachment of the PDF


def test_more_than_1000_parts(tmp_path):
    parts = [_text_part()] + [_text_part(f"del {n}") for n in range(2, 1501)]
    text = _limited(tmp_path, message(multipart("mixed", parts)), "more than 1000 parts")
    assert "del 2 " in text and "del 999" in text and "del 1500" not in text


def test_a_header_of_200_000_characters(tmp_path):
    data = (HEADERS.replace(b"Subject: Kvartalsrapport", b"Subject: " + b"x" * 200_000)
            + b"MIME-Version: 1.0\r\n" + _text_part())
    text = _limited(tmp_path, data, "The header Subject is 200000 characters long")
    assert "x" * 40 in text


def test_more_than_1000_header_fields(tmp_path):
    data = HEADERS + b"X-Spam: ja\r\n" * 3000 + b"MIME-Version: 1.0\r\n" + _text_part()
    _limited(tmp_path, data, "3007 header fields; only the first 1000")


def test_a_part_larger_than_the_decoded_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(body, "MAX_PART_BYTES", 1024 * 1024)
    big = (b'Content-Type: application/octet-stream; name="stor.bin"\r\n'
           b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(b"\1" * 2_000_000))
    small = (b'Content-Type: text/plain; name="lille.txt"\r\n'
             b'Content-Disposition: attachment; filename="lille.txt"\r\n\r\nlille\r\n')
    text = _limited(tmp_path, message(multipart("mixed", [_text_part(), big, small])),
                    "Part 2 (stor.bin) is about 1 MB when decoded")
    assert "lille.txt" in text


def test_more_than_8_smime_layers_in_a_part(tmp_path):
    entity = TEXT
    for _n in range(10):
        entity = pkcs7_entity(compressed_data(entity), smime_type="compressed-data",
                              name="smime.p7z")
    data = message(multipart("mixed", [_text_part(), entity]))
    _limited(tmp_path, data, "more than 8 S/MIME layers")


def test_a_decompression_bomb_in_a_part(tmp_path):
    bomb = compressed_data(b"", raw=zlib.compress(b"\0" * (40 * 1024 * 1024), 9))
    data = message(multipart("mixed", [_text_part(), pkcs7_entity(
        bomb, smime_type="compressed-data", name="smime.p7z")]))
    _limited(tmp_path, data, "looks like a decompression bomb")


def test_a_decompression_bomb_as_the_whole_message_is_its_outcome(tmp_path):
    bomb = compressed_data(b"", raw=zlib.compress(b"\0" * (40 * 1024 * 1024), 9))
    data = message(pkcs7_entity(bomb, smime_type="compressed-data", name="smime.p7z"))
    outcome = process_message(RawMail("bomb.eml", data), KeyStore(),
                              WorkOptions(tmp_dir=str(tmp_path)))
    assert outcome.record.status is Status.CORRUPT
    assert "decompression bomb" in outcome.record.detail
    assert outcome.pdf_tmp is None  # nothing but the bomb: nothing to archive


def test_more_protected_parts_than_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(layers, "MAX_NESTED_PARTS", 2)
    parts = [pkcs7_entity(compressed_data(_text_part(f"pakket {n}")),
                          smime_type="compressed-data", name="smime.p7z") for n in range(4)]
    text = _limited(tmp_path, message(multipart("mixed", [_text_part(), *parts])),
                    "more than 2 encrypted or signed parts")
    assert "pakket 0" in text and "pakket 1" in text and "pakket 3" not in text


def _png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (width, height), 200).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def test_a_picture_with_too_many_pixels_is_listed_not_drawn(tmp_path):
    picture = (b'Content-Type: image/png; name="kort.png"\r\nContent-Transfer-Encoding: base64'
               b"\r\n\r\n" + base64.encodebytes(_png(9000, 5000)))  # 45 megapixels
    outcome, text = _process(tmp_path, message(multipart("mixed", [_text_part(), picture])))
    assert outcome.record.status is Status.PLAIN  # the picture itself is embedded in the PDF
    reason = "Picture kort.png not shown: the picture has too many pixels to draw"
    assert reason in text and reason in outcome.record.detail  # in the PDF and the report
    assert BODY in text


@pytest.mark.parametrize("rows, columns", [(400, 10), (3, 40)])
def test_an_html_table_too_big_to_draw_as_a_table(tmp_path, rows, columns):
    cells = "".join("<tr>" + "".join(f"<td>c{r}.{c}</td>" for c in range(columns)) + "</tr>"
                    for r in range(rows))
    html = f"<p>{BODY}</p><table>{cells}</table>".encode()
    data = message(b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html)
    outcome, text = _process(tmp_path, data)
    assert outcome.record.status is Status.PLAIN
    reason = f"has {rows * columns} cells in {columns} columns"
    assert reason in text and reason in outcome.record.detail
    assert BODY in text and "c0.0" in text and f"c{rows - 1}.{columns - 1}" in text


def test_limits_leave_ordinary_mail_alone(tmp_path):
    outcome, text = _process(tmp_path, message(multipart("mixed", [_text_part()] * 30)))
    assert text.count(BODY) == 30
    assert outcome.record.status is Status.PLAIN
    assert outcome.record.detail == "The message is neither encrypted nor signed."


def test_cms_nested_thousands_of_levels_deep_in_a_part(tmp_path):
    deep = b"\x30\x80" * 5000 + b"\x05\x00" + b"\x00\x00" * 5000  # BER, indefinite lengths
    data = message(multipart("mixed", [_text_part(), pkcs7_entity(deep)]))
    _limited(tmp_path, data, "its CMS structure cannot be read")
