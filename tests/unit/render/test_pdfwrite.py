"""The faster paths through ReportLab's PDF writer write exactly what ReportLab writes."""

from __future__ import annotations

import itertools
import random

import pytest
from reportlab import rl_config
from reportlab.pdfbase import pdfdoc

from smime_archiver.mime.message import parse_message
from smime_archiver.model import RawMail
from smime_archiver.render import pdfwrite
from smime_archiver.render.pdf import render_pdf
from smime_archiver.render.story import Bookmark
from tests.unit.render import samples


def _render(data: bytes, result) -> bytes:
    Bookmark._keys = itertools.count(1)  # the same outline keys in both documents
    view = parse_message(result.message)
    raw = RawMail(source="/home/søren/Mail/Indbakke", data=data, index=3, locator="mbox#3@9")
    return render_pdf(view, result, raw)


@pytest.mark.parametrize("make", [samples.plain_letter, samples.newsletter, samples.scripts,
                                  samples.with_attachments, samples.forwarded,
                                  samples.flowed_latin1])
def test_documents_are_byte_for_byte_what_reportlab_writes(monkeypatch, make):
    monkeypatch.setattr(rl_config, "invariant", 1)  # fixed dates and file IDs
    data = make()
    result = samples.decrypted_result(data)
    pdfwrite.uninstall()
    monkeypatch.setattr("smime_archiver.render.pdf.install_fast_writer", lambda: None)
    slow = _render(data, result)
    # the slow run really was ReportLab's
    assert pdfdoc.format is pdfwrite._original_format
    assert pdfdoc.PDFDictionary.format is not pdfwrite.dictionary_format
    pdfwrite.install()
    assert pdfdoc.format is pdfwrite.format_value
    assert pdfdoc.PDFDictionary.format is pdfwrite.dictionary_format
    assert pdfdoc.PDFArray.format is pdfwrite.array_format
    fast = _render(data, result)
    assert fast == slow
    assert _render(data, result) == fast  # and the same again: nothing remembered wrongly


def test_text_encodes_as_reportlabs_codec_or_fails_as_it_does():
    rnd = random.Random(11)
    alphabet = [chr(c) for c in range(0, 0x180)] + ["€", "•", "漢", "\u2028"]
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        try:
            expected: bytes | type = pdfwrite._original_encode(text)
        except UnicodeEncodeError:
            expected = UnicodeEncodeError
        for _twice in range(2):  # the second time from what was remembered
            if expected is UnicodeEncodeError:
                with pytest.raises(UnicodeEncodeError):
                    pdfwrite.pdfdoc_encode(text)
            else:
                assert pdfwrite.pdfdoc_encode(text) == expected, repr(text)
    assert pdfwrite.pdfdoc_encode(b"\x00raw") == b"\x00raw"


def test_names_are_escaped_as_reportlab_escapes_them():
    rnd = random.Random(12)
    for _ in range(2000):
        name = "".join(chr(rnd.randint(0, 0x7ff)) for _ in range(rnd.randint(0, 8)))
        assert pdfwrite.pdf_name(name) == pdfwrite._original_name(name)
        assert pdfwrite.pdf_name(name) == pdfwrite._original_name(name)  # remembered
