"""Structure-aware mutations of real fixtures: the damage years-old mailboxes really hold.

One engine for the bounded pass in the test suite (driven by hypothesis, which picks the
seed and the random stream and shrinks what fails) and for ``scripts/fuzz.py`` (longer
runs by hand, plain random or atheris).  Every operator returns new bytes and never
raises.  Besides blind byte damage (truncation, bit flips, inserted or deleted spans) it
knows the two layers S/MIME is made of:

- **DER/BER**: the TLV headers of a CMS or PKCS#12 structure are found by walking it, and
  one is given a lying length (one off, zero, indefinite, 4 GiB, more length bytes than
  exist), a wrong tag (SET for SEQUENCE, constructed for primitive, a high tag number),
  or its contents are cut, doubled or wrapped again;
- **MIME text**: header lines doubled, folded, made huge or dropped; boundaries mangled
  or removed; the blank line after the headers removed; line ends switched; base64
  bodies decoded, their DER mutated with the operators above and encoded again, so that
  damage reaches the CMS parser behind a valid transfer encoding.
"""

from __future__ import annotations

import base64
import binascii
import random
import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_OUTPUT = 4 * 1024 * 1024  # a mutant never grows beyond this (keeps each run quick)

INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0x81, 0xFF, 0x30, 0x31, 0x04, 0x24, 0x02, 0x06,
                     0xA0, 0xA1, 0x05, 0x0A, 0x0D, 0x3D, 0x2D, 0x3A, 0x20)
LYING_LENGTHS = (
    b"\x00",  # empty
    b"\x80",  # indefinite
    b"\x84\xff\xff\xff\xff",  # 4 GiB
    b"\x88\x7f\xff\xff\xff\xff\xff\xff\xff",  # 2^63
    b"\x89\x01\x00\x00\x00\x00\x00\x00\x00\x00",  # nine length octets
    b"\xff",  # reserved
    b"\x81",  # promises a length octet that is the next content byte
)
WRONG_TAGS = (0x30, 0x31, 0x04, 0x24, 0x02, 0x03, 0x05, 0x06, 0x0C, 0x13, 0x17, 0x18, 0xA0,
              0xA1, 0xA2, 0xA3, 0x80, 0x81, 0x1F, 0x00, 0xFF)


@dataclass(frozen=True)
class Tlv:
    offset: int
    header_length: int
    length: int | None  # None: indefinite
    tag: int


# --- DER walking ---------------------------------------------------------------------------


def _header(data: bytes, pos: int) -> Tlv | None:
    start = pos
    if pos + 2 > len(data):
        return None
    tag = data[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        while pos < len(data) and data[pos] & 0x80:
            pos += 1
        pos += 1
    if pos >= len(data):
        return None
    first = data[pos]
    pos += 1
    if first < 0x80:
        return Tlv(start, pos - start, first, tag)
    if first == 0x80:
        return Tlv(start, pos - start, None, tag)
    count = first & 0x7F
    if count > 4 or pos + count > len(data):
        return None
    length = int.from_bytes(data[pos:pos + count], "big")
    return Tlv(start, pos + count - start, length, tag)


def der_elements(data: bytes, limit: int = 4000) -> list[Tlv]:
    """TLV headers of ``data`` read as DER/BER from offset 0, depth first; tolerant."""
    found: list[Tlv] = []
    stack = [(0, len(data))]
    while stack and len(found) < limit:
        pos, end = stack.pop()
        while pos < end and len(found) < limit:
            if data[pos:pos + 2] == b"\x00\x00":
                pos += 2
                continue
            tlv = _header(data, pos)
            if tlv is None:
                break
            found.append(tlv)
            body = pos + tlv.header_length
            if tlv.length is None:
                stack.append((body, end))  # indefinite: its children run on to the 00 00
                break
            stop = min(end, body + tlv.length)
            if tlv.tag & 0x20 or (tlv.tag == 0x04 and data[body:body + 1] == b"\x30"):
                stack.append((body, stop))
            pos = body + tlv.length
    return found


def looks_like_der(data: bytes) -> bool:
    return len(data) > 8 and data[0] == 0x30 and len(der_elements(data, 8)) >= 3


# --- operators -----------------------------------------------------------------------------


def truncate(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    return data[: rng.randrange(len(data))]


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    buf = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 8))):
        i = rng.randrange(len(buf))
        buf[i] ^= 1 << rng.randrange(8)
    return bytes(buf)


