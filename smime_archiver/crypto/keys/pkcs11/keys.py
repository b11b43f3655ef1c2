"""Private keys that stay on a token, used where the unwrap code expects a key file's key.

:class:`TokenRSAPrivateKey` and :class:`TokenECPrivateKey` *are*
``cryptography`` private keys (subclasses of its abstract classes), so the key
store and the recipient code use them unchanged: ``decrypt(data, padding)``
runs ``C_Decrypt`` on the token with ``CKM_RSA_PKCS`` or ``CKM_RSA_PKCS_OAEP``
(hash, MGF1 hash and label from the padding object); ``exchange(ECDH(), peer)``
runs ``C_DeriveKey`` with ``CKM_ECDH1_DERIVE`` and returns the raw shared
secret.  A token that refuses OAEP parameters (SoftHSM and many cards offer
OAEP with SHA-1 only) decrypts with ``CKM_RSA_X_509`` and the padding is checked
here (:mod:`.rawrsa`); the private-key operation is always the token's.

A wrong key "succeeding" is handled as for key files: a refused decryption is a
``ValueError`` (the caller tries the next key), and a PKCS#1 v1.5 result that
is really random bytes goes through the same CEK, padding and plausibility
checks in :mod:`smime_archiver.crypto.cms.envelope`.

Each key carries a :class:`TokenKeyRef` (module, token serial, key ``CKA_ID``,
certificate; no PIN) from which a worker process re-opens it with
:func:`reopen_entries`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import pkcs11
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as apadding
from pkcs11 import KDF, MGF, Attribute, KeyType, Mechanism, ObjectClass, PKCS11Error

from smime_archiver.crypto.keys.pkcs11 import rawrsa, texts
from smime_archiver.crypto.keys.pkcs11.module import TokenRef
from smime_archiver.crypto.keys.pkcs11.session import TokenSession
from smime_archiver.errors import TokenError
from smime_archiver.i18n import _

log = logging.getLogger(__name__)

# C_Decrypt answers that mean "this key does not fit this ciphertext" (SoftHSM says
# CKR_GENERAL_ERROR for bad PKCS#1 v1.5 padding).
_NO_FIT = (pkcs11.EncryptedDataInvalid, pkcs11.EncryptedDataLenRange, pkcs11.DataInvalid,
           pkcs11.DataLenRange, pkcs11.GeneralError, pkcs11.FunctionFailed)
# ... and answers that mean "not with this mechanism or these parameters".
_REFUSED = (pkcs11.MechanismInvalid, pkcs11.MechanismParamInvalid, pkcs11.ArgumentsBad,
            pkcs11.FunctionNotSupported, pkcs11.KeyTypeInconsistent,
            pkcs11.TemplateInconsistent, pkcs11.TemplateIncomplete, pkcs11.AttributeSensitive)
_HASH_MECHANISMS = {"sha1": (Mechanism.SHA_1, MGF.SHA1), "sha224": (Mechanism.SHA224, MGF.SHA224),
                    "sha256": (Mechanism.SHA256, MGF.SHA256),
                    "sha384": (Mechanism.SHA384, MGF.SHA384),
                    "sha512": (Mechanism.SHA512, MGF.SHA512)}


@dataclass(frozen=True)
class TokenKeyRef:
    """How to find one token key again, in another process: no PIN, nothing secret."""

    token: TokenRef
    key_id: bytes
    label: str
    kind: str  # "rsa" | "ec"
    public_key_der: bytes  # SubjectPublicKeyInfo, to be sure the same key was found
    certificate_der: bytes | None = None
    chain_der: tuple[bytes, ...] = field(default=())
    always_authenticate: bool = False  # CKA_ALWAYS_AUTHENTICATE: the PIN again per operation

    @property
    def uri(self) -> str:
        """An RFC 7512 PKCS#11 URI for the key: how the report names where it lives."""
        return _uri(self.token, self.key_id)


def _uri(token: TokenRef, key_id: bytes) -> str:
    def pct(value: bytes) -> str:
        keep = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
        return "".join(chr(b) if b in keep else f"%{b:02X}" for b in value)

    parts = [f"token={pct(token.label.encode())}"]
    if token.serial:
        parts.append(f"serial={pct(token.serial.encode())}")
    parts.append(f"id={pct(key_id)}")
    return "pkcs11:" + ";".join(parts) + ";type=private"


