"""Object identifiers of the algorithms found in CMS mail, with readable names.

One table for the whole crypto package, so error messages and reports name an
algorithm the same way everywhere ("aes256_cbc", "rc2_cbc", "camellia128_cbc").
Names of algorithms we do not implement are listed too, so that an
:class:`~smime_archiver.errors.UnsupportedAlgorithmError` can say what the OID is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from asn1crypto import algos, cms, keys
from asn1crypto.core import Any, Asn1Value, ObjectIdentifier, Sequence, Void

from smime_archiver.crypto.der import as_parsed

# Tables are keyed by dotted OIDs, written by asn1crypto's names where asn1crypto knows the
# algorithm; only the ones it does not know (Camellia, CAST5, SEED, the ECDH schemes, ...)
# are spelled out.
_enc = algos.EncryptionAlgorithmId.unmap
_digest = algos.DigestAlgorithmId.unmap
_ct = cms.ContentType.unmap
_key = keys.PublicKeyAlgorithmId.unmap

# --- content-encryption algorithms ---------------------------------------------------------


@dataclass(frozen=True)
class ContentAlgorithm:
    """A content cipher we implement: ``family`` picks the code path in :mod:`.ciphers`."""

    name: str  # readable, e.g. "aes256_cbc"
    family: str  # "aes" | "des" | "des_ede3" | "rc2" | "camellia" | "cast5" | "seed"
    mode: str  # "cbc" | "gcm" | "ccm"
    key_sizes: frozenset[int]  # allowed CEK lengths in bytes
    block_size: int = 16


def _range(lo: int, hi: int) -> frozenset[int]:
    return frozenset(range(lo, hi + 1))


CONTENT_ALGORITHMS: dict[str, ContentAlgorithm] = {
    _enc("aes128_cbc"): ContentAlgorithm("aes128_cbc", "aes", "cbc", frozenset({16})),
    _enc("aes192_cbc"): ContentAlgorithm("aes192_cbc", "aes", "cbc", frozenset({24})),
    _enc("aes256_cbc"): ContentAlgorithm("aes256_cbc", "aes", "cbc", frozenset({32})),
    _enc("aes128_gcm"): ContentAlgorithm("aes128_gcm", "aes", "gcm", frozenset({16})),
    _enc("aes192_gcm"): ContentAlgorithm("aes192_gcm", "aes", "gcm", frozenset({24})),
    _enc("aes256_gcm"): ContentAlgorithm("aes256_gcm", "aes", "gcm", frozenset({32})),
    _enc("aes128_ccm"): ContentAlgorithm("aes128_ccm", "aes", "ccm", frozenset({16})),
    _enc("aes192_ccm"): ContentAlgorithm("aes192_ccm", "aes", "ccm", frozenset({24})),
    _enc("aes256_ccm"): ContentAlgorithm("aes256_ccm", "aes", "ccm", frozenset({32})),
    _enc("tripledes_3key"): ContentAlgorithm(
        "des_ede3_cbc", "des_ede3", "cbc", frozenset({16, 24}), 8
    ),
    _enc("des"): ContentAlgorithm("des_cbc", "des", "cbc", frozenset({8}), 8),
    _enc("rc2"): ContentAlgorithm("rc2_cbc", "rc2", "cbc", _range(1, 128), 8),
    "1.2.392.200011.61.1.1.1.2": ContentAlgorithm(
        "camellia128_cbc", "camellia", "cbc", frozenset({16})
    ),
    "1.2.392.200011.61.1.1.1.3": ContentAlgorithm(
        "camellia192_cbc", "camellia", "cbc", frozenset({24})
    ),
    "1.2.392.200011.61.1.1.1.4": ContentAlgorithm(
        "camellia256_cbc", "camellia", "cbc", frozenset({32})
    ),
    "1.2.840.113533.7.66.10": ContentAlgorithm("cast5_cbc", "cast5", "cbc", _range(5, 16), 8),
    "1.2.410.200004.1.4": ContentAlgorithm("seed_cbc", "seed", "cbc", frozenset({16})),
}

# --- key transport -----------------------------------------------------------------------

RSA_PKCS1V15 = _enc("rsaes_pkcs1v15")
RSAES_OAEP = _enc("rsaes_oaep")
MGF1 = algos.MaskGenAlgorithmId.unmap("mgf1")
P_SPECIFIED = "1.2.840.113549.1.1.9"

# --- key agreement: ECDH schemes of RFC 5753 / SEC 1 (oid -> (kdf hash, cofactor)) -----------

ECDH_SCHEMES: dict[str, tuple[str, bool]] = {
    "1.3.133.16.840.63.0.2": ("sha1", False),  # dhSinglePass-stdDH-sha1kdf-scheme
    "1.3.132.1.11.0": ("sha224", False),  # dhSinglePass-stdDH-sha224kdf-scheme
    "1.3.132.1.11.1": ("sha256", False),
    "1.3.132.1.11.2": ("sha384", False),
    "1.3.132.1.11.3": ("sha512", False),
    "1.3.133.16.840.63.0.3": ("sha1", True),  # dhSinglePass-cofactorDH-sha1kdf-scheme
    "1.3.132.1.14.0": ("sha224", True),
    "1.3.132.1.14.1": ("sha256", True),
    "1.3.132.1.14.2": ("sha384", True),
    "1.3.132.1.14.3": ("sha512", True),
}

EC_PUBLIC_KEY = _key("ec")

# --- key wrap (oid -> (readable name, key-encryption-key length in bytes)) -------------------

CMS3DES_WRAP = "1.2.840.113549.1.9.16.3.6"

KEY_WRAPS: dict[str, tuple[str, int]] = {
    _enc("aes128_wrap"): ("aes128_wrap", 16),
    _enc("aes192_wrap"): ("aes192_wrap", 24),
    _enc("aes256_wrap"): ("aes256_wrap", 32),
    _enc("aes128_wrap_pad"): ("aes128_wrap_pad", 16),
    _enc("aes192_wrap_pad"): ("aes192_wrap_pad", 24),
    _enc("aes256_wrap_pad"): ("aes256_wrap_pad", 32),
    CMS3DES_WRAP: ("des3_wrap", 24),
}

# --- digests (OAEP, MGF1, KDF) -------------------------------------------------------------

DIGESTS: dict[str, str] = {
    _digest("sha1"): "sha1",
    _digest("sha224"): "sha224",
    _digest("sha256"): "sha256",
    _digest("sha384"): "sha384",
    _digest("sha512"): "sha512",
    _digest("sha3_224"): "sha3_224",
    _digest("sha3_256"): "sha3_256",
    _digest("sha3_384"): "sha3_384",
    _digest("sha3_512"): "sha3_512",
}

# --- content types -------------------------------------------------------------------------

CONTENT_TYPES: dict[str, str] = {
    _ct("data"): "data",
    _ct("signed_data"): "signed_data",
    _ct("enveloped_data"): "enveloped_data",
    _ct("signed_and_enveloped_data"): "signed_and_enveloped_data",
    _ct("digested_data"): "digested_data",
    _ct("encrypted_data"): "encrypted_data",
    _ct("authenticated_data"): "authenticated_data",
    _ct("compressed_data"): "compressed_data",
    _ct("authenticated_enveloped_data"): "authenticated_enveloped_data",
}

# --- readable names of algorithms met in the wild that we do not implement ------------------

OTHER_NAMES: dict[str, str] = {
    "1.3.6.1.4.1.188.7.1.1.2": "idea_cbc",
    "1.3.6.1.4.1.3029.1.2": "blowfish_cbc",
    _enc("rc4"): "rc4",
    _enc("rc5"): "rc5_cbc",
    "1.2.840.113549.3.10": "des_cdmf",
    "1.3.14.3.2.6": "des_ecb",
    "1.3.14.3.2.8": "des_ofb",
    "1.3.14.3.2.9": "des_cfb",
    "1.3.14.3.2.17": "des_ede",
    _enc("aes128_ecb"): "aes128_ecb",
    _enc("aes128_ofb"): "aes128_ofb",
    _enc("aes128_cfb"): "aes128_cfb",
    _enc("aes192_ecb"): "aes192_ecb",
    _enc("aes192_ofb"): "aes192_ofb",
    _enc("aes192_cfb"): "aes192_cfb",
    _enc("aes256_ecb"): "aes256_ecb",
    _enc("aes256_ofb"): "aes256_ofb",
    _enc("aes256_cfb"): "aes256_cfb",
    "1.2.840.113549.1.9.16.3.18": "chacha20_poly1305",
    "1.2.840.113549.1.9.16.3.7": "rc2_wrap",
    "1.2.840.113549.1.9.16.3.9": "pwri_kek",
    "1.2.840.113549.1.9.16.3.5": "esdh",
    "1.2.840.113549.1.9.16.3.10": "ssdh",
    "1.3.133.16.840.63.0.16": "ecmqv-sha1kdf",
    "1.3.132.1.15.0": "ecmqv-sha224kdf",
    "1.3.132.1.15.1": "ecmqv-sha256kdf",
    "1.3.132.1.15.2": "ecmqv-sha384kdf",
    "1.3.132.1.15.3": "ecmqv-sha512kdf",
    "1.2.643.2.2.21": "gost28147",
    "1.2.156.10197.1.104.2": "sm4_cbc",
    "1.2.410.200046.1.1.2": "aria128_cbc",
    "1.2.410.200046.1.1.7": "aria192_cbc",
    "1.2.410.200046.1.1.12": "aria256_cbc",
    _key("ec"): "ec_public_key",
    _key("dh"): "dh_public_number",
    _key("x25519"): "x25519",
    _key("x448"): "x448",
}


def algorithm_name(oid: str) -> str | None:
    """The readable name of ``oid``, or ``None`` when the OID is unknown to us."""
    if oid in CONTENT_ALGORITHMS:
        return CONTENT_ALGORITHMS[oid].name
    if oid in KEY_WRAPS:
        return KEY_WRAPS[oid][0]
    if oid in ECDH_SCHEMES:
        return ecdh_scheme_name(oid)
    if oid == RSA_PKCS1V15:
        return "rsaes_pkcs1v15"
    if oid == RSAES_OAEP:
        return "rsaes_oaep"
    return DIGESTS.get(oid) or CONTENT_TYPES.get(oid) or OTHER_NAMES.get(oid)


def ecdh_scheme_name(oid: str) -> str:
    """``ecdh-stdDH-sha256kdf`` / ``ecdh-cofactorDH-sha1kdf`` for a scheme OID."""
    digest, cofactor = ECDH_SCHEMES[oid]
    return f"ecdh-{'cofactorDH' if cofactor else 'stdDH'}-{digest}kdf"


def describe_oid(oid: str) -> str:
    """``"camellia128_cbc (1.2.392.200011.61.1.1.1.2)"``, or the bare OID when unknown."""
    name = algorithm_name(oid)
    return f"{name} ({oid})" if name else oid


# --- a generic AlgorithmIdentifier --------------------------------------------------------


class AnyAlgorithm(Sequence):
    """``AlgorithmIdentifier`` with its parameters left unparsed.

    asn1crypto's own classes parse parameters eagerly by OID and reject forms
    that real mail uses (e.g. the bare-IV RC2 parameter); this class keeps them
    as raw bytes for the code that knows each algorithm.
    """

    _fields: ClassVar[list] = [
        ("algorithm", ObjectIdentifier),
        ("parameters", Any, {"optional": True}),
    ]


def split_algorithm(value: Asn1Value | bytes) -> tuple[str, bytes | None]:
    """``(dotted OID, DER/BER bytes of the parameters or None)`` of any AlgorithmIdentifier.

    Absent parameters and an explicit NULL both give ``None``.  Raises
    ``ValueError`` when the bytes do not form an AlgorithmIdentifier.
    """
    raw = AnyAlgorithm.load(value if isinstance(value, bytes) else as_parsed(value))
    oid = raw["algorithm"].dotted
    params = raw["parameters"]
    if isinstance(params, Void) or params.contents is None:
        return oid, None
    encoded = as_parsed(params)
    if encoded == b"\x05\x00":
        return oid, None
    return oid, encoded


_CIPHERS = {
    "aes128_cbc": "AES-128-CBC",
    "aes192_cbc": "AES-192-CBC",
    "aes256_cbc": "AES-256-CBC",
    "aes128_gcm": "AES-128-GCM",
    "aes192_gcm": "AES-192-GCM",
    "aes256_gcm": "AES-256-GCM",
    "des_ede3_cbc": "3DES",
    "tripledes_3key": "3DES",
    "des_cbc": "DES",
    "des": "DES",
}


def cipher_label(algorithm: str) -> str:
    """``AES-256-CBC``, ``3DES``, ``RC2-40`` for an EncryptionInfo.content_algorithm."""
    if algorithm.startswith("rc2"):
        bits = algorithm.rpartition("/")[2]
        return f"RC2-{bits}" if bits.isdigit() else "RC2"
    return _CIPHERS.get(algorithm, algorithm)
