"""Embedded files: compressed the way that suits them, always restored byte for byte."""

from __future__ import annotations

import base64
import random
import zlib

import pytest

from smime_archiver.render.packing import pack

_RANDOM = random.Random(7).randbytes(300_000)
_TEXT = ("Kære Søren, tak for dit brev om årsopgørelsen. " * 8000).encode()
_EML = (b"From: a@example.dk\r\nSubject: bilag\r\nContent-Type: multipart/mixed; boundary=b\r\n"
        b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nSe vedlagte.\r\n--b\r\n"
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(_RANDOM) + b"--b--\r\n")


@pytest.mark.parametrize("data", [b"", b"kort", _TEXT[:5000], _TEXT, _RANDOM, _EML,
                                  _RANDOM[:70_000] + _TEXT])
def test_what_is_packed_unpacks_to_the_same_bytes(data):
    packed = pack(data)
    if packed is not None:
        assert zlib.decompress(packed) == data
        assert len(packed) < len(data) * 0.95


def test_text_gets_full_compression():
    packed = pack(_TEXT)
    assert packed is not None and len(packed) <= len(zlib.compress(_TEXT, 6)) * 1.01


def test_data_that_does_not_shrink_is_stored_as_it_is():
    assert pack(_RANDOM) is None
    assert pack(_RANDOM[:20_000]) is None  # small files are tried whole


def test_base64_shrinks_as_much_as_with_full_compression():
    packed = pack(_EML)
    assert packed is not None
    assert len(packed) <= len(zlib.compress(_EML, 6)) * 1.01  # about 76 % either way
    assert len(packed) < 0.8 * len(_EML)


def test_text_after_a_large_binary_part_still_gets_full_compression():
    data = _RANDOM[:70_000] + _TEXT
    packed = pack(data)
    assert packed is not None and len(packed) <= len(zlib.compress(data, 6)) * 1.01