def set_bytes(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return bytes([rng.choice(INTERESTING_BYTES)])
    buf = bytearray(data)
    for _ in range(rng.choice((1, 2, 3))):
        buf[rng.randrange(len(buf))] = rng.choice(INTERESTING_BYTES)
    return bytes(buf)


def delete_span(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, min(256, len(data) - start)):]


def duplicate_span(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    piece = data[start:start + rng.randint(1, 512)]
    at = rng.randrange(len(data) + 1)
    return data[:at] + piece * rng.choice((1, 2, 16)) + data[at:]


def insert_random(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 64)) + data[at:]


def lie_about_length(data: bytes, rng: random.Random) -> bytes:
    """One TLV gets a length that does not fit its contents."""
    elements = der_elements(data)
    if not elements:
        return truncate(data, rng)
    tlv = rng.choice(elements)
    tag_end = tlv.offset + 1
    while tag_end < len(data) and data[tag_end - 1] & 0x1F == 0x1F and tag_end == tlv.offset + 1:
        tag_end += 1
        while tag_end < len(data) and data[tag_end - 1] & 0x80:
            tag_end += 1
    choice = rng.randrange(4)
    if choice == 0 and tlv.length is not None:
        delta = rng.choice((-2, -1, 1, 2, 127, 128, 65536))
        new = max(0, tlv.length + delta)
        length = _der_length(new)
    else:
        length = rng.choice(LYING_LENGTHS)
    return data[:tag_end] + length + data[tlv.offset + tlv.header_length:]


def wrong_tag(data: bytes, rng: random.Random) -> bytes:
    elements = der_elements(data)
    if not elements:
        return set_bytes(data, rng)
    tlv = rng.choice(elements)
    buf = bytearray(data)
    buf[tlv.offset] = rng.choice(WRONG_TAGS)
    return bytes(buf)


def huge_length(data: bytes, rng: random.Random) -> bytes:
    """A huge declared length on an element near the end (parsers must not allocate it)."""
    elements = der_elements(data)
    if not elements:
        return data + b"\x30\x84\x7f\xff\xff\xff"
    tlv = rng.choice(elements[-8:] + elements[:2])
    size = rng.choice((0x7FFFFFFF, 0xFFFFFFFF, 1 << 40))
    count = (size.bit_length() + 7) // 8
    length = bytes([0x80 | count]) + size.to_bytes(count, "big")
    tag_end = tlv.offset + tlv.header_length - len(_der_length(tlv.length or 0))
    if tlv.length is None:
        tag_end = tlv.offset + tlv.header_length - 1
    return data[:tag_end] + length + data[tlv.offset + tlv.header_length:]


def cut_element(data: bytes, rng: random.Random) -> bytes:
    """Drop or double one element's contents while its header stays (or the reverse)."""
    elements = [e for e in der_elements(data) if e.length is not None]
    if not elements:
        return delete_span(data, rng)
    tlv = rng.choice(elements)
    body = tlv.offset + tlv.header_length
    end = body + (tlv.length or 0)
    if rng.random() < 0.5:
        return data[:body] + data[end:]
    return data[:end] + data[body:end] + data[end:]


def rewrap(data: bytes, rng: random.Random) -> bytes:
    """Wrap the whole structure (or one element) in extra layers: depth attacks."""
    depth = rng.choice((2, 50, 200, 2000))
    tag = rng.choice((b"\x30", b"\xa0", b"\x24"))
    inner = data
    for _ in range(depth):
        inner = tag + b"\x80" + inner + b"\x00\x00"
        if len(inner) > MAX_OUTPUT:
            break
    return inner


