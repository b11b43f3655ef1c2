"""One-message files: RFC 5322 messages (.eml, Maildir files, .p7m with headers) and bare CMS.

A bare CMS blob (an ``smime.p7m`` saved on its own) is yielded with its DER
bytes as the message data: PEM, gpgsm-armoured and base64 files are decoded
here, so the decryptor always receives DER/BER.
"""

from __future__ import annotations

import base64
import binascii
import re

from smime_archiver.crypto.cms.armour import decode_armour, find_armour
from smime_archiver.crypto.cms.sniff import is_cms_der
from smime_archiver.i18n import _
from smime_archiver.mailbox.sniff import Kind
from smime_archiver.model import RawMail, SourceProblem

MAX_FILE_BYTES = 512 * 1024 * 1024



def read_whole(path: str) -> bytes:
    """The bytes of a one-message file (raises ``OSError`` and :class:`TooLarge`)."""
    with open(path, "rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge(path)
    return data


class TooLarge(Exception):
    """A one-message file larger than :data:`MAX_FILE_BYTES`."""


def too_large_detail(path: str) -> str:
    return _("The file {file} is larger than {limit} MB, too large for one message; it was "
             "skipped.").format(file=path, limit=MAX_FILE_BYTES // (1024 * 1024))


def read_message_file(path: str, data: bytes) -> RawMail:
    """An RFC 5322 message file, as stored (a leading UTF-8 byte order mark removed)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    return RawMail(path, data)


def read_cms_file(path: str, data: bytes, kind: Kind) -> RawMail | SourceProblem:
    """A bare CMS blob in DER, PEM or base64, yielded as DER."""
    if kind is Kind.CMS_DER:
        return RawMail(path, data)
    try:
        if kind is Kind.CMS_PEM:
            armour = find_armour(data)
            if armour is None or not armour.complete:
                return SourceProblem(path, _(
                    "The file {file} starts like a PEM-encoded S/MIME message but its "
                    "\"-----END\" line is missing; the file is cut off.").format(file=path))
            der = decode_armour(armour)
        else:
            der = base64.b64decode(re.sub(rb"\s+", b"", data), validate=True)
    except (binascii.Error, ValueError) as e:
        return SourceProblem(path, _(
            "The file {file} looks like a base64-encoded S/MIME message but the base64 text "
            "is damaged ({error}).").format(file=path, error=e))
    if not is_cms_der(der):
        return SourceProblem(path, _(
            "The file {file} holds base64 text that does not decode to an S/MIME (CMS) "
            "message.").format(file=path))
    return RawMail(path, der)
