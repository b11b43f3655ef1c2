"""Rows (header block, status panel): heights, splits that always make progress, drawing."""

from __future__ import annotations

import io
import subprocess

import pikepdf
from reportlab.platypus import Paragraph, SimpleDocTemplate

from smime_archiver.render.blocks import Look, Row, Rows
from smime_archiver.render.fonts import register_fonts
from smime_archiver.render.styles import styles

WIDTH = 400.0


def _rows(lines: list[str], *, labels: bool = False) -> Rows:
    register_fonts()
    st = styles()
    look = Look(label_width=60, label_style=st["label"], right=6, row_top=1, row_bottom=2,
                first_top=5, last_bottom=6)
    return Rows([Row(Paragraph(text, st["value"]), f"L{i}" if labels else "")
                 for i, text in enumerate(lines)], look)


def test_height_is_rows_plus_padding_and_labels_keep_a_line():
    block = _rows(["one", "two " * 200, "three"], labels=True)
    _w, height = block.wrap(WIDTH, 1000)
    st = styles()
    long_para = block.rows[1].paragraph
    assert long_para.height > 5 * st["value"].leading  # wrapped to many lines
    label_line = st["label"].leading  # 13.5 > the value's 12.5: a one-line row is as tall
    assert height == (5 + label_line + 2) + (1 + long_para.height + 2) + (1 + label_line + 6)


def test_split_between_rows_then_inside_a_row_always_progresses():
    block = _rows([f"line {i} " + "word " * 60 for i in range(6)])
    block.wrap(WIDTH, 1000)
    first_row = block._heights[0]
    # room for one and a half rows: one whole row, the rest follows
    parts = block.split(WIDTH, first_row * 1.5)
    assert [len(p.rows) for p in parts] == [1, 5]
    # room for less than one row but more than two lines: the row's paragraph is split
    parts = block.split(WIDTH, 5 + 6 + 3 * styles()["value"].leading)
    assert len(parts) == 2 and len(parts[1].rows) == 6
    head_h = parts[0].wrap(WIDTH, 1000)[1]
    assert 0 < head_h <= 5 + 6 + 3 * styles()["value"].leading
    # no room for even two lines: nothing, so the block moves to the next page whole
    assert block.split(WIDTH, 12) == []
    # the block that could not split there is still drawable: it wraps again
    assert block.wrap(WIDTH, 1000)[1] > 0


def test_a_block_taller_than_pages_is_drawn_completely():
    register_fonts()
    names = [f"person{i}@example.dk" for i in range(3000)]
    block = _rows([", ".join(names), "after"], labels=True)
    buf = io.BytesIO()
    SimpleDocTemplate(buf, initialFontName="DejaVuSans").build([block])
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        assert len(pdf.pages) >= 3
    text = subprocess.run(["pdftotext", "-", "-"], input=buf.getvalue(), capture_output=True,
                          check=True).stdout.decode()
    flat = "".join(text.split())
    assert "person0@example.dk" in flat and "person2999@example.dk" in flat
    assert flat.index("person2999@") < flat.index("after")


def test_every_first_piece_fits_the_room_it_was_split_for():
    # the first piece gets the block's bottom padding: it must still fit (a piece that
    # does not fit stops the whole layout: "Splitting error")
    block = _rows([f"status line {i} " + "word " * (i % 7 * 9) for i in range(12)])
    _w, full = block.wrap(WIDTH, 1000)
    for tenth in range(1, int(full * 10), 7):
        room = tenth / 10
        parts = block.split(WIDTH, room)
        if parts and parts[0] is not block:
            assert parts[0].wrap(WIDTH, room)[1] <= room + 1e-6, room
            assert sum(len(p.rows) for p in parts) >= len(block.rows)


def _pdf_of(flowables) -> tuple[bytes, str]:
    buf = io.BytesIO()
    SimpleDocTemplate(buf).build(flowables)
    text = subprocess.run(["pdftotext", "-", "-"], input=buf.getvalue(), capture_output=True,
                          check=True).stdout.decode()
    return buf.getvalue(), text


def test_fitline_draws_a_short_text_itself_and_wraps_a_long_one():
    from smime_archiver.render.blocks import FitLine

    register_fonts()
    st = styles()
    short = FitLine("Årsopgørelse 2012 – 税务 ✓", st["title"])
    long_text = " ".join(f"ord{i}" for i in range(120))
    long = FitLine(long_text, st["value"])
    assert short.wrap(WIDTH, 1000) == (WIDTH, st["title"].leading)
    _w, h = long.wrap(WIDTH, 1000)
    assert h >= 3 * st["value"].leading and long._paragraph is not None
    pdf, text = _pdf_of([short, long])
    assert short._paragraph is None  # drawn without a ReportLab paragraph
    assert "Årsopgørelse 2012 – 税务 ✓" in text
    assert " ".join(text.split()).count("ord") == 120
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True,
                           check=True).stdout.decode()
    assert "DejaVuSans-Bold" in fonts and "WenQuanYi" in fonts  # CJK from the fallback


def test_an_indented_block_splits_at_the_width_it_is_drawn_with():
    # as for TextLines: the frame asks with its full width, places with the indented one
    from reportlab.platypus import Indenter, Spacer

    register_fonts()
    block = _rows([" ".join(f"p{i}.{j}@example.dk" for j in range(40)) for i in range(12)],
                  labels=True)
    buf = io.BytesIO()
    SimpleDocTemplate(buf, initialFontName="DejaVuSans").build(
        [Spacer(1, 600), Indenter(left=150), block, Indenter(left=-150)])
    text = subprocess.run(["pdftotext", "-", "-"], input=buf.getvalue(), capture_output=True,
                          check=True).stdout.decode()
    flat = " ".join(text.split())
    assert all(f"p{i}.39@example.dk" in flat for i in range(12))
