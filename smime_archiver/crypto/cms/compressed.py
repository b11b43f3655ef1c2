"""CompressedData (RFC 3274): zlib, decompressed under a size and a ratio limit.

A few bytes of zlib can expand to gigabytes; an archive run must not be taken
down by one hostile or damaged message, so output is produced in bounded
steps and stops with :class:`LimitExceededError` past the limits.
"""

from __future__ import annotations

import logging
import zlib

from asn1crypto import cms as acms

from smime_archiver.crypto.der import octets
from smime_archiver.errors import (
    LimitExceededError,
    MalformedMessageError,
    UnsupportedAlgorithmError,
)
from smime_archiver.i18n import _

log = logging.getLogger(__name__)

ZLIB = "zlib"  # asn1crypto's name (cms.CompressionAlgorithmId) of id-alg-zlibCompress
MAX_SIZE = 256 * 1024 * 1024  # no mail in an archive is bigger than this decompressed
MAX_RATIO = 200  # zlib on mail text reaches ~10:1; 200:1 is a bomb ...
RATIO_FLOOR = 1024 * 1024  # ... unless the output is small anyway
_STEP = 1024 * 1024


def decompress_compressed(
    ci: acms.ContentInfo, *, max_size: int = MAX_SIZE, max_ratio: int = MAX_RATIO
) -> bytes:
    """The content of a CompressedData ContentInfo.

    Raises :class:`UnsupportedAlgorithmError` for another compression than zlib,
    :class:`MalformedMessageError` for damaged data and
    :class:`LimitExceededError` when the output would pass ``max_size`` bytes or
    ``max_ratio`` times the compressed size (outputs under 1 MiB always pass).
    """
    try:
        cd = ci["content"]
        algorithm = cd["compression_algorithm"]["algorithm"]
        oid = algorithm.dotted
        name = algorithm.native
        encap = cd["encap_content_info"]
        content = encap["content"]
        data = None if content.contents is None else octets(content)
    except (ValueError, TypeError, KeyError, AttributeError) as e:  # DerError is a ValueError
        raise MalformedMessageError(
            _("The compressed part is damaged: its CompressedData structure cannot be read.")
        ) from e
    if name != ZLIB:
        raise UnsupportedAlgorithmError(
            _("The message is compressed with an algorithm this program does not support "
              "(OID {oid}).").format(oid=oid),
            oid=oid,
        )
    if data is None:
        raise MalformedMessageError(_("The compressed part has no content."))
    return inflate(data, max_size=max_size, max_ratio=max_ratio)


def inflate(data: bytes, *, max_size: int = MAX_SIZE, max_ratio: int = MAX_RATIO) -> bytes:
    """zlib-decompress ``data`` (RFC 1950) within the size and ratio limits."""
    limit = min(max_size, max(RATIO_FLOOR, len(data) * max_ratio))
    decomp = zlib.decompressobj()
    out = bytearray()
    pending = data
    try:
        while not decomp.eof:
            chunk = decomp.decompress(pending, _STEP)
            pending = decomp.unconsumed_tail
            out += chunk
            if len(out) > limit:
                raise LimitExceededError(
                    _("The compressed part expands to more than {size} MB; it was not opened "
                      "because it looks like a decompression bomb.").format(
                        size=max(1, limit // (1024 * 1024))
                    )
                )
            if not chunk and not pending:
                break  # zlib wants more input than there is
    except zlib.error as e:
        raise MalformedMessageError(
            _("The compressed part is damaged: the zlib data cannot be decompressed.")
        ) from e
    if not decomp.eof:
        raise MalformedMessageError(
            _("The compressed part is truncated: the zlib stream ends early.")
        )
    return bytes(out)