DER_OPERATORS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    lie_about_length, lie_about_length, wrong_tag, wrong_tag, huge_length, cut_element,
    truncate, flip_bits, set_bytes, rewrap,
)
BYTE_OPERATORS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    truncate, flip_bits, set_bytes, delete_span, duplicate_span, insert_random,
)


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


# --- MIME text -----------------------------------------------------------------------------

_HEADER_LINE = re.compile(rb"(?m)^[!-9;-~]+:[^\n]*\n")
_BOUNDARY = re.compile(rb'boundary="?([^";\r\n]+)"?', re.I)
_BASE64_BLOCK = re.compile(rb"(?:[A-Za-z0-9+/]{40,}={0,2}\r?\n)+(?:[A-Za-z0-9+/=]+\r?\n?)?")
NASTY_HEADERS = (
    b"Content-Type: multipart/mixed\n",  # no boundary
    b"Content-Type: multipart/mixed; boundary=\"\"\n",
    b"Content-Type: application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z\n",
    b"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n",
    b"Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=x\n",
    b"Content-Type: message/rfc822\n",
    b"Content-Type: text/plain; charset=\"x-unknown-\xff\"\n",
    b"Content-Type: text/html; charset=utf-7\n",
    b"Content-Transfer-Encoding: base64\n",
    b"Content-Transfer-Encoding: quoted-printable\n",
    b"Content-Transfer-Encoding: x-uuencode\n",
    b"Content-Transfer-Encoding: \xc3\xa6\xc3\xb8\xc3\xa5\n",
    b"Content-Disposition: attachment; filename=\"../../../etc/passwd\"\n",
    b"Content-Disposition: attachment; filename*=utf-8''%2e%2e%2f%00CON.txt\n",
    b"Content-Disposition: attachment; filename*0*=utf-8''a; filename*1=b; filename*5=c\n",
    b"Subject: =?utf-8?b?" + b"w6bDuMOl" * 20 + b"?=\n",
    b"Subject: =?x-unknown?q?=FF=FE?= =?utf-8?q?=E6?=\n",
    b"From: \"a\" <@@>, <>, ;;;, =?utf-8?q?=22?= <x@y>\n",
    b"Date: Mon, 99 Foo 99999 99:99:99 +9999\n",
    b"Date: \n",
    b"Message-ID: <" + b"x" * 2000 + b">\n",
)


