"""Readable names for certificates: distinguished names with æøå intact, serials, key ids."""

from __future__ import annotations

import re
from typing import Any

from asn1crypto import x509 as ax509

from smime_archiver.crypto import der

# Short labels users know from certificate viewers; anything else by dotted OID.
_LABELS = {
    "common_name": "CN",
    "serial_number": "serialNumber",
    "organization_name": "O",
    "organizational_unit_name": "OU",
    "country_name": "C",
    "locality_name": "L",
    "state_or_province_name": "ST",
    "email_address": "E",
    "given_name": "GN",
    "surname": "SN",
    "title": "T",
    "domain_component": "DC",
    "organization_identifier": "organizationIdentifier",
    "pseudonym": "pseudonym",
    "name": "name",
    "street_address": "street",
    "postal_code": "postalCode",
    "user_id": "UID",
}


def same_name(a: ax509.Name, b: ax509.Name) -> bool:
    """Distinguished names compared as RFC 5280 says (case and space folded).

    Identical encodings are equal without that work (the usual case: a recipient names
    the issuer exactly as its certificate does); anything else is compared the RFC way,
    and byte for byte when a value cannot be prepared.  Encodings are compared as
    they were read, never re-encoded (a T61String with Latin-1 bytes cannot be).
    """
    if der.as_parsed(a) == der.as_parsed(b):
        return True
    try:
        return bool(a == b)
    except (ValueError, TypeError):
        return False


def to_asn1_name(name: Any) -> ax509.Name:
    """Accept an asn1crypto ``Name``, a ``cryptography`` ``x509.Name`` or DER bytes."""
    if isinstance(name, ax509.Name):
        return name
    if isinstance(name, (bytes, bytearray)):
        return ax509.Name.load(bytes(name))
    public_bytes = getattr(name, "public_bytes", None)
    if public_bytes is not None:
        return ax509.Name.load(public_bytes())
    raise TypeError(f"not a distinguished name: {type(name).__name__}")


def format_name(name: Any) -> str:
    """``CN=Søren Ærø Åberg, serialNumber=PID:…, O=…, C=DK``: most specific first.

    Values are shown as decoded text, never escaped or hex-encoded, so Danish
    letters read as they should.  Undecodable values fall back to hex.
    """
    asn1 = to_asn1_name(name)
    parts: list[str] = []
    try:
        rdns = list(asn1.chosen)
    except ValueError:
        return der.as_parsed(asn1).hex()
    for rdn in reversed(rdns):
        for atv in rdn:
            try:
                key = atv["type"].native
                label = _LABELS.get(key, atv["type"].dotted if key == atv["type"].dotted else key)
            except ValueError:
                label = "?"
            try:
                value = atv["value"].native
            except ValueError:  # a string asn1crypto cannot decode: its bytes as read
                value = _value_text(atv)
            if isinstance(value, bytes):
                value = value.hex()
            parts.append(f"{label}={value}")
    return ", ".join(parts)


# How a string value that asn1crypto refuses is shown: as the bytes most likely meant.
_FALLBACK_CODECS = {
    0x0C: "utf-8",  # UTF8String with a bad byte
    0x13: "latin-1",  # PrintableString with letters it should not hold
    0x14: "latin-1",  # T61String: in practice Latin-1 (T.61 proper is nearly extinct)
    0x16: "latin-1",  # IA5String
    0x1A: "latin-1",  # VisibleString
    0x1E: "utf-16-be",  # BMPString
}


def _value_text(atv: ax509.NameTypeAndValue) -> str | bytes:
    """An attribute value that asn1crypto cannot decode, read from its bytes as read."""
    encoded = der.as_parsed(atv)
    try:
        (_type_head, _type_pos), (head, pos) = der.children(encoded, 0, limit=2)
        if head.constructed:
            return encoded[pos : der.element_end(encoded, pos)]
        value = der.primitive_value(encoded, pos)
    except (der.DerError, ValueError):
        return encoded
    codec = _FALLBACK_CODECS.get(head.tag)
    return value if codec is None else value.decode(codec, errors="replace")


def common_name(name: Any) -> str | None:
    """The CN (or the full name when it has none)."""
    asn1 = to_asn1_name(name)
    try:
        native = asn1.native
    except ValueError:  # a value asn1crypto cannot decode: take the CN as format_name shows it
        return short_name(format_name(asn1)) or None
    cn = native.get("common_name") if isinstance(native, dict) else None
    if isinstance(cn, list):
        cn = cn[0]
    return cn or format_name(asn1) or None


def short_name(formatted: str) -> str:
    """The CN of a name already formatted by :func:`format_name` (the whole text without one)."""
    m = re.search(r"(?:^|, )CN=(.*?)(?=, [A-Za-z][A-Za-z0-9.]*=|$)", formatted)
    return m.group(1) if m else formatted


def hex_id(value: bytes | None) -> str | None:
    return value.hex() if value else None
