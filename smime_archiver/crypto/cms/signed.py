"""SignedData verification over the exact signed bytes, reported, never enforced.

Each SignerInfo is checked the way RFC 5652 §5.4/§5.6 says: with signed
attributes, the messageDigest attribute must equal the digest of the content
and the signature covers the DER ``SET OF`` the attributes; without them the
signature covers the content itself.  The result is one
:class:`~smime_archiver.model.SignatureInfo` per signer.  There is no network
here: no CRL, no OCSP, no chain building; the signer certificate's validity
period is reported, never used to reject anything.  A bad signature never makes
the content unreadable: the caller gets the content and the verdict.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Iterator

from asn1crypto import algos, core
from asn1crypto import cms as acms
from asn1crypto import keys as akeys
from asn1crypto import x509 as ax509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, padding, rsa

from smime_archiver.crypto.cms.signercerts import (
    certificate_email,
    find_signer_certificate,
    safe_name,
    signer_candidates,
    signer_public_key,
    validity_period,
)
from smime_archiver.crypto.der import as_parsed, octets, to_der
from smime_archiver.errors import MalformedMessageError
from smime_archiver.i18n import _
from smime_archiver.mime.rawmime import canonicalize_crlf
from smime_archiver.model import SignatureInfo

log = logging.getLogger(__name__)

UTC = dt.timezone.utc

# Algorithms by asn1crypto's names (algos.DigestAlgorithmId, algos.SignedDigestAlgorithmId).
# digest name (also hashlib's) -> cryptography hash class
_DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    "md5": hashes.MD5,
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

# signature name -> (family, digest name implied by the algorithm or None)
_SIGNATURES: dict[str, tuple[str, str | None]] = {
    "rsassa_pkcs1v15": ("rsa", None),
    "md5_rsa": ("rsa", "md5"),
    "sha1_rsa": ("rsa", "sha1"),
    "sha224_rsa": ("rsa", "sha224"),
    "sha256_rsa": ("rsa", "sha256"),
    "sha384_rsa": ("rsa", "sha384"),
    "sha512_rsa": ("rsa", "sha512"),
    "rsassa_pss": ("pss", None),
    "dsa": ("dsa", None),
    "sha1_dsa": ("dsa", "sha1"),
    "sha224_dsa": ("dsa", "sha224"),
    "sha256_dsa": ("dsa", "sha256"),
    "ecdsa": ("ecdsa", None),
    "sha1_ecdsa": ("ecdsa", "sha1"),
    "sha224_ecdsa": ("ecdsa", "sha224"),
    "sha256_ecdsa": ("ecdsa", "sha256"),
    "sha384_ecdsa": ("ecdsa", "sha384"),
    "sha512_ecdsa": ("ecdsa", "sha512"),
}
# Some signers name the key's algorithm (id-ecPublicKey) where the signature's belongs.
_EC_PUBLIC_KEY = akeys.PublicKeyAlgorithmId.unmap("ec")


def _signature_name(oid: str) -> str:
    """asn1crypto's name of a signature algorithm OID, or the OID when it has none."""
    if oid == _EC_PUBLIC_KEY:
        return "ecdsa"
    return algos.SignedDigestAlgorithmId.map(oid)


def _digest_name(oid: str) -> str | None:
    """The digest a digestAlgorithm OID names, ``None`` when unknown or unsupported.

    Some old clients put a signature OID (sha1WithRSAEncryption) in digestAlgorithm.
    """
    name = algos.DigestAlgorithmId.map(oid)
    if name in _DIGESTS:
        return name
    return _SIGNATURES.get(_signature_name(oid), ("", None))[1]


class _Unsupported(Exception):
    def __init__(self, name: str, oid: str):
        super().__init__(oid)
        self.name = name
        self.oid = oid


