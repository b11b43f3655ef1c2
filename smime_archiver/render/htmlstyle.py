"""The few CSS/HTML presentation values the HTML renderer honours: colours, alignment,
font sizes and widths, parsed defensively (anything odd is ignored)."""

from __future__ import annotations

import re

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT

from smime_archiver.render.htmltree import Node

HEADING_SIZES = {"h1": 16.0, "h2": 14.0, "h3": 12.5, "h4": 11.0, "h5": 10.5, "h6": 10.0}
_NAMED = {
    "black": "#000000", "white": "#ffffff", "red": "#ff0000", "green": "#008000",
    "blue": "#0000ff", "navy": "#000080", "maroon": "#800000", "purple": "#800080",
    "teal": "#008080", "olive": "#808000", "gray": "#808080", "grey": "#808080",
    "silver": "#c0c0c0", "orange": "#ffa500", "yellow": "#ffff00", "lime": "#00ff00",
    "aqua": "#00ffff", "cyan": "#00ffff", "fuchsia": "#ff00ff", "magenta": "#ff00ff",
    "darkred": "#8b0000", "darkgreen": "#006400", "darkblue": "#00008b", "brown": "#a52a2a",
    "darkgray": "#a9a9a9", "darkgrey": "#a9a9a9", "lightgray": "#d3d3d3",
    "lightgrey": "#d3d3d3", "pink": "#ffc0cb", "gold": "#ffd700", "indigo": "#4b0082",
    "crimson": "#dc143c", "steelblue": "#4682b4", "dimgray": "#696969", "dimgrey": "#696969",
    "whitesmoke": "#f5f5f5", "beige": "#f5f5dc", "ivory": "#fffff0", "lightblue": "#add8e6",
    "lightyellow": "#ffffe0", "lightgreen": "#90ee90", "darkorange": "#ff8c00",
}
_HEX = re.compile(r"^#?([0-9a-f]{3}|[0-9a-f]{6})$", re.I)
_RGB = re.compile(r"^rgba?\(\s*(\d{1,3})%?\s*,\s*(\d{1,3})%?\s*,\s*(\d{1,3})%?\s*(?:,[^)]*)?\)$")
_FONT_SIZES = {"1": 7.5, "2": 8.5, "3": 10.0, "4": 11.5, "5": 13.5, "6": 16.0, "7": 20.0,
               "xx-small": 7.0, "x-small": 7.5, "small": 8.5, "medium": 10.0, "large": 11.5,
               "x-large": 13.5, "xx-large": 16.0}


def css(text: str) -> dict[str, str]:
    """``style="a: b; c: d"`` -> ``{"a": "b", "c": "d"}`` (lower-case, !important dropped)."""
    out: dict[str, str] = {}
    for decl in text.split(";"):
        name, sep, value = decl.partition(":")
        if sep:
            out[name.strip().lower()] = value.replace("!important", "").strip().lower()
    return out


def colour_of(value: str | None) -> str | None:
    """``#rrggbb`` for an HTML/CSS colour, or ``None`` for anything not understood."""
    if not value:
        return None
    value = value.strip().lower()
    if value in _NAMED:
        return _NAMED[value]
    match = _HEX.match(value)
    if match:
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return "#" + digits
    match = _RGB.match(value)
    if match:
        r, g, b = (min(255, int(x)) for x in match.groups())
        return f"#{r:02x}{g:02x}{b:02x}"
    return None


def is_light(colour: str) -> bool:
    """Too pale to read on white paper (white text meant for a dark background we lost)."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.8


def alignment_of(node: Node, style: dict[str, str]) -> int | None:
    value = (style.get("text-align") or node.attrs.get("align", "")).strip().lower()
    return {"left": TA_LEFT, "right": TA_RIGHT, "center": TA_CENTER, "middle": TA_CENTER,
            "justify": TA_JUSTIFY, "start": TA_LEFT, "end": TA_RIGHT}.get(value)


def font_size_of(node: Node, style: dict[str, str]) -> float | None:
    """Point size from ``<font size>`` or CSS ``font-size`` (px, pt, em, %, keywords),
    kept between 6.5 and 20 pt so nothing becomes unreadable or absurd."""
    value = style.get("font-size") or (node.attrs.get("size") if node.tag == "font" else "")
    if not value:
        return None
    value = value.strip().lower()
    size: float | None = _FONT_SIZES.get(value)
    match = re.match(r"^([0-9.]+)\s*(px|pt|em|rem|%)?$", value)
    if size is None and match:
        try:
            number = float(match.group(1))
        except ValueError:
            return None
        unit = match.group(2) or "px"
        size = {"px": number * 0.75, "pt": number, "em": number * 10, "rem": number * 10,
                "%": number / 10}[unit]
    if size is None:
        return None
    return max(6.5, min(20.0, size))


def width_of(value: str | None, available: float) -> float | None:
    """Points for an HTML width (``600``, ``600px``, ``50%``), at most ``available``."""
    if not value:
        return None
    match = re.match(r"^\s*([0-9.]+)\s*(px|pt|%)?\s*$", value)
    if not match:
        return None
    try:
        number = float(match.group(1))
    except ValueError:
        return None
    unit = match.group(2) or "px"
    if unit == "%":
        points = available * min(number, 100) / 100
    else:
        points = number * (0.75 if unit == "px" else 1)
    return min(points, available) if points > 0 else None
