"""Decrypted message bytes -> :class:`~smime_archiver.model.MessageView` for the renderer.

Tolerant by design: a header that does not parse, a wrong charset or a broken
part never stops the message; the text is shown as well as it can be decoded.
:func:`parse_message` is the entry point; header decoding is in :mod:`.headers`,
the body walk in :mod:`.body` (parts in :mod:`.parts`), HTML to text in
:mod:`.htmltext`, the raw MIME reader in :mod:`.rawmime`.
"""

from __future__ import annotations

import base64
import email
from collections.abc import Collection
from dataclasses import replace
from email.message import Message
from email.utils import parsedate_to_datetime

from smime_archiver.i18n import _, ngettext
from smime_archiver.mime import headers, rawmime
from smime_archiver.mime.body import MAX_BODY_CHARS, BodyWalk
from smime_archiver.mime.headers import (
    DAMAGE,
    HeaderLimits,
    addresses,
    get_header,
    header_text,
    raw_items,
)
from smime_archiver.mime.htmltext import html_to_text
from smime_archiver.mime.parts import within
from smime_archiver.model import BodyPart, MessageView, PartProblem, Status

MAX_HEADERS = 1000  # header fields listed in the view
MAX_MIME_FIELD = 8192  # a Content-* field longer than this is cut before parsing


def parse_message(data: bytes, *, encrypted_parts: Collection[str] = ()) -> MessageView:
    """Decode headers, the body parts in reading order and the attachments of one message.

    ``encrypted_parts``: MIME paths of the parts that were encrypted on their own (the
    ``part`` of the opened encryption layers): body blocks from them say so, and
    alternatives encrypted separately are each shown (they need not say the same).

    Limits (:data:`rawmime.MAX_PARTS` parts, :data:`rawmime.MAX_NESTING` levels,
    :data:`MAX_HEADER_CHARS` per header, :data:`MAX_HEADERS` fields,
    :data:`MAX_PART_BYTES` per part) keep a hostile message from taking the run down;
    what they leave out is named in ``problems`` and the rest of the view is complete.
    """
    data, problems = _within_limits(data)
    msg = email.message_from_bytes(data, policy=headers.POLICY)
    view = _view(msg, "", 0, frozenset(encrypted_parts))
    if problems or view.problems:
        view = replace(view, problems=(*problems, *view.problems))
    return view


def _within_limits(data: bytes) -> tuple[bytes, list[PartProblem]]:
    """``data`` as the email parser may see it: every part a walk limit stops at replaced
    by an opaque attachment that holds its raw bytes (so the parser never meets more parts
    or levels than that), and Content-* fields longer than :data:`MAX_MIME_FIELD` cut
    (the parser reads them again at every look: a huge one makes each look slow)."""
    eol = rawmime.line_ending_of(data)
    edits: list[tuple[int, int, bytes, PartProblem]] = []
    for ref in rawmime.walk(data):
        if ref.limited:
            name = f"part {ref.path}.eml"
            opaque = (f'Content-Type: application/octet-stream; name="{name}"{eol.decode()}'
                      f'Content-Disposition: attachment; filename="{name}"{eol.decode()}'
                      f"Content-Transfer-Encoding: base64{eol.decode()}{eol.decode()}").encode()
            body = base64.encodebytes(data[ref.start:ref.end]).replace(b"\n", eol)
            edits.append((ref.start, ref.end, opaque + body, PartProblem(
                ref.path, Status.CORRUPT, rawmime.limit_text(ref))))
            continue
        offset = ref.start
        for header in ref.entity.headers:
            if len(header.raw) > MAX_MIME_FIELD and header.lower_name().startswith("content-"):
                edits.append((offset, offset + len(header.raw),
                              header.raw[:MAX_MIME_FIELD].rstrip(b"\r\n") + eol,
                              PartProblem(ref.path, Status.CORRUPT, _(
                                  "The {name} field of {part} is {size} characters long; only "
                                  "the first {limit} were read.").format(
                                      name=header.name, size=len(header.raw),
                                      limit=MAX_MIME_FIELD,
                                      part=_("part {path}").format(path=ref.path)
                                      if ref.path else _("the message")))))
            offset += len(header.raw)
    if not edits:
        return data, []
    problems = []
    limit = len(data) + 1
    for start, end, new, problem in sorted(edits, key=lambda e: e[0], reverse=True):
        if end > limit:
            continue  # inside a span already replaced
        data = rawmime.replace_span(data, start, end, new)
        problems.append(problem)
        limit = start
    problems.reverse()
    return data, problems


