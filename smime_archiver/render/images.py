"""Images shown on the page: decoded safely, converted to sRGB, scaled to fit.

The image bytes in the mail are embedded unchanged as attachments; what is drawn on
the page is a display copy: RGB (PDF/A with an sRGB output intent allows no CMYK),
transparency flattened onto white, at most ``_MAX_SIDE`` pixels on its long side.
"""

from __future__ import annotations

import io
import logging
import warnings

from PIL import Image as PILImage
from PIL import ImageFile, UnidentifiedImageError
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Paragraph

from smime_archiver.i18n import _
from smime_archiver.render.fonts import markup
from smime_archiver.render.styles import styles

log = logging.getLogger(__name__)

_MAX_PIXELS = 40_000_000  # larger pictures are listed, not drawn (decompression bombs)
_MAX_SIDE = 1600
_MAX_BYTES = 30 * 1024 * 1024
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff", "image/webp",
               "image/x-ms-bmp", "image/pjpeg", "image/jpg", "image/x-png")
ImageFile.LOAD_TRUNCATED_IMAGES = False


class ImageProblem(Exception):
    """The image could not be drawn; the message says why (translated)."""


def display_image(data: bytes) -> tuple[ImageReader, int, int]:
    """A drawable copy of ``data`` and its size in pixels; raises :class:`ImageProblem`."""
    if len(data) > _MAX_BYTES:
        raise ImageProblem(_("the picture is too large to draw"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            img: PILImage.Image = PILImage.open(io.BytesIO(data))
            width, height = img.size
            if width * height > _MAX_PIXELS or width < 1 or height < 1:
                raise ImageProblem(_("the picture has too many pixels to draw"))
            if img.format == "JPEG" and img.mode in ("RGB", "L") and max(img.size) <= _MAX_SIDE:
                img.load()  # checks the data; ReportLab then embeds the JPEG bytes as they are
                if img.mode == "RGB":
                    return ImageReader(io.BytesIO(data)), width, height
            if img.format == "JPEG" and isinstance(img, ImageFile.ImageFile):
                img.draft("RGB", (_MAX_SIDE, _MAX_SIDE))
            img.seek(0)
            img.load()
            img = _rgb(img)
            if max(img.size) > _MAX_SIDE:
                img.thumbnail((_MAX_SIDE, _MAX_SIDE))
            return ImageReader(img), width, height
    except ImageProblem:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as e:
        log.debug("image not drawn: %s", e)
        raise ImageProblem(_("the picture could not be decoded")) from e


def _rgb(img: PILImage.Image) -> PILImage.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = PILImage.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        img = img.point(lambda v: v / 256).convert("L")
    return img.convert("RGB")


def image_flowable(data: bytes, max_width: float, max_height: float, *,
                   want_width: float | None = None,
                   want_height: float | None = None) -> Flowable:
    """The picture scaled to fit (never enlarged beyond 1 px = 0.75 pt); raises ImageProblem."""
    reader, px_w, px_h = display_image(data)
    width = want_width or px_w * 0.75
    height = want_height or (width * px_h / px_w if want_width else px_h * 0.75)
    scale = min(1.0, max_width / width, max_height / height)
    return Picture(reader, width * scale, height * scale)


class Picture(Flowable):
    """A decoded picture drawn at a fixed size."""

    def __init__(self, reader: ImageReader, width: float, height: float) -> None:
        super().__init__()
        self.reader = reader
        self.width = max(width, 1.0)
        self.height = max(height, 1.0)
        self.spaceBefore = 2
        self.spaceAfter = 2

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height)


def placeholder(text: str) -> Paragraph:
    return Paragraph(f"[{markup(text)}]", styles()["note"])
