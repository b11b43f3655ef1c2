"""CMS ContentInfo loading and EnvelopedData / AuthEnvelopedData decryption.

:func:`load_content_info` accepts DER, BER (indefinite lengths and chunked
OCTET STRINGs, as NSS, Thunderbird, Outlook and gpgsm write them), PEM, gpgsm's
armour and bare base64, and parses everything it can reach so that damage
surfaces there.
:func:`decrypt_enveloped` tries every key that could open a recipient, exact
matches first, and accepts a result only when nothing says it is wrong: the
CEK fits the cipher, the CBC padding is strict or the authentication tag
verifies, and (when the CEK itself carries no integrity check, as with RSA
PKCS#1 v1.5 and its implicit rejection) the plaintext is plausible.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import dataclass
from typing import Any

from asn1crypto import cms, core, x509

from smime_archiver.crypto import der
from smime_archiver.crypto.cms import ciphers
from smime_archiver.crypto.cms.algorithms import CONTENT_TYPES, split_algorithm
from smime_archiver.crypto.cms.armour import find_armour
from smime_archiver.crypto.cms.plausible import SAMPLE_SIZE, plausible_plaintext
from smime_archiver.crypto.cms.recipients import RecipientSlot, UnwrapFailed, list_slots, unwrap_key
from smime_archiver.crypto.cms.sniff import in_cms_arcs
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.errors import (
    KeyUnavailableError,
    MalformedMessageError,
    MessageError,
    NoMatchingKeyError,
    TokenError,
    UnsupportedAlgorithmError,
)
from smime_archiver.i18n import _
from smime_archiver.model import EncryptionInfo, PrivateKeyEntry, RecipientRef

log = logging.getLogger(__name__)

# content types by asn1crypto's names (cms.ContentType)
ENVELOPED = "enveloped_data"
AUTH_ENVELOPED = "authenticated_enveloped_data"
SIGNED_AND_ENVELOPED = "signed_and_enveloped_data"

_ASN1_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError)
_PEM_BEGIN = re.compile(rb"-----BEGIN ([^-\r\n]*)-----")
_PEM_END = re.compile(rb"-----END [^-\r\n]*-----")
_BASE64_TEXT = re.compile(rb"[A-Za-z0-9+/=\s]+")
# Parts that belong to other stages (certificates are judged by signature checks)
# or carry nothing we need; they are parsed only as far as their own TLV.
_SHALLOW_FIELDS = frozenset(
    {
        "certificates",
        "crls",
        "originator_info",
        "unprotected_attrs",
        "unauth_attrs",
        "unsigned_attrs",
    }
)
_MAX_DEPTH = 100
_MAX_NAME_PARTS = 1000  # relative names in a name, attributes in one: real names have a few
# Plaintext judged before a whole large content is decrypted: more than plausible_plaintext
# samples (so it knows the text goes on), whole blocks of 8 and 16 bytes.
_PREFIX = SAMPLE_SIZE + 64


# --- loading ------------------------------------------------------------------------------


def load_content_info(data: bytes) -> cms.ContentInfo:
    """Parse a CMS ContentInfo from DER, BER, PEM or base64 text; check it all the way down.

    Raises :class:`MalformedMessageError` for truncated, garbled or non-CMS data.
    Bytes after a complete ContentInfo are ignored (and logged) when the
    ContentInfo itself is intact, as some tools pad files with NULs or newlines.
    Its length is measured on the bytes read (:func:`der.element_span`), never by
    re-encoding what was parsed.
    """
    binary = _binary_form(data)
    try:
        ci = cms.ContentInfo.load(binary)
        content_type = ci["content_type"].dotted
    except _ASN1_ERRORS as e:
        raise _garbled(e) from e
    try:
        consumed = der.element_span(binary)
    except der.DerError as e:
        raise _garbled(e, truncated="truncated" in str(e)) from e
    trailing = binary[consumed:]
    if trailing.strip(b"\x00\r\n\t "):
        log.warning("ignoring %d bytes after the end of the CMS structure", len(trailing))
    if content_type not in CONTENT_TYPES:
        if in_cms_arcs(content_type):
            raise UnsupportedAlgorithmError(
                _(
                    "The message is a CMS structure of type {oid}, which this program does not "
                    "support."
                ).format(oid=content_type),
                oid=content_type,
            )
        raise MalformedMessageError(
            _("The data is not a CMS (S/MIME) message: its content type is {oid}.").format(
                oid=content_type
            )
        )
    try:
        _parse_fully(ci, 0)
    except _ASN1_ERRORS as e:
        raise _garbled(e) from e
    return ci


def _garbled(error: BaseException, *, truncated: bool = False) -> MalformedMessageError:
    log.info("CMS parse error: %s", error)
    if truncated or "Insufficient data" in str(error):
        return MalformedMessageError(
            _(
                "The encrypted or signed part of the message is truncated: it ends before the "
                "CMS structure is complete. The message was damaged in storage or transfer."
            )
        )
    return MalformedMessageError(
        _(
            "The encrypted or signed part of the message is garbled: its CMS structure cannot be "
            "read. The message was damaged in storage or transfer."
        )
    )


def _binary_form(data: bytes) -> bytes:
    """The DER/BER bytes of ``data`` given as binary, PEM or base64 text."""
    if not data:
        raise MalformedMessageError(_("The CMS part of the message is empty."))
    if data[:1] == b"\x30":
        return data
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    armour = find_armour(stripped)
    if armour is not None:  # PEM or gpgsm's armour, header lines skipped
        return _decode_base64(armour.text)
    pem = _PEM_BEGIN.search(stripped[:4096])
    if pem is not None:  # some other label (or text before it): read the block anyway
        body = stripped[pem.end() :]
        end = _PEM_END.search(body)
        body = body[: end.start()] if end else body
        # RFC 1421 headers ("Proc-Type: ...") end with an empty line
        lines = [ln for ln in body.splitlines() if b":" not in ln]
        return _decode_base64(b"".join(lines))
    if _BASE64_TEXT.fullmatch(stripped):
        return _decode_base64(stripped)
    raise MalformedMessageError(
        _("The data is not a CMS (S/MIME) message: it is neither DER, BER, PEM nor base64.")
    )


def _decode_base64(text: bytes) -> bytes:
    compact = re.sub(rb"\s+", b"", text)
    compact += b"=" * (-len(compact) % 4)
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as e:
        raise MalformedMessageError(
            _("The base64 text of the CMS part is damaged and cannot be decoded.")
        ) from e
    if not decoded:
        raise MalformedMessageError(_("The CMS part of the message is empty."))
    return decoded


def _parse_fully(value: Any, depth: int) -> None:
    """Touch every element so that asn1crypto's lazy parser reports damage now."""
    if depth > _MAX_DEPTH:
        raise ValueError("ASN.1 nesting too deep")
    if isinstance(value, x509.Name):
        _check_name(der.as_parsed(value))
    elif isinstance(value, core.Choice):
        _parse_fully(value.chosen, depth + 1)
    elif isinstance(value, core.Sequence):  # includes Set
        oid_pair = getattr(value, "_oid_pair", None)
        for name in value:
            if oid_pair is not None and name == oid_pair[1] and name in ("parameters", "values"):
                continue  # algorithm parameters, attribute values: read by who knows the OID
            if name in _SHALLOW_FIELDS:
                continue
            _parse_fully(value[name], depth + 1)
    elif isinstance(value, core.SequenceOf):  # includes SetOf
        for child in value:
            _parse_fully(child, depth + 1)
    elif isinstance(value, (core.Any, core.Void)):
        return
    elif isinstance(value, (core.OctetString, core.ParsableOctetString)) and value.method:
        der.octets(value)  # BER chunks, joined in one pass (asn1crypto's join is quadratic)
    else:
        value.native  # noqa: B018 - decodes primitives and joins BER chunks