def _view(msg: Message, prefix: str, depth: int,
          encrypted: frozenset[str] = frozenset()) -> MessageView:
    """The view of ``msg``; ``prefix`` is its MIME path inside an enclosing message."""
    limits = HeaderLimits(prefix)
    items = raw_items(msg)
    if len(items) > MAX_HEADERS:
        limits.add(_("The message has {count} header fields; only the first {limit} are "
                     "listed (all of them are in the original message embedded in the PDF)."
                     ).format(count=len(items), limit=MAX_HEADERS))
    headers = tuple((name, limits.cap(name, header_text(msg, name, value)))
                    for name, value in items[:MAX_HEADERS])
    date_text = get_header(msg, "Date")
    date = None
    if date_text:
        try:
            date = parsedate_to_datetime(date_text)
        except DAMAGE:
            date = None
    walk = BodyWalk(depth, encrypted, view_of=_view)
    walk.walk(msg, prefix)
    plain = [p.text for p in walk.parts if p.kind == "text"]
    html = [p.text for p in walk.parts if p.kind == "html"]
    body_html = "\n".join(html) if html else None
    texts = [p for p in walk.parts if p.kind in ("text", "html")]
    if len({p.encrypted_part for p in texts}) > 1:  # encrypted apart: never one text
        body = "\n\n".join(_labelled(texts))
    elif walk.plain_alternatives or plain:
        body = "\n\n".join(walk.plain_alternatives or plain)
    elif body_html is not None:
        body = html_to_text(body_html)
    else:
        body = ""
    notes = walk.notes + _sealed_notes(walk)
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS]
        notes.append(_("The message text is very long and was shortened in this view."))
    return MessageView(
        subject=limits.cap("Subject", get_header(msg, "Subject")),
        sender=limits.cap("From", addresses(msg, "From")),
        to=limits.cap("To", addresses(msg, "To")),
        cc=limits.cap("Cc", addresses(msg, "Cc")),
        date=date,
        date_text=limits.cap("Date", date_text),
        message_id=limits.cap("Message-ID", get_header(msg, "Message-ID")),
        body_text=body,
        body_html=body_html,
        attachments=tuple(walk.attachments),
        headers=headers,
        notes=tuple(dict.fromkeys(notes)),
        parts=tuple(walk.parts),
        problems=(*limits.problems, *walk.problems),
    )


def _sealed_notes(walk: BodyWalk) -> list[str]:
    """A warning when the text holds parts encrypted apart from the rest: they can come
    from another message (an old encrypted mail put into a new one, as in EFAIL)."""
    notes = [ngettext(
        "Part {parts} is an alternative version of the text (multipart/alternative) that was "
        "encrypted separately. It need not say the same as the other versions, and it can "
        "come from another message (an old encrypted mail can be put into a new one): every "
        "version is shown, the encrypted one marked as its own encrypted part; read each one "
        "for itself.",
        "Parts {parts} are alternative versions of the text (multipart/alternative), each "
        "encrypted separately. Separately encrypted parts need not say the same, and one can "
        "come from another message (an old encrypted mail can be put into a new one): each "
        "is shown, marked as its own encrypted part; read each one for itself.",
        len(paths)).format(parts=", ".join(paths)) for paths in walk.sealed_alternatives]
    covered = {path for paths in walk.sealed_alternatives for path in paths}
    sealed = list(dict.fromkeys(p.encrypted_part for p in walk.parts if p.encrypted_part))
    if not sealed or (len(sealed) == 1 and all(p.encrypted_part for p in walk.parts)):
        return notes  # nothing encrypted apart, or one such part is all there is
    if not all(any(within(s, c) for c in covered) for s in sealed):
        notes.append(ngettext(
            "Part {parts} of this message was encrypted separately from the rest and is "
            "shown on its own, marked as an encrypted part. A separately encrypted part can "
            "come from another message (an old encrypted mail can be put into a new one): "
            "read it for itself.",
            "Parts {parts} of this message were each encrypted on their own and are shown "
            "apart, marked as encrypted parts. A separately encrypted part can come from "
            "another message (an old encrypted mail can be put into a new one): read each "
            "one for itself.", len(sealed)).format(parts=", ".join(sealed)))
    return notes


def _labelled(parts: list[BodyPart]) -> list[str]:
    """The texts of ``parts`` (HTML as text), each from a separately encrypted part headed
    by its name, so that texts encrypted apart are never read as one."""
    out = []
    for part in parts:
        text = html_to_text(part.text) if part.kind == "html" else part.text
        if part.encrypted_part is not None:
            text = "[" + _("Encrypted part {part}").format(part=part.encrypted_part) + "]\n" \
                + text
        out.append(text)
    return out
