"""Outlook ``.msg`` files (MS-OXMSG), read with ``olefile``.

``olefile`` is the long-standing pure-Python reader of compound files (used by
oletools, extract-msg and Pillow's FlashPix support), small and without
native code, so it ships in the frozen executable unchanged.  This module
turns the compound file's property streams into a :class:`MapiMessage`, with the
named properties resolved through the file's ``__nameid_version1.0`` map;
:func:`smime_archiver.mailbox.items.convert` makes the RFC 5322 message (mail, or a
calendar item, contact ... as what it is, the same as in a ``.pst``).
"""

from __future__ import annotations

import datetime as dt
import logging
import struct
from collections.abc import Iterator
from typing import Any

import olefile

from smime_archiver.i18n import _
from smime_archiver.mailbox import mapi, namedprops
from smime_archiver.mailbox.mapi import MapiAttachment, MapiMessage
from smime_archiver.mailbox.namedprops import NamedKey
from smime_archiver.mime.charsets import codepage_name
from smime_archiver.model import RawMail, SkippedItem, SourceProblem

log = logging.getLogger(__name__)

PROPS = "__properties_version1.0"
SUBSTG = "__substg1.0_"
RECIP = "__recip_version1.0_#"
ATTACH = "__attach_version1.0_#"
EMBEDDED = "__substg1.0_3701000D"
NAMEID = "__nameid_version1.0"
MAX_DEPTH = 10
MAX_VALUES = 10_000  # values of one multi-valued property read, at most

PT_SHORT, PT_LONG, PT_DOUBLE, PT_BOOLEAN, PT_I8, PT_SYSTIME = 0x2, 0x3, 0x5, 0xB, 0x14, 0x40
PT_STRING8, PT_UNICODE, PT_BINARY, PT_OBJECT = 0x1E, 0x1F, 0x102, 0xD
PT_MV = 0x1000


class MsgError(Exception):
    """The compound file is not an Outlook message, or a damaged one."""


def read_msg_file(path: str, *, claimed: bool
                  ) -> Iterator[RawMail | SourceProblem | SkippedItem]:
    """Yield the message of the ``.msg`` file at ``path`` (or why it cannot be read)."""
    from smime_archiver.mailbox import items  # items builds on mapi, as this module does

    try:
        ole = olefile.OleFileIO(path)
    except OSError as e:
        yield SourceProblem(path, _("The file {file} could not be read ({error}).").format(
            file=path, error=e.strerror or e))
        return
    except Exception as e:
        log.debug("olefile cannot open %s", path, exc_info=True)
        yield SourceProblem(path, _(
            "The file {file} is a damaged compound file (the format of Outlook .msg files) "
            "and cannot be read ({error}).").format(file=path, error=e))
        return
    with ole:
        if not is_outlook_message(ole):
            if claimed:
                yield SourceProblem(path, _(
                    "The file {file} is a Microsoft compound file but not an Outlook message: "
                    "it holds no message properties (it may be a Word or Excel file)."
                ).format(file=path))
            else:
                log.debug("compound file without message properties left alone: %s", path)
            return
        try:
            message = load_message(ole, [], header_size=32, depth=0, names=name_map(ole))
            if items.item_kind(message.message_class) == items.HIDDEN:
                yield SkippedItem(path, "", message.message_class)
                return
            converted = items.convert(message)
        except Exception as e:
            log.debug("cannot rebuild %s", path, exc_info=True)
            yield SourceProblem(path, _(
                "The Outlook message {file} is damaged and could not be read ({error}: "
                "{reason}).").format(file=path, error=type(e).__name__, reason=e))
            return
    yield RawMail(path, converted.data, note=converted.note, kind=converted.kind)


def name_map(ole: olefile.OleFileIO) -> dict[int, NamedKey]:
    """The file's named-property map (:mod:`.namedprops`); empty when there is none."""
    streams = []
    for tag in ("00020102", "00030102", "00040102"):
        path = f"{NAMEID}/{SUBSTG}{tag}"
        streams.append(ole.openstream(path).read()
                       if ole.exists(path) and ole.get_type(path) == olefile.STGTY_STREAM
                       else b"")
    return namedprops.parse_name_map(*streams)


def is_outlook_message(ole: olefile.OleFileIO) -> bool:
    return bool(ole.exists(PROPS)) or any(
        len(entry) == 1 and entry[0].startswith(SUBSTG) for entry in ole.listdir())


