"""Outlook ``.pst``/``.ost`` files, read with ``libpff-python`` (``pypff``), an optional extra.

Every folder is walked depth first: a folder's messages in their stored order,
then its subfolders in theirs.  ``RawMail.index`` is the message's position in
that walk over the whole file; ``RawMail.locator`` is ``"<folder path>#<n>"``
with ``n`` its 0-based position inside the folder (stable across runs).  Each
message's MAPI properties go through :func:`smime_archiver.mailbox.mapi.build_mime`,
the same rules as for ``.msg`` (``IPM.Note.SMIME`` -> S/MIME message).
"""

from __future__ import annotations

import datetime as dt
import logging
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

from smime_archiver.i18n import _
from smime_archiver.mailbox import mapi
from smime_archiver.mailbox.mapi import MapiAttachment, MapiMessage
from smime_archiver.mailbox.msg import filetime
from smime_archiver.model import RawMail, SourceProblem

log = logging.getLogger(__name__)

MAX_DEPTH = 64
PT_SHORT, PT_LONG, PT_BOOLEAN, PT_I8, PT_SYSTIME = 0x2, 0x3, 0xB, 0x14, 0x40
PT_STRING8, PT_UNICODE, PT_BINARY = 0x1E, 0x1F, 0x102
MAX_ATTACHMENT = 512 * 1024 * 1024

Opener = Callable[[str], Any]


def install_hint() -> str:
    return _("Reading Outlook .pst and .ost files needs the optional package libpff-python. "
             "Install it with: pip install \"smime-archiver[pst]\" (or: pip install "
             "libpff-python), then run the export again. Another way is to export the "
             "folders from Outlook as .msg files.")


def open_with_pypff(path: str) -> Any:
    import pypff  # optional extra "pst"

    f = pypff.file()
    f.open(path)
    return f


