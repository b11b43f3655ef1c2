"""Just enough DER/BER reading to recognise key files and check decrypted bytes.

asn1crypto parses lazily and accepts a lot; before trusting bytes that came
out of a password-based decryption (where a wrong password yields noise with a
1-in-256 chance of valid padding) we want a cheap, complete check that the
bytes are one well-formed TLV tree.  The same header reader lets the file-type
detection peek at the first fields without parsing the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_DEPTH = 64


class DerError(ValueError):
    """The bytes are not a well-formed DER/BER element."""


@dataclass(frozen=True)
class Header:
    tag: int  # the identifier octet (low-tag-number form; high tags give 0x1f | class)
    constructed: bool
    header_length: int
    length: int | None  # None: indefinite length (BER)

    @property
    def universal_number(self) -> int | None:
        return self.tag & 0x1F if self.tag & 0xC0 == 0 else None


def read_header(data: bytes, pos: int = 0) -> Header:
    """The identifier and length octets of the element starting at ``pos``."""
    start = pos
    if pos >= len(data):
        raise DerError("no data")
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:  # high tag number: skip its base-128 octets
        while True:
            if pos >= len(data):
                raise DerError("truncated tag")
            more = data[pos] & 0x80
            pos += 1
            if not more:
                break
    if pos >= len(data):
        raise DerError("truncated length")
    first = data[pos]
    pos += 1
    length: int | None
    if first < 0x80:
        length = first
    elif first == 0x80:
        if not tag & 0x20:
            raise DerError("indefinite length on a primitive element")
        length = None
    else:
        count = first & 0x7F
        if count > 8 or pos + count > len(data):
            raise DerError("bad length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    return Header(tag, bool(tag & 0x20), pos - start, length)


def element_end(data: bytes, pos: int = 0, depth: int = 0) -> int:
    """Offset just past the element at ``pos``, checking every nested element on the way.

    Constructed elements are walked completely (definite and indefinite
    lengths); primitive contents are not interpreted.  Raises :class:`DerError`.
    """
    if depth > MAX_DEPTH:
        raise DerError("nested too deeply")
    head = read_header(data, pos)
    pos += head.header_length
    if head.length is None:
        while True:
            if data[pos : pos + 2] == b"\x00\x00":
                return pos + 2
            pos = element_end(data, pos, depth + 1)
    end = pos + head.length
    if end > len(data):
        raise DerError("truncated element")
    if head.constructed:
        while pos < end:
            pos = element_end(data, pos, depth + 1)
        if pos != end:
            raise DerError("children overrun their parent")
    return end


def is_well_formed(data: bytes, *, outer_tag: int = 0x30) -> bool:
    """True when ``data`` is exactly one well-formed element with identifier ``outer_tag``."""
    try:
        return bool(data) and data[0] == outer_tag and element_end(data) == len(data)
    except (DerError, IndexError):
        return False


def children(data: bytes, pos: int = 0, limit: int = 8) -> list[tuple[Header, int]]:
    """The first ``limit`` direct children of the constructed element at ``pos``.

    Returns ``(header, offset)`` pairs.  Raises :class:`DerError`.
    """
    head = read_header(data, pos)
    if not head.constructed:
        raise DerError("not constructed")
    pos += head.header_length
    end = len(data) if head.length is None else pos + head.length
    found: list[tuple[Header, int]] = []
    while pos < min(end, len(data)) and len(found) < limit:
        if head.length is None and data[pos : pos + 2] == b"\x00\x00":
            break
        child = read_header(data, pos)
        found.append((child, pos))
        pos = element_end(data, pos)
    return found


def primitive_value(data: bytes, pos: int) -> bytes:
    """The contents octets of the primitive, definite-length element at ``pos``."""
    head = read_header(data, pos)
    if head.length is None or head.constructed:
        raise DerError("not a primitive element")
    start = pos + head.header_length
    if start + head.length > len(data):
        raise DerError("truncated element")
    return data[start : start + head.length]