def verify_signed_data(
    ci: acms.ContentInfo,
    detached: bytes | None = None,
    *,
    extra_certificates: Iterable = (),
) -> tuple[bytes | None, tuple[SignatureInfo, ...]]:
    """Verify every SignerInfo of a SignedData and return its content and verdicts.

    ``detached``: the signed bytes of a multipart/signed (the first part exactly
    as in the message); both as given and with line endings canonicalised to
    CRLF are tried.  ``extra_certificates``: further candidates for the signer
    certificate (``cryptography`` or ``asn1crypto`` certificates, or DER bytes).

    Returns ``(content, signatures)``: the encapsulated content (``None`` when
    detached or certs-only) and one :class:`SignatureInfo` per SignerInfo.
    Raises :class:`MalformedMessageError` only when ``ci`` is not a readable
    SignedData at all; every problem with a signature is reported in its info.
    """
    try:
        if ci["content_type"].native != "signed_data":
            raise MalformedMessageError(
                _("The S/MIME structure is not signed data (it is {kind}).").format(
                    kind=ci["content_type"].native
                )
            )
        sd = ci["content"]
        encap = sd["encap_content_info"]
        econtent_type = encap["content_type"].dotted
        econtent = encapsulated_content(ci)
        signer_infos = list(sd["signer_infos"])
        certs = signer_candidates(sd, extra_certificates)
    except (ValueError, TypeError, KeyError) as e:
        raise MalformedMessageError(
            _("The signed part is damaged: its SignedData structure cannot be read.")
        ) from e

    detached_form = detached is not None
    if detached is not None:
        candidates = [detached]
        canonical = canonicalize_crlf(detached)
        if canonical != detached:
            candidates.append(canonical)
    elif econtent is not None:
        candidates = [econtent]
    else:
        candidates = []

    infos = []
    for si in signer_infos:
        try:
            infos.append(_verify_signer(si, candidates, certs, econtent_type, detached_form))
        except (ValueError, TypeError, KeyError) as e:
            log.info("unreadable SignerInfo: %s", type(e).__name__)
            infos.append(
                SignatureInfo(
                    valid=False,
                    detail=_("the signature is damaged and cannot be read"),
                    detached=detached_form,
                )
            )
    return (None if detached_form else econtent), tuple(infos)


def encapsulated_content(ci: acms.ContentInfo) -> bytes | None:
    """The eContent octets of a SignedData, or None when detached / certs-only.

    PKCS#7 v1.5 allowed any type as content (Authenticode does this); then the
    signed bytes are the value octets of the content, without tag and length.
    """
    encap = ci["content"]["encap_content_info"]
    content = encap["content"]
    if isinstance(content, core.Void) or content.contents is None:
        return None
    if isinstance(content, (core.ParsableOctetString, core.OctetString)):
        return octets(content)  # BER chunks joined in one pass
    if isinstance(content, core.Any):
        try:
            parsed = content.parse(core.OctetString)
            return parsed.native
        except ValueError:
            return content.contents
    return content.contents


def has_content(ci: acms.ContentInfo) -> bool:
    """Whether a SignedData is a layer: signers and content (not detached, not certs-only)."""
    try:
        if len(ci["content"]["signer_infos"]) == 0:
            return False
        return encapsulated_content(ci) is not None
    except (ValueError, TypeError, KeyError):
        return False


# --- one signer -----------------------------------------------------------------------------


def _attributes(si: acms.SignerInfo) -> dict[str, object]:
    attrs: dict[str, object] = {}
    for attr in si["signed_attrs"]:
        name = attr["type"].native
        values = attr["values"]
        if len(values):
            attrs.setdefault(name, values[0])
    return attrs


def _signed_attr_encodings(si: acms.SignerInfo) -> Iterator[bytes]:
    """The signed attributes as the signer hashed them: ``SET OF`` instead of ``[0]``.

    First the bytes as read; then, only if asked (the first did not verify), as
    DER: lengths made definite byte by byte, and last re-encoded by asn1crypto
    (which also sorts the SET; it cannot write every string, e.g. Latin-1 in a
    T61String inside an encryption key preference, and is then left out).
    """
    as_set = b"\x31" + as_parsed(si["signed_attrs"])[1:]
    yield as_set
    tried = {as_set}
    for convert in (to_der, _reencoded_attributes):
        try:
            converted = convert(as_set)
        except ValueError:  # DerError, UnicodeEncodeError
            continue
        if converted not in tried:
            tried.add(converted)
            yield converted


