"""Is this CMS (S/MIME)?  The one set of rules every stage asks.

All questions read the same thing, the content type OID that opens a
``ContentInfo`` (``SEQUENCE { contentType OID, [0] content }``, DER or BER), and
differ only in how sure they must be:

* :func:`is_cms_der` (loose): the bytes start a ContentInfo of a PKCS #7 or
  S/MIME content type, known to us or not.  Mailbox readers ask this: a file
  that claims to be CMS goes to the decryptor, which then names the type it
  does not support instead of calling the file garbage.
* :func:`looks_like_content_info` (strict): a content type we know
  (:data:`~.algorithms.CONTENT_TYPES`), followed by its ``[0]`` content or an
  end-of-contents.  Asked of decrypted plaintext and of content without
  headers, where a false "yes" would turn good text into an error.
* :func:`looks_like_base64_cms` and :func:`looks_like_cms` carry these rules
  over to text forms: bare base64 (for mailbox readers, loose) and a whole body
  in any form the decryptor loads: binary, armour, PEM, base64 (strict).

The content types are asn1crypto's (:class:`asn1crypto.cms.ContentType`), so no
OID is written out here.
"""

from __future__ import annotations

import base64
import binascii
import re

from asn1crypto import cms
from asn1crypto.core import ObjectIdentifier

from smime_archiver.crypto.cms.algorithms import CONTENT_TYPES
from smime_archiver.crypto.cms.armour import find_armour


def _arc(name: str) -> str:
    """The dotted arc holding the content type ``name``: ``1.2.840.113549.1.7`` for data."""
    return cms.ContentType.unmap(name).rpartition(".")[0]


# pkcs-7 (1.2.840.113549.1.7.*) and id-ct (1.2.840.113549.1.9.16.1.*): every content type
CMS_ARCS = (_arc("data"), _arc("compressed_data"))
# an OID element one arc (of one byte) below pkcs-7 or id-ct, up to that last byte
_ARC_PREFIXES = tuple(
    bytes([0x06, len(body) + 1]) + body
    for body in (ObjectIdentifier(arc).dump()[2:] for arc in CMS_ARCS)
)
_KNOWN_OIDS = frozenset(ObjectIdentifier(oid).dump() for oid in CONTENT_TYPES)

_PEM_BEGIN = re.compile(rb"-----BEGIN ([^-\r\n]*)-----")
_BASE64_CHARS = re.compile(rb"[A-Za-z0-9+/=\r\n\t ]+")


def in_cms_arcs(oid: str) -> bool:
    """Whether the dotted ``oid`` is a PKCS #7 or S/MIME content type (known or not)."""
    return any(oid.startswith(arc + ".") for arc in CMS_ARCS)


def _first_element(data: bytes) -> int | None:
    """Where the first element of a SEQUENCE at the start of ``data`` begins.

    ``None`` unless ``data`` starts with a SEQUENCE tag and a definite length of up to
    four bytes, or BER's indefinite length.
    """
    if len(data) < 2 or data[0] != 0x30:
        return None
    first = data[1]
    if first <= 0x80:  # short form, or BER indefinite length
        return 2
    if first <= 0x84:
        return 2 + (first - 0x80)
    return None


def content_type_oid(data: bytes) -> tuple[bytes, int] | None:
    """The OID element (tag, length, value) opening a ContentInfo in ``data``, and its end.

    ``None`` when ``data`` does not start with a SEQUENCE (:func:`_first_element`)
    whose first element is a whole OID.
    """
    pos = _first_element(data)
    if pos is None or pos + 2 > len(data) or data[pos] != 0x06:
        return None
    end = pos + 2 + data[pos + 1]
    if end > len(data):
        return None
    return data[pos:end], end


def content_type_name(data: bytes) -> str | None:
    """asn1crypto's name of the content type opening ``data`` (``"enveloped_data"``), if known."""
    found = content_type_oid(data)
    if found is None or found[0] not in _KNOWN_OIDS:
        return None
    return CONTENT_TYPES[ObjectIdentifier.load(found[0]).dotted]


def is_cms_der(head: bytes) -> bool:
    """Whether ``head`` starts a DER/BER ContentInfo of a PKCS #7 / S/MIME content type.

    The OID must name one arc more than pkcs-7 or id-ct (one byte, as every content
    type there has); that byte may lie past the end of ``head``.
    """
    pos = _first_element(head)
    return pos is not None and any(head.startswith(prefix, pos) for prefix in _ARC_PREFIXES)


def looks_like_content_info(data: bytes) -> bool:
    """A SEQUENCE whose first element is the OID of a known CMS content type, then content."""
    found = content_type_oid(data)
    if found is None or found[0] not in _KNOWN_OIDS:
        return False
    rest = data[found[1] :]
    return not rest or rest[0] in (0xA0, 0x00)  # [0] EXPLICIT content, or end-of-contents


def looks_like_base64_cms(text: bytes) -> bool:
    """Whether ``text`` is base64 (nothing else) whose decoded start is a CMS ContentInfo."""
    sample = text[:4096]
    if len(sample) < 16 or not _BASE64_CHARS.fullmatch(sample):
        return False
    decoded = _decoded_start(sample, minimum=0)
    return decoded is not None and is_cms_der(decoded)


def looks_like_cms(data: bytes) -> bool:
    """A cheap sniff: is ``data`` (a whole file or body) bare CMS in any of our forms?"""
    head = data[:8192]
    if looks_like_content_info(head[:64]):
        return True
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if find_armour(stripped) is not None:
        return True
    pem = _PEM_BEGIN.match(stripped)
    if pem is not None:
        label = pem.group(1).upper()
        return any(word in label for word in (b"PKCS7", b"PKCS #7", b"CMS"))
    decoded = _decoded_start(stripped[:200], minimum=24)
    return decoded is not None and looks_like_content_info(decoded)


def _decoded_start(text: bytes, *, minimum: int) -> bytes | None:
    """The bytes the first (up to) 64 base64 characters of ``text`` stand for, whitespace skipped.

    ``None`` when fewer than ``minimum`` characters are there or they are not base64.
    """
    compact = re.sub(rb"\s+", b"", text)
    compact = compact[: len(compact) // 4 * 4][:64]
    if len(compact) < minimum:
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