def _check_name(encoded: bytes) -> None:
    """A distinguished name must have its shape; its strings are not decoded here.

    ``SEQUENCE OF SET OF SEQUENCE {type OID, value}``, every length right.  Names
    are only shown and compared, and an old CA's name may hold a string that
    asn1crypto cannot decode (a T61String with bytes Windows-1252 lacks, a string
    type the standard does not allow there): that is no damage to the message.
    """
    try:
        if der.element_end(encoded) != len(encoded) or encoded[0] != 0x30:
            raise der.DerError("not one SEQUENCE")
        for rdn_head, rdn_pos in der.children(encoded, 0, limit=_MAX_NAME_PARTS):
            if rdn_head.tag != 0x31:
                raise der.DerError("a relative distinguished name is not a SET")
            for atv_head, atv_pos in der.children(encoded, rdn_pos, limit=_MAX_NAME_PARTS):
                parts = der.children(encoded, atv_pos, limit=3)
                if atv_head.tag != 0x30 or len(parts) != 2 or parts[0][0].tag != 0x06:
                    raise der.DerError("an attribute is not {type, value}")
    except (der.DerError, IndexError) as e:
        raise ValueError(f"damaged distinguished name: {e}") from e


# --- recipients ---------------------------------------------------------------------------


def _envelope(ci: cms.ContentInfo) -> tuple[str, Any]:
    content_type = ci["content_type"].dotted
    name = ci["content_type"].native  # asn1crypto's name, or the dotted OID when unknown
    if name == SIGNED_AND_ENVELOPED:
        raise UnsupportedAlgorithmError(
            _(
                "The message uses the PKCS #7 signed-and-enveloped format ({oid}), which this "
                "program does not support."
            ).format(oid=content_type),
            oid=content_type,
            name="signed_and_enveloped_data",
        )
    if name not in (ENVELOPED, AUTH_ENVELOPED):
        raise MalformedMessageError(
            _("The CMS structure of type {name} is not encrypted data.").format(
                name=CONTENT_TYPES.get(content_type, content_type)
            )
        )
    try:
        return name, ci["content"]
    except _ASN1_ERRORS as e:
        raise _garbled(e) from e


def _slots(envelope: Any) -> list[RecipientSlot]:
    try:
        return list_slots(envelope["recipient_infos"])
    except _ASN1_ERRORS as e:
        raise _garbled(e) from e


def recipients_of(ci: cms.ContentInfo) -> tuple[RecipientRef, ...]:
    """Every recipient an EnvelopedData / AuthEnvelopedData names, in message order."""
    _content_type, envelope = _envelope(ci)
    return tuple(slot.ref for slot in _slots(envelope))


# --- decryption ---------------------------------------------------------------------------


def decrypt_enveloped(ci: cms.ContentInfo, keystore: KeyStore) -> tuple[bytes, EncryptionInfo]:
    """Decrypt an EnvelopedData or AuthEnvelopedData with the first key that opens it.

    Returns the content bytes (padding removed) and what opened it.  Raises
    :class:`NoMatchingKeyError` (naming every recipient), :class:`UnsupportedAlgorithmError`
    (naming the OID) or :class:`MalformedMessageError`.
    """
    content_type, envelope = _envelope(ci)
    auth = content_type == AUTH_ENVELOPED
    slots = _slots(envelope)
    refs = tuple(slot.ref for slot in slots)
    cipher, ciphertext, tag, aad = _content(envelope, auth)
    certificates = _originator_certificates(envelope) + list(keystore.certificates)
    failures = _Failures()
    for slot, entry, exact in _attempts(slots, keystore):
        try:
            cek, key_algorithm = unwrap_key(slot, entry.private_key, certificates)
        except UnsupportedAlgorithmError as e:
            if exact and failures.unsupported is None:
                failures.unsupported = e
            continue
        except TokenError as e:  # removed mid-run, or stopped answering: try the other keys
            log.info("%s: token key %s unusable: %s", slot.ref.describe(),
                     entry.description.source, type(e).__name__)
            if failures.token is None or (exact and not failures.token[1]):
                failures.token = (e, exact)
            continue
        except UnwrapFailed as e:
            log.debug(
                "%s: key %s does not unwrap: %s", slot.ref.describe(), entry.description.source, e
            )
            if exact and failures.exact is None:
                failures.exact = entry
            continue
        verified_cek = key_algorithm != "rsaes_pkcs1v15"
        plaintext = _try_content(cipher, cek, ciphertext, tag, aad, verified_cek)
        if plaintext is None:
            if exact and failures.exact is None:
                failures.exact = entry
            continue
        info = EncryptionInfo(
            layer="auth_enveloped" if auth else "enveloped",
            content_algorithm=cipher.name,
            content_oid=cipher.oid,
            key_algorithm=key_algorithm,
            recipient=slot.ref,
            key_source=entry.description.source,
            key_subject=entry.description.subject,
            recipients=refs,
        )
        log.info(
            "decrypted %s content with %s (%s)",
            cipher.name,
            entry.description.source,
            key_algorithm,
        )
        return plaintext, info
    raise failures.error(refs, keys_loaded=len(keystore) > 0)


def _attempts(
    slots: list[RecipientSlot], keystore: KeyStore
) -> list[tuple[RecipientSlot, PrivateKeyEntry, bool]]:
    """Every (recipient, key, exact match) pair worth trying, exact matches first."""
    attempts: list[tuple[RecipientSlot, PrivateKeyEntry, bool]] = []
    for slot in slots:
        if slot.key_kind is None:
            continue
        for entry, exact in keystore.candidates(
            issuer=slot.issuer, serial=slot.serial, ski=slot.ski, kind=slot.key_kind
        ):
            attempts.append((slot, entry, exact))
    attempts.sort(key=lambda attempt: not attempt[2])  # stable: exact matches first
    return attempts


@dataclass
class _Failures:
    """Why the keys tried did not open a message: the first of each kind that counts."""

    exact: PrivateKeyEntry | None = None  # the recipient's own key, but no content came out
    unsupported: UnsupportedAlgorithmError | None = None  # for an exact match
    token: tuple[TokenError, bool] | None = None  # a token key that could not be used, exact

    def error(self, refs: tuple[RecipientRef, ...], *, keys_loaded: bool) -> MessageError:
        """The error to raise for the message, most telling first."""
        if self.token is not None and (self.token[1] or self.exact is None):
            error: MessageError = KeyUnavailableError(
                _("The message was not opened because the key for it could not be used: "
                  "{reason}").format(reason=self.token[0].message)
            )
            error.__cause__ = self.token[0]
            return error
        if self.exact is not None:
            return MalformedMessageError(
                _(
                    "The key for this message was found ({key}) but the content does not "
                    "decrypt: the message is damaged."
                ).format(key=self.exact.description.source)
            )
        if self.unsupported is not None:
            return self.unsupported
        return _no_key(refs, keys_loaded=keys_loaded)


def _try_content(
    cipher: ciphers.ContentCipher,
    cek: bytes,
    ciphertext: bytes,
    tag: bytes,
    aad: bytes,
    verified_cek: bool,
) -> bytes | None:
    """The plaintext if nothing says ``cek`` is wrong, else ``None``."""
    if not cipher.key_fits(cek):
        return None
    try:
        if cipher.aead:
            plaintext = cipher.decrypt_aead(cek, ciphertext, tag, aad)
            # a full-length tag is conclusive; a short CCM tag is backed by plausibility
            if cipher.tag_length >= 12 or plausible_plaintext(plaintext):
                return plaintext
            return None
        # Wrong keys are common (every key is tried on every recipient): reject them
        # before decrypting a large content, as pure-Python RC2 takes a second a megabyte.
        if not cipher.padding_ok(cek, ciphertext):
            return None
        if not verified_cek and len(ciphertext) > _PREFIX:
            if not plausible_plaintext(cipher.decrypt_prefix(cek, ciphertext, _PREFIX)):
                return None
        plaintext = cipher.decrypt(cek, ciphertext)
    except ciphers.DecryptError as e:
        log.debug("content does not decrypt: %s", e)
        return None
    if not plaintext:
        return plaintext  # a whole block of padding: as strong a check as any
    if plausible_plaintext(plaintext):
        return plaintext
    if verified_cek:
        # OAEP and key wrap check the CEK themselves; the sender sent unusual content
        log.info("decrypted content is neither MIME, CMS nor text; accepted (verified key)")
        return plaintext
    return None


