"""The one CMS sniffer: what each question accepts, from the loosest to the strictest."""

from __future__ import annotations

import base64

from asn1crypto import cms
from asn1crypto.core import ObjectIdentifier

from smime_archiver.crypto.cms.sniff import (
    content_type_name,
    in_cms_arcs,
    is_cms_der,
    looks_like_base64_cms,
    looks_like_cms,
    looks_like_content_info,
)


def _info(oid: str, *, length: bytes = b"\x80", rest: bytes = b"\xa0\x80") -> bytes:
    return b"\x30" + length + ObjectIdentifier(oid).dump() + rest


ENVELOPED = _info(cms.ContentType.unmap("enveloped_data"))
UNKNOWN_PKCS7 = _info("1.2.840.113549.1.7.9")  # no such content type (yet)
UNKNOWN_ID_CT = _info("1.2.840.113549.1.9.16.1.99")
NOT_CMS = _info("1.2.840.113549.1.1.1")  # rsaEncryption: a key, not a ContentInfo


def test_loose_and_strict_agree_on_what_is_cms():
    for data in (ENVELOPED, _info("1.2.840.113549.1.7.2", length=b"\x82\x01\x00"),
                 _info("1.2.840.113549.1.9.16.1.23", rest=b"")):
        assert is_cms_der(data) and looks_like_content_info(data)
        assert looks_like_cms(data)
    for data in (NOT_CMS, b"", b"\x30", b"\x31\x80" + ENVELOPED[2:], b"\x30\x85" + ENVELOPED[2:],
                 ENVELOPED[:8]):
        assert not is_cms_der(data) and not looks_like_content_info(data)


def test_readers_accept_unknown_content_types_the_decryptor_names():
    # a mailbox reader hands these to the decryptor, which says which type it lacks;
    # decrypted content or a headerless body shaped like this is not taken for CMS
    for data in (UNKNOWN_PKCS7, UNKNOWN_ID_CT):
        assert is_cms_der(data)
        assert not looks_like_content_info(data) and not looks_like_cms(data)
        assert content_type_name(data) is None
    assert in_cms_arcs("1.2.840.113549.1.7.9") and in_cms_arcs("1.2.840.113549.1.9.16.1.99")
    assert not in_cms_arcs("1.2.840.113549.1.1.1") and not in_cms_arcs("1.2.840.113549.1.70")


def test_strict_wants_content_after_the_type():
    assert not looks_like_content_info(_info("1.2.840.113549.1.7.3", rest=b"\x04\x00"))
    assert is_cms_der(_info("1.2.840.113549.1.7.3", rest=b"\x04\x00"))


def test_content_type_names_are_asn1crypto_names():
    assert content_type_name(ENVELOPED) == "enveloped_data"
    assert content_type_name(_info("1.2.840.113549.1.9.16.1.9")) == "compressed_data"
    assert content_type_name(NOT_CMS) is None


def test_text_forms():
    text = base64.encodebytes(ENVELOPED + bytes(40))
    assert looks_like_base64_cms(text) and looks_like_cms(text)
    assert looks_like_base64_cms(base64.encodebytes(UNKNOWN_PKCS7 + bytes(40)))
    assert not looks_like_cms(base64.encodebytes(UNKNOWN_PKCS7 + bytes(40)))
    assert not looks_like_base64_cms(text + b"not base64!")
    assert looks_like_cms(b"-----BEGIN PKCS7-----\n" + text + b"-----END PKCS7-----\n")
    assert not looks_like_cms(b"-----BEGIN CERTIFICATE-----\nMIIB\n")