def load_message(ole: olefile.OleFileIO, base: list[str], *, header_size: int,
                 depth: int, names: dict[int, NamedKey] | None = None) -> MapiMessage:
    """The :class:`MapiMessage` in the storage ``base`` (``[]`` for the file's root).

    An embedded message's named properties use the map of the file's root.
    """
    if depth > MAX_DEPTH:
        raise MsgError("embedded messages nested too deeply")
    entries = ole.listdir(streams=True, storages=True)
    children = sorted({e[len(base)] for e in entries
                       if len(e) > len(base) and e[: len(base)] == base})
    props = read_props(ole, base, children, header_size)
    recipients = [read_props(ole, [*base, c], _children(entries, [*base, c]), 8)
                  for c in children if c.startswith(RECIP)]
    attachments = []
    for c in children:
        if not c.startswith(ATTACH):
            continue
        path = [*base, c]
        sub = _children(entries, path)
        aprops = read_props(ole, path, sub, 8)
        att = MapiAttachment(aprops)
        if EMBEDDED in sub and ole.get_type("/".join([*path, EMBEDDED])) == olefile.STGTY_STORAGE:
            att.embedded = load_message(ole, [*path, EMBEDDED], header_size=24, depth=depth + 1,
                                        names=names)
        else:
            value = aprops.get(mapi.PR_ATTACH_DATA)
            att.data = value if isinstance(value, bytes) else None
        attachments.append(att)
    return MapiMessage(props, recipients, attachments,
                       named=namedprops.resolve(props, names or {}))


def _children(entries: list[list[str]], base: list[str]) -> list[str]:
    return sorted({e[len(base)] for e in entries if len(e) > len(base) and e[: len(base)] == base})


def read_props(ole: olefile.OleFileIO, base: list[str], children: list[str],
               header_size: int) -> dict[int, Any]:
    """Fixed-size values from the property stream plus every ``__substg1.0_`` stream."""
    props: dict[int, Any] = {}
    stream = "/".join([*base, PROPS])
    if ole.exists(stream):
        raw = ole.openstream(stream).read()
        for pos in range(header_size, len(raw) - 15, 16):
            ptype, pid = struct.unpack_from("<HH", raw, pos)
            value = raw[pos + 8 : pos + 16]
            fixed = _fixed_value(ptype, value)
            if fixed is not None:
                props[pid] = fixed
    codepage = props.get(mapi.PR_MESSAGE_CODEPAGE) or props.get(mapi.PR_INTERNET_CPID)
    encoding = codepage_name(codepage) if isinstance(codepage, int) else "cp1252"
    for name in children:
        if not name.startswith(SUBSTG) or len(name) != len(SUBSTG) + 8:
            continue
        try:
            pid, ptype = int(name[-8:-4], 16), int(name[-4:], 16)
        except ValueError:
            continue
        path = "/".join([*base, name])
        if ole.get_type(path) != olefile.STGTY_STREAM:
            continue
        if ptype & PT_MV:
            values = _multi_values(ole, base, name, children)
            if ptype & ~PT_MV in (PT_UNICODE, PT_STRING8, PT_BINARY):
                props[pid] = [_variable(ptype & ~PT_MV, v, encoding) for v in values]
            continue
        value = _variable(ptype, ole.openstream(path).read(), encoding)
        if value is not None:
            props[pid] = value
    return props


def _variable(ptype: int, data: bytes, encoding: str) -> Any:
    if ptype == PT_UNICODE:
        return data.decode("utf-16-le", errors="replace").rstrip("\x00")
    if ptype == PT_STRING8:
        return data.rstrip(b"\x00").decode(encoding, errors="replace")
    if ptype == PT_BINARY:
        return data
    return None


def _multi_values(ole: olefile.OleFileIO, base: list[str], name: str,
                  children: list[str]) -> list[bytes]:
    """A multi-valued property of variable-size values: one stream per value, named
    ``<property stream>-<index as 8 hex digits>`` (MS-OXMSG 2.1.4.1.3)."""
    values = []
    for index in range(MAX_VALUES):
        value_name = f"{name}-{index:08X}"
        if value_name not in children:
            break
        values.append(ole.openstream("/".join([*base, value_name])).read())
    return values


def _fixed_value(ptype: int, value: bytes) -> Any:
    if ptype == PT_LONG:
        return struct.unpack_from("<i", value)[0]
    if ptype == PT_SHORT:
        return struct.unpack_from("<h", value)[0]
    if ptype == PT_BOOLEAN:
        return value[0] != 0
    if ptype == PT_I8:
        return struct.unpack_from("<q", value)[0]
    if ptype == PT_DOUBLE:
        return struct.unpack_from("<d", value)[0]
    if ptype == PT_SYSTIME:
        return filetime(struct.unpack_from("<Q", value)[0])
    return None


def filetime(ticks: int) -> dt.datetime | None:
    """A Windows FILETIME (100 ns since 1601) as an aware UTC datetime."""
    if ticks <= 0:
        return None
    try:
        return dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(
            microseconds=ticks // 10)
    except OverflowError:
        return None