def _content(envelope: Any, auth: bool) -> tuple[ciphers.ContentCipher, bytes, bytes, bytes]:
    """The cipher, ciphertext, tag and additional authenticated data of an envelope."""
    try:
        eci = envelope["auth_encrypted_content_info" if auth else "encrypted_content_info"]
        oid, params = split_algorithm(eci["content_encryption_algorithm"])
        encrypted = eci["encrypted_content"]
        ciphertext = None if isinstance(encrypted, core.Void) else der.octets(encrypted)
        tag = envelope["mac"].native if auth else b""
        aad = _auth_attributes_der(envelope["auth_attrs"]) if auth else b""
    except _ASN1_ERRORS as e:
        raise _garbled(e) from e
    cipher = ciphers.parse_content_cipher(oid, params)
    if cipher.aead != auth:
        raise MalformedMessageError(
            _(
                "The message uses the cipher {cipher} in the wrong kind of envelope (an "
                "authenticated cipher such as AES-GCM belongs in AuthEnvelopedData, other ciphers "
                "in EnvelopedData): it is damaged or was made by a faulty program."
            ).format(cipher=cipher.name)
        )
    if ciphertext is None:
        raise MalformedMessageError(
            _(
                "The encrypted message holds no encrypted content (it was sent separately "
                "from the key information), so there is nothing to decrypt."
            )
        )
    cipher.check_ciphertext(ciphertext)
    if auth and len(tag) != cipher.tag_length:
        raise MalformedMessageError(
            _(
                "The authentication tag of the message is {size} bytes long instead of {expected}: "
                "the message is damaged."
            ).format(size=len(tag), expected=cipher.tag_length)
        )
    return cipher, ciphertext, tag, aad


def _auth_attributes_der(attributes: Any) -> bytes:
    """RFC 5083: authenticated attributes are authenticated as a DER ``SET OF`` (tag 0x31)."""
    if isinstance(attributes, core.Void):
        return b""
    contents = attributes.contents or b""
    return b"\x31" + _der_length(len(contents)) + contents


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def _originator_certificates(envelope: Any) -> list[Any]:
    try:
        info = envelope["originator_info"]
        if isinstance(info, core.Void) or isinstance(info["certs"], core.Void):
            return []
        return list(info["certs"])
    except _ASN1_ERRORS as e:
        log.info("originatorInfo certificates cannot be read: %s", e)
        return []


def _no_key(refs: tuple[RecipientRef, ...], *, keys_loaded: bool = True) -> NoMatchingKeyError:
    certificate_refs = [ref for ref in refs if ref.kind in ("ktri", "kari")]
    if certificate_refs and not keys_loaded:
        message = _(
            "No key was given, so this encrypted message could not be opened. It was "
            "encrypted for the certificate(s): {recipients}. Add the key file that holds that "
            "certificate (for example the old .p12 or .pfx file of that NemID) and export "
            "again."
        ).format(recipients="; ".join(ref.describe() for ref in certificate_refs))
    elif certificate_refs:
        message = _(
            "None of the loaded keys can open this message. It was encrypted for the "
            "certificate(s): {recipients}. Add the key file that holds that certificate (for "
            "example the old .p12 or .pfx file of that NemID)."
        ).format(recipients="; ".join(ref.describe() for ref in certificate_refs))
    elif refs:
        message = _(
            "This message was encrypted with a password or a shared secret key ({kinds}), not "
            "for a certificate, so no key file can open it."
        ).format(kinds=", ".join(sorted({ref.kind for ref in refs})))
    else:
        message = _("The encrypted message names no recipients, so no key can open it.")
    return NoMatchingKeyError(message, recipients=refs)
