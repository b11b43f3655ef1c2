"""One layer taken off: the outer entity's headers merged onto what was inside it.

The result reads as the message the sender wrote (From, To, Subject, Date of the
outer message; the inner entity's own headers win).  Content that came without
headers becomes an entity: a bare CMS structure one the unwrap loop opens next,
text a text/plain part, anything else an attachment.
"""

from __future__ import annotations

import base64
import email.utils
import mimetypes
import re

from smime_archiver.crypto.cms.sniff import looks_like_cms
from smime_archiver.errors import MalformedMessageError
from smime_archiver.mime.charsets import unlabelled_charset
from smime_archiver.mime.rawmime import Entity, Header, decode_body, parse_entity

_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def _is_content_header(h: Header) -> bool:
    name = h.lower_name()
    return name.startswith("content-") or name == "mime-version"


def _with_eol(raw: bytes, eol: bytes) -> bytes:
    lines = re.split(rb"\r?\n", raw)
    if lines and lines[-1] == b"":
        lines.pop()
    return b"".join(line + eol for line in lines)


def merge_layer(outer: Entity, inner: bytes, *, hint: str | None, top: bool) -> bytes:
    """The outer entity's non-Content headers merged onto the inner entity.

    Inner headers win (protected headers; a wrapped message/rfc822 brings its
    own From/To/Subject).  Content without a header block becomes a text/plain
    entity (or an attachment when it is binary); a bare CMS structure becomes an
    application/pkcs7-mime entity so the loop can take it off next.
    """
    inner_entity = parse_entity(inner)
    if not inner_entity.has_header_block or not inner_entity.headers:
        body = inner_entity.body
        if body and looks_like_cms(body):
            inner_entity = parse_entity(bare_cms_entity(body))
        else:
            inner_entity = parse_entity(_plain_entity(body, hint))
    elif inner_entity.content_type == "message/rfc822":
        wrapped = _wrapped_message(inner_entity)
        if wrapped is not None:
            inner_entity = wrapped
    eol = inner_entity.eol
    present = {h.lower_name() for h in inner_entity.headers}
    kept = [
        Header(h.name, _with_eol(h.raw, eol))
        for h in outer.headers
        if not _is_content_header(h) and h.lower_name() not in present
    ]
    headers = kept + list(inner_entity.headers)
    if top and "mime-version" not in present:
        headers.append(Header("MIME-Version", b"MIME-Version: 1.0" + eol))
    if headers and not headers[-1].raw.endswith(b"\n"):
        last = headers[-1]
        headers[-1] = Header(last.name, last.raw + eol)
    separator = inner_entity.separator or (eol if inner_entity.body else b"")
    return b"".join(h.raw for h in headers) + separator + inner_entity.body


def _wrapped_message(entity: Entity) -> Entity | None:
    """The whole message inside a message/rfc822 entity, when it has headers."""
    try:
        body = decode_body(entity)
    except MalformedMessageError:
        return None
    wrapped = parse_entity(body)
    if not wrapped.has_header_block or not wrapped.headers:
        return None
    return wrapped


def bare_cms_entity(body: bytes) -> bytes:
    """A CMS structure without MIME headers, given the headers that let the loop read it."""
    return (
        b"Content-Type: application/pkcs7-mime\r\n"
        + b"Content-Transfer-Encoding: binary\r\n\r\n"
        + body
    )


def _looks_like_text(data: bytes) -> bool:
    return not _TEXT_CONTROL.search(data[: 64 * 1024])


def _plain_entity(body: bytes, hint: str | None) -> bytes:
    """A MIME entity for content that came without headers: text, or a binary attachment."""
    if _looks_like_text(body):
        charset = unlabelled_charset(body)
        return (
            f"Content-Type: text/plain; charset={charset}\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode("ascii") + body
    ctype = "application/octet-stream"
    header = f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n"
    if hint:
        guessed = mimetypes.guess_type(hint)[0]
        if guessed:
            header = header.replace(ctype, guessed, 1)
        header += "Content-Disposition: attachment; " + _filename_param(hint) + "\r\n"
    encoded = base64.encodebytes(body).replace(b"\n", b"\r\n")
    return header.encode("ascii") + b"\r\n" + encoded


def _filename_param(name: str) -> str:
    if name.isascii() and '"' not in name and "\\" not in name:
        return f'filename="{name}"'
    return "filename*=" + email.utils.encode_rfc2231(name, "utf-8")


def inner_name(filename: str | None) -> str | None:
    """``kontrakt.pdf`` for ``kontrakt.pdf.p7m``; None for ``smime.p7m``."""
    if not filename or not filename.lower().endswith(".p7m"):
        return None
    stem = filename[:-4]
    return stem if "." in stem.strip(".") else None
