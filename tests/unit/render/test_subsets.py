"""Font subsets made once per process: reused bytes, right glyphs, right widths, right text."""

from __future__ import annotations

import pikepdf
import pytest
from reportlab.pdfbase import pdfmetrics

from smime_archiver.render.fonts import SANS
from smime_archiver.render.subsets import COMMON


def _message(subject: str, body: str) -> bytes:
    return (f"From: Søren <s@example.dk>\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{body}\r\n").encode()


def _sans_subsets(path) -> dict[str, tuple[bytes, list[float], pikepdf.Object]]:
    """DejaVu Sans subsets of a PDF: base font name -> (font program, widths, ToUnicode)."""
    out = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                base = str(font.BaseFont)
                if base.endswith("+DejaVuSans"):
                    out[base] = (font.FontDescriptor.FontFile2.read_bytes(),
                                 [float(w) for w in font.Widths], font.ToUnicode.read_bytes())
    return out


def test_first_subset_is_the_same_in_every_document(render):
    first = render(_message("Årsopgørelse", "Blåbærgrød på Ærø. Æbler og øl."))
    second = render(_message("Nyt", "Kun ASCII her, and then “quotes” — and é."))
    a, b = _sans_subsets(first.path), _sans_subsets(second.path)
    assert set(a) == set(b) == {"/AAAAAA+DejaVuSans"}
    assert a["/AAAAAA+DejaVuSans"] == b["/AAAAAA+DejaVuSans"]
    font = pdfmetrics.getFont(SANS)
    assert ("AAAAAA+DejaVuSans", (0, *map(ord, COMMON), *range(32, 128))) in font._subsets
    assert "Blåbærgrød på Ærø. Æbler og øl." in first.text()
    assert "“quotes” — and é." in second.text()


def test_other_characters_start_a_second_subset_with_right_widths(render):
    text = "Ελληνικά, Łódź, Привет, ŠŽČ and ÆØÅ"
    rendered = render(_message("Mixed", text))
    subsets = _sans_subsets(rendered.path)
    assert set(subsets) == {"/AAAAAA+DejaVuSans", "/AAAAAB+DejaVuSans"}
    assert text in rendered.text()
    font = pdfmetrics.getFont(SANS)
    (subset,) = [chars for (name, chars) in font._subsets if name == "AAAAAB+DejaVuSans"
                 and ord("Ł") in chars]
    _program, widths, cmap = subsets["/AAAAAB+DejaVuSans"]
    assert widths == pytest.approx([font.face.getCharWidth(c) for c in subset], abs=1e-3)
    assert len(widths) == len(subset) and subset[0] == 0
    # every character of the subset is mapped back to its Unicode value
    for code, char in enumerate(subset[1:], start=1):
        assert f"<{code:02X}> <{char:04X}>".encode() in cmap


def test_text_is_coded_as_reportlabs_own_loop_codes_it():
    from reportlab.pdfbase.ttfonts import TTFont

    class Doc:  # a stand-in document: fonts keep their state per document
        pass

    font = pdfmetrics.getFont(SANS)
    doc, reference = Doc(), Doc()
    TTFont.splitString(font, COMMON, reference)  # the same first subset as ours
    font.state[reference].nextCode = max(font.state[reference].nextCode, 256)
    texts = ["Hello, World! ~{}|", "æøå and ASCII", "tab\there", "", "Ærø " * 3, "Ω ok",
             "no\u00a0break – “citat” € §4 ×2", COMMON, "Ærø\u00a0Ω"]
    for text in texts:
        assert font.splitString(text, doc) == TTFont.splitString(font, text, reference), text
    assert font.splitString("plain ascii", doc) == [(0, b"plain ascii")]


def test_fallback_fonts_load_only_when_a_text_needs_them():
    import subprocess
    import sys

    script = """
import sys
from reportlab.pdfbase import pdfmetrics
from smime_archiver.mime.message import parse_message
from smime_archiver.model import RawMail
from smime_archiver.render import fonts
from smime_archiver.render.pdf import render_pdf
from tests.unit.render import samples

def pdf(body):
    raw = ("From: a@example.dk\\r\\nSubject: s\\r\\nContent-Type: text/plain; charset=utf-8"
           "\\r\\n\\r\\n" + body).encode()
    return render_pdf(parse_message(raw), samples.plain_result(raw), RawMail("x", raw, 0, "#0"))

pdf("Blåbærgrød på Ærø")
print(sorted(set(pdfmetrics.getRegisteredFontNames()) & {fonts.CJK, fonts.SYMBOLS}))
data = pdf("税务局 ✓ 🙂")
print(sorted(set(pdfmetrics.getRegisteredFontNames()) & {fonts.CJK, fonts.SYMBOLS}))
print(b"WenQuanYi" in data and b"Symbola" in data)
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[:3] == ["[]", "['Symbola', 'WenQuanYiMicroHei']", "True"], out
