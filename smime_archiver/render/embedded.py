"""Which files a message's PDF carries: the decrypted message itself (relationship
Source) and every attachment byte for byte (relationship Data), forwarded messages'
attachments included, under their exact names and MIME types."""

from __future__ import annotations

from smime_archiver.i18n import _
from smime_archiver.model import MessageView, UnwrapResult
from smime_archiver.render.pdfa import EmbeddedFile

SOURCE_NAME = "message.eml"


def embedded_files(view: MessageView, result: UnwrapResult) -> tuple[EmbeddedFile, ...]:
    files = [EmbeddedFile(
        name=SOURCE_NAME, data=result.message, mime_type="message/rfc822",
        relationship="Source", modified=view.date,
        description=_("The complete decrypted message (RFC 5322) that this PDF shows."))]
    _collect(view, files, depth=0)
    return tuple(files)


def _collect(view: MessageView, files: list[EmbeddedFile], depth: int) -> None:
    for att in view.attachments:
        files.append(EmbeddedFile(
            name=att.filename, data=att.data, mime_type=att.content_type or
            "application/octet-stream", relationship="Data", modified=view.date,
            description=_("Attachment {name} (part {part} of the message).").format(
                name=att.filename, part=att.part or "1")))
    for part in view.parts:
        if part.kind == "message" and part.message is not None and depth < 8:
            _collect(part.message, files, depth + 1)
