"""Password-based encryption as key files use it.

* RFC 7292 appendix B: the PKCS#12 key derivation (:func:`pkcs12_kdf`), the
  PKCS#12 PBE schemes (pbeWithSHAAnd3-KeyTripleDES-CBC, ...40BitRC2-CBC, RC4...)
  and the PKCS#12 MAC (:func:`pkcs12_mac`).
* RFC 8018: PBES1 (PBKDF1 with DES or RC2) and PBES2 (PBKDF2 with DES, 3DES,
  RC2 or AES in CBC mode, any HMAC-SHA PRF).

:func:`plan` reads an AlgorithmIdentifier once; the returned :class:`Plan`
then decrypts with as many candidate secrets as needed.  A secret is the exact
byte string the KDF takes (see :mod:`.passwords`): a BMPString for the PKCS#12
schemes (``plan.secret_kind == "bmp"``), octets for PBES1/PBES2.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from dataclasses import dataclass

from asn1crypto import algos, core
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import (
    BlockCipherAlgorithm,
    Cipher,
    algorithms,
    modes,
)

from smime_archiver.crypto import der
from smime_archiver.crypto.cms import rc2
from smime_archiver.errors import UnsupportedAlgorithmError
from smime_archiver.i18n import _

try:  # RC4 may be missing from a cryptography build without the legacy algorithms
    from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4
except ImportError:  # pragma: no cover
    ARC4 = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

MAX_ITERATIONS = 10_000_000  # far above any real key file; guards against a hostile count

# Algorithms by asn1crypto's names (the dotted OIDs the tables below are keyed by)
_cipher = algos.EncryptionAlgorithmId.unmap
_hmac = algos.HmacAlgorithmId.unmap
_digest = algos.DigestAlgorithmId.unmap

PBES2_OID = _cipher("pbes2")
PBKDF2_OID = algos.KdfAlgorithmId.unmap("pbkdf2")

# oid: (name, cipher, key length)
_PKCS12_SCHEMES = {
    _cipher("pkcs12_sha1_rc4_128"): ("pbeWithSHAAnd128BitRC4", "rc4", 16),
    _cipher("pkcs12_sha1_rc4_40"): ("pbeWithSHAAnd40BitRC4", "rc4", 5),
    _cipher("pkcs12_sha1_tripledes_3key"): ("pbeWithSHAAnd3-KeyTripleDES-CBC", "3des", 24),
    _cipher("pkcs12_sha1_tripledes_2key"): ("pbeWithSHAAnd2-KeyTripleDES-CBC", "3des", 16),
    _cipher("pkcs12_sha1_rc2_128"): ("pbeWithSHAAnd128BitRC2-CBC", "rc2", 16),
    _cipher("pkcs12_sha1_rc2_40"): ("pbeWithSHAAnd40BitRC2-CBC", "rc2", 5),
}
# oid: (name, hash, cipher) -- PKCS#5 v1.5 PBES1, 8-byte key and 8-byte IV from PBKDF1
_PBES1_SCHEMES = {
    _cipher("pbes1_md2_des"): ("pbeWithMD2AndDES-CBC", "md2", "des"),
    _cipher("pbes1_md5_des"): ("pbeWithMD5AndDES-CBC", "md5", "des"),
    _cipher("pbes1_md2_rc2"): ("pbeWithMD2AndRC2-CBC", "md2", "rc2"),
    _cipher("pbes1_md5_rc2"): ("pbeWithMD5AndRC2-CBC", "md5", "rc2"),
    _cipher("pbes1_sha1_des"): ("pbeWithSHA1AndDES-CBC", "sha1", "des"),
    _cipher("pbes1_sha1_rc2"): ("pbeWithSHA1AndRC2-CBC", "sha1", "rc2"),
}
# PBES2 encryption schemes: oid: (name, cipher, key length or None for RC2)
_PBES2_CIPHERS = {
    _cipher("des"): ("des-cbc", "des", 8),
    _cipher("tripledes_3key"): ("des-ede3-cbc", "3des", 24),
    _cipher("rc2"): ("rc2-cbc", "rc2", None),
    _cipher("aes128_cbc"): ("aes-128-cbc", "aes", 16),
    _cipher("aes192_cbc"): ("aes-192-cbc", "aes", 24),
    _cipher("aes256_cbc"): ("aes-256-cbc", "aes", 32),
}
_PRFS = {
    _hmac("sha1"): "sha1",
    _hmac("sha224"): "sha224",
    _hmac("sha256"): "sha256",
    _hmac("sha384"): "sha384",
    _hmac("sha512"): "sha512",
    _hmac("sha512_224"): "sha512_224",
    _hmac("sha512_256"): "sha512_256",
}
# digest algorithms a PKCS#12 MacData may name
_DIGESTS = {
    _digest("md5"): "md5",
    _digest("sha1"): "sha1",
    _digest("sha224"): "sha224",
    _digest("sha256"): "sha256",
    _digest("sha384"): "sha384",
    _digest("sha512"): "sha512",
    _digest("sha512_224"): "sha512_224",
    _digest("sha512_256"): "sha512_256",
}

_BLOCK = {"aes": 16, "3des": 8, "des": 8, "rc2": 8}


class PBEError(Exception):
    """The parameters or the ciphertext are malformed (a damaged file, not a wrong password)."""


class UnsupportedPBEError(PBEError):
    """An algorithm we do not implement."""

    def __init__(self, oid: str, name: str | None = None):
        super().__init__(f"unsupported algorithm {name or oid} ({oid})")
        self.oid = oid
        self.name = name or oid


class DecryptionFailed(PBEError):
    """The padding is wrong: the secret (password) does not fit."""


# --- key derivation ------------------------------------------------------------------------


def _check_iterations(iterations: int) -> int:
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise PBEError(_("the iteration count {n} is out of range").format(n=iterations))
    return iterations


def pkcs12_kdf(
    hash_name: str, secret: bytes, salt: bytes, iterations: int, purpose: int, length: int
) -> bytes:
    """RFC 7292 B.2.  ``purpose``: 1 key, 2 IV, 3 MAC key.  ``secret``: a BMPString or b""."""
    _check_iterations(iterations)
    try:
        v = hashlib.new(hash_name).block_size
    except ValueError as e:
        raise UnsupportedPBEError(hash_name, hash_name) from e

    # hashlib.sha1 & co. are about twice as fast as hashlib.new in the hot loop
    new = getattr(hashlib, hash_name, None) or functools.partial(hashlib.new, hash_name)

    def stretch(value: bytes) -> bytes:
        if not value:
            return b""
        size = v * -(-len(value) // v)
        return (value * (size // len(value) + 1))[:size]

    d = bytes([purpose]) * v
    i = bytearray(stretch(salt) + stretch(secret))
    modulus = 1 << (8 * v)
    out = bytearray()
    while True:
        a = new(d + bytes(i)).digest()
        for _round in range(iterations - 1):
            a = new(a).digest()
        out += a
        if len(out) >= length:
            return bytes(out[:length])
        b = int.from_bytes((a * (v // len(a) + 1))[:v], "big") + 1
        for j in range(0, len(i), v):
            block = (int.from_bytes(i[j : j + v], "big") + b) % modulus
            i[j : j + v] = block.to_bytes(v, "big")


def pbkdf1(hash_name: str, secret: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """RFC 8018 5.1 (PBES1): iterated hash of password || salt."""
    _check_iterations(iterations)
    try:
        digest = hashlib.new(hash_name, secret + salt).digest()
    except ValueError as e:  # md2 is gone from OpenSSL 3
        raise UnsupportedPBEError(hash_name, hash_name) from e
    for _round in range(iterations - 1):
        digest = hashlib.new(hash_name, digest).digest()
    return digest[:length]


# --- MAC -----------------------------------------------------------------------------------


def mac_hash_name(digest_oid: str) -> str:
    """hashlib name of a MacData digest algorithm; raises :class:`UnsupportedPBEError`."""
    try:
        return _DIGESTS[digest_oid]
    except KeyError:
        raise UnsupportedPBEError(digest_oid) from None


def pkcs12_mac(hash_name: str, secret: bytes, salt: bytes, iterations: int, data: bytes) -> bytes:
    """The HMAC of RFC 7292 section 5 over ``data`` (the authSafe content octets)."""
    size = hashlib.new(hash_name).digest_size
    key = pkcs12_kdf(hash_name, secret, salt, iterations, 3, size)
    return hmac.new(key, data, hash_name).digest()


def verify_mac(
    hash_name: str, secret: bytes, salt: bytes, iterations: int, data: bytes, expected: bytes
) -> bool:
    return hmac.compare_digest(pkcs12_mac(hash_name, secret, salt, iterations, data), expected)


# --- ciphers -------------------------------------------------------------------------------


def run_cipher(
    cipher: str, key: bytes, iv: bytes, data: bytes, rc2_bits: int, *, decrypt: bool
) -> bytes:
    if cipher == "rc4":
        if ARC4 is None:  # pragma: no cover - a build without RC4
            raise UnsupportedPBEError(_cipher("rc4"), "rc4")
        stream = Cipher(ARC4(key), mode=None)
        op = stream.decryptor() if decrypt else stream.encryptor()
        return op.update(data) + op.finalize()
    block = _BLOCK[cipher]
    if len(iv) != block:
        raise PBEError(
            _("an IV of {n} bytes does not fit {cipher}").format(n=len(iv), cipher=cipher)
        )
    if decrypt:
        if not data or len(data) % block:
            raise PBEError(
                _("the encrypted data ({n} bytes) is not a whole number of cipher blocks").format(
                    n=len(data)
                )
            )
    else:
        pad = block - len(data) % block
        data = data + bytes([pad]) * pad
    if cipher == "rc2":
        if decrypt:
            out = rc2.rc2_cbc_decrypt(key, iv, data, rc2_bits)
        else:
            return rc2.rc2_cbc_encrypt(key, iv, data, rc2_bits)
    else:
        algorithm: BlockCipherAlgorithm
        if cipher == "aes":
            algorithm = algorithms.AES(key)
        else:  # single DES is 3DES with K1 = K2 = K3; 2-key 3DES is K1 K2 K1
            full = {8: key * 3, 16: key + key[:8]}.get(len(key), key)
            algorithm = TripleDES(full)
        ctx = Cipher(algorithm, modes.CBC(iv))
        op = ctx.decryptor() if decrypt else ctx.encryptor()
        out = op.update(data) + op.finalize()
        if not decrypt:
            return out
    pad = out[-1]
    if not 1 <= pad <= block or out[-pad:] != bytes([pad]) * pad:
        raise DecryptionFailed("bad padding")
    return out[:-pad]


@dataclass(frozen=True)
class Plan:
    """One parsed password-based encryption AlgorithmIdentifier."""

    oid: str
    name: str
    secret_kind: str  # "bmp" (PKCS#12 KDF) or "octets" (PBKDF1/PBKDF2)
    cipher: str
    key_length: int
    salt: bytes
    iterations: int
    kdf: str  # "pkcs12" | "pbkdf1" | "pbkdf2"
    hash_name: str
    iv: bytes = b""  # PBES2 carries the IV; the others derive it
    rc2_bits: int = 0

    def derive(self, secret: bytes) -> tuple[bytes, bytes]:
        if self.kdf == "pkcs12":
            key = pkcs12_kdf(self.hash_name, secret, self.salt, self.iterations, 1,
                             self.key_length)
            iv = b"" if self.cipher == "rc4" else pkcs12_kdf(
                self.hash_name, secret, self.salt, self.iterations, 2, 8)
            return key, iv
        if self.kdf == "pbkdf1":
            dk = pbkdf1(self.hash_name, secret, self.salt, self.iterations, 16)
            return dk[:8], dk[8:16]
        key = hashlib.pbkdf2_hmac(self.hash_name, secret, self.salt, self.iterations,
                                  self.key_length)
        return key, self.iv

    def decrypt(self, data: bytes, secret: bytes) -> bytes:
        """Plaintext without padding; :class:`DecryptionFailed` when the padding is wrong."""
        key, iv = self.derive(secret)
        return run_cipher(self.cipher, key, iv, data, self.rc2_bits, decrypt=True)

    def encrypt(self, data: bytes, secret: bytes) -> bytes:
        """The inverse (used to build test fixtures that no tool writes any more)."""
        key, iv = self.derive(secret)
        return run_cipher(self.cipher, key, iv, data, self.rc2_bits, decrypt=False)


def _params(algorithm: algos.EncryptionAlgorithm) -> bytes:
    value = algorithm["parameters"]
    if isinstance(value, core.Void):
        raise PBEError(_("the encryption parameters are missing"))
    return der.as_parsed(value)


def plan(algorithm: algos.EncryptionAlgorithm) -> Plan:
    """Parse an encryption AlgorithmIdentifier.

    Raises :class:`UnsupportedPBEError` (naming the OID) or :class:`PBEError`.
    """
    oid = algorithm["algorithm"].dotted
    try:
        if oid in _PKCS12_SCHEMES:
            name, cipher, key_length = _PKCS12_SCHEMES[oid]
            params = algos.Pbes1Params.load(_params(algorithm))
            return Plan(oid, name, "bmp", cipher, key_length, params["salt"].native,
                        _check_iterations(params["iterations"].native), "pkcs12", "sha1",
                        rc2_bits=key_length * 8)
        if oid in _PBES1_SCHEMES:
            name, hash_name, cipher = _PBES1_SCHEMES[oid]
            if hash_name == "md2":
                raise UnsupportedPBEError(oid, name)
            params = algos.Pbes1Params.load(_params(algorithm))
            return Plan(oid, name, "octets", cipher, 8, params["salt"].native,
                        _check_iterations(params["iterations"].native), "pbkdf1", hash_name,
                        rc2_bits=64)
        if oid == PBES2_OID:
            return _plan_pbes2(algorithm)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise PBEError(_("the parameters of {oid} are malformed").format(oid=oid)) from e
    raise UnsupportedPBEError(oid)


def _plan_pbes2(algorithm: algos.EncryptionAlgorithm) -> Plan:
    params = algos.Pbes2Params.load(_params(algorithm))
    kdf_oid = params["key_derivation_func"]["algorithm"].dotted
    if kdf_oid != PBKDF2_OID:
        raise UnsupportedPBEError(kdf_oid, "scrypt" if kdf_oid.endswith("11591.4.11") else None)
    kdf = params["key_derivation_func"]["parameters"]
    salt = kdf["salt"]
    if salt.name != "specified":
        raise UnsupportedPBEError(PBKDF2_OID, "PBKDF2 with a non-literal salt")
    prf_oid = kdf["prf"]["algorithm"].dotted
    if prf_oid not in _PRFS:
        raise UnsupportedPBEError(prf_oid)
    scheme = params["encryption_scheme"]
    cipher_oid = scheme["algorithm"].dotted
    if cipher_oid not in _PBES2_CIPHERS:
        raise UnsupportedPBEError(cipher_oid)
    name, cipher, key_length = _PBES2_CIPHERS[cipher_oid]
    stated = kdf["key_length"].native
    rc2_bits = 0
    if cipher == "rc2":
        rc2_params = algos.Rc2Params.load(der.as_parsed(scheme["parameters"]))
        iv = rc2_params["iv"].native
        try:
            rc2_bits = rc2.effective_bits_from_version(rc2_params["rc2_parameter_version"].native)
        except UnsupportedAlgorithmError as e:
            raise UnsupportedPBEError(cipher_oid, str(e.name)) from e
        key_length = stated or 16
    else:
        iv = scheme["parameters"].native
        if stated is not None and stated != key_length:
            raise PBEError(
                _("a key length of {n} does not fit {name}").format(n=stated, name=name)
            )
    if not isinstance(iv, bytes):
        raise PBEError(_("the IV is missing"))
    return Plan(PBES2_OID, f"PBES2/PBKDF2-{_PRFS[prf_oid]}/{name}", "octets", cipher,
                int(key_length or 0), salt.chosen.native,
                _check_iterations(kdf["iteration_count"].native), "pbkdf2", _PRFS[prf_oid],
                iv=iv, rc2_bits=rc2_bits)