def iter_pst(path: str, *, cancel: threading.Event | None = None,
             opener: Opener | None = None) -> Iterator[RawMail | SourceProblem]:
    """Yield every message in the ``.pst``/``.ost`` file at ``path``."""
    try:
        pff = (opener or open_with_pypff)(path)
    except ImportError:
        yield SourceProblem(path, install_hint())
        return
    except Exception as e:
        log.debug("libpff cannot open %s", path, exc_info=True)
        yield SourceProblem(path, _(
            "The Outlook data file {file} cannot be opened ({error}). It may be damaged, or "
            "a newer .ost format; repair it with Outlook's scanpst.exe or export the folders "
            "from Outlook as .msg or .pst.").format(file=path, error=e))
        return
    try:
        root = pff.get_root_folder()
        walker = _Walker(path, cancel)
        yield from walker.folder(root, [], 0)
    except Exception as e:
        log.debug("libpff failed walking %s", path, exc_info=True)
        yield SourceProblem(path, _(
            "The folder structure of the Outlook data file {file} is damaged ({error}); the "
            "messages listed before this line were read.").format(file=path, error=e))
    finally:
        close = getattr(pff, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                log.debug("closing %s failed", path, exc_info=True)


class _Walker:
    def __init__(self, path: str, cancel: threading.Event | None):
        self.path = path
        self.cancel = cancel
        self.index = 0

    def folder(self, folder: Any, names: list[str], depth: int
               ) -> Iterator[RawMail | SourceProblem]:
        if depth > MAX_DEPTH:
            return
        name = _folder_name(folder)
        here = [*names, name] if name else names
        label = "/".join(here)
        for position in range(folder.get_number_of_sub_messages()):
            if self.cancel is not None and self.cancel.is_set():
                return
            yield self.message(folder, position, label)
        for position in range(folder.get_number_of_sub_folders()):
            if self.cancel is not None and self.cancel.is_set():
                return
            try:
                sub = folder.get_sub_folder(position)
            except Exception as e:
                yield SourceProblem(self.path, _(
                    "Subfolder {number} of the folder \"{folder}\" in {file} cannot be read "
                    "({error}); the messages in it were not archived.").format(
                        number=position + 1, folder=label or "/", file=self.path, error=e),
                    f"{label}/(subfolder {position + 1})")
                continue
            yield from self.folder(sub, here, depth + 1)

    def message(self, folder: Any, position: int, label: str) -> RawMail | SourceProblem:
        index = self.index
        self.index += 1
        locator = f"{label}#{position}"
        try:
            item = folder.get_sub_message(position)
            data = mapi.build_mime(message_from_pff(item, 0))
        except Exception as e:
            log.debug("item %s in %s unreadable", locator, self.path, exc_info=True)
            return SourceProblem(self.path, _(
                "Message {number} in the folder \"{folder}\" of {file} is damaged and could "
                "not be read ({error}).").format(number=position + 1, folder=label or "/",
                                                 file=self.path, error=e), locator, index)
        return RawMail(self.path, data, index=index, locator=locator)


def _folder_name(folder: Any) -> str:
    try:
        name = folder.get_name()
    except Exception:
        return ""
    return (name or "").replace("/", "\u2215")


def message_from_pff(item: Any, depth: int) -> MapiMessage:
    """A :class:`MapiMessage` from a pypff message (record sets, recipients, attachments)."""
    props = props_from_record_sets(item)
    transport = _safe(lambda: item.get_transport_headers())
    if transport and mapi.PR_TRANSPORT_MESSAGE_HEADERS not in props:
        props[mapi.PR_TRANSPORT_MESSAGE_HEADERS] = transport
    recipients: list[dict[int, Any]] = []
    holder = _safe(lambda: item.recipients)
    if holder is not None:
        for i in range(holder.get_number_of_record_sets()):
            recipients.append(_props_of(holder.get_record_set(i)))
    attachments = []
    for i in range(item.get_number_of_attachments()):
        attachments.append(_attachment(item.get_attachment(i), depth))
    return MapiMessage(props, recipients, attachments)


def _attachment(att: Any, depth: int) -> MapiAttachment:
    props = props_from_record_sets(att)
    result = MapiAttachment(props)
    if props.get(mapi.PR_ATTACH_METHOD) == mapi.ATTACH_EMBEDDED_MSG and depth < 10:
        if att.get_number_of_sub_items() > 0:
            result.embedded = message_from_pff(att.get_sub_item(0), depth + 1)
            return result
    size = att.get_size()
    if size and 0 < size <= MAX_ATTACHMENT:
        att.seek_offset(0, 0)
        result.data = att.read_buffer(size)
    if not props.get(mapi.PR_ATTACH_LONG_FILENAME):
        name = _safe(lambda: att.get_long_filename())
        if name:
            props[mapi.PR_ATTACH_LONG_FILENAME] = name
    return result


def props_from_record_sets(item: Any) -> dict[int, Any]:
    props: dict[int, Any] = {}
    for i in range(item.get_number_of_record_sets()):
        props.update(_props_of(item.get_record_set(i)))
    return props


def _props_of(record_set: Any) -> dict[int, Any]:
    props: dict[int, Any] = {}
    for j in range(record_set.get_number_of_entries()):
        entry = record_set.get_entry(j)
        value = convert_value(entry.get_value_type(), entry.get_data())
        if value is not None:
            props[entry.get_entry_type()] = value
    return props


def convert_value(ptype: int, data: bytes | None) -> Any:
    """A MAPI property value from its type and raw bytes (``None`` if not needed here)."""
    if data is None:
        return None
    if ptype == PT_UNICODE:
        return data.decode("utf-16-le", errors="replace").rstrip("\x00")
    if ptype == PT_STRING8:
        return data.rstrip(b"\x00").decode("cp1252", errors="replace")
    if ptype == PT_BINARY:
        return data
    if ptype == PT_LONG and len(data) >= 4:
        return struct.unpack_from("<i", data)[0]
    if ptype == PT_SHORT and len(data) >= 2:
        return struct.unpack_from("<h", data)[0]
    if ptype == PT_BOOLEAN and data:
        return data[0] != 0
    if ptype == PT_I8 and len(data) >= 8:
        return struct.unpack_from("<q", data)[0]
    if ptype == PT_SYSTIME and len(data) >= 8:
        value: dt.datetime | None = filetime(struct.unpack_from("<Q", data)[0])
        return value
    return None


def _safe(get: Callable[[], Any]) -> Any:
    try:
        return get()
    except Exception:
        return None
