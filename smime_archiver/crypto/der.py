"""Just enough DER/BER reading to recognise key files, measure structures and check bytes.

asn1crypto parses lazily and accepts a lot; before trusting bytes that came
out of a password-based decryption (where a wrong password yields noise with a
1-in-256 chance of valid padding) we want a cheap, complete check that the
bytes are one well-formed TLV tree.  The same header reader lets the file-type
detection peek at the first fields without parsing the whole file.

Lengths and identities are taken from the bytes as they were read, never from
a re-encoding: asn1crypto's ``dump()`` re-encodes every value that has an
indefinite length (BER, as Outlook, NSS and gpgsm write CMS) as DER, which
changes its length, and it cannot write back a T61String holding Latin-1 bytes
(as old European CAs put them in their names), so a re-encoding fails or
miscounts on exactly the old mail this program is for.  :func:`element_span`
measures an element, :func:`as_parsed` gives back the bytes an asn1crypto value
was parsed from, and :func:`to_der` turns BER into DER byte by byte, without
decoding any string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asn1crypto import core

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
            if pos + 2 > len(data):
                raise DerError("truncated element: no end-of-contents octets")
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


def element_span(data: bytes, pos: int = 0, depth: int = 0) -> int:
    """Offset just past the element at ``pos``, reading no more than its lengths need.

    A definite length is taken as it stands; only indefinite-length elements are
    walked (child by child, to their end-of-contents octets).  Unlike
    :func:`element_end` this does not judge the inside of definite-length
    elements, so it is cheap on a large message.  Raises :class:`DerError`.
    """
    if depth > MAX_DEPTH:
        raise DerError("nested too deeply")
    head = read_header(data, pos)
    pos += head.header_length
    if head.length is not None:
        end = pos + head.length
        if end > len(data):
            raise DerError("truncated element")
        return end
    while True:
        if pos + 2 > len(data):
            raise DerError("truncated element: no end-of-contents octets")
        if data[pos] == 0 and data[pos + 1] == 0:
            return pos + 2
        pos = element_span(data, pos, depth + 1)


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


# --- what asn1crypto parsed, and DER without re-encoding values ---------------------------


def as_parsed(value: Any) -> bytes:
    """The bytes an asn1crypto value was parsed from (identifier, length, contents, trailer).

    Use this, never ``value.dump()``, to learn the length of a parsed value or
    to compare two: ``dump()`` re-encodes indefinite-length values as DER and
    fails on strings it cannot write back.  A value built in code (not parsed)
    has no such bytes and is encoded.
    """
    header = value._header  # asn1crypto keeps the header and trailer it read
    if header is None:
        return bytes(value.dump())
    if isinstance(value, core.Choice):
        # a Choice holds its alternative's whole encoding; its own header is an explicit tag
        inner = value._contents if value._contents is not None else as_parsed(value.chosen)
        return bytes(header) + bytes(inner) + bytes(value._trailer or b"")
    contents = value.contents if value.contents is not None else b""
    return bytes(header) + bytes(contents) + bytes(value._trailer or b"")


def without_explicit_tags(value: Any) -> bytes:
    """The bytes of a parsed value inside its explicit tags (``[0] EXPLICIT``), as read."""
    encoded = as_parsed(value)
    for _level in value.explicit or ():
        head = read_header(encoded)
        if head.length is None:
            encoded = encoded[head.header_length : -2]  # as_parsed ends with the trailer
        else:
            encoded = encoded[head.header_length : head.header_length + head.length]
    return encoded


def octets(value: Any) -> bytes:
    """The value of a parsed OCTET STRING, its BER chunks joined in one pass.

    asn1crypto joins chunks by repeated concatenation, which takes time in the
    square of the size (ten seconds for a 27 MB Outlook or NSS message); this reads
    the chunks from the bytes as read.  Tags (implicit or explicit) are the
    caller's business; chunks must be OCTET STRINGs.  Raises :class:`DerError`.
    """
    if value.contents is None:
        return b""
    if not value.method:  # primitive: the contents are the value
        return bytes(value.contents)
    encoded = without_explicit_tags(value)
    parts: list[bytes] = []
    end = _chunks(encoded, 0, parts, 0, outer=True)
    if end != len(encoded):
        raise DerError("bytes after the chunks")
    return b"".join(parts)


def _chunks(data: bytes, pos: int, parts: list[bytes], depth: int, *, outer: bool) -> int:
    if depth > MAX_DEPTH:
        raise DerError("nested too deeply")
    head = read_header(data, pos)
    if not outer and head.tag not in (0x04, 0x24):
        raise DerError("a chunk of an OCTET STRING is not an OCTET STRING")
    pos += head.header_length
    if not head.constructed:
        assert head.length is not None
        end = pos + head.length
        if end > len(data):
            raise DerError("truncated element")
        parts.append(data[pos:end])
        return end
    if head.length is None:
        while True:
            if pos + 2 > len(data):
                raise DerError("truncated element: no end-of-contents octets")
            if data[pos] == 0 and data[pos + 1] == 0:
                return pos + 2
            pos = _chunks(data, pos, parts, depth + 1, outer=False)
    end = pos + head.length
    if end > len(data):
        raise DerError("truncated element")
    while pos < end:
        pos = _chunks(data, pos, parts, depth + 1, outer=False)
    if pos != end:
        raise DerError("children overrun their parent")
    return end


# Universal string types whose constructed (chunked) BER form DER writes as one primitive.
_STRING_TAGS = frozenset({0x04, 0x0C, 0x12, 0x13, 0x14, 0x15, 0x16, 0x19, 0x1A, 0x1B, 0x1C,
                          0x1E})
_BIT_STRING = 0x03


def to_der(data: bytes) -> bytes:
    """``data`` (one BER element) with DER lengths and joined string chunks.

    Indefinite and non-minimal lengths become minimal definite ones; constructed
    OCTET STRING, BIT STRING and character strings become primitive.  Values are
    copied as bytes, never decoded, so any string survives.  (DER's sorting of
    ``SET OF`` is not done: it is not needed to read a certificate or key.)
    Raises :class:`DerError`.
    """
    out, end = _to_der(data, 0, 0)
    if end != len(data):
        raise DerError("bytes after the element")
    return out


def _to_der(data: bytes, pos: int, depth: int) -> tuple[bytes, int]:
    if depth > MAX_DEPTH:
        raise DerError("nested too deeply")
    head = read_header(data, pos)
    ident = data[pos : pos + _identifier_length(data, pos)]
    pos += head.header_length
    if not head.constructed:
        assert head.length is not None  # read_header refuses indefinite primitives
        end = pos + head.length
        if end > len(data):
            raise DerError("truncated element")
        return ident + _der_length(head.length) + data[pos:end], end
    parts: list[bytes] = []
    if head.length is None:
        while True:
            if pos + 2 > len(data):
                raise DerError("truncated element: no end-of-contents octets")
            if data[pos] == 0 and data[pos + 1] == 0:
                pos += 2
                break
            part, pos = _to_der(data, pos, depth + 1)
            parts.append(part)
    else:
        end = pos + head.length
        if end > len(data):
            raise DerError("truncated element")
        while pos < end:
            part, pos = _to_der(data, pos, depth + 1)
            parts.append(part)
        if pos != end:
            raise DerError("children overrun their parent")
    number = head.universal_number
    if number in _STRING_TAGS or number == _BIT_STRING:
        value = _joined_string(parts, number == _BIT_STRING)
        primitive = bytes([ident[0] & ~0x20]) + ident[1:]
        return primitive + _der_length(len(value)) + value, pos
    contents = b"".join(parts)
    constructed = bytes([ident[0] | 0x20]) + ident[1:]
    return constructed + _der_length(len(contents)) + contents, pos


def _identifier_length(data: bytes, pos: int) -> int:
    """How many octets the identifier at ``pos`` takes (high tag numbers take several)."""
    length = 1
    if data[pos] & 0x1F == 0x1F:
        while data[pos + length] & 0x80:
            length += 1
        length += 1
    return length


def _joined_string(parts: list[bytes], bit_string: bool) -> bytes:
    """The value octets of a constructed string's chunks (each already DER, primitive)."""
    values = [primitive_value(part, 0) for part in parts]
    if not bit_string:
        return b"".join(values)
    if not values:
        return b"\x00"
    if any(not v for v in values) or any(v[0] for v in values[:-1]):
        raise DerError("bad BIT STRING chunks")
    return values[-1][:1] + b"".join(v[1:] for v in values)


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets
