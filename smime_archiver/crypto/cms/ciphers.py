"""Content ciphers of EnvelopedData and AuthEnvelopedData, with strict padding checks.

:func:`parse_content_cipher` reads a contentEncryptionAlgorithm (OID and
parameters) into a :class:`ContentCipher`; its ``decrypt`` methods raise
:class:`DecryptError` whenever the result cannot be right (bad CBC padding,
failed authentication tag), so that a wrong key is never mistaken for the
right one.  Unknown OIDs raise :class:`UnsupportedAlgorithmError`, broken
parameters :class:`MalformedMessageError`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from asn1crypto import core
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers import algorithms as decrepit
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from smime_archiver.crypto.cms import rc2
from smime_archiver.crypto.cms.algorithms import (
    CONTENT_ALGORITHMS,
    ContentAlgorithm,
    algorithm_name,
)
from smime_archiver.errors import MalformedMessageError, UnsupportedAlgorithmError
from smime_archiver.i18n import _

log = logging.getLogger(__name__)


class DecryptError(ValueError):
    """The content does not decrypt under this key (wrong key, or damaged ciphertext)."""


class _Cast5Params(core.Sequence):  # RFC 2144 / RFC 2984
    _fields: ClassVar[list] = [
        ("iv", core.OctetString, {"default": b"\x00" * 8}),
        ("key_length", core.Integer),
    ]


class _Rc2Params(core.Sequence):  # RFC 2268 section 6
    _fields: ClassVar[list] = [("version", core.Integer), ("iv", core.OctetString)]


class _AeadParams(core.Sequence):  # RFC 5084: GCMParameters and CCMParameters
    _fields: ClassVar[list] = [
        ("nonce", core.OctetString),
        ("icv_len", core.Integer, {"default": 12}),
    ]


@dataclass(frozen=True)
class ContentCipher:
    """A parsed content-encryption algorithm, ready to decrypt with a candidate key."""

    oid: str
    algorithm: ContentAlgorithm
    iv: bytes  # the IV, or the nonce of an AEAD mode
    effective_bits: int | None = None  # RC2 only
    tag_length: int = 0  # AEAD only
    key_sizes: frozenset[int] = frozenset()

    @property
    def name(self) -> str:
        """``"aes256_cbc"``, ``"rc2_cbc/40"``, ``"aes128_gcm"``."""
        if self.effective_bits is not None:
            return f"{self.algorithm.name}/{self.effective_bits}"
        return self.algorithm.name

    @property
    def aead(self) -> bool:
        return self.algorithm.mode in ("gcm", "ccm")

    def key_fits(self, key: bytes) -> bool:
        """A CEK of the wrong length comes from a wrong key (or a damaged message)."""
        return len(key) in (self.key_sizes or self.algorithm.key_sizes)

    def check_ciphertext(self, ciphertext: bytes) -> None:
        """Raise :class:`MalformedMessageError` for ciphertext no key can decrypt."""
        block = self.algorithm.block_size
        if not self.aead and (not ciphertext or len(ciphertext) % block):
            raise MalformedMessageError(
                _(
                    "The encrypted content is {size} bytes long, which is not a whole number "
                    "of {block}-byte cipher blocks: the message is truncated or damaged."
                ).format(size=len(ciphertext), block=block)
            )

    def decrypt(self, key: bytes, ciphertext: bytes) -> bytes:
        """CBC-decrypt and strip the padding; :class:`DecryptError` if the padding is wrong."""
        if self.aead:
            raise TypeError("use decrypt_aead for an authenticated cipher")
        if not self.key_fits(key):
            raise DecryptError(f"a {len(key)}-byte key does not fit {self.name}")
        block = self.algorithm.block_size
        if not ciphertext or len(ciphertext) % block:
            raise DecryptError("ciphertext is not a whole number of blocks")
        padded = self._cbc_decrypt(key, ciphertext)
        return strip_padding(padded, block)

    def padding_ok(self, key: bytes, ciphertext: bytes) -> bool:
        """Decrypt only the last block and check its padding: a cheap first test of a key."""
        block = self.algorithm.block_size
        if self.aead or not self.key_fits(key) or not ciphertext or len(ciphertext) % block:
            return False
        iv = ciphertext[-2 * block : -block] if len(ciphertext) > block else self.iv
        try:
            strip_padding(self._cbc_decrypt(key, ciphertext[-block:], iv), block)
        except DecryptError:
            return False
        return True

    def decrypt_prefix(self, key: bytes, ciphertext: bytes, size: int) -> bytes:
        """The first ``size`` bytes of plaintext (padding not removed), ``size`` whole blocks."""
        if size % self.algorithm.block_size:
            raise ValueError("the prefix must be whole blocks")
        return self._cbc_decrypt(key, ciphertext[:size])

    def decrypt_aead(self, key: bytes, ciphertext: bytes, tag: bytes, aad: bytes) -> bytes:
        """Decrypt and verify the authentication tag (``mac`` of AuthEnvelopedData)."""
        if not self.key_fits(key):
            raise DecryptError(f"a {len(key)}-byte key does not fit {self.name}")
        if len(tag) != self.tag_length:
            raise DecryptError("the authentication tag has the wrong length")
        try:
            if self.algorithm.mode == "gcm":
                dec = Cipher(
                    algorithms.AES(key), modes.GCM(self.iv, tag, min_tag_length=len(tag))
                ).decryptor()
                dec.authenticate_additional_data(aad)
                return dec.update(ciphertext) + dec.finalize()
            return AESCCM(key, tag_length=len(tag)).decrypt(self.iv, ciphertext + tag, aad)
        except InvalidTag as e:
            raise DecryptError("authentication tag mismatch") from e

    def _cbc_decrypt(self, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
        family = self.algorithm.family
        iv = self.iv if iv is None else iv
        if family == "rc2":
            bits = self.effective_bits or 32
            if len(key) == 16 and bits == 128:
                return _cbc(decrepit.RC2(key), iv, data)
            return rc2.rc2_cbc_decrypt(key, iv, data, bits)
        if family == "des":
            return _cbc(decrepit.TripleDES(key * 3), iv, data)
        if family == "des_ede3":
            return _cbc(decrepit.TripleDES(key if len(key) == 24 else key + key[:8]), iv, data)
        if family == "aes":
            return _cbc(algorithms.AES(key), iv, data)
        if family == "camellia":
            return _cbc(decrepit.Camellia(key), iv, data)
        if family == "cast5":
            return _cbc(decrepit.CAST5(key), iv, data)
        if family == "seed":
            return _cbc(decrepit.SEED(key), iv, data)
        raise AssertionError(family)


def _cbc(algorithm: CipherAlgorithm, iv: bytes, data: bytes) -> bytes:
    dec = Cipher(algorithm, modes.CBC(iv)).decryptor()
    return dec.update(data) + dec.finalize()


def strip_padding(padded: bytes, block: int) -> bytes:
    """Remove PKCS#7 padding, insisting on 1..block bytes all equal to the pad length."""
    if not padded:
        raise DecryptError("nothing to unpad")
    n = padded[-1]
    if not 1 <= n <= block or n > len(padded) or padded[-n:] != bytes([n]) * n:
        raise DecryptError("bad padding")
    return padded[:-n]


