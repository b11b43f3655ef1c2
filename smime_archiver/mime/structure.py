"""Is a message's MIME structure whole?  Multiparts that cannot be read, or that end early.

:func:`read_structure` walks the raw message (:func:`.rawmime.walk`) and names the
damage (``defects``) and the harmless missing ends (``notes``).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from smime_archiver.i18n import _
from smime_archiver.mime.rawmime import (
    NOT_BASE64,
    child_path,
    limit_text,
    parse_entity,
    split_multipart,
    walk,
)


@dataclass(frozen=True)
class Structure:
    """What :func:`read_structure` found: ``defects`` make the message damaged, ``notes``
    are for the reader only; both ``(path, sentence)``."""

    defects: list[tuple[str, str]]
    notes: list[tuple[str, str]]


def structure_defects(data: bytes) -> list[tuple[str, str]]:
    """``(path, sentence)`` for each multipart that cannot be read completely."""
    return read_structure(data).defects


def read_structure(data: bytes) -> Structure:
    """The multiparts that cannot be read completely, and those whose end is missing.

    A multipart without a boundary parameter or without any boundary line, parts past a
    walk limit (:func:`limit_text`), and a multipart whose close delimiter is missing and
    whose last part shows it was cut off (its header block not ended, its base64 stopping
    inside a group of four) are defects, reported once: parts inside a reported one are
    not reported again.  A close delimiter missing
    alone is no damage (a message that ends right after a boundary line, as Thunderbird's
    EFAIL sample does, has lost nothing visible): it becomes a note, the innermost one
    only when such multiparts end together.
    """
    found: list[tuple[str, str]] = []
    open_ends: dict[str, tuple[str, str, bool]] = {}  # path -> (type, last part, empty)
    for ref in walk(data):
        if any(_within(ref.path, path) for path, _text in found):
            continue
        entity = ref.entity
        ctype = entity.content_type
        if ref.limited:
            found.append((ref.path, limit_text(ref)))
            continue
        if not ctype.startswith("multipart/"):
            continue
        boundary = entity.param("boundary")
        if not boundary:
            found.append((ref.path, _(
                "The {type} part has no boundary parameter, so its parts cannot be told apart."
            ).format(type=ctype)))
            continue
        mp = split_multipart(entity.body, boundary)
        if mp.closed:
            continue
        if not mp.parts:
            found.append((ref.path, _(
                "The {type} part is truncated: its closing MIME boundary is missing."
            ).format(type=ctype)))
            continue
        start, end = mp.parts[-1]
        last = entity.body[start:end]
        last_path = child_path(ref.path, len(mp.parts))
        if _cut_off(last):
            found.append((ref.path, _(
                "The {type} part is truncated: its closing MIME boundary is missing and its "
                "last part ({part}) is cut off.").format(
                    type=ctype, part=_("part {path}").format(path=last_path))))
            continue
        open_ends[ref.path] = (ctype, last_path, not last.strip())
    notes = []
    for path, (ctype, last_path, empty) in open_ends.items():
        if last_path in open_ends or any(_within(p, last_path) for p, _text in found):
            continue  # the multipart (or the damage) it ends with says so
        where = _("part {path}").format(path=path) if path else _("the message")
        if empty:
            notes.append((path, _(
                "The closing MIME boundary of the {type} part ({where}) is missing; the "
                "message ends right after a boundary line, so the parts before that line "
                "are complete.").format(type=ctype, where=where)))
        else:
            notes.append((path, _(
                "The closing MIME boundary of the {type} part ({where}) is missing: the "
                "message may have been cut short, so its last part ({part}) may be "
                "incomplete.").format(type=ctype, where=where,
                                      part=_("part {path}").format(path=last_path))))
    return Structure(found, notes)


def _cut_off(part: bytes) -> bool:
    """Whether the last part of a multipart without its close delimiter shows that the
    message was cut inside it."""
    if not part.strip():
        return False
    entity = parse_entity(part)
    if entity.has_header_block and entity.headers and not entity.separator:
        return not entity.body.strip()  # the message ends inside the part's header block
    if entity.content_type.startswith("multipart/"):
        return False  # its own end is read on its own
    cte = entity.transfer_encoding
    body = entity.body
    if cte == "base64":
        compact = body.translate(None, NOT_BASE64)
        if len(compact) % 4:
            return True
        try:
            base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            return True
        return False
    return False  # text can end anywhere: nothing shows a cut


def _within(path: str, root: str) -> bool:
    return root == "" or path == root or path.startswith(root + ".")