class _TokenKey:
    """What both token key classes share: the session, the handle, running an operation."""

    def _setup(self, session: TokenSession, ref: TokenKeyRef) -> None:
        self._session = session
        self.ref = ref
        self._always_authenticate = ref.always_authenticate
        self._cached: tuple[int, Any] | None = None
        self._mechanisms: frozenset[int] | None = None
        self._refusals: dict[str, str] = {}  # mechanism (readable) -> why the token refused

    @property
    def token(self) -> TokenRef:
        return self.ref.token

    def describe_token(self) -> str:
        return self._session.describe()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.ref.uri!r})"

    def __reduce__(self):
        raise TypeError("a token key is never pickled; send its TokenKeyRef (and the PIN apart)")

    def __copy__(self):
        return self

    def __deepcopy__(self, memo: dict):
        return self

    def private_bytes(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("the private key never leaves the token")

    def private_numbers(self) -> NoReturn:
        raise TypeError("the private key never leaves the token")

    def sign(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise UnsupportedAlgorithm("signing with a token key is not supported")

    def check(self) -> None:
        """Raise :class:`TokenRemovedError` unless the key is on the token now (asks it)."""
        self._session.run(self._find)

    def _handle(self, session: Any) -> Any:
        if self._cached is not None and self._cached[0] == self._session.generation:
            return self._cached[1]
        return self._find(session)

    def _find(self, session: Any) -> Any:
        generation = self._session.generation
        self._session.ensure_present()
        key_type = KeyType.RSA if self.ref.kind == "rsa" else KeyType.EC
        found = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                                          Attribute.ID: self.ref.key_id,
                                          Attribute.KEY_TYPE: key_type}))
        chosen = next((obj for obj in found if self._same_key(obj)), None)
        if chosen is None:
            raise texts.removed(self.describe_token(), self.ref.token.module,
                                _("the key is no longer on the token"))
        self._cached = (generation, chosen)
        return chosen

    def _same_key(self, obj: Any) -> bool:
        return True

    def _run(self, operation: Callable[[Any], Any], what: str, needs: str) -> Any:
        """``operation(key object)`` on the token; a refused mechanism raises :class:`_Refused`.

        ``needs``: the key attribute that allows the operation (``CKA_DECRYPT``, ``CKA_DERIVE``);
        python-pkcs11 offers the method only when the token says it is true.
        """
        method = {"CKA_DECRYPT": "decrypt", "CKA_DERIVE": "derive_key"}[needs]

        def call(session: Any) -> Any:
            key = self._handle(session)
            if not hasattr(key, method):
                raise _NotPermitted(_("the key's {attribute} is false").format(attribute=needs))
            return operation(key)

        try:
            return self._session.run(call)
        except _NO_FIT as e:
            raise ValueError(f"the token could not {what} with this key ({texts.ckr_name(e)})"
                             ) from e
        except _REFUSED as e:
            raise _Refused(texts.ckr_name(e)) from e
        except TokenError:
            raise
        except PKCS11Error as e:
            if "0x68" in str(e):  # CKR_KEY_FUNCTION_NOT_PERMITTED, unnamed by python-pkcs11
                raise _NotPermitted("CKR_KEY_FUNCTION_NOT_PERMITTED") from e
            raise texts.failed(self.describe_token(), self.ref.token.module,
                               texts.ckr_name(e)) from e

    def mechanisms(self) -> frozenset[int]:
        """The mechanisms the token offers (``C_GetMechanismList``), asked once."""
        if self._mechanisms is None:
            try:
                found = self._session.run(lambda s: s.token.slot.get_mechanisms())
                self._mechanisms = frozenset(int(m) for m in found)
            except PKCS11Error as e:
                log.debug("no mechanism list from %s: %s", self.ref.token.serial, e)
                self._mechanisms = frozenset()
        return self._mechanisms

    def _refused(self, name: str, detail: str) -> TokenError:
        return texts.mechanism(self.describe_token(), self.ref.token.module, name, detail)


class _Refused(Exception):
    """The token refused the mechanism or its parameters (internal)."""


class _NotPermitted(_Refused):
    """The token does not let this key do this at all, whatever the mechanism (internal)."""


class TokenRSAPrivateKey(_TokenKey, rsa.RSAPrivateKey):
    """An RSA private key on a token: decryption happens there."""

    def __init__(self, session: TokenSession, ref: TokenKeyRef, public: rsa.RSAPublicKey):
        self._setup(session, ref)
        self._public = public

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    def _same_key(self, obj: Any) -> bool:
        try:
            modulus = int.from_bytes(obj[Attribute.MODULUS], "big")
        except PKCS11Error:
            return True  # the token does not show the modulus: trust the CKA_ID
        return modulus == self._public.public_numbers().n

    def decrypt(self, ciphertext: bytes, padding: apadding.AsymmetricPadding) -> bytes:
        if isinstance(padding, apadding.PKCS1v15):
            return self._decrypt(ciphertext, Mechanism.RSA_PKCS, None, _("RSA PKCS#1 v1.5"),
                                 lambda em, k: rawrsa.pkcs1v15_decode(em, k))
        if isinstance(padding, apadding.OAEP):
            return self._decrypt_oaep(ciphertext, padding)
        raise UnsupportedAlgorithm(f"padding {padding.name} is not offered for token keys")

    def _decrypt_oaep(self, ciphertext: bytes, padding: apadding.OAEP) -> bytes:
        algorithm = padding.algorithm
        mgf_algorithm = getattr(padding.mgf, "_algorithm", algorithm)
        label = getattr(padding, "_label", None) or b""
        name = _("RSA-OAEP ({hash}, MGF1 {mgf})").format(
            hash=algorithm.name.upper(), mgf=mgf_algorithm.name.upper())
        hash_mech = _HASH_MECHANISMS.get(algorithm.name.replace("-", ""))
        mgf = _HASH_MECHANISMS.get(mgf_algorithm.name.replace("-", ""))
        param = (hash_mech[0], mgf[1], label or None) if hash_mech and mgf else None

        def decode(em: bytes, k: int) -> bytes:
            return rawrsa.oaep_decode(em, k, algorithm, mgf_algorithm, label)

        if param is None:  # e.g. SHA-3: no PKCS#11 OAEP constants, but raw RSA works
            return self._raw(ciphertext, name, decode, "CKR_MECHANISM_PARAM_INVALID")
        return self._decrypt(ciphertext, Mechanism.RSA_PKCS_OAEP, param, name, decode)

    def _decrypt(self, ciphertext: bytes, mechanism: Mechanism, param: Any, name: str,
                 decode: Callable[[bytes, int], bytes]) -> bytes:
        pin = self._session._pin if self._always_authenticate else None
        offered = self.mechanisms()
        detail = self._refusals.get(name)  # asked before: go straight to raw RSA
        if detail is None and offered and int(mechanism) not in offered:
            detail = _("not in the token's mechanism list")
        if detail is None:
            try:
                return self._run(lambda key: key.decrypt(ciphertext, mechanism=mechanism,
                                                         mechanism_param=param, pin=pin),
                                 "decrypt", "CKA_DECRYPT")
            except _NotPermitted as e:
                raise self._refused(name, str(e)) from e
            except _Refused as e:
                detail = self._refusals[name] = str(e)
        return self._raw(ciphertext, name, decode, detail)

    def _raw(self, ciphertext: bytes, name: str, decode: Callable[[bytes, int], bytes],
             detail: str) -> bytes:
        """Raw RSA (``CKM_RSA_X_509``) on the token, the padding checked here."""
        offered = self.mechanisms()
        if offered and int(Mechanism.RSA_X_509) not in offered:
            raise self._refused(name, detail)
        pin = self._session._pin if self._always_authenticate else None
        k = (self.key_size + 7) // 8
        try:
            em = self._run(lambda key: key.decrypt(ciphertext.rjust(k, b"\x00"),
                                                   mechanism=Mechanism.RSA_X_509, pin=pin),
                           "decrypt", "CKA_DECRYPT")
        except _Refused as e:
            raise self._refused(name, f"{detail}; CKM_RSA_X_509: {e}") from e
        log.debug("token %s: %s through raw RSA", self.ref.token.serial, name)
        return decode(em, k)


class TokenECPrivateKey(_TokenKey, ec.EllipticCurvePrivateKey):
    """An EC private key on a token: ECDH happens there (``CKM_ECDH1_DERIVE``)."""

    def __init__(self, session: TokenSession, ref: TokenKeyRef,
                 public: ec.EllipticCurvePublicKey):
        self._setup(session, ref)
        self._public = public

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve

    @property
    def key_size(self) -> int:
        return self._public.curve.key_size

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    def exchange(self, algorithm: ec.ECDH, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        if not isinstance(algorithm, ec.ECDH):
            raise UnsupportedAlgorithm("only ECDH is offered for token keys")
        if peer_public_key.curve.name != self.curve.name:
            raise ValueError("the peer key is on another curve")
        point = peer_public_key.public_bytes(serialization.Encoding.X962,
                                             serialization.PublicFormat.UncompressedPoint)
        size = (self.curve.key_size + 7) // 8
        name = _("ECDH (CKM_ECDH1_DERIVE)")
        if self.mechanisms() and int(Mechanism.ECDH1_DERIVE) not in self.mechanisms():
            raise self._refused(name, _("not in the token's mechanism list"))

        def derive(key: Any) -> bytes:
            secret = key.derive_key(
                KeyType.GENERIC_SECRET, size * 8, mechanism=Mechanism.ECDH1_DERIVE,
                mechanism_param=(KDF.NULL, None, point),
                template={Attribute.TOKEN: False, Attribute.SENSITIVE: False,
                          Attribute.EXTRACTABLE: True})
            try:
                return bytes(secret[Attribute.VALUE])
            finally:
                secret.destroy()  # a session object per message would pile up on the token

        try:
            return self._run(derive, "agree on a key", "CKA_DERIVE")
        except _Refused as e:
            raise self._refused(name, str(e)) from e


TokenPrivateKey = TokenRSAPrivateKey | TokenECPrivateKey


def is_token_key(key: object) -> bool:
    return isinstance(key, _TokenKey)
