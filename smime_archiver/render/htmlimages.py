"""Pictures in HTML bodies: ``cid:`` parts, ``data:`` URLs, placeholders for the rest.

Remote pictures are never fetched: they are counted, and a placeholder says what
was not loaded (tracking pixels are only counted).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from urllib.parse import unquote, urlsplit

from smime_archiver.i18n import _
from smime_archiver.model import Attachment
from smime_archiver.render.htmlbuild import Builder, Indented
from smime_archiver.render.htmlstyle import css, width_of
from smime_archiver.render.htmltree import Node
from smime_archiver.render.images import ImageProblem, image_flowable, placeholder
from smime_archiver.render.styles import FRAME_HEIGHT


def find_attachment(attachments: Sequence[Attachment], src: str) -> Attachment | None:
    """The part an HTML ``src`` names: ``cid:`` Content-ID, or a Content-Location/name."""
    if src.lower().startswith("cid:"):
        cid = unquote(src[4:]).strip("<> ").lower()
        for att in attachments:
            if att.content_id and att.content_id.lower() == cid:
                return att
        return None
    if urlsplit(src).scheme in ("http", "https", "ftp", "data") or src.startswith("//"):
        return None
    for att in attachments:
        if att.content_location and att.content_location == src:
            return att
    for att in attachments:
        if att.filename and att.filename == src.rsplit("/", 1)[-1]:
            return att
    return None


def add_image(node: Node, b: Builder) -> None:
    """The picture an ``<img>`` shows, or a placeholder saying why not."""
    src = node.attrs.get("src", "").strip()
    alt = " ".join(node.attrs.get("alt", "").split())
    want_w = width_of(node.attrs.get("width") or css(node.attrs.get("style", "")).get("width"),
                      b.block.width)
    want_h = width_of(node.attrs.get("height"), FRAME_HEIGHT)
    max_w = b.block.width - b.block.indent
    data: bytes | None = None
    label = alt or src[:80]
    att = find_attachment(b.ctx.attachments, src) if src else None
    if att is not None:
        data = att.data
        if att.content_id:
            b.ctx.used_cids.add(att.content_id.lower())
        label = alt or att.filename
    elif src.lower().startswith("data:image/"):
        data = _data_url(src)
        label = alt or _("embedded picture")
    elif src.lower().startswith(("http:", "https:", "//")):
        b.ctx.remote_images += 1
        if (want_w or 3) <= 2 or (want_h or 3) <= 2:
            return  # a tracking pixel: counted, not worth a line
        host = urlsplit(src if "://" in src else "http:" + src).hostname or ""
        b.add_flowable(placeholder(_("Remote picture not loaded: {label} ({host})").format(
            label=alt or _("no description"), host=host)))
        return
    if data is None:
        b.add_flowable(placeholder(_("Picture not available: {label}").format(label=label)))
        return
    try:
        flowable = image_flowable(data, max_w, FRAME_HEIGHT * 0.8, want_width=want_w,
                                  want_height=want_h if want_w else None)
    except ImageProblem as e:
        text = _("Picture {label} not shown: {reason}").format(label=label[:500], reason=e)
        b.ctx.limits.append(text)
        b.add_flowable(placeholder(text))
        return
    b.add_flowable(Indented(flowable, b.block.indent) if b.block.indent else flowable)


def _data_url(src: str) -> bytes | None:
    head, _sep, payload = src.partition(",")
    if ";base64" not in head.lower() or len(payload) > 40_000_000:
        return None
    try:
        return base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        return None
