"""Outlook's named properties: what the ids 0x8000 and up mean in one file.

Calendar, contact and task data (an appointment's start, a contact's e-mail address)
live in *named* properties: a property set GUID with a number (or a string name).  Each
file numbers them itself, from 0x8000 in the order they were first used, so 0x8004 is
an appointment's start in one .pst and something else in the next.  The file's name
map says which is which; .pst/.ost files (MS-PST 2.4.7, the node 0x61) and .msg files
(MS-OXMSG 2.2.3, the ``__nameid_version1.0`` storage) store it the same way: a GUID
stream, an entry stream of 8-byte records and a string stream.
"""

from __future__ import annotations

import struct
import uuid
from typing import Any

# Property sets (MS-OXPROPS 1.3.2)
PSETID_APPOINTMENT = "00062002-0000-0000-C000-000000000046"
PSETID_TASK = "00062003-0000-0000-C000-000000000046"
PSETID_ADDRESS = "00062004-0000-0000-C000-000000000046"
PSETID_COMMON = "00062008-0000-0000-C000-000000000046"
PSETID_LOG = "0006200A-0000-0000-C000-000000000046"
PSETID_MEETING = "6ED8DA90-450B-101B-98DA-00AA003F1305"
PS_MAPI = "00020328-0000-0000-C000-000000000046"
PS_PUBLIC_STRINGS = "00020329-0000-0000-C000-000000000046"

# Where a GUID index of 1 or 2 points (MS-PST 2.4.7.1), instead of into the GUID stream.
_BUILT_IN = {1: PS_MAPI, 2: PS_PUBLIC_STRINGS}

NamedKey = tuple[str, int | str]  # (property set GUID, upper case; number or name)


def parse_name_map(guids: bytes, entries: bytes, strings: bytes) -> dict[int, NamedKey]:
    """``{property id (0x8000 + n): (property set, number or name)}`` from the three streams.

    Records that point outside their streams are left out (a damaged map costs only the
    properties it names, never the message).
    """
    names: dict[int, NamedKey] = {}
    for offset in range(0, len(entries) - 7, 8):
        key, kind_and_guid, index = struct.unpack_from("<IHH", entries, offset)
        guid = _guid(guids, kind_and_guid >> 1)
        if guid is None:
            continue
        if kind_and_guid & 1:  # a string name: key is its offset in the string stream
            if key + 4 > len(strings):
                continue
            (length,) = struct.unpack_from("<I", strings, key)
            raw = strings[key + 4 : key + 4 + length]
            if len(raw) != length:
                continue
            names[0x8000 + index] = (guid, raw.decode("utf-16-le", errors="replace"))
        else:
            names[0x8000 + index] = (guid, key)
    return names


def _guid(guids: bytes, index: int) -> str | None:
    if index in _BUILT_IN:
        return _BUILT_IN[index]
    start = (index - 3) * 16
    if index < 3 or start + 16 > len(guids):
        return None
    return str(uuid.UUID(bytes_le=guids[start : start + 16])).upper()


def resolve(props: dict[int, Any], names: dict[int, NamedKey]) -> dict[NamedKey, Any]:
    """The named properties among ``props``, by what they are rather than by their id."""
    return {names[pid]: value for pid, value in props.items()
            if pid >= 0x8000 and pid in names}
