"""CompressedData (RFC 3274): zlib within a size and a ratio limit."""

from __future__ import annotations

import os
import zlib

import pytest
from asn1crypto import cms

from smime_archiver.crypto.cms.compressed import decompress_compressed, inflate
from smime_archiver.errors import (
    LimitExceededError,
    MalformedMessageError,
    UnsupportedAlgorithmError,
)
from tests.support.layers import TEXT, compressed_data


def test_round_trip_of_a_real_sized_content():
    data = os.urandom(3 * 1024 * 1024).hex().encode()  # 6 MB of text, ~2:1
    assert decompress_compressed(cms.ContentInfo.load(compressed_data(data))) == data


def test_ratio_limit_applies_above_one_megabyte_only():
    small = b"\0" * (1024 * 1024)  # ~1000:1 but only 1 MB: fine
    assert inflate(zlib.compress(small)) == small
    with pytest.raises(LimitExceededError, match="decompression bomb"):
        inflate(zlib.compress(b"\0" * (3 * 1024 * 1024)))
    assert len(inflate(zlib.compress(b"\0" * (3 * 1024 * 1024)), max_ratio=2000)) == 3 << 20


def test_size_limit():
    data = os.urandom(2 * 1024 * 1024)
    with pytest.raises(LimitExceededError):
        inflate(zlib.compress(data), max_size=1024 * 1024, max_ratio=10)


def test_truncated_and_damaged_streams():
    stream = zlib.compress(TEXT * 50)
    with pytest.raises(MalformedMessageError, match="truncated"):
        inflate(stream[:-8])
    with pytest.raises(MalformedMessageError, match="damaged"):
        inflate(b"\x78\x9c" + b"\xff" * 20)


def test_other_compression_algorithms_are_unsupported():
    ci = cms.ContentInfo.load(compressed_data(TEXT, algorithm="1.2.840.113549.1.9.16.3.99"))
    with pytest.raises(UnsupportedAlgorithmError) as info:
        decompress_compressed(ci)
    assert info.value.oid == "1.2.840.113549.1.9.16.3.99"
