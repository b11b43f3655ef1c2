"""Compressed RTF (MS-OXRTFCP): literals, back references into the preset dictionary, damage."""

from __future__ import annotations

import struct

import pytest

from smime_archiver.mailbox import rtf
from tests.support.mailbox import lzfu_literal


def _lzfu(body: bytes, raw_size: int) -> bytes:
    return struct.pack("<IIII", len(body) + 12, raw_size, 0x75465A4C, 0) + body


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 16, 300, 5000])
def test_literal_runs_of_every_length(size):
    data = bytes((i * 7 + 65) % 128 for i in range(size))
    assert rtf.decompress(lzfu_literal(data)) == data


def test_reference_into_the_preset_dictionary():
    # control 0b01: a reference (offset 0, length 6 -> "{\rtf1"), then the end marker
    # (a reference to the write position 207 + 6 = 213).
    body = bytes([0b011]) + struct.pack(">H", (0 << 4) | (6 - 2)) + struct.pack(">H", 213 << 4)
    assert rtf.decompress(_lzfu(body, 6)) == b"{\\rtf1"


def test_overlapping_reference_repeats_bytes():
    # literal "a" at 207, then a reference to 207 of length 5 copies while it writes.
    body = bytes([0b110]) + b"a" + struct.pack(">H", (207 << 4) | 3) + struct.pack(
        ">H", (213 << 4))
    assert rtf.decompress(_lzfu(body, 6)) == b"aaaaaa"


def test_uncompressed_mela():
    raw = b"{\\rtf1 plain}"
    blob = struct.pack("<IIII", len(raw) + 12, len(raw), 0x414C454D, 0) + raw
    assert rtf.decompress(blob) == raw


def test_damage_raises_rtf_error():
    with pytest.raises(rtf.RtfError):
        rtf.decompress(b"short")
    with pytest.raises(rtf.RtfError):
        rtf.decompress(struct.pack("<IIII", 12, 0, 0x12345678, 0))
    with pytest.raises(rtf.RtfError):
        rtf.decompress(_lzfu(bytes([0b1]) + b"\x00", 10))


def test_text_encapsulation_and_escapes():
    raw = (b"{\\rtf1\\ansi\\ansicpg1252\\fromtext \\deff0{\\fonttbl{\\f0 Courier;}}"
           b"Pris: 10\\'80\\par Tab\\tab slut \\{x\\} \\u8364?\\par}")
    body = rtf.body_from_compressed(lzfu_literal(raw))
    assert body.html is None
    assert body.text == "Pris: 10€\nTab\tslut {x} €\n"
