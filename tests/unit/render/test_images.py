"""Pictures: drawn scaled, converted to RGB for PDF/A, broken ones named, never fatal."""

from __future__ import annotations

import io
import struct
import zlib

import pikepdf
import pytest
from PIL import Image

from smime_archiver.render.images import ImageProblem, display_image
from smime_archiver.render.styles import FRAME_WIDTH
from tests.unit.render import samples


def test_image_attachments_are_shown_rgb_and_fit_the_page(render):
    rendered = render(samples.with_attachments())
    with pikepdf.open(rendered.path) as pdf:
        shown = []
        for page in pdf.pages:
            for name, raw in page.get_images().items():
                assert raw.ColorSpace == "/DeviceRGB", name
                assert "/SMask" not in raw
                shown.append(raw)
    assert len(shown) == 3  # jpeg, png with alpha, cmyk jpeg; the broken one is not drawn
    flat = " ".join(rendered.text().split())
    assert "Picture ødelagt.png not shown: the picture could not be decoded" in flat
    assert "møde.jpg (image/jpeg" in flat


def test_large_picture_is_scaled_to_the_frame(render):
    big = samples.picture("png", (3000, 500))
    raw = (b"Subject: big\r\nMIME-Version: 1.0\r\nContent-Type: image/png\r\n"
           b"Content-Transfer-Encoding: base64\r\n\r\n")
    import base64

    rendered = render(raw + base64.encodebytes(big))
    with pikepdf.open(rendered.path) as pdf:
        page = pdf.pages[0]
        (raw_image,) = page.get_images().values()
        assert int(raw_image.Width) == 1600  # display copy, long side capped
        content = page.Contents.read_bytes() if not isinstance(page.Contents, pikepdf.Array) \
            else b"".join(c.read_bytes() for c in page.Contents)
    # the image is drawn with a width no larger than the text frame
    import re

    widths = [float(m.group(1)) for m in re.finditer(rb"q\s+([0-9.]+) 0 0 [0-9.]+ 0 0 cm", content)]
    assert widths and max(widths) <= FRAME_WIDTH + 0.01


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.mark.parametrize("data", [_png_header_only(60000, 60000), b"GIF89a\x00", b"", b"\xff\xd8"])
def test_bombs_and_garbage_are_refused(data):
    with pytest.raises(ImageProblem):
        display_image(data)


@pytest.mark.parametrize("mode", ["RGBA", "P", "L", "CMYK", "I;16", "1", "LA"])
def test_every_mode_becomes_rgb(mode):
    img = Image.new("RGB", (40, 30), (200, 100, 50)).convert(mode if mode != "I;16" else "I")
    if mode == "I;16":
        img = Image.new("I;16", (40, 30))
    buf = io.BytesIO()
    img.save(buf, format="TIFF" if mode in ("CMYK", "I;16") else "PNG")
    reader, w, h = display_image(buf.getvalue())
    assert (w, h) == (40, 30)
    assert reader.getRGBData()  # drawable RGB
