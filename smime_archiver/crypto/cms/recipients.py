"""Recipients of an EnvelopedData: who it names, and recovering its content-encryption key.

Each way into a message is a :class:`RecipientSlot`: one KeyTransRecipientInfo,
or one RecipientEncryptedKey of a KeyAgreeRecipientInfo (a kari may carry keys
for several recipients).  KEK, password and other recipient infos become slots
that no key file can open; they are listed so that the user learns why.

:func:`unwrap_key` recovers the content-encryption key (CEK) with one private
key: RSA PKCS#1 v1.5 or RSA-OAEP (any hash, MGF1 hash and label) for key
transport; ECDH ephemeral-static with the X9.63 KDF and AES or Triple-DES key
wrap for key agreement (RFC 5753).  It raises :class:`UnwrapFailed` when the
key does not fit, and :class:`UnsupportedAlgorithmError` naming the OID of an
algorithm it does not implement.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from asn1crypto import algos, cms, core
from asn1crypto import keys as akeys
from asn1crypto import x509 as ax509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

from smime_archiver.crypto.cms import keywrap
from smime_archiver.crypto.cms.algorithms import (
    CMS3DES_WRAP,
    DIGESTS,
    EC_PUBLIC_KEY,
    ECDH_SCHEMES,
    KEY_WRAPS,
    MGF1,
    P_SPECIFIED,
    RSA_PKCS1V15,
    RSAES_OAEP,
    AnyAlgorithm,
    algorithm_name,
    describe_oid,
    ecdh_scheme_name,
    split_algorithm,
)
from smime_archiver.crypto.der import as_parsed, to_der
from smime_archiver.crypto.names import format_name, same_name
from smime_archiver.errors import TokenMechanismError, UnsupportedAlgorithmError
from smime_archiver.i18n import _
from smime_archiver.model import RecipientRef

log = logging.getLogger(__name__)

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
    "sha3_224": hashes.SHA3_224,
    "sha3_256": hashes.SHA3_256,
    "sha3_384": hashes.SHA3_384,
    "sha3_512": hashes.SHA3_512,
}


class UnwrapFailed(ValueError):
    """This private key does not recover a key from this recipient (or the entry is damaged)."""


class EccCmsSharedInfo(core.Sequence):
    """RFC 5753 section 7.2: the SharedInfo input of the X9.63 KDF."""

    _fields: ClassVar[list] = [
        ("key_info", AnyAlgorithm),
        ("entity_u_info", core.OctetString, {"explicit": 0, "optional": True}),
        ("supp_pub_info", core.OctetString, {"explicit": 2}),
    ]


@dataclass(frozen=True)
class RecipientSlot:
    """One recipient entry of a message, as matched against the key store."""

    ref: RecipientRef
    info: Any  # asn1crypto KeyTransRecipientInfo / KeyAgreeRecipientInfo / other info
    encrypted_key: bytes = b""
    issuer: ax509.Name | None = None
    serial: int | None = None
    ski: bytes | None = None

    @property
    def key_kind(self) -> str | None:
        """The kind of private key that can open it: ``"rsa"``, ``"ec"`` or ``None``."""
        return {"ktri": "rsa", "kari": "ec"}.get(self.ref.kind)


# --- listing ------------------------------------------------------------------------------


def list_slots(recipient_infos: Iterable[cms.RecipientInfo]) -> list[RecipientSlot]:
    """Every recipient of a message, in message order (raises ``ValueError`` if garbled)."""
    slots: list[RecipientSlot] = []
    for ri in recipient_infos:
        kind, info = ri.name, ri.chosen
        if kind == "ktri":
            oid, _params = split_algorithm(info["key_encryption_algorithm"])
            slots.append(
                _identified(
                    "ktri",
                    info,
                    info["rid"],
                    _short_key_algorithm(oid),
                    info["encrypted_key"].native,
                )
            )
        elif kind == "kari":
            oid, _params = split_algorithm(info["key_encryption_algorithm"])
            for rek in info["recipient_encrypted_keys"]:
                rid = rek["rid"]
                if rid.name == "r_key_id":
                    rid = rid.chosen["subject_key_identifier"]
                slots.append(
                    _identified(
                        "kari", info, rid, _short_key_algorithm(oid), rek["encrypted_key"].native
                    )
                )
        else:
            slots.append(RecipientSlot(_other_ref(kind, info), info))
    return slots


def _identified(
    kind: str, info: Any, rid: Any, key_algorithm: str, encrypted_key: bytes
) -> RecipientSlot:
    if isinstance(rid, core.Choice):
        rid_name, rid = rid.name, rid.chosen
    else:
        rid_name = "subject_key_identifier"
    if rid_name == "issuer_and_serial_number":
        issuer, serial = rid["issuer"], rid["serial_number"].native
        ref = RecipientRef(
            kind, issuer=format_name(issuer), serial=serial, key_algorithm=key_algorithm
        )
        return RecipientSlot(ref, info, encrypted_key, issuer=issuer, serial=serial)
    ski = rid.native
    ref = RecipientRef(kind, ski=ski.hex(), key_algorithm=key_algorithm)
    return RecipientSlot(ref, info, encrypted_key, ski=ski)


def _other_ref(kind: str, info: Any) -> RecipientRef:
    kind = kind if kind in ("kekri", "pwri") else "other"
    algorithm = None
    try:
        if kind in ("kekri", "pwri"):
            algorithm = _short_key_algorithm(split_algorithm(info["key_encryption_algorithm"])[0])
        else:
            algorithm = info["ori_type"].dotted
    except (ValueError, KeyError, TypeError) as e:
        log.debug("cannot read the algorithm of a %s recipient: %s", kind, e)
    return RecipientRef(kind, key_algorithm=algorithm)


def _short_key_algorithm(oid: str) -> str:
    if oid in ECDH_SCHEMES:
        return ecdh_scheme_name(oid)
    return algorithm_name(oid) or oid


# --- unwrapping ---------------------------------------------------------------------------


def unwrap_key(
    slot: RecipientSlot, private_key: Any, certificates: Sequence[Any] = ()
) -> tuple[bytes, str]:
    """Recover the CEK of ``slot`` with ``private_key``: ``(cek, readable key algorithm)``.

    ``certificates``: certificates that may hold a static originator key (the
    message's originatorInfo and the key store's extra certificates).
    """
    if slot.ref.kind == "ktri":
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise UnwrapFailed("key transport needs an RSA key")
        return _unwrap_ktri(slot, private_key)
    if slot.ref.kind == "kari":
        if not isinstance(private_key, ec.EllipticCurvePrivateKey):
            raise UnwrapFailed("key agreement needs an EC key")
        return _unwrap_kari(slot, private_key, certificates)
    raise UnwrapFailed(f"a {slot.ref.kind} recipient cannot be opened with a private key")


def _unsupported(oid: str, what: str) -> UnsupportedAlgorithmError:
    return UnsupportedAlgorithmError(
        _(
            "The message key is protected with {algorithm} ({what}), which this program "
            "does not support. Open the message in the mail program that received it."
        ).format(algorithm=describe_oid(oid), what=what),
        oid=oid,
        name=algorithm_name(oid),
    )


def _hash_for(oid: str, what: str) -> hashes.HashAlgorithm:
    name = DIGESTS.get(oid)
    if name is None:
        raise _unsupported(oid, what)
    return _HASHES[name]()


def _unwrap_ktri(slot: RecipientSlot, key: rsa.RSAPrivateKey) -> tuple[bytes, str]:
    oid, params = split_algorithm(slot.info["key_encryption_algorithm"])
    if oid == RSA_PKCS1V15:
        pad: padding.AsymmetricPadding = padding.PKCS1v15()
        readable = "rsaes_pkcs1v15"
    elif oid == RSAES_OAEP:
        pad, readable = oaep_padding(params)
    else:
        raise _unsupported(oid, _("key transport"))
    encrypted = slot.encrypted_key
    if len(encrypted) > (key.key_size + 7) // 8:
        raise UnwrapFailed("the encrypted key is longer than this RSA modulus")
    try:
        return key.decrypt(encrypted, pad), readable
    except ValueError as e:
        raise UnwrapFailed(f"RSA decryption failed: {e}") from e
    except UnsupportedAlgorithm as e:  # e.g. OAEP with SHA-3, which OpenSSL does not offer
        raise _unsupported(oid, readable) from e
    except TokenMechanismError as e:  # a hardware token that does not offer this padding
        raise UnsupportedAlgorithmError(e.message, oid=oid, name=readable) from e


def oaep_padding(params: bytes | None) -> tuple[padding.OAEP, str]:
    """RSAES-OAEP-params (RFC 4055) as a ``cryptography`` padding and a readable name."""
    sha1 = algos.DigestAlgorithmId.unmap("sha1")  # RFC 4055's default for both hashes
    hash_oid, mgf_hash_oid, label = sha1, sha1, b""
    if params is not None:
        try:
            parsed = algos.RSAESOAEPParams.load(params, strict=True)
            hash_oid = parsed["hash_algorithm"]["algorithm"].dotted
            mgf = parsed["mask_gen_algorithm"]
            if mgf["algorithm"].dotted != MGF1:
                raise _unsupported(mgf["algorithm"].dotted, _("OAEP mask generation"))
            mgf_hash_oid = mgf["parameters"]["algorithm"].dotted
            source = parsed["p_source_algorithm"]
            if source["algorithm"].dotted != P_SPECIFIED:
                raise _unsupported(source["algorithm"].dotted, _("OAEP label source"))
            if not isinstance(source["parameters"], core.Void):
                label = core.OctetString.load(as_parsed(source["parameters"])).native or b""
        except (ValueError, KeyError, TypeError) as e:
            raise UnwrapFailed(f"damaged RSAES-OAEP parameters: {e}") from e
    digest = _hash_for(hash_oid, _("OAEP hash"))
    mgf_digest = _hash_for(mgf_hash_oid, _("OAEP mask generation hash"))
    readable = f"rsaes_oaep({digest.name.replace('-', '')},mgf1-{mgf_digest.name.replace('-', '')}"
    readable += ",label)" if label else ")"
    pad = padding.OAEP(mgf=padding.MGF1(mgf_digest), algorithm=digest, label=label or None)
    return pad, readable


def _unwrap_kari(
    slot: RecipientSlot, key: ec.EllipticCurvePrivateKey, certificates: Sequence[Any]
) -> tuple[bytes, str]:
    info = slot.info
    scheme_oid, wrap_der = split_algorithm(info["key_encryption_algorithm"])
    if scheme_oid not in ECDH_SCHEMES:
        raise _unsupported(scheme_oid, _("key agreement"))
    digest_name, cofactor = ECDH_SCHEMES[scheme_oid]
    if wrap_der is None:
        raise UnwrapFailed("the key agreement algorithm names no key wrap algorithm")
    wrap_oid, _wrap_params = split_algorithm(wrap_der)
    if wrap_oid not in KEY_WRAPS:
        raise _unsupported(wrap_oid, _("key wrap"))
    wrap_name, kek_length = KEY_WRAPS[wrap_oid]
    if cofactor and key.curve.name.startswith("sect"):
        raise _unsupported(scheme_oid, _("cofactor key agreement on a binary curve"))

    peer = _originator_public_key(info, key.curve, certificates, scheme_oid)
    try:
        shared_secret = key.exchange(ec.ECDH(), peer)
    except ValueError as e:
        raise UnwrapFailed(f"ECDH failed: {e}") from e
    except TokenMechanismError as e:  # a hardware token that does not offer ECDH
        raise UnsupportedAlgorithmError(e.message, oid=scheme_oid,
                                        name=ecdh_scheme_name(scheme_oid)) from e
    ukm = info["ukm"].native if not isinstance(info["ukm"], core.Void) else None
    kek = x963_kek(shared_secret, digest_name, wrap_der, kek_length, ukm)
    try:
        if wrap_oid == CMS3DES_WRAP:
            cek = keywrap.unwrap_3des(kek, slot.encrypted_key)
        else:
            cek = keywrap.unwrap_aes(kek, slot.encrypted_key, padded=wrap_name.endswith("_pad"))
    except keywrap.UnwrapError as e:
        raise UnwrapFailed(str(e)) from e
    return cek, f"{ecdh_scheme_name(scheme_oid)}+{wrap_name}"


def ecc_cms_shared_info(wrap_algorithm_der: bytes, kek_length: int, ukm: bytes | None) -> bytes:
    """DER ECC-CMS-SharedInfo: keyInfo, entityUInfo (the ukm), suppPubInfo (KEK bits)."""
    info = EccCmsSharedInfo(
        {
            "key_info": AnyAlgorithm.load(wrap_algorithm_der),
            "supp_pub_info": (kek_length * 8).to_bytes(4, "big"),
        }
    )
    if ukm is not None:
        info["entity_u_info"] = ukm
    return info.dump()


def x963_kek(
    shared_secret: bytes,
    digest: str,
    wrap_algorithm_der: bytes,
    kek_length: int,
    ukm: bytes | None,
) -> bytes:
    """The key-encryption key of RFC 5753: ANSI X9.63 KDF over the ECDH shared secret."""
    kdf = X963KDF(
        algorithm=_HASHES[digest](),
        length=kek_length,
        sharedinfo=ecc_cms_shared_info(wrap_algorithm_der, kek_length, ukm),
    )
    return kdf.derive(shared_secret)


def _originator_public_key(
    info: Any, curve: ec.EllipticCurve, certificates: Sequence[Any], scheme_oid: str
) -> ec.EllipticCurvePublicKey:
    originator = info["originator"]
    if originator.name == "originator_key":
        spki = originator.chosen
        algorithm = spki["algorithm"]["algorithm"].dotted
        if algorithm != EC_PUBLIC_KEY:
            raise _unsupported(algorithm, _("originator key"))
        named = spki["algorithm"]["parameters"]
        if (
            isinstance(named, core.Choice)
            and named.name == "named"
            and named.chosen.dotted != (_curve_oid(curve) or named.chosen.dotted)
        ):
            raise UnwrapFailed("the originator key is on another curve")
        point = spki["public_key"].native
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
        except ValueError as e:
            raise UnwrapFailed(f"the originator key is not a point of {curve.name}") from e
    cert = _find_certificate(originator, certificates)
    if cert is None:
        if originator.name == "issuer_and_serial_number":
            who = _("the certificate issued by {issuer} with serial number {serial}").format(
                issuer=format_name(originator.chosen["issuer"]),
                serial=originator.chosen["serial_number"].native,
            )
        else:
            who = _("the certificate with key identifier {ski}").format(
                ski=originator.chosen.native.hex()
            )
        raise UnsupportedAlgorithmError(
            _(
                "The sender agreed on the message key with the static key in {who}, which is "
                "neither in the message nor among the loaded files. Static-static key agreement "
                "needs that certificate and is not supported without it."
            ).format(who=who),
            oid=scheme_oid,
            name=ecdh_scheme_name(scheme_oid) + "/static-originator",
        )
    try:
        public = serialization.load_der_public_key(to_der(as_parsed(cert.public_key)))
    except (ValueError, UnsupportedAlgorithm) as e:
        raise UnwrapFailed(f"the originator certificate's key cannot be read: {e}") from e
    if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != curve.name:
        raise UnwrapFailed("the originator certificate holds no key on this curve")
    return public


def _curve_oid(curve: ec.EllipticCurve) -> str | None:
    try:
        return akeys.NamedCurve.unmap(curve.name)
    except ValueError:
        return None


def _find_certificate(originator: Any, certificates: Sequence[Any]) -> ax509.Certificate | None:
    """The certificate an issuerAndSerialNumber or subjectKeyIdentifier originator names."""
    wanted = originator.chosen
    for candidate in certificates:
        cert = _as_asn1_certificate(candidate)
        if cert is None:
            continue
        if originator.name == "issuer_and_serial_number":
            try:
                if cert.serial_number == wanted["serial_number"].native and same_name(
                    cert.issuer, wanted["issuer"]
                ):
                    return cert
            except ValueError:  # a certificate with a damaged serial number or issuer
                continue
        elif cert.key_identifier == wanted.native:
            return cert
    return None


def _as_asn1_certificate(candidate: Any) -> ax509.Certificate | None:
    try:
        if isinstance(candidate, cms.CertificateChoices):
            if candidate.name != "certificate":
                return None
            return candidate.chosen
        if isinstance(candidate, ax509.Certificate):
            return candidate
        return ax509.Certificate.load(candidate.public_bytes(serialization.Encoding.DER))
    except (ValueError, AttributeError, TypeError) as e:
        log.debug("skipping a certificate that cannot be read: %s", e)
        return None
