"""How an embedded file is stored in the PDF: Flate-compressed, or as it is.

The decrypted message and its attachments are embedded byte for byte.  Most of a large
message is base64 (its attachments) or data that is already compressed (PDF, JPEG, ZIP,
encrypted parts), and ordinary Flate at level 6 spends most of its time looking for
repeated strings that base64 and compressed data do not have: 12 ms for 400 KB of base64,
which shrinks it only to 76 %.  Huffman coding alone gets the same 76 % in a quarter of
the time.  So a large file is judged from samples first:

- it shrinks well (text, HTML): Flate at level 6, as before;
- it shrinks a little (base64, dense binary): Flate with Huffman coding only;
- it does not shrink: stored as it is.

Every choice is ordinary Flate (``/FlateDecode``) that every PDF reader decodes.
"""

from __future__ import annotations

import zlib

_SAMPLED_FROM = 64 * 1024  # smaller files are simply compressed at level 6
_SAMPLES = 8
_SAMPLE = 4 * 1024
_USELESS = 0.95  # a packed file must be smaller than this share of the original
_CLOSE = 1.05  # Huffman coding alone is chosen when within 5 % of level 6 on the samples


def pack(data: bytes) -> bytes | None:
    """``data`` Flate-compressed, or ``None`` when storing it as it is is better."""
    if len(data) < _SAMPLED_FROM:
        packed = zlib.compress(data, 6)
    else:
        samples = _samples(data)
        full = sum(len(zlib.compress(s, 6)) for s in samples)
        if full >= _USELESS * _SAMPLES * _SAMPLE:
            return None
        huffman = sum(len(_huffman_only(s)) for s in samples)
        packed = _huffman_only(data) if huffman <= full * _CLOSE else zlib.compress(data, 6)
    return packed if len(packed) < len(data) * _USELESS else None


def _samples(data: bytes) -> list[bytes]:
    """``_SAMPLES`` pieces of ``_SAMPLE`` bytes spread evenly from start to end."""
    step = (len(data) - _SAMPLE) / (_SAMPLES - 1)
    return [data[round(i * step):round(i * step) + _SAMPLE] for i in range(_SAMPLES)]


def _huffman_only(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS, 8, zlib.Z_HUFFMAN_ONLY)
    return packer.compress(data) + packer.flush()
