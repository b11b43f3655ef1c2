"""plausible_plaintext: real contents pass, random bytes never do."""

from __future__ import annotations

import random

import pytest

from smime_archiver.crypto.cms.plausible import looks_like_mime_entity, plausible_plaintext
from tests.support.tools import cms_sign

from .conftest import MIME


@pytest.mark.parametrize(
    "data",
    [
        MIME,
        MIME.replace(b"\r\n", b"\n"),
        b'Content-Type: multipart/mixed;\r\n\tboundary="xyz"\r\n\r\n--xyz\r\n',
        b"Subject: =?utf-8?q?=C3=A6?=\r\nX-Raw: \xc3\xa6\xc3\xb8\xc3\xa5\r\n\r\n\x00\x01binary",
        b"Content-Type: text/plain\r\n",  # headers only, to the end
        b"Hej S\xf8ren, her er \xe5rsopg\xf8relsen.\r\n",  # Windows-1252
        "Hej Søren, her er årsopgørelsen.\n".encode(),
        b"plain ascii",
        bytes.fromhex("308006092a864886f70d010702a080"),  # BER SignedData prefix
        bytes.fromhex("308203e806092a864886f70d010703a0"),  # DER EnvelopedData prefix
    ],
)
def test_real_contents(data):
    assert plausible_plaintext(data)


def test_opaque_signed_data_inside_encryption(alice):
    assert plausible_plaintext(cms_sign(MIME, alice, smime=False))


def test_long_mime_entity_with_a_large_header_block():
    headers = b"".join(b"X-Header-%d: value\r\n" % i for i in range(5000))
    assert len(headers) > 64 * 1024
    assert not looks_like_mime_entity(headers[: 64 * 1024], complete=False)
    assert plausible_plaintext(b"Content-Type: text/plain\r\n\r\n" + b"\x00" * 100_000)


@pytest.mark.parametrize(
    "data",
    [
        b"Content-Type: text/plain\r\nBroken header line\r\n\r\nbody",
        b" folded: before any header\r\n\r\n",
        b"Content-Type: text/\x01plain\r\n\r\n",
        b"Content-Type: text/plain",  # no line end: cut inside the header block
        b"\r\nbody without headers",
    ],
)
def test_not_a_mime_entity(data):
    assert not looks_like_mime_entity(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00" * 16,
        b"Content-Type: text/\x01plain\r\n\r\n\x00",
        b"text with a \x00 NUL",
        b"text with an escape \x1b[31m",
        bytes.fromhex("3080060355040a"),  # SEQUENCE, but not a CMS content type
        b"\x81\x8d\x8f\x90\x9d",  # undefined in Windows-1252, not UTF-8
        bytes(range(0x80, 0x100)),
    ],
)
def test_implausible(data):
    assert not plausible_plaintext(data)


def test_random_bytes_are_never_plausible():
    rng = random.Random(20240607)
    for size in list(range(16, 80)) * 20 + [256, 1024, 4096] * 50:
        data = bytes(rng.randrange(256) for _ in range(size))
        assert not plausible_plaintext(data), data.hex()
