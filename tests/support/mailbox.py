"""Fixture writers for the mailbox readers: mbox variants, a compound-file (.msg) writer,
Apple ``.emlx`` files, and an object model shaped like ``pypff``'s.

The writers follow the formats' own rules (an mboxrd writer quotes every
``>*From `` line, an mboxo writer only ``From `` lines, mboxcl2 writes
Content-Length and quotes nothing; the compound file follows MS-CFB version 3
with a mini stream; the .msg layout follows MS-OXMSG), so the readers are
tested against files shaped like the ones clients write.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# --- mbox ----------------------------------------------------------------------------------

ENVELOPE = b"From sender@example.dk Mon Jan 13 10:00:00 2014"
TB_ENVELOPE = b"From - Mon Jan 13 10:00:00 2014"


def quote(message: bytes, variant: str) -> bytes:
    if variant == "mboxrd":
        return re.sub(rb"(?m)^(>*From )", rb">\1", message)
    if variant in ("mboxo", "mboxcl"):
        return re.sub(rb"(?m)^(From )", rb">\1", message)
    return message  # mboxcl2, thunderbird-unquoted


def write_mbox(messages: Sequence[bytes], variant: str = "mboxrd", *, crlf: bool = False,
               envelope: bytes = ENVELOPE) -> bytes:
    """An mbox holding ``messages`` as ``variant`` writes them (each must end with a newline)."""
    nl = b"\r\n" if crlf else b"\n"
    out = []
    for msg in messages:
        body = quote(msg, variant)
        if variant in ("mboxcl", "mboxcl2"):
            sep = b"\r\n\r\n" if crlf else b"\n\n"
            head, _s, rest = body.partition(sep)
            body = head + nl + b"Content-Length: " + str(len(rest)).encode() + sep + rest
        out.append(envelope + nl + body + nl)
    return b"".join(out)


def message(subject: str, body: str = "Hej.\n", *, crlf: bool = False,
            extra_headers: str = "") -> bytes:
    text = (f"From: Søren <soren@example.dk>\nTo: Åse <aase@example.dk>\n"
            f"Subject: {subject}\nDate: Mon, 13 Jan 2014 10:00:00 +0100\n"
            f"Message-ID: <{abs(hash(subject))}@example.dk>\n{extra_headers}"
            f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}")
    data = text.encode("utf-8")
    return data.replace(b"\n", b"\r\n") if crlf else data


# --- Apple Mail ----------------------------------------------------------------------------

PLIST = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST '
         b'1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n'
         b"<dict>\n\t<key>flags</key>\n\t<integer>8590195713</integer>\n</dict>\n</plist>\n")


def write_emlx(message_bytes: bytes) -> bytes:
    return f"{len(message_bytes)}        \n".encode() + message_bytes + PLIST


# --- compound file (MS-CFB v3) ------------------------------------------------------------

FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR, MINI, CUTOFF = 512, 64, 4096


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] = field(default_factory=list)
    sid: int = 0
    start: int = ENDOFCHAIN
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM


def write_cfb(tree: dict[str, Any]) -> bytes:
    """A compound file from ``{name: bytes (stream) | dict (storage)}``."""
    root = _Entry("Root Entry", 5, children=_entries(tree))
    order: list[_Entry] = []

    def number(entry: _Entry) -> None:
        entry.sid = len(order)
        order.append(entry)
        for c in entry.children:
            number(c)

    number(root)
    for entry in order:
        kids = sorted(entry.children, key=lambda e: (len(e.name), e.name.upper()))
        if kids:
            entry.child = kids[0].sid
            for a, b in itertools.pairwise(kids):
                a.right = b.sid
    # mini stream: small streams in 64-byte mini sectors
    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for entry in order:
        if entry.kind != 2:
            continue
        if len(entry.data) < CUTOFF:
            if not entry.data:
                entry.start = ENDOFCHAIN
                continue
            first = len(mini) // MINI
            count = -(-len(entry.data) // MINI)
            entry.start = first
            minifat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
            mini += entry.data + b"\x00" * (count * MINI - len(entry.data))
        else:
            big.append(entry)
    dir_bytes_count = -(-len(order) // 4)
    minifat_sectors = -(-len(minifat) * 4 // SECTOR) if minifat else 0
    mini_sectors = -(-len(mini) // SECTOR)
    big_sectors = [-(-len(e.data) // SECTOR) for e in big]
    payload = dir_bytes_count + minifat_sectors + mini_sectors + sum(big_sectors)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < payload + fat_sectors:
        fat_sectors += 1
    assert fat_sectors <= 109, "fixture too large for a header-only DIFAT"
    fat: list[int] = [FATSECT] * fat_sectors
    sectors: list[bytes] = []

    def chain(data: bytes, count: int) -> int:
        first = fat_sectors + len(sectors)
        for i in range(count):
            fat.append(first + i + 1 if i < count - 1 else ENDOFCHAIN)
            sectors.append(data[i * SECTOR : (i + 1) * SECTOR].ljust(SECTOR, b"\x00"))
        return first

    dir_start_placeholder = fat_sectors + len(sectors)
    dir_blob = bytearray(dir_bytes_count * SECTOR)
    chain(bytes(dir_blob), dir_bytes_count)  # filled in below
    minifat_start = chain(b"".join(struct.pack("<I", v) for v in minifat), minifat_sectors) \
        if minifat_sectors else ENDOFCHAIN
    root.start = chain(bytes(mini), mini_sectors) if mini_sectors else ENDOFCHAIN
    root.data = bytes(mini)
    for e, count in zip(big, big_sectors, strict=False):
        e.start = chain(e.data, count)
    for i, entry in enumerate(order):
        dir_blob[i * 128 : (i + 1) * 128] = _dir_entry(entry)
    for i in range(len(order), dir_bytes_count * 4):
        dir_blob[i * 128 : (i + 1) * 128] = _dir_entry(_Entry("", 0))
    for i in range(dir_bytes_count):
        sectors[i] = bytes(dir_blob[i * SECTOR : (i + 1) * SECTOR])
    fat += [FREESECT] * (fat_sectors * (SECTOR // 4) - len(fat))
    fat_blob = b"".join(struct.pack("<I", v) for v in fat)
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start_placeholder, 0, CUTOFF,
                            minifat_start, minifat_sectors, ENDOFCHAIN, 0)
              + b"".join(struct.pack("<I", v) for v in difat))
    assert len(header) == SECTOR
    return header + fat_blob + b"".join(sectors)


def _entries(tree: dict[str, Any]) -> list[_Entry]:
    out = []
    for name, value in tree.items():
        if isinstance(value, dict):
            out.append(_Entry(name, 1, children=_entries(value)))
        else:
            out.append(_Entry(name, 2, data=bytes(value)))
    return out


def _dir_entry(e: _Entry) -> bytes:
    name = e.name.encode("utf-16-le")
    assert len(name) <= 62
    size = len(e.data) if e.kind in (2, 5) else 0
    start = e.start if e.kind in (2, 5) else 0
    return (name.ljust(64, b"\x00") + struct.pack("<HBB", len(name) + 2 if e.name else 0,
                                                   e.kind, 1)
            + struct.pack("<III", e.left, e.right, e.child) + b"\x00" * 16 + b"\x00" * 4
            + b"\x00" * 16 + struct.pack("<IQ", start, size))


# --- Outlook .msg (MS-OXMSG) ---------------------------------------------------------------

PT_LONG, PT_DOUBLE, PT_BOOLEAN, PT_SYSTIME = 0x3, 0x5, 0xB, 0x40
PT_STRING8, PT_UNICODE, PT_BINARY = 0x1E, 0x1F, 0x102
PT_MV_UNICODE, PT_MV_BINARY = 0x101F, 0x1102
PS_MAPI = "00020328-0000-0000-C000-000000000046"
PS_PUBLIC_STRINGS = "00020329-0000-0000-C000-000000000046"


class NameMap:
    """A file's named-property map as Outlook writes it (MS-PST 2.4.7, MS-OXMSG 2.2.3):
    ``id(guid, key)`` hands out 0x8000, 0x8001 ... in first-use order, like a real file."""

    def __init__(self, *filler: tuple[str, int | str]):
        self.keys: list[tuple[str, int | str]] = []
        for guid, key in filler:  # names used before, so the ids differ from file to file
            self.id(guid, key)

    def id(self, guid: str, key: int | str) -> int:
        if (guid.upper(), key) not in self.keys:
            self.keys.append((guid.upper(), key))
        return 0x8000 + self.keys.index((guid.upper(), key))

    def streams(self) -> tuple[bytes, bytes, bytes]:
        """The GUID, entry and string streams."""
        guids: list[str] = []
        entries, strings = bytearray(), bytearray()
        for index, (guid, key) in enumerate(self.keys):
            if guid == PS_MAPI:
                number = 1
            elif guid == PS_PUBLIC_STRINGS:
                number = 2
            else:
                if guid not in guids:
                    guids.append(guid)
                number = 3 + guids.index(guid)
            if isinstance(key, str):
                raw = key.encode("utf-16-le")
                entries += struct.pack("<IHH", len(strings), number << 1 | 1, index)
                strings += struct.pack("<I", len(raw)) + raw
                strings += b"\x00" * (-len(strings) % 4)
            else:
                entries += struct.pack("<IHH", key, number << 1, index)
        return (b"".join(uuid.UUID(g).bytes_le for g in guids), bytes(entries), bytes(strings))


@dataclass
class Att:
    props: dict[int, Any]
    data: bytes | None = None
    embedded: Msg | None = None


@dataclass
class Msg:
    props: dict[int, Any]
    recipients: list[dict[int, Any]] = field(default_factory=list)
    attachments: list[Att] = field(default_factory=list)
    names: NameMap | None = None  # the named properties' map (ids in props come from it)


def filetime_of(when: dt.datetime) -> int:
    return int((when - dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)).total_seconds()
               * 10_000_000)


def _typed(value: Any) -> tuple[int, Any]:
    if isinstance(value, tuple):
        return value
    if isinstance(value, bool):
        return PT_BOOLEAN, value
    if isinstance(value, int):
        return PT_LONG, value
    if isinstance(value, float):
        return PT_DOUBLE, value
    if isinstance(value, list):
        return (PT_MV_BINARY if value and isinstance(value[0], bytes) else PT_MV_UNICODE), value
    if isinstance(value, str):
        return PT_UNICODE, value
    if isinstance(value, bytes):
        return PT_BINARY, value
    if isinstance(value, dt.datetime):
        return PT_SYSTIME, value
    raise TypeError(value)


def _prop_storage(props: dict[int, Any], header: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    entries = []
    for pid, value in props.items():
        ptype, v = _typed(value)
        tag = struct.pack("<HH", ptype, pid)
        if ptype in (PT_UNICODE, PT_STRING8, PT_BINARY):
            data = (v.encode("utf-16-le") if ptype == PT_UNICODE
                    else v.encode("cp1252") if isinstance(v, str) else v)
            out[f"__substg1.0_{pid:04X}{ptype:04X}"] = data
            extra = 2 if ptype == PT_UNICODE else (1 if ptype == PT_STRING8 else 0)
            entries.append(tag + struct.pack("<IIi", 6, len(data) + extra, 0))
        elif ptype in (PT_MV_UNICODE, PT_MV_BINARY):
            # a length stream, and one stream per value named <stream>-<index> (2.1.4.1.3)
            values = [x.encode("utf-16-le") + b"\x00\x00" if ptype == PT_MV_UNICODE else x
                      for x in v]
            stream = f"__substg1.0_{pid:04X}{ptype:04X}"
            lengths = b"".join(struct.pack("<II", len(x), 0) if ptype == PT_MV_BINARY
                               else struct.pack("<I", len(x)) for x in values)
            out[stream] = lengths
            for i, x in enumerate(values):
                out[f"{stream}-{i:08X}"] = x
            entries.append(tag + struct.pack("<IIi", 6, len(lengths), 0))
        elif ptype == PT_SYSTIME:
            entries.append(tag + struct.pack("<IQ", 6, filetime_of(v)))
        elif ptype == PT_DOUBLE:
            entries.append(tag + struct.pack("<Id", 6, v))
        else:
            entries.append(tag + struct.pack("<IiI", 6, int(v), 0))
    out["__properties_version1.0"] = header + b"".join(entries)
    return out


def msg_tree(msg: Msg, *, embedded: bool = False) -> dict[str, Any]:
    counts = struct.pack("<IIII", len(msg.recipients), len(msg.attachments),
                         len(msg.recipients), len(msg.attachments))
    header = b"\x00" * 8 + counts + (b"" if embedded else b"\x00" * 8)
    tree = _prop_storage(msg.props, header)
    if not embedded:
        guids, entries, strings = msg.names.streams() if msg.names else (b"", b"", b"")
        tree["__nameid_version1.0"] = {"__substg1.0_00020102": guids,
                                       "__substg1.0_00030102": entries,
                                       "__substg1.0_00040102": strings}
    for i, r in enumerate(msg.recipients):
        tree[f"__recip_version1.0_#{i:08X}"] = _prop_storage(r, b"\x00" * 8)
    for i, a in enumerate(msg.attachments):
        props = dict(a.props)
        props.setdefault(0x3705, 5 if a.embedded else 1)
        if a.data is not None:
            props[0x3701] = a.data
        storage = _prop_storage(props, b"\x00" * 8)
        if a.embedded is not None:
            storage["__substg1.0_3701000D"] = msg_tree(a.embedded, embedded=True)
        tree[f"__attach_version1.0_#{i:08X}"] = storage
    return tree


def write_msg(msg: Msg) -> bytes:
    return write_cfb(msg_tree(msg))


def lzfu_literal(rtf: bytes) -> bytes:
    """``PR_RTF_COMPRESSED`` in real LZFu framing, every byte a literal (no back references)."""
    prebuf_len = 207
    out = bytearray()
    pos = 0
    write = prebuf_len + len(rtf)
    while pos < len(rtf):
        block = rtf[pos : pos + 8]
        pos += len(block)
        if len(block) < 8:
            # end marker: a reference to the current write position, in the same run
            out += bytes([1 << len(block)]) + block + struct.pack(">H", (write & 0xFFF) << 4)
            break
        out += b"\x00" + block
    else:
        out += b"\x01" + struct.pack(">H", (write & 0xFFF) << 4)
    body = bytes(out)
    return struct.pack("<IIII", len(body) + 12, len(rtf), 0x75465A4C, 0) + body


# --- an object model shaped like pypff's -------------------------------------------------


@dataclass
class FakeEntry:
    entry_type: int
    value_type: int
    data: bytes

    def get_entry_type(self) -> int:
        return self.entry_type

    def get_value_type(self) -> int:
        return self.value_type

    def get_data(self) -> bytes:
        return self.data


@dataclass
class FakeRecordSet:
    entries: list[FakeEntry]

    def get_number_of_entries(self) -> int:
        return len(self.entries)

    def get_entry(self, i: int) -> FakeEntry:
        return self.entries[i]


def record_set(props: dict[int, Any]) -> FakeRecordSet:
    """Encode properties the way libpff hands them over (raw little-endian bytes)."""
    entries = []
    for pid, value in props.items():
        ptype, v = _typed(value)
        if ptype == PT_UNICODE:
            data = v.encode("utf-16-le")
        elif ptype == PT_STRING8:
            data = v.encode("cp1252")
        elif ptype == PT_BINARY:
            data = v
        elif ptype == PT_SYSTIME:
            data = struct.pack("<Q", filetime_of(v))
        elif ptype == PT_BOOLEAN:
            data = bytes([1 if v else 0])
        elif ptype == PT_DOUBLE:
            data = struct.pack("<d", v)
        elif ptype in (PT_MV_UNICODE, PT_MV_BINARY):
            # MS-PST 2.3.3.4.2: a count, an offset per value, the values
            values = [x.encode("utf-16-le") if ptype == PT_MV_UNICODE else x for x in v]
            offsets, pos = [], 4 + 4 * len(values)
            for x in values:
                offsets.append(pos)
                pos += len(x)
            data = struct.pack(f"<I{len(values)}I", len(values), *offsets) + b"".join(values)
        else:
            data = struct.pack("<i", v)
        entries.append(FakeEntry(pid, ptype, data))
    return FakeRecordSet(entries)


class _WithRecords:
    record_sets: list[FakeRecordSet]

    def get_number_of_record_sets(self) -> int:
        return len(self.record_sets)

    def get_record_set(self, i: int) -> FakeRecordSet:
        return self.record_sets[i]


class FakeAttachment(_WithRecords):
    def __init__(self, props: dict[int, Any], data: bytes = b"",
                 embedded: FakeMessage | None = None):
        self.record_sets = [record_set(props)]
        self.data = data
        self.embedded = embedded
        self.pos = 0

    def get_number_of_sub_items(self) -> int:
        return 1 if self.embedded else 0

    def get_sub_item(self, i: int) -> FakeMessage:
        assert self.embedded is not None and i == 0
        return self.embedded

    def get_size(self) -> int:
        return len(self.data)

    def seek_offset(self, pos: int, whence: int = 0) -> None:
        self.pos = pos

    def read_buffer(self, size: int) -> bytes:
        chunk = self.data[self.pos : self.pos + size]
        self.pos += len(chunk)
        return chunk

    def get_long_filename(self) -> str | None:
        return None


class FakeRecipients(_WithRecords):
    def __init__(self, people: list[dict[int, Any]]):
        self.record_sets = [record_set(p) for p in people]


class FakeMessage(_WithRecords):
    def __init__(self, props: dict[int, Any], *, transport: str | None = None,
                 recipients: list[dict[int, Any]] | None = None,
                 attachments: list[FakeAttachment] | None = None, broken: bool = False):
        self.record_sets = [record_set(props)]
        self.transport = transport
        self.recipients = FakeRecipients(recipients) if recipients else None
        self.attachments = attachments or []
        self.broken = broken

    def get_transport_headers(self) -> str | None:
        return self.transport

    def get_number_of_attachments(self) -> int:
        if self.broken:
            raise OSError("pypff_message_get_number_of_attachments: unable to retrieve")
        return len(self.attachments)

    def get_attachment(self, i: int) -> FakeAttachment:
        return self.attachments[i]


class FakeFolder:
    def __init__(self, name: str, messages: list[FakeMessage] | None = None,
                 folders: list[FakeFolder] | None = None):
        self.name = name
        self.messages = messages or []
        self.folders = folders or []

    def get_name(self) -> str:
        return self.name

    def get_number_of_sub_messages(self) -> int:
        return len(self.messages)

    def get_sub_message(self, i: int) -> FakeMessage:
        return self.messages[i]

    def get_number_of_sub_folders(self) -> int:
        return len(self.folders)

    def get_sub_folder(self, i: int) -> FakeFolder:
        return self.folders[i]


class FakeItem(_WithRecords):
    """What pypff hands over for an item type it does not know (``pypff.item``): record
    sets and nothing else: no attachments, recipients or transport headers."""

    def __init__(self, props: dict[int, Any]):
        self.record_sets = [record_set(props)]

    def get_identifier(self) -> int:
        return 0x200024


class FakePst:
    def __init__(self, root: FakeFolder, names: NameMap | None = None):
        self.root = root
        self.names = names
        self.closed = False

    def get_root_folder(self) -> FakeFolder:
        return self.root

    def get_name_to_id_map(self) -> _WithRecords | None:
        if self.names is None:
            return None
        holder = _WithRecords()
        guids, entries, strings = self.names.streams()
        holder.record_sets = [record_set({0x0002: guids, 0x0003: entries, 0x0004: strings})]
        return holder

    def close(self) -> None:
        self.closed = True
