"""HTML bodies: sanitized with nh3, parsed into a small bounded tree, remote refs counted.

Nothing here fetches anything.  nh3 (the Ammonia sanitizer, html5ever parser) removes
scripts, styles, event handlers and unknown tags, repairs broken markup and leaves
well-formed HTML, which the standard library parser turns into :class:`Node` objects.
Nesting deeper than :data:`MAX_DEPTH` is flattened and more than :data:`MAX_NODES`
elements stop the tree, so hostile HTML stays linear in time and memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

MAX_DEPTH = 48
MAX_NODES = 40_000

_BLOCK_TAGS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "thead", "tbody",
    "tfoot", "tr", "td", "th", "caption", "blockquote", "pre", "hr", "center", "section",
    "article", "header", "footer", "main", "nav", "aside", "dl", "dt", "dd", "address", "figure",
    "figcaption", "details", "summary",
}
_INLINE_TAGS = {
    "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "tt", "kbd", "samp",
    "var", "font", "span", "sub", "sup", "small", "big", "mark", "cite", "q", "abbr", "br", "img",
    "label", "time", "bdi", "bdo", "dfn", "wbr",
}
ALLOWED_TAGS = _BLOCK_TAGS | _INLINE_TAGS | {"col", "colgroup"}
_COMMON = {"style", "align", "dir", "bgcolor", "title", "lang"}
ALLOWED_ATTRIBUTES = {
    "*": _COMMON,
    "a": _COMMON | {"href"},
    "img": _COMMON | {"src", "alt", "width", "height"},
    "font": _COMMON | {"color", "size", "face"},
    "td": _COMMON | {"colspan", "rowspan", "width", "valign", "nowrap"},
    "th": _COMMON | {"colspan", "rowspan", "width", "valign", "nowrap"},
    "table": _COMMON | {"width", "border", "cellpadding", "cellspacing"},
    "col": _COMMON | {"width", "span"},
    "ol": _COMMON | {"start", "type"},
    "li": _COMMON | {"value", "type"},
    "ul": _COMMON | {"type"},
}
_STYLE_PROPERTIES = {
    "color", "background-color", "background", "text-align", "font-weight", "font-style",
    "text-decoration", "font-size", "font-family", "width", "display", "direction",
}
_URL_SCHEMES = {"http", "https", "mailto", "cid", "data", "ftp", "tel", "news", "file"}

_REMOTE = re.compile(
    r"""<(?:img|image|input)\b[^>]*?\bsrc\s*=\s*["']?\s*(?:https?:|//)"""
    r"""|<link\b[^>]*?\bhref\s*=\s*["']?\s*(?:https?:|//)"""
    r"""|<(?:iframe|frame|embed|object|video|audio|source|script)\b[^>]*?\b(?:src|data)\s*=\s*["']?\s*(?:https?:|//)"""
    r"""|\burl\(\s*["']?\s*(?:https?:|//)"""
    r"""|@import\s+["']?\s*(?:https?:|//)"""
    r"""|\bbackground\s*=\s*["']?\s*(?:https?:|//)""",
    re.I,
)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        """All text below this node (for direction detection and fallbacks)."""
        out: list[str] = []
        stack: list[Node | str] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
            else:
                if item.tag == "br":
                    out.append("\n")
                stack.extend(reversed(item.children))
        return "".join(out)


def count_remote(html: str) -> int:
    """How many remote resources (images, style sheets, fonts, frames...) the HTML names."""
    return len(_REMOTE.findall(html))


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style", "title", "template", "noscript", "svg", "math",
                            "iframe", "object", "textarea", "select"},
        attributes=ALLOWED_ATTRIBUTES,
        strip_comments=True,
        link_rel=None,
        url_schemes=_URL_SCHEMES,
        filter_style_properties=_STYLE_PROPERTIES,
    )


class _TreeBuilder(HTMLParser):
    _VOID = frozenset({"br", "img", "hr", "wbr", "col"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("body")
        self.stack = [self.root]
        self.nodes = 0
        self.truncated = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.nodes >= MAX_NODES:
            self.truncated = True
            return
        self.nodes += 1
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self._VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if self.nodes >= MAX_NODES:
            self.truncated = True
            return
        self.stack[-1].children.append(data)


def parse_html(html: str) -> tuple[Node, bool]:
    """The sanitized tree of ``html`` and whether it was cut at :data:`MAX_NODES`."""
    builder = _TreeBuilder()
    builder.feed(sanitize(html))
    builder.close()
    return builder.root, builder.truncated
