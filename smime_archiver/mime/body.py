"""The body walk: a MIME tree -> body parts in reading order, attachments and notes.

:class:`BodyWalk` decides what is body and what is attachment (alternatives,
related parts, forwarded messages, damaged multiparts), within limits that keep a
hostile message from taking the run down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from email.message import Message

from smime_archiver.i18n import _, ngettext
from smime_archiver.mime.headers import DAMAGE, get_header
from smime_archiver.mime.parts import (
    decode_text,
    decoded_size,
    has_content,
    is_flowed,
    make_attachment,
    part_bytes,
    part_content_id,
    part_content_type,
    part_disposition,
    part_filename,
    part_payload,
    renderable,
    unflow,
    within,
)
from smime_archiver.model import Attachment, BodyPart, MessageView, PartProblem, Status

MAX_BODY_CHARS = 2_000_000  # a body longer than this is cut (with a note) to keep PDFs sane
MAX_MESSAGE_DEPTH = 5  # forwarded mail inside forwarded mail ... shown this deep
MAX_MIME_DEPTH = 40  # multiparts nested deeper are kept as attachments, not walked
MAX_PART_BYTES = 100 * 1024 * 1024  # a part larger than this (decoded) is not extracted

# the view of a forwarded message: (message, its MIME path, depth, encrypted parts)
ViewOf = Callable[[Message, str, int, frozenset[str]], MessageView]


class BodyWalk:
    """Collects body parts (reading order), attachments and notes from a MIME tree."""

    def __init__(self, depth: int, encrypted: frozenset[str] = frozenset(), *,
                 view_of: ViewOf) -> None:
        self.depth = depth  # nesting of message/rfc822 views
        self.view_of = view_of  # how a forwarded message inside is viewed
        self.encrypted = encrypted  # paths of the parts encrypted on their own
        self.parts: list[BodyPart] = []
        self.attachments: list[Attachment] = []
        self.notes: list[str] = []
        self.problems: list[PartProblem] = []  # limits hit
        self.plain_alternatives: list[str] = []  # text/plain twins of shown HTML (GUI text)
        # alternatives all shown because they were encrypted separately (their paths)
        self.sealed_alternatives: list[list[str]] = []

    def walk(self, part: Message, path: str, *, shown: bool = True, level: int = 0) -> None:
        """``shown``: False inside an alternative that is not displayed (only files kept)."""
        ctype = part_content_type(part)
        if level > MAX_MIME_DEPTH:
            self.notes.append(_("Part {path} is nested too deeply to be shown; it is kept as "
                                "an attachment.").format(path=path))
            self._attach(part, path, ctype, part_filename(part))
            return
        if ctype == "message/rfc822":
            self._message(part, path, shown)
            return
        if part.is_multipart():
            children = part_payload(part)
            if not isinstance(children, list):
                return
            kids = [(c, f"{path}.{i}" if path else str(i)) for i, c in enumerate(children, 1)]
            if ctype == "multipart/alternative":
                self._alternative(kids, shown, level)
            elif ctype == "multipart/related":
                self._related(part, kids, shown, level)
            else:
                for child, child_path in kids:
                    self.walk(child, child_path, shown=shown, level=level + 1)
            return
        disposition = part_disposition(part)
        filename = part_filename(part)
        if ctype.startswith("multipart/"):
            # A multipart whose boundary is missing or never occurs: keep its text visible.
            self.notes.append(_("Part {path} is a damaged multipart; its raw text is shown."
                                ).format(path=path or "1"))
            if shown:
                self._add(BodyPart("text", path or "1", decode_text(part)))
            return
        is_body = disposition != "attachment" and not filename
        if ctype in ("text/plain", "text/html") and is_body:
            if shown:
                text = decode_text(part)
                if "\ufffd" in text:
                    self._note_damage(part, path, text)
                if len(text) > MAX_BODY_CHARS:
                    text = text[:MAX_BODY_CHARS]
                    self.notes.append(_("Part {path} is very long and was shortened in this "
                                        "view; the whole message is embedded in the PDF."
                                        ).format(path=path or "1"))
                if ctype == "text/plain":
                    text = unflow(text, part) if is_flowed(part) else text
                    self._add(BodyPart("text", path or "1", text))
                else:
                    self._add(BodyPart("html", path or "1", text))
            return
        att = self._attach(part, path, ctype, filename)
        if att is not None and shown and ctype.startswith("image/") \
                and disposition != "attachment":
            self._add(BodyPart("image", path or "1", attachment=att))

    def _message(self, part: Message, path: str, shown: bool) -> None:
        """A forwarded message: kept as an .eml attachment and shown with its own view."""
        inner = part_payload(part)
        name = part_filename(part)
        if not name and isinstance(inner, list) and inner and isinstance(inner[0], Message):
            subject = " ".join(get_header(inner[0], "Subject").replace("/", "-").split())[:100]
            name = f"{subject}.eml" if subject else None
        att = self._attach(part, path, "message/rfc822", name)
        if (att is not None and shown and isinstance(inner, list) and inner
                and isinstance(inner[0], Message) and self.depth < MAX_MESSAGE_DEPTH):
            view = self.view_of(inner[0], path or "1", self.depth + 1, self.encrypted)
            self.problems.extend(view.problems)
            self._add(BodyPart("message", path or "1", attachment=att, message=view))

    def _note_damage(self, part: Message, path: str, text: str) -> None:
        """A note when bytes of a text part could not be decoded (shown as U+FFFD), so the
        reader knows the mark stands for damage in the mail, not in the archive."""
        damaged = text.count("\ufffd") - part_bytes(part).count("\ufffd".encode())
        if damaged > 0:
            self.notes.append(ngettext(
                "Part {path} has {n} damaged character that could not be decoded; it is "
                "shown as \ufffd.",
                "Part {path} has {n} damaged characters that could not be decoded; they are "
                "shown as \ufffd.", damaged).format(path=path or "1", n=damaged))

    def _add(self, part: BodyPart) -> None:
        """Append a body block, naming the separately encrypted part it lies in (the
        innermost, when such parts are nested)."""
        sealed = [p for p in self.encrypted if within(part.part, p)]
        if sealed:
            part = replace(part, encrypted_part=max(sealed, key=len))
        self.parts.append(part)

    def _holds_encrypted(self, path: str) -> bool:
        """Whether the part at ``path`` is, or holds, a part encrypted on its own."""
        return any(within(p, path) for p in self.encrypted)

    def _alternative(self, kids: list[tuple[Message, str]], shown: bool, level: int) -> None:
        """Show the richest alternative we can draw that has something to show (the last
        one, RFC 2046; an empty part, as a multipart cut after a boundary line ends with,
        does not count); keep the files of the others; remember a plain-text twin for the
        GUI's text view.

        Alternatives encrypted separately from each other are not known to say the same
        (an old encrypted mail can be put beside a harmless one, as in the EFAIL attacks):
        each of them that has content is shown too, marked as its own encrypted part.
        """
        drawable = [(child, path) for child, path in kids if renderable(child)]
        chosen = next(((c, p) for c, p in reversed(drawable) if has_content(c)),
                      drawable[-1] if drawable else None)
        sealed = {path for child, path in drawable
                  if self._holds_encrypted(path) and has_content(child)}
        for child, child_path in kids:
            is_shown = (chosen is not None and child is chosen[0]) or child_path in sealed
            self.walk(child, child_path, shown=shown and is_shown, level=level + 1)
            if shown and not is_shown and part_content_type(child) == "text/plain":
                twin = decode_text(child)
                if twin.strip():
                    self.plain_alternatives.append(twin)
        if shown and chosen is not None and sealed - {chosen[1]}:
            self.sealed_alternatives.append(sorted(sealed))

    def _related(self, part: Message, kids: list[tuple[Message, str]], shown: bool,
                 level: int) -> None:
        """The root part (``start`` parameter, else the first) is the body; the others are
        resources it refers to (images by Content-ID) and become attachments."""
        if not kids:
            return
        start = None
        try:
            start = part.get_param("start")
        except DAMAGE:
            start = None
        root = kids[0]
        if isinstance(start, str) and start.strip("<> "):
            for child, child_path in kids:
                if part_content_id(child) == start.strip("<> "):
                    root = (child, child_path)
                    break
        self.walk(root[0], root[1], shown=shown, level=level + 1)
        for child, child_path in kids:
            if child is root[0]:
                continue
            if child.is_multipart():
                self.walk(child, child_path, shown=shown, level=level + 1)
            else:
                self._attach(child, child_path, part_content_type(child), part_filename(child))

    def _attach(self, part: Message, path: str, ctype: str,
                filename: str | None) -> Attachment | None:
        size = decoded_size(part)
        if size > MAX_PART_BYTES:
            self.problems.append(PartProblem(path or "1", Status.CORRUPT, _(
                "Part {part} ({name}) is about {size} MB when decoded, more than the {limit} MB "
                "one part may have; it is not extracted (it is in the original message "
                "embedded in the PDF).").format(
                    part=path or "1", name=filename or ctype, size=size // (1024 * 1024),
                    limit=MAX_PART_BYTES // (1024 * 1024))))
            return None
        att = make_attachment(part, path, ctype, filename)
        self.attachments.append(att)
        return att
