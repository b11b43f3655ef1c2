"""Outlook ``.pst``/``.ost`` files, read with ``libpff-python`` (``pypff``).

Every folder is walked depth first: a folder's items in their stored order, then
its subfolders in theirs.  ``RawMail.index`` is the item's position in that walk
over the whole file; ``RawMail.locator`` is ``"<folder path>#<n>"`` with ``n`` its
0-based position inside the folder (stable across runs).  Each item's MAPI
properties, its named properties resolved through the file's name map
(:mod:`.namedprops`), go through :func:`smime_archiver.mailbox.items.convert`, the
same rules as for ``.msg``: mail (``IPM.Note.SMIME`` -> S/MIME message), calendar
items, contacts and the rest as what they are, hidden system data (free/busy,
views, rules) skipped and counted (:class:`~smime_archiver.model.SkippedItem`).

pypff hands some items over as a plain ``pypff.item`` without the message methods
(attachments, recipients, transport headers): their properties are read, what the
library cannot give is said in the item's note, and nothing is called damaged for it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

from smime_archiver.i18n import _
from smime_archiver.mailbox import items, mapi, namedprops
from smime_archiver.mailbox.mapi import MapiAttachment, MapiMessage
from smime_archiver.mailbox.msg import filetime
from smime_archiver.mailbox.namedprops import NamedKey
from smime_archiver.model import RawMail, SkippedItem, SourceProblem

log = logging.getLogger(__name__)

MAX_DEPTH = 64
PT_SHORT, PT_LONG, PT_DOUBLE, PT_BOOLEAN, PT_I8, PT_SYSTIME = 0x2, 0x3, 0x5, 0xB, 0x14, 0x40
PT_STRING8, PT_UNICODE, PT_BINARY = 0x1E, 0x1F, 0x102
PT_MV_STRING8, PT_MV_UNICODE, PT_MV_BINARY = 0x101E, 0x101F, 0x1102
MAX_ATTACHMENT = 512 * 1024 * 1024

Opener = Callable[[str], Any]
Found = RawMail | SourceProblem | SkippedItem


def install_hint() -> str:
    return _("Reading Outlook .pst and .ost files needs the package libpff-python, which a "
             "normal installation of smime-archiver includes; it is missing here. Install "
             "it with: pip install libpff-python, then run the export again. Another way is "
             "to export the folders from Outlook as .msg files.")


def open_with_pypff(path: str) -> Any:
    import pypff  # libpff-python: a dependency, but a broken install may lack it

    f = pypff.file()
    f.open(path)
    return f


def iter_pst(path: str, *, cancel: threading.Event | None = None,
             opener: Opener | None = None) -> Iterator[Found]:
    """Yield every item in the ``.pst``/``.ost`` file at ``path``."""
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
        walker = _Walker(path, cancel, load_name_map(pff))
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


def load_name_map(pff: Any) -> dict[int, NamedKey]:
    """The file's named-property map (:mod:`.namedprops`); empty if it cannot be read
    (calendar and contact items then show fewer details, nothing else changes)."""
    get = getattr(pff, "get_name_to_id_map", None)
    try:
        holder = get() if get is not None else None
        props = props_from_record_sets(holder) if holder is not None else {}
    except Exception:
        log.info("the named-property map of this file cannot be read", exc_info=True)
        return {}
    guids, entries, strings = (props.get(tag) for tag in (0x0002, 0x0003, 0x0004))
    if not isinstance(entries, bytes):
        return {}
    return namedprops.parse_name_map(guids if isinstance(guids, bytes) else b"", entries,
                                     strings if isinstance(strings, bytes) else b"")


class _Walker:
    def __init__(self, path: str, cancel: threading.Event | None,
                 names: dict[int, NamedKey]):
        self.path = path
        self.cancel = cancel
        self.index = 0
        self.names = names

    def folder(self, folder: Any, names: list[str], depth: int) -> Iterator[Found]:
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

    def message(self, folder: Any, position: int, label: str) -> Found:
        index = self.index
        self.index += 1
        locator = f"{label}#{position}"
        try:
            item = folder.get_sub_message(position)
            msg = message_from_pff(item, 0, self.names)
            if items.item_kind(msg.message_class) == items.HIDDEN:
                log.info("hidden Outlook item %s (%s) in %s skipped", locator,
                         msg.message_class, self.path)
                return SkippedItem(self.path, locator, msg.message_class, index)
            converted = items.convert(msg)
        except Exception as e:
            log.debug("item %s in %s unreadable", locator, self.path, exc_info=True)
            return SourceProblem(self.path, _(
                "Message {number} in the folder \"{folder}\" of {file} is damaged and could "
                "not be read ({error}).").format(number=position + 1, folder=label or "/",
                                                 file=self.path, error=e), locator, index)
        return RawMail(self.path, converted.data, index=index, locator=locator,
                       note=converted.note, kind=converted.kind)


def _folder_name(folder: Any) -> str:
    try:
        name = folder.get_name()
    except Exception:
        return ""
    return (name or "").replace("/", "\u2215")


def message_from_pff(item: Any, depth: int,
                     names: dict[int, NamedKey] | None = None) -> MapiMessage:
    """A :class:`MapiMessage` from a pypff item (record sets, recipients, attachments).

    A hidden item keeps only its properties (it is skipped).  An item pypff hands over
    without the message methods keeps what it has; its note says what is missing.
    """
    props = props_from_record_sets(item)
    msg = MapiMessage(props, named=namedprops.resolve(props, names or {}))
    if items.item_kind(msg.message_class) == items.HIDDEN:
        return msg
    transport = _safe(lambda: item.get_transport_headers())
    if isinstance(transport, str) and transport \
            and mapi.PR_TRANSPORT_MESSAGE_HEADERS not in props:
        props[mapi.PR_TRANSPORT_MESSAGE_HEADERS] = transport
    holder = _safe(lambda: item.recipients)
    if holder is not None:
        for i in range(holder.get_number_of_record_sets()):
            msg.recipients.append(_props_of(holder.get_record_set(i)))
    if hasattr(item, "get_number_of_attachments"):
        for i in range(item.get_number_of_attachments()):
            msg.attachments.append(_attachment(item.get_attachment(i), depth, names))
    else:
        note = items.unread_attachments_note(msg)
        if note:
            msg.notes.append(note)
    return msg


def _attachment(att: Any, depth: int, names: dict[int, NamedKey] | None) -> MapiAttachment:
    props = props_from_record_sets(att)
    result = MapiAttachment(props)
    if props.get(mapi.PR_ATTACH_METHOD) == mapi.ATTACH_EMBEDDED_MSG and depth < 10:
        if att.get_number_of_sub_items() > 0:
            result.embedded = message_from_pff(att.get_sub_item(0), depth + 1, names)
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
    if ptype == PT_DOUBLE and len(data) >= 8:
        return struct.unpack_from("<d", data)[0]
    if ptype in (PT_MV_BINARY, PT_MV_UNICODE, PT_MV_STRING8):
        values = multi_values(data)
        if ptype == PT_MV_UNICODE:
            return [v.decode("utf-16-le", errors="replace").rstrip("\x00") for v in values]
        if ptype == PT_MV_STRING8:
            return [v.rstrip(b"\x00").decode("cp1252", errors="replace") for v in values]
        return values
    return None


def multi_values(data: bytes) -> list[bytes]:
    """A multi-valued property of variable-size values (MS-PST 2.3.3.4.2): a count, an
    offset per value, then the values; ``[]`` when the offsets do not fit."""
    if len(data) < 4:
        return []
    (count,) = struct.unpack_from("<I", data)
    if count > (len(data) - 4) // 4:
        return []
    offsets = [*struct.unpack_from(f"<{count}I", data, 4), len(data)]
    if any(not 4 + 4 * count <= a <= b <= len(data) for a, b in itertools.pairwise(offsets)):
        return []
    return [data[a:b] for a, b in itertools.pairwise(offsets)]


def _safe(get: Callable[[], Any]) -> Any:
    try:
        return get()
    except Exception:
        return None