def _reencoded_attributes(as_set: bytes) -> bytes:
    return bytes(acms.CMSAttributes.load(as_set).dump(force=True))


def _pss_padding(params, digest_name: str):
    """``padding.PSS`` and hash from RSASSA-PSS-params (defaults: SHA-1, MGF1-SHA-1, salt 20)."""
    hash_name = "sha1"
    mgf_hash = "sha1"
    salt = 20
    if params is not None and not isinstance(params, (core.Void, core.Null)):
        hash_algorithm = params["hash_algorithm"]["algorithm"]
        if hash_algorithm.native not in _DIGESTS:
            raise _Unsupported(hash_algorithm.native, hash_algorithm.dotted)
        hash_name = hash_algorithm.native
        mgf = params["mask_gen_algorithm"]
        if mgf["algorithm"].native != "mgf1":
            raise _Unsupported(mgf["algorithm"].native, mgf["algorithm"].dotted)
        mgf_algorithm = mgf["parameters"]["algorithm"]
        if mgf_algorithm.native not in _DIGESTS:
            raise _Unsupported(mgf_algorithm.native, mgf_algorithm.dotted)
        mgf_hash = mgf_algorithm.native
        salt = params["salt_length"].native
    del digest_name  # the PSS parameters name the hash that was signed
    pad = padding.PSS(mgf=padding.MGF1(_hash(mgf_hash)), salt_length=salt)
    name = f"rsassa_pss({hash_name}, mgf1-{mgf_hash}, salt {salt})"
    return pad, hash_name, name


def _hash(name: str) -> hashes.HashAlgorithm:
    return _DIGESTS[name]()


def _check(public_key, family: str, signature: bytes, data: bytes, hash_name: str, pad) -> bool:
    algo = _hash(hash_name)
    try:
        if family in ("rsa", "pss"):
            if not isinstance(public_key, rsa.RSAPublicKey):
                return False
            public_key.verify(signature, data, pad or padding.PKCS1v15(), algo)
        elif family == "ecdsa":
            if not isinstance(public_key, ec.EllipticCurvePublicKey):
                return False
            public_key.verify(signature, data, ec.ECDSA(algo))
        elif family == "dsa":
            if not isinstance(public_key, dsa.DSAPublicKey):
                return False
            public_key.verify(signature, data, algo)
        else:
            return False
    except InvalidSignature:
        return False
    except (ValueError, UnsupportedAlgorithm) as e:
        log.info("signature check failed: %s", type(e).__name__)
        return False
    return True


def _verify_signer(
    si: acms.SignerInfo,
    candidates: list[bytes],
    certs: list[ax509.Certificate],
    econtent_type: str,
    detached: bool,
) -> SignatureInfo:
    """The verdict on one SignerInfo over the ``candidates`` for the signed bytes."""
    cert = find_signer_certificate(si["sid"], certs)
    digest_oid = si["digest_algorithm"]["algorithm"].dotted
    sig_algo = si["signature_algorithm"]
    sig_oid = sig_algo["algorithm"].dotted
    sig_name = _signature_name(sig_oid)
    attrs = _attributes(si) if len(si["signed_attrs"]) else {}
    digest_name = _digest_name(digest_oid)
    fields = _signer_fields(si, cert, _signing_time(attrs), detached)
    fields["digest_algorithm"] = digest_name or digest_oid
    fields["signature_algorithm"] = sig_name if sig_name in _SIGNATURES else sig_oid

    if cert is None:
        return SignatureInfo(
            valid=False,
            detail=_("the signer's certificate is not included, so the signature cannot be "
                     "checked"),
            **fields,
        )
    if digest_name is None:
        return _unsupported(fields, si["digest_algorithm"]["algorithm"].native, digest_oid)
    if sig_name not in _SIGNATURES:
        return _unsupported(fields, sig_algo["algorithm"].native, sig_oid)
    family = _SIGNATURES[sig_name][0]
    pad = None
    hash_name = digest_name
    try:
        if family == "pss":
            pad, hash_name, fields["signature_algorithm"] = _pss_padding(
                sig_algo["parameters"], digest_name
            )
        public_key = signer_public_key(cert, certs)
    except _Unsupported as e:
        return _unsupported(fields, e.name, e.oid)
    except (ValueError, UnsupportedAlgorithm) as e:
        log.info("signer public key unusable: %s", type(e).__name__)
        return SignatureInfo(
            valid=False,
            detail=_("the signer's certificate holds a public key this program cannot use"),
            **fields,
        )
    signature = si["signature"].native
    if not candidates:
        return SignatureInfo(
            valid=False,
            detail=_("the signed content is missing, so the signature cannot be checked"),
            **fields,
        )
    plan = _what_is_signed(si, attrs, candidates, digest_name, econtent_type)
    if isinstance(plan, str):
        return SignatureInfo(valid=False, detail=plan, **fields)
    to_verify, failure = plan
    if any(_check(public_key, family, signature, data, hash_name, pad) for data in to_verify):
        return SignatureInfo(valid=True, detail=_("valid"), **fields)
    return SignatureInfo(valid=False, detail=failure, **fields)


