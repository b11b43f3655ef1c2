"""Sanitized HTML -> ReportLab flowables that keep the structure.

Headings, paragraphs, bold/italic/underline/strike, links (URL written after the text),
numbered and bulleted lists, tables (layout tables unwrapped, data tables kept, nested
ones up to a depth), blockquotes, pre, basic colours and alignment, ``cid:`` and
``data:`` images.  Remote resources are never fetched: a placeholder says what was not
loaded.  Anything too big or too deep degrades to simpler flowables.

The walk and the tables are here; the paragraph builder and its state are in
:mod:`.htmlbuild`, pictures in :mod:`.htmlimages`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import unquote

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.platypus import Flowable, HRFlowable, Spacer

from smime_archiver.i18n import _
from smime_archiver.model import Attachment
from smime_archiver.render.htmlbuild import Block, Builder, Context, Indented, Inline
from smime_archiver.render.htmlimages import add_image
from smime_archiver.render.htmlstyle import (
    HEADING_SIZES,
    alignment_of,
    colour_of,
    css,
    font_size_of,
    is_light,
    width_of,
)
from smime_archiver.render.htmltree import Node, parse_html
from smime_archiver.render.styles import GREY, table_style
from smime_archiver.render.tables import Table

MAX_TABLE_DEPTH = 3
MAX_TABLE_CELLS = 3000
MAX_COLUMNS = 24
MAX_CELL_CHARS = 5000
_SKIP = frozenset({"col", "colgroup", "wbr"})
_BLOCK_BREAK = frozenset({"p", "div", "center", "section", "article", "header", "footer",
                          "main", "nav", "aside", "address", "figure", "figcaption", "details",
                          "summary", "dl", "dt", "dd", "caption"})


def html_flowables(html: str, attachments: Sequence[Attachment], width: float,
                   *, simple: bool = False) -> tuple[list[Flowable], Context]:
    """Flowables for one HTML body; ``simple`` flattens every table (the fallback layout)."""
    root, truncated = parse_html(html)
    ctx = Context(attachments)
    if truncated:
        ctx.notes.append(_("The HTML text is very large; only its beginning is shown. The whole "
                           "message is embedded in this PDF."))
    builder = Builder(ctx, Block(width=width, table_depth=MAX_TABLE_DEPTH if simple else 0))
    _walk_children(root, builder, Inline())
    builder.flush()
    return builder.out, ctx


def _walk_children(node: Node, b: Builder, state: Inline) -> None:
    for child in node.children:
        if isinstance(child, str):
            b.add_text(child, state)
        else:
            _walk(child, b, state)


def _walk(node: Node, b: Builder, state: Inline) -> None:
    tag = node.tag
    style = css(node.attrs.get("style", ""))
    if tag in _SKIP or style.get("display") == "none":
        return
    if tag == "br":
        b.line_break()
        return
    if tag == "img":
        add_image(node, b)
        return
    if tag == "hr":
        b.add_flowable(HRFlowable(width="100%", thickness=0.5, color=colors.HexColor("#dadce0"),
                                  spaceBefore=4, spaceAfter=4))
        return
    inner = _inline_state(node, style, state, b.block)
    if tag in ("ul", "ol"):
        _list(node, b, inner)
        return
    if tag == "table":
        _table(node, b, inner)
        return
    if tag in HEADING_SIZES or tag in _BLOCK_BREAK or tag in ("blockquote", "pre", "li", "tr",
                                                              "td", "th"):
        _block(node, b, inner, style)
        return
    if tag == "a" and inner.href:
        _link(node, b, inner)
        return
    if tag == "q":
        b.add_text("“", inner)
        _walk_children(node, b, inner)
        b.add_text("”", inner)
        return
    _walk_children(node, b, inner)


def _inline_state(node: Node, style: dict[str, str], state: Inline, block: Block) -> Inline:
    tag = node.tag
    changes: dict[str, object] = {}
    if tag in ("b", "strong", "th") or style.get("font-weight", "") in ("bold", "bolder", "600",
                                                                       "700", "800", "900"):
        changes["bold"] = True
    if style.get("font-weight") in ("normal", "400"):
        changes["bold"] = False
    if tag in ("i", "em", "cite", "var", "dfn") or style.get("font-style") in ("italic",
                                                                              "oblique"):
        changes["italic"] = True
    decoration = style.get("text-decoration", "")
    if tag in ("u", "ins") or "underline" in decoration:
        changes["underline"] = True
    if tag in ("s", "strike", "del") or "line-through" in decoration:
        changes["strike"] = True
    if tag in ("code", "tt", "kbd", "samp") or "monospace" in style.get("font-family", ""):
        changes["mono"] = True
    if tag == "sup":
        changes["sup"] = True
    if tag == "sub":
        changes["sub"] = True
    colour = colour_of(style.get("color") or node.attrs.get("color"))
    if colour and not (is_light(colour) and not block.background):
        changes["color"] = colour
    size = font_size_of(node, style)
    if size:
        changes["size"] = size
    if tag == "a":
        href = node.attrs.get("href", "").strip()
        if href and not href.lower().startswith(("javascript:", "cid:", "#", "data:")):
            changes["href"] = href
    return replace(state, **changes) if changes else state  # type: ignore[arg-type]


def _link(node: Node, b: Builder, state: Inline) -> None:
    href = state.href or ""
    _walk_children(node, b, state)
    text = " ".join(node.text().split())
    shown = unquote(href[7:]) if href.lower().startswith("mailto:") else href
    if shown and shown.rstrip("/") != text.rstrip("/"):
        plain = replace(state, href=None, underline=False, bold=False, color=GREY.hexval())
        b.add_text(f" ({shown})", plain)


def _block(node: Node, b: Builder, state: Inline, style: dict[str, str]) -> None:
    tag = node.tag
    b.flush()
    saved = b.block
    block = replace(saved)
    align = alignment_of(node, style)
    if tag == "center":
        align = TA_CENTER
    if align is not None:
        block.align = align
    if tag in HEADING_SIZES:
        block.style = tag
    elif tag == "blockquote":
        block.quote += 1
    elif tag == "pre":
        block.pre = True
    elif tag == "dd":
        block.indent += 18
    b.block = block
    _walk_children(node, b, state)
    b.flush()
    b.block = saved
    if tag in ("p", "blockquote") and not b.block.quote:
        b.out.append(Spacer(1, 2))


def _list(node: Node, b: Builder, state: Inline) -> None:
    b.flush()
    saved = b.block
    b.block = replace(saved, indent=saved.indent + 18, style="li")
    ordered = node.tag == "ol"
    try:
        number = int(node.attrs.get("start", "1"))
    except ValueError:
        number = 1
    kind = node.attrs.get("type", "1" if ordered else "disc")
    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                b.add_text(child, state)
            continue
        if child.tag != "li":
            _walk(child, b, state)
            continue
        b.flush()
        if "value" in child.attrs and child.attrs["value"].isdigit():
            number = int(child.attrs["value"])
        b.bullet = _bullet(number, kind) if ordered else ("◦" if saved.style == "li" else "•")
        number += 1
        _walk_children(child, b, _inline_state(child, css(child.attrs.get("style", "")), state,
                                               b.block))
        b.flush()
    b.block = saved


def _bullet(n: int, kind: str) -> str:
    if kind == "a":
        return _alpha(n).lower() + "."
    if kind == "A":
        return _alpha(n) + "."
    if kind in ("i", "I"):
        roman = _roman(n)
        return (roman.lower() if kind == "i" else roman) + "."
    return f"{n}."


def _alpha(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out or "0"


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                           (4, "IV"), (1, "I")):
        while n >= value:
            out += letters
            n -= value
    return out


# tables -----------------------------------------------------------------------------------
def _rows(table: Node) -> list[Node]:
    rows: list[Node] = []
    stack = list(reversed(table.children))
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            continue
        if item.tag == "tr":
            rows.append(item)
        elif item.tag in ("thead", "tbody", "tfoot"):
            stack.extend(reversed(item.children))
    return rows


def _cells(row: Node) -> list[Node]:
    return [c for c in row.children if isinstance(c, Node) and c.tag in ("td", "th")]


def _span(cell: Node, name: str) -> int:
    try:
        return max(1, min(int(cell.attrs.get(name, "1")), 50))
    except ValueError:
        return 1


def _table(node: Node, b: Builder, state: Inline) -> None:
    b.flush()
    rows = _rows(node)
    grid = [_cells(r) for r in rows]
    columns = max((sum(_span(c, "colspan") for c in cells) for cells in grid), default=0)
    cells = sum(len(c) for c in grid)
    caption = [c for c in node.children if isinstance(c, Node) and c.tag == "caption"]
    for cap in caption:
        _block(cap, b, replace(state, bold=True), {})
    if columns > MAX_COLUMNS or cells > MAX_TABLE_CELLS:
        note = _("A table in the HTML text has {cells} cells in {columns} columns, more than "
                 "can be drawn as a table ({limit} cells, {max_columns} columns); its cells "
                 "are shown one after the other.").format(
                     cells=cells, columns=columns, limit=MAX_TABLE_CELLS,
                     max_columns=MAX_COLUMNS)
        if note not in b.ctx.notes:
            b.ctx.notes.append(note)
            b.ctx.limits.append(note)
    if columns <= 1 or b.block.table_depth >= MAX_TABLE_DEPTH or columns > MAX_COLUMNS \
            or cells > MAX_TABLE_CELLS:
        _flatten_table(grid, b, state, columns)
        return
    if any(len(cell.text()) > MAX_CELL_CHARS for row in grid for cell in row):
        # A cell holding pages of text is a layout device, and splitting a table row
        # across pages again and again is slow: draw the cells one after the other.
        saved = b.block
        b.block = replace(saved, table_depth=MAX_TABLE_DEPTH)
        _flatten_table(grid, b, state, columns)
        b.block = saved
        return
    width = b.block.width - b.block.indent
    col_widths = _column_widths(node, grid, columns, width)
    data: list[list[object]] = []
    commands: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    border = node.attrs.get("border", "0").strip() not in ("", "0")
    if border:
        commands.append(("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa0a6")))
    occupied: set[tuple[int, int]] = set()
    for r, row_cells in enumerate(grid):
        row: list[object] = [""] * columns
        c = 0
        row_bg = colour_of(css(rows[r].attrs.get("style", "")).get("background-color")
                           or rows[r].attrs.get("bgcolor"))
        for cell in row_cells:
            while (r, c) in occupied:
                c += 1
            if c >= columns:
                break
            cs, rs = _span(cell, "colspan"), _span(cell, "rowspan")
            cs = min(cs, columns - c)
            rs = min(rs, len(grid) - r)
            for dr in range(rs):
                for dc in range(cs):
                    occupied.add((r + dr, c + dc))
            cell_width = sum(col_widths[c:c + cs]) - 6
            cell_style = css(cell.attrs.get("style", ""))
            bg = colour_of(cell_style.get("background-color") or cell.attrs.get("bgcolor")
                           or cell_style.get("background", "").split(" ")[0]) or row_bg
            row[c] = _cell_flowables(cell, b, state, cell_width, bg)
            if bg:
                commands.append(("BACKGROUND", (c, r), (c + cs - 1, r + rs - 1),
                                 colors.HexColor(bg)))
            if cs > 1 or rs > 1:
                commands.append(("SPAN", (c, r), (c + cs - 1, r + rs - 1)))
            if cell.attrs.get("valign", "").lower() in ("middle", "center"):
                commands.append(("VALIGN", (c, r), (c, r), "MIDDLE"))
            c += cs
        data.append(row)
    if not data:
        return
    table = Table(data, colWidths=col_widths, hAlign="LEFT", splitInRow=1,
                  repeatRows=1 if grid and all(c.tag == "th" for c in grid[0]) else 0)
    table.setStyle(table_style(commands))
    b.out.append(Indented(table, b.block.indent) if b.block.indent else table)
    b.out.append(Spacer(1, 4))


def _cell_flowables(cell: Node, b: Builder, state: Inline, width: float,
                    bg: str | None) -> list[Flowable]:
    style = css(cell.attrs.get("style", ""))
    align = alignment_of(cell, style)
    block = Block(width=max(width, 20), align=align if align is not None else
                  (TA_CENTER if cell.tag == "th" else TA_LEFT),
                  table_depth=b.block.table_depth + 1, background=bg or b.block.background)
    inner = Builder(b.ctx, block)
    _walk_children(cell, inner, _inline_state(cell, style, state, block))
    inner.flush()
    return inner.out


def _flatten_table(grid: list[list[Node]], b: Builder, state: Inline, columns: int) -> None:
    """Layout tables (one column, or nested too deep) become their content, in order;
    data tables too large for a grid become one line per row."""
    if columns <= 1 or (b.block.table_depth >= MAX_TABLE_DEPTH and columns <= MAX_COLUMNS):
        for row in grid:
            for cell in row:
                saved = b.block
                b.block = replace(saved, table_depth=saved.table_depth + 1)
                _walk_children(cell, b, state)
                b.flush()
                b.block = saved
        return
    for row in grid:
        for i, cell in enumerate(row):
            if i:
                b.add_text(" | ", replace(state, color=GREY.hexval()))
            _walk_children(cell, b, state)
        b.flush()


def _column_widths(table: Node, grid: list[list[Node]], columns: int,
                   width: float) -> list[float]:
    table_width = width_of(table.attrs.get("width") or css(table.attrs.get("style", ""))
                           .get("width"), width) or width
    table_width = min(table_width, width)
    wanted: list[float | None] = [None] * columns
    for row in grid:
        c = 0
        for cell in row:
            span = _span(cell, "colspan")
            if span == 1 and c < columns and wanted[c] is None:
                wanted[c] = width_of(cell.attrs.get("width") or css(cell.attrs.get("style", ""))
                                     .get("width"), table_width)
            c += span
    fixed = sum(w for w in wanted if w)
    free = [i for i, w in enumerate(wanted) if not w]
    if fixed > table_width or (not free and fixed < table_width):
        scale = table_width / fixed if fixed else 1
        return [max(12.0, (w or 0) * scale) for w in wanted]
    rest = (table_width - fixed) / len(free) if free else 0
    return [max(12.0, w if w else rest) for w in wanted]
