"""Key-file fixtures no tool writes any more: BER PKCS#12, several keys in one file, odd PBEs.

* :func:`der_to_ber` re-encodes DER the way NSS and old Windows versions wrote
  PKCS#12: every constructed element with indefinite length, long OCTET
  STRINGs (and the ``[0] IMPLICIT`` encrypted content) split into chunks.
* :func:`build_pkcs12` is a small PKCS#12 writer (asn1crypto structures, our
  :mod:`smime_archiver.crypto.keys.pbe` for the encryption and the MAC).  Tests
  check its files with ``openssl pkcs12 -info`` so they do not merely agree
  with our own reader.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence

from asn1crypto import algos, cms, core, keys
from asn1crypto import pkcs12 as ap
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from smime_archiver.crypto import der
from smime_archiver.crypto.keys import pbe
from smime_archiver.crypto.keys.passwords import bmp_string

PKCS12_SCHEMES = {
    "sha1-rc4-128": "1.2.840.113549.1.12.1.1",
    "sha1-rc4-40": "1.2.840.113549.1.12.1.2",
    "sha1-3des": "1.2.840.113549.1.12.1.3",
    "sha1-2des": "1.2.840.113549.1.12.1.4",
    "sha1-rc2-128": "1.2.840.113549.1.12.1.5",
    "sha1-rc2-40": "1.2.840.113549.1.12.1.6",
}
PBES2_CIPHERS = {  # name: (asn1crypto name, IV size)
    "des-ede3-cbc": ("tripledes_3key", 8),
    "aes-128-cbc": ("aes128_cbc", 16),
    "aes-192-cbc": ("aes192_cbc", 16),
    "aes-256-cbc": ("aes256_cbc", 16),
}
MAC_DIGESTS = {"sha1": "sha1", "sha256": "sha256", "sha512": "sha512"}


# --- BER ---------------------------------------------------------------------------------


def der_to_ber(data: bytes, *, chunk: int = 100, implicit_octets: bool = True) -> bytes:
    """DER -> BER: indefinite lengths for every constructed element, chunked OCTET STRINGs.

    The contents of OCTET STRINGs are not descended into (so a MAC over them
    stays valid).  ``implicit_octets`` also chunks primitive ``[0] IMPLICIT``
    elements (EncryptedContentInfo's encryptedContent).  Single-octet tags only.
    """
    out = bytearray()
    pos = 0
    while pos < len(data):
        head = der.read_header(data, pos)
        assert head.length is not None, "input must be DER"
        start = pos + head.header_length
        end = start + head.length
        tag = data[pos]
        content = data[start:end]
        if head.constructed:
            out += bytes((tag, 0x80)) + der_to_ber(content, chunk=chunk,
                                                   implicit_octets=implicit_octets) + b"\0\0"
        elif len(content) > chunk and (tag == 0x04 or (tag == 0x80 and implicit_octets)):
            out += bytes((tag | 0x20, 0x80))
            for i in range(0, len(content), chunk):
                piece = content[i : i + chunk]
                out += b"\x04" + _length(len(piece)) + piece
            out += b"\0\0"
        else:
            out += data[pos:end]
        pos = end
    return bytes(out)


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def ber_pkcs12_deep(p12: bytes, password: str | None, *, chunk: int = 50) -> bytes:
    """BER all the way down: the AuthenticatedSafe inside the MAC'd content too.

    The MAC is recomputed over the new content (same salt, iterations, digest).
    """
    pfx = ap.Pfx.load(p12)
    content = pfx["auth_safe"]["content"].native
    new_content = der_to_ber(content, chunk=chunk)
    mac_data = pfx["mac_data"]
    hash_name = pbe.mac_hash_name(mac_data["mac"]["digest_algorithm"]["algorithm"].dotted)
    secret = b"" if password is None else bmp_string(password)
    digest = pbe.pkcs12_mac(hash_name, secret, mac_data["mac_salt"].native,
                            mac_data["iterations"].native, new_content)
    rebuilt = ap.Pfx({
        "version": "v3",
        "auth_safe": {"content_type": "data", "content": new_content},
        "mac_data": {
            "mac": {"digest_algorithm": {"algorithm": hash_name}, "digest": digest},
            "mac_salt": mac_data["mac_salt"].native,
            "iterations": mac_data["iterations"].native,
        },
    })
    return der_to_ber(rebuilt.dump(), chunk=chunk)


# --- PKCS#12 writer ------------------------------------------------------------------------


def encryption_algorithm(scheme: str, *, iterations: int = 2048,
                         prf: str = "sha256") -> algos.EncryptionAlgorithm:
    """``scheme``: a key of :data:`PKCS12_SCHEMES` or ``"pbes2-<cipher>"``."""
    salt = os.urandom(8)
    if scheme in PKCS12_SCHEMES:
        return algos.EncryptionAlgorithm({
            "algorithm": PKCS12_SCHEMES[scheme],
            "parameters": algos.Pbes1Params({"salt": salt, "iterations": iterations}),
        })
    cipher_name, iv_size = PBES2_CIPHERS[scheme.removeprefix("pbes2-")]
    kdf_params = {"salt": {"specified": salt}, "iteration_count": iterations}
    if prf != "sha1":
        kdf_params["prf"] = {"algorithm": prf}
    return algos.EncryptionAlgorithm({
        "algorithm": "pbes2",
        "parameters": algos.Pbes2Params({
            "key_derivation_func": {"algorithm": "pbkdf2", "parameters": kdf_params},
            "encryption_scheme": {"algorithm": cipher_name, "parameters": os.urandom(iv_size)},
        }),
    })


def _attributes(name: str | None, key_id: bytes | None) -> ap.Attributes | None:
    attrs = []
    if name is not None:
        attrs.append({"type": "friendly_name", "values": [core.BMPString(name)]})
    if key_id is not None:
        attrs.append({"type": "local_key_id", "values": [core.OctetString(key_id)]})
    return ap.Attributes(attrs) if attrs else None


def _bag(bag_id: str, value: core.Asn1Value, name: str | None, key_id: bytes | None) -> ap.SafeBag:
    bag = {"bag_id": bag_id, "bag_value": value}
    attrs = _attributes(name, key_id)
    if attrs is not None:
        bag["bag_attributes"] = attrs
    return ap.SafeBag(bag)


def build_pkcs12(
    key_items: Sequence[tuple[object, str | None]],
    cert_items: Sequence[tuple[x509.Certificate, str | None]],
    password: str | None,
    *,
    key_scheme: str | None = "sha1-3des",
    cert_scheme: str | None = "sha1-rc2-40",
    mac: str | None = "sha1",
    iterations: int = 2048,
    prf: str = "sha256",
    bmp_secret: bytes | None = None,
    octet_secret: bytes | None = None,
) -> bytes:
    """A PKCS#12 file.  ``key_scheme=None`` puts keys in plain key bags, ``cert_scheme=None``
    puts certificates in an unencrypted SafeContents, ``mac=None`` leaves the MAC out.

    ``bmp_secret``/``octet_secret`` override the password bytes given to the PKCS#12 KDF
    (PBE schemes and MAC) and to PBKDF2; by default they are the BMPString and UTF-8 of
    ``password`` (zero-length for ``None``).
    """
    bmp = bmp_secret if bmp_secret is not None else (
        b"" if password is None else bmp_string(password))
    octets = octet_secret if octet_secret is not None else (
        b"" if password is None else password.encode("utf-8"))

    def encrypt(scheme: str, plaintext: bytes) -> tuple[algos.EncryptionAlgorithm, bytes]:
        algorithm = encryption_algorithm(scheme, iterations=iterations, prf=prf)
        plan = pbe.plan(algorithm)
        return algorithm, plan.encrypt(plaintext, bmp if plan.secret_kind == "bmp" else octets)

    key_bags = []
    for index, (key, name) in enumerate(key_items):
        pkcs8 = key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        key_id = bytes([index + 1]) * 4
        if key_scheme is None:
            key_bags.append(_bag("key_bag", keys.PrivateKeyInfo.load(pkcs8), name, key_id))
        else:
            algorithm, data = encrypt(key_scheme, pkcs8)
            value = keys.EncryptedPrivateKeyInfo({"encryption_algorithm": algorithm,
                                                  "encrypted_data": data})
            key_bags.append(_bag("pkcs8_shrouded_key_bag", value, name, key_id))
    cert_bags = []
    for cert, name in cert_items:
        raw = cert.public_bytes(serialization.Encoding.DER)
        key_id = None
        for index, (key, _n) in enumerate(key_items):
            if key.public_key() == cert.public_key():  # type: ignore[attr-defined]
                key_id = bytes([index + 1]) * 4
        value = ap.CertBag({"cert_id": "x509", "cert_value": core.ParsableOctetString(raw)})
        cert_bags.append(_bag("cert_bag", value, name, key_id))

    infos = []
    if cert_bags:
        safe = ap.SafeContents(cert_bags).dump()
        if cert_scheme is None:
            infos.append(cms.ContentInfo({"content_type": "data", "content": safe}))
        else:
            algorithm, data = encrypt(cert_scheme, safe)
            infos.append(cms.ContentInfo({
                "content_type": "encrypted_data",
                "content": cms.EncryptedData({
                    "version": "v0",
                    "encrypted_content_info": {
                        "content_type": "data",
                        "content_encryption_algorithm": algorithm,
                        "encrypted_content": data,
                    },
                }),
            }))
    if key_bags:
        infos.append(cms.ContentInfo({"content_type": "data",
                                      "content": ap.SafeContents(key_bags).dump()}))
    content = ap.AuthenticatedSafe(infos).dump()
    pfx = {"version": "v3", "auth_safe": {"content_type": "data", "content": content}}
    if mac is not None:
        salt = os.urandom(8)
        digest = pbe.pkcs12_mac(MAC_DIGESTS[mac], bmp, salt, iterations, content)
        pfx["mac_data"] = {
            "mac": {"digest_algorithm": {"algorithm": mac}, "digest": digest},
            "mac_salt": salt,
            "iterations": iterations,
        }
    return ap.Pfx(pfx).dump()


# --- password sources ----------------------------------------------------------------------


class CountingSource:
    """A PasswordSource that records every call and every password handed out."""

    def __init__(self, *passwords: str):
        self.passwords = list(passwords)
        self.calls: list[str] = []
        self.handed_out = 0

    def __call__(self, path: str) -> Iterator[str]:
        self.calls.append(path)
        for password in self.passwords:
            self.handed_out += 1
            yield password


def never_asked(path: str) -> Iterator[str]:
    raise AssertionError(f"a password was asked for {path}")


PasswordFactory = Callable[[str], Iterator[str]]