def _signing_time(attrs: dict[str, object]) -> dt.datetime | None:
    """The signing-time attribute (UTC when it names no zone), if there is a readable one."""
    if "signing_time" not in attrs:
        return None
    try:
        signing_time = attrs["signing_time"].native  # type: ignore[attr-defined]
    except ValueError:
        return None
    if isinstance(signing_time, dt.datetime) and signing_time.tzinfo is None:
        signing_time = signing_time.replace(tzinfo=UTC)
    return signing_time


def _signer_fields(
    si: acms.SignerInfo, cert: ax509.Certificate | None, signing_time: dt.datetime | None,
    detached: bool,
) -> dict:
    """What a SignatureInfo says about the signer, from the SignerInfo and its certificate."""
    sid = si["sid"]
    fields: dict = {"signing_time": signing_time, "detached": detached}
    if sid.name == "issuer_and_serial_number":
        fields["issuer"] = safe_name(sid.chosen["issuer"])
        fields["serial"] = sid.chosen["serial_number"].native
    if cert is not None:
        not_before, not_after = validity_period(cert)
        at = signing_time or dt.datetime.now(UTC)
        fields.update(
            signer=safe_name(cert.subject),
            signer_email=certificate_email(cert),
            issuer=safe_name(cert.issuer),
            serial=cert.serial_number,
            cert_not_before=not_before,
            cert_not_after=not_after,
            cert_valid_at_signing=(
                not_before <= at <= not_after if not_before and not_after else None
            ),
        )
    return fields


def _what_is_signed(
    si: acms.SignerInfo,
    attrs: dict[str, object],
    candidates: list[bytes],
    digest_name: str,
    econtent_type: str,
) -> tuple[Iterable[bytes], str] | str:
    """The bytes the signature may cover and the verdict if none verifies; or why it fails now.

    With signed attributes the content must match their message digest (and content
    type) and the signature covers the attributes; without, it covers the content.
    """
    if not attrs:
        return candidates, _("the content was changed after signing, or the signature is "
                             "damaged")
    digest = attrs.get("message_digest")
    expected = digest.native if digest is not None else None  # type: ignore[attr-defined]
    if not isinstance(expected, bytes):
        return _("the signature has no message digest attribute and cannot be checked")
    if not any(hashlib.new(digest_name, c).digest() == expected for c in candidates):
        return _("the content was changed after signing")
    ctype = attrs.get("content_type")
    if ctype is not None and ctype.dotted != econtent_type:  # type: ignore[attr-defined]
        return _("the signed content type does not match the content")
    return _signed_attr_encodings(si), _(
        "the signature does not match the signer's certificate (it is damaged or was made "
        "with another key)"
    )


def _unsupported(fields: dict, name: str, oid: str) -> SignatureInfo:
    label = name if name and name != oid else _("unknown")
    return SignatureInfo(
        valid=False,
        detail=_("the signature uses an algorithm this program does not support "
                 "({name}, OID {oid})").format(name=label, oid=oid),
        **fields,
    )
