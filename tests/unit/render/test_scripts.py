"""Any script comes back out of the PDF, and no character is drawn as an empty box."""

from __future__ import annotations

import unicodedata

import pytest

from smime_archiver.render.fonts import (
    SANS,
    SANS_BOLD,
    SANS_ITALIC,
    clean_text,
    register_fonts,
    runs,
)
from tests.unit.render import samples

LINES = [line for line in samples.SCRIPTS_TEXT.splitlines() if line]


@pytest.fixture(scope="module")
def scripts_text(tmp_path_factory):
    from smime_archiver.mime.message import parse_message
    from smime_archiver.model import RawMail
    from smime_archiver.render.pdf import render_pdf
    from tests.unit.render.conftest import assert_pdfa

    data = samples.scripts()
    pdf = render_pdf(parse_message(data), samples.plain_result(data), RawMail("x", data))
    path = tmp_path_factory.mktemp("scripts") / "s.pdf"
    path.write_bytes(pdf)
    assert_pdfa(path)
    import subprocess

    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True
                          ).stdout.decode()


@pytest.mark.parametrize("line", [x for x in LINES if not x.startswith(("עברית", "العربية"))])
def test_ltr_scripts_and_emoji_come_back(scripts_text, line):
    assert line in scripts_text


@pytest.mark.parametrize("word", ["שלום", "עולם", "מרחבא", "بالعالم", "مرحبا", "العربية"])
def test_rtl_words_come_back_in_reading_order(scripts_text, word):
    # Arabic is drawn in its joined (presentation) forms; NFKC maps them back to letters.
    normal = unicodedata.normalize("NFKC", scripts_text)
    if word == "מרחבא":  # not in the text: a check that the test can fail
        assert word not in normal
        return
    assert word in normal


def test_subject_in_many_scripts_comes_back(scripts_text):
    assert "Hilsner på mange sprog 🌍 Καλημέρα 你好 안녕" in scripts_text


@pytest.mark.parametrize("face", [SANS, SANS_BOLD, SANS_ITALIC])
def test_every_sample_character_has_a_font(face):
    register_fonts()
    text = samples.SCRIPTS_TEXT + samples.DANISH_LETTER + "→ ⇒ ∑ √ ∞ ♀ ♂ ☎ ✉ ⚠ ☑ ½ ¾ ‰ № ™"
    missing = [c for font, chunk in runs(clean_text(text), face) if font is None for c in chunk]
    assert missing == []


def test_unknown_characters_are_written_as_code_points(render):
    raw = ("Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "ny emoji: \U0001FAE8 slut\r\n").encode()
    text = render(raw).text()
    assert "ny emoji: ⟨U+1FAE8⟩ slut" in text
