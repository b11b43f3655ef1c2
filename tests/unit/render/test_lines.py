"""TextLines: plain text broken into lines by our own code, split across pages, drawn."""

from __future__ import annotations

import io
import random
import subprocess

import pytest
from reportlab.platypus import Paragraph, SimpleDocTemplate

from smime_archiver.render.fonts import register_fonts, string_width
from smime_archiver.render.lines import TextLines
from smime_archiver.render.styles import styles
from smime_archiver.render.text import quote_style

_LETTERS = "abcdefghijklmnopqrstuvwxyzæøåÆØÅéü.,-–“”€"


@pytest.fixture(autouse=True)
def _fonts():
    register_fonts()


def _random_text(rnd: random.Random) -> str:
    return " ".join("".join(rnd.choice(_LETTERS) for _ in range(rnd.randint(1, 14)))
                    for _ in range(rnd.randint(1, 120)))


def test_lines_break_where_reportlab_paragraphs_break_them():
    # the same greedy rule, including ReportLab's allowance for shrinking spaces
    rnd = random.Random(20261122)
    for _ in range(400):
        style = rnd.choice([styles()["body"], styles()["mono"], quote_style("body", 2)])
        text = _random_text(rnd)
        width = rnd.uniform(100, 480)
        paragraph = Paragraph(text, style)
        paragraph.wrap(width, 1e9)
        expected = [" ".join(words) for _unused, words in paragraph.blPara.lines]
        lines = TextLines([text], style)
        _w, height = lines.wrap(width, 1e9)
        assert lines.lines == expected, (text, width)
        assert height == paragraph.height


def test_source_line_breaks_are_kept_and_runs_of_spaces_collapse():
    lines = TextLines(["Kære Søren,", "", "  tak   for\tsidst  "], styles()["body"])
    lines.wrap(400, 1000)
    assert lines.lines == ["Kære Søren,", "", "tak for sidst"]


def test_a_word_wider_than_the_column_is_cut_between_characters():
    style = styles()["body"]
    word = "".join(random.Random(5).choice("abcdefghij") for _ in range(700))
    lines = TextLines([f"før {word} efter"], style)
    room = 150.0
    lines.wrap(room, 1e9)
    # as in ReportLab: the long word starts right after "før", each line is filled
    assert lines.lines[0].startswith("før ") and lines.lines[-1].endswith("efter")
    assert "".join(lines.lines).replace(" ", "") == f"før{word}efter"
    for line, following in zip(lines.lines, lines.lines[1:], strict=False):
        assert string_width(line, style.fontName, style.fontSize) <= room
        if not following.endswith("efter"):
            assert string_width(line + following[0], style.fontName, style.fontSize) > room


def test_a_cut_never_separates_an_accent_from_its_letter():
    style = styles()["body"]
    word = "q\u0307" * 200  # q with a combining dot: no precomposed form, NFC keeps two
    lines = TextLines([word], style)
    lines.wrap(97.0, 1e9)
    assert len(lines.lines) > 3 and "".join(lines.lines) == word
    assert all(line.startswith("q") and line.endswith("\u0307") for line in lines.lines)


def test_a_character_wider_than_the_column_gets_a_line_of_its_own():
    lines = TextLines(["ab WWW"], styles()["title"])
    lines.wrap(5.0, 1e9)
    assert lines.lines == ["a", "b", "W", "W", "W"]


def test_keep_spaces_keeps_alignment_and_cuts_only_between_characters():
    style = styles()["mono"]
    lines = TextLines(["Post      Beløb", "Renter    234,50 kr." * 10], style, keep_spaces=True)
    lines.wrap(200, 1e9)
    assert lines.lines[0] == "Post      Beløb"
    assert "".join(lines.lines[1:]) == "Renter    234,50 kr." * 10
    assert len(lines.lines) > 3


def test_split_keeps_every_line_in_order_and_the_first_part_fits():
    style = styles()["body"]
    source = [f"Linje {i} med tekst" for i in range(100)]
    block = TextLines(source, style)
    _w, height = block.wrap(400, 1e9)
    assert height == 100 * style.leading
    assert block.split(400, 1e9) == [block]
    first, rest = block.split(400, 10.5 * style.leading)
    assert first.wrap(400, 1e9)[1] == 10 * style.leading
    assert first.lines + rest.lines == source
    assert rest.wrap(400, 1e9)[1] == 90 * style.leading
    # room for one line of many: the text moves to the next page instead of leaving it alone
    assert block.split(400, 1.5 * style.leading) == []
    assert block.split(400, 0) == []


def test_a_long_text_is_drawn_completely_over_pages():
    source = [f"Linje {i} æøå 漢字" for i in range(400)]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, initialFontName="DejaVuSans").build(
        [TextLines(source, quote_style("body", 1), depth=1)])
    text = subprocess.run(["pdftotext", "-", "-"], input=buf.getvalue(), capture_output=True,
                          check=True).stdout.decode()
    found = [line for line in text.splitlines() if line.startswith("Linje ")]
    assert found == source
    assert text.count("\f") > 5


def test_text_indented_by_an_indenter_splits_at_the_width_it_is_drawn_with():
    # a frame asks a flowable to split with its full width, then places the pieces with
    # the width its indenters leave (forwarded messages are indented): the pieces must
    # fit that narrower width (the fuzz corpus found "Splitting error" here)
    from reportlab.platypus import Indenter, Spacer

    style = styles()["body"]
    long_line = " ".join(f"ordet{i}" for i in range(60))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, initialFontName="DejaVuSans").build(
        [Spacer(1, 600), Indenter(left=120), TextLines([long_line] * 30, style),
         Indenter(left=-120)])
    text = subprocess.run(["pdftotext", "-", "-"], input=buf.getvalue(), capture_output=True,
                          check=True).stdout.decode()
    assert " ".join(text.split()).count("ordet59") == 30


def test_a_long_paragraph_flows_as_one_text_without_forced_breaks():
    # format=flowed paragraphs arrive as one long line: it wraps like a ReportLab paragraph
    # (an earlier version cut such lines every 1500 characters, leaving short lines)
    from smime_archiver.render.text import text_flowables

    rnd = random.Random(3)
    line = " ".join(_random_text(rnd) for _ in range(12))
    assert len(line) > 4000
    [flow] = text_flowables(line, width=480)
    flow.wrap(480, 1e9)
    paragraph = Paragraph(line, styles()["body"])
    paragraph.wrap(480, 1e9)
    assert flow.lines == [" ".join(words) for _unused, words in paragraph.blPara.lines]