def pad(data: bytes, block: int) -> bytes:
    """PKCS#7 padding (the encrypt direction, for tests and tools)."""
    n = block - len(data) % block
    return data + bytes([n]) * n


# --- parameters ---------------------------------------------------------------------------


def _damaged(name: str) -> MalformedMessageError:
    return MalformedMessageError(
        _(
            "The parameters of the content cipher {cipher} are damaged, so the message "
            "cannot be decrypted."
        ).format(cipher=name)
    )


def unsupported_cipher(oid: str) -> UnsupportedAlgorithmError:
    name = algorithm_name(oid)
    return UnsupportedAlgorithmError(
        _(
            "The message content is encrypted with {algorithm}, which this program does not "
            "support. Open the message in the mail program that received it."
        ).format(algorithm=f"{name} ({oid})" if name else oid),
        oid=oid,
        name=name,
    )


def _octets(params: bytes | None, size: int | None, name: str) -> bytes:
    if params is None:
        raise _damaged(name)
    try:
        value = core.OctetString.load(params, strict=True).native
    except ValueError as e:
        raise _damaged(name) from e
    if size is not None and len(value) != size:
        raise _damaged(name)
    return value


def parse_content_cipher(oid: str, params: bytes | None) -> ContentCipher:
    """Read a contentEncryptionAlgorithm (OID and raw parameters) into a :class:`ContentCipher`."""
    spec = CONTENT_ALGORITHMS.get(oid)
    if spec is None:
        raise unsupported_cipher(oid)
    if spec.mode in ("gcm", "ccm"):
        return _parse_aead(oid, spec, params)
    if spec.family == "rc2":
        return _parse_rc2(oid, spec, params)
    if spec.family == "cast5" and params is not None and params[:1] == b"\x30":
        try:
            cast = _Cast5Params.load(params, strict=True)
            iv, bits = cast["iv"].native, cast["key_length"].native
        except ValueError as e:
            raise _damaged(spec.name) from e
        if len(iv) != 8 or bits % 8 or not 40 <= bits <= 128:
            raise _damaged(spec.name)
        return ContentCipher(oid, spec, iv, key_sizes=frozenset({bits // 8}))
    return ContentCipher(oid, spec, _octets(params, spec.block_size, spec.name))


def _parse_rc2(oid: str, spec: ContentAlgorithm, params: bytes | None) -> ContentCipher:
    if params is not None and params[:1] == b"\x04":  # the old form: the IV alone
        return ContentCipher(oid, spec, _octets(params, 8, spec.name), effective_bits=32)
    if params is None:
        raise _damaged(spec.name)
    try:
        rc2_params = _Rc2Params.load(params, strict=True)
        version, iv = rc2_params["version"].native, rc2_params["iv"].native
    except ValueError as e:
        raise _damaged(spec.name) from e
    if len(iv) != 8:
        raise _damaged(spec.name)
    return ContentCipher(oid, spec, iv, effective_bits=rc2.effective_bits_from_version(version))


def _parse_aead(oid: str, spec: ContentAlgorithm, params: bytes | None) -> ContentCipher:
    if params is None:
        raise _damaged(spec.name)
    try:
        aead = _AeadParams.load(params, strict=True)
        nonce, icv_len = aead["nonce"].native, aead["icv_len"].native
    except ValueError as e:
        raise _damaged(spec.name) from e
    if spec.mode == "gcm":
        ok = 8 <= len(nonce) <= 128 and 12 <= icv_len <= 16
    else:
        ok = 7 <= len(nonce) <= 13 and icv_len in (4, 6, 8, 10, 12, 14, 16)
    if not ok:
        log.info(
            "%s parameters out of range: nonce %d bytes, ICV %d", spec.name, len(nonce), icv_len
        )
        raise _damaged(spec.name)
    return ContentCipher(oid, spec, nonce, tag_length=icv_len)