def mime_mutation(data: bytes, rng: random.Random) -> bytes:
    """One change at the MIME level (see the module docstring)."""
    choice = rng.randrange(11)
    lines = _HEADER_LINE.findall(data[:65536])
    if choice == 0 and lines:  # drop a header line
        line = rng.choice(lines)
        return data.replace(line, b"", 1)
    if choice == 1 and lines:  # repeat a header line many times, or make it huge
        line = rng.choice(lines)
        if rng.random() < 0.5:
            return data.replace(line, line * rng.choice((2, 50, 1000)), 1)
        name, _c, value = line.partition(b":")
        return data.replace(line, name + b":" + value.rstrip(b"\r\n") * 2000 + b"\n", 1)
    if choice == 2:  # a nasty header before the others, or in a part
        at = _line_start(data, rng)
        return data[:at] + rng.choice(NASTY_HEADERS) + data[at:]
    if choice == 3:  # remove the blank line after a header block
        for sep in (b"\r\n\r\n", b"\n\n"):
            idx = data.find(sep, rng.randrange(max(1, len(data))) if rng.random() < 0.3 else 0)
            if idx >= 0:
                return data[:idx] + data[idx + len(sep) // 2:]
        return data
    if choice == 4:  # mangle a boundary: remove the close delimiter, or all of them
        m = _BOUNDARY.search(data)
        if m:
            token = b"--" + m.group(1)
            if rng.random() < 0.5:
                return data.replace(token + b"--", token, 1)
            return data.replace(token, b"--" + m.group(1)[::-1])
        return data
    if choice == 5:  # switch line ends
        if b"\r\n" in data:
            return data.replace(b"\r\n", b"\n")
        return data.replace(b"\n", b"\r\n")
    if choice == 6:  # mutate the DER behind a base64 body, encode again
        return mutate_base64_body(data, rng)
    if choice == 7:  # nest the whole thing in many multiparts / message/rfc822
        return nest_mime(data, rng.choice((3, 45, 120)), rng)
    if choice == 8:  # many tiny parts
        return many_parts(data, rng.choice((50, 500, 5000)))
    if choice == 9:  # fold a header absurdly
        if lines:
            line = rng.choice(lines)
            return data.replace(line, line.rstrip(b"\r\n") + b"\n \n\t\n" * 200, 1)
        return data
    # a base64 body made invalid in a way base64 decoders disagree about
    m = _BASE64_BLOCK.search(data)
    if m:
        bad = rng.choice((b"====", b"*", b"\x00", b"-----", b"A"))
        at = rng.randrange(m.start(), m.end())
        return data[:at] + bad + data[at:]
    return data


def _line_start(data: bytes, rng: random.Random) -> int:
    starts = [0] + [m.end() for m in re.finditer(rb"\n", data[:65536])]
    return rng.choice(starts)


def mutate_base64_body(data: bytes, rng: random.Random) -> bytes:
    blocks = list(_BASE64_BLOCK.finditer(data))
    if not blocks:
        return flip_bits(data, rng)
    m = rng.choice(blocks)
    try:
        der = base64.b64decode(re.sub(rb"\s+", b"", m.group(0)), validate=False)
    except (binascii.Error, ValueError):
        return flip_bits(data, rng)
    mutated = rng.choice(DER_OPERATORS)(der, rng)
    eol = b"\r\n" if b"\r\n" in m.group(0) else b"\n"
    encoded = base64.encodebytes(mutated).replace(b"\n", eol)
    return data[:m.start()] + encoded + data[m.end():]


def nest_mime(data: bytes, depth: int, rng: random.Random) -> bytes:
    outer = b"From: nest@example.dk\nSubject: nested\nMIME-Version: 1.0\n"
    inner = data
    for i in range(depth):
        if rng.random() < 0.5:
            inner = b"Content-Type: message/rfc822\n\n" + inner
        else:
            b = f"n{i}".encode()
            inner = (b"Content-Type: multipart/mixed; boundary=" + b + b"\n\n--" + b + b"\n"
                     + inner + b"\n--" + b + b"--\n")
        if len(inner) > MAX_OUTPUT:
            break
    return outer + inner


def many_parts(data: bytes, count: int) -> bytes:
    part = b"--p\nContent-Type: text/plain\n\nx\n"
    body = part * count
    if len(body) > MAX_OUTPUT:
        body = body[:MAX_OUTPUT]
    return (b"From: many@example.dk\nSubject: many parts\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/mixed; boundary=p\n\n" + body + b"--p--\n" + data)


# --- the engine ----------------------------------------------------------------------------


def mutate(data: bytes, rng: random.Random, *, splice_with: bytes | None = None) -> bytes:
    """One to three mutations of ``data``, chosen to fit what it is (DER or text)."""
    out = data
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if splice_with is not None and rng.random() < 0.05:
            cut = rng.randrange(len(out) + 1)
            other = rng.randrange(len(splice_with) + 1)
            out = out[:cut] + splice_with[other:]
            continue
        if looks_like_der(out):
            op = rng.choice(DER_OPERATORS + BYTE_OPERATORS[:2])
            out = op(out, rng)
        elif rng.random() < 0.6:
            out = mime_mutation(out, rng)
        else:
            out = rng.choice(BYTE_OPERATORS)(out, rng)
        if len(out) > MAX_OUTPUT:
            out = out[:MAX_OUTPUT]
    return out
