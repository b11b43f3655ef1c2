"""Apple Mail ``.emlx`` / ``.partial.emlx`` files.

Layout: a line with the message's byte count, exactly that many bytes of RFC
5322 message, then an XML property list (flags, dates) that is not part of the
message.  A ``.partial.emlx`` holds a message whose large attachments Apple
Mail stored apart, in ``../Attachments/<number>/<part>/<file name>`` beside the
``Messages`` folder; :mod:`smime_archiver.mailbox.apple_parts` puts them back.
"""

from __future__ import annotations

import re

from smime_archiver.i18n import _
from smime_archiver.mailbox.apple_parts import restore_parts
from smime_archiver.mailbox.sniff import looks_like_header
from smime_archiver.model import RawMail, SourceProblem

_COUNT = re.compile(rb"[ \t]*(\d{1,12})[ \t]*\r?\n")


def read_emlx(path: str, data: bytes) -> RawMail | SourceProblem:
    """The message inside one ``.emlx`` file's bytes."""
    m = _COUNT.match(data)
    if m is None:
        return SourceProblem(path, _(
            "The file {file} is not an Apple Mail message: it does not start with the byte "
            "count line an .emlx file has.").format(file=path))
    count = int(m.group(1))
    message = data[m.end() : m.end() + count]
    note = ""
    if len(message) < count:
        if not _headers_complete(message):
            return SourceProblem(path, _(
                "The Apple Mail file {file} is cut off inside the message's headers "
                "({have} of {count} bytes are there); it was not archived.").format(
                    file=path, have=len(message), count=count))
        note = _("The Apple Mail file is cut off: {have} of the {count} bytes of the message "
                 "are there, so the message may be incomplete.").format(
                     have=len(message), count=count)
    if not looks_like_header(message):
        return SourceProblem(path, _(
            "The Apple Mail file {file} does not hold an e-mail message after its byte count "
            "line.").format(file=path))
    if path.endswith(".partial.emlx"):
        message, missing = restore_parts(path, message)
        if missing:
            extra = _("Apple Mail kept some attachments of this message apart and they were "
                      "not found beside it: {parts}.").format(parts=", ".join(missing))
            note = f"{note} {extra}".strip()
    return RawMail(path, message, note=note)


def _headers_complete(message: bytes) -> bool:
    return b"\n\n" in message or b"\r\n\r\n" in message
