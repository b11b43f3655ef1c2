"""A small CMS encoder for tests: messages that OpenSSL and NSS cannot be asked to write.

Key agreement with a user keying material (ukm), several keys in one
KeyAgreeRecipientInfo, a static originator, AES-CCM and AES-GCM with
authenticated attributes, cipher parameter forms of old clients, and so on.
The X9.63 KDF and the ECC-CMS-SharedInfo are written out here independently
of the product code (hashlib and hand-made DER), so that the two cross-check.
Everything else that can be made by a real tool is made by one
(:mod:`tests.support.tools`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence

from asn1crypto import algos, cms, core
from asn1crypto import keys as akeys
from asn1crypto import x509 as ax509
from cryptography.hazmat.decrepit.ciphers.algorithms import CAST5, TripleDES
from cryptography.hazmat.primitives import keywrap, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from smime_archiver.crypto.cms import rc2
from smime_archiver.crypto.cms.keywrap import wrap_3des

from .pki import Identity

OIDS = {
    "aes128_cbc": "2.16.840.1.101.3.4.1.2",
    "aes192_cbc": "2.16.840.1.101.3.4.1.22",
    "aes256_cbc": "2.16.840.1.101.3.4.1.42",
    "aes128_gcm": "2.16.840.1.101.3.4.1.6",
    "aes256_gcm": "2.16.840.1.101.3.4.1.46",
    "aes128_ccm": "2.16.840.1.101.3.4.1.7",
    "aes256_ccm": "2.16.840.1.101.3.4.1.47",
    "des_ede3_cbc": "1.2.840.113549.3.7",
    "rc2_cbc": "1.2.840.113549.3.2",
    "cast5_cbc": "1.2.840.113533.7.66.10",
    "aes128_wrap": "2.16.840.1.101.3.4.1.5",
    "aes192_wrap": "2.16.840.1.101.3.4.1.25",
    "aes256_wrap": "2.16.840.1.101.3.4.1.45",
    "des3_wrap": "1.2.840.113549.1.9.16.3.6",
    "stdDH-sha1kdf": "1.3.133.16.840.63.0.2",
    "stdDH-sha256kdf": "1.3.132.1.11.1",
    "stdDH-sha384kdf": "1.3.132.1.11.2",
    "cofactorDH-sha256kdf": "1.3.132.1.14.1",
}
WRAP_KEK_LENGTH = {"aes128_wrap": 16, "aes192_wrap": 24, "aes256_wrap": 32, "des3_wrap": 24}


# --- DER by hand ----------------------------------------------------------------------------


def der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def tlv(tag: int, contents: bytes) -> bytes:
    return bytes([tag]) + der_length(len(contents)) + contents


def oid_der(oid: str) -> bytes:
    return core.ObjectIdentifier(oid).dump()


def algorithm_der(oid: str, params: bytes | None = None) -> bytes:
    return tlv(0x30, oid_der(oid) + (params or b""))


def patch_oid(der: bytes, old: str, new: str) -> bytes:
    """Replace every encoding of ``old`` by ``new`` (same encoded length), as a forger would."""
    old_der, new_der = oid_der(old), oid_der(new)
    assert len(old_der) == len(new_der), "OIDs must encode to the same length"
    assert old_der in der, f"{old} does not occur"
    return der.replace(old_der, new_der)


# --- key derivation, written independently of the product ----------------------------------


def x963_kdf(z: bytes, digest: str, length: int, shared_info: bytes) -> bytes:
    """ANSI X9.63 KDF: Hash(Z || counter || SharedInfo) for counter = 1, 2, ..."""
    out, counter = b"", 1
    while len(out) < length:
        out += hashlib.new(digest, z + counter.to_bytes(4, "big") + shared_info).digest()
        counter += 1
    return out[:length]


def shared_info(wrap_algorithm: bytes, kek_length: int, ukm: bytes | None) -> bytes:
    """ECC-CMS-SharedInfo in hand-made DER (RFC 5753 section 7.2)."""
    body = wrap_algorithm
    if ukm is not None:
        body += tlv(0xA0, tlv(0x04, ukm))
    body += tlv(0xA2, tlv(0x04, (kek_length * 8).to_bytes(4, "big")))
    return tlv(0x30, body)


# --- recipient infos -------------------------------------------------------------------------


def issuer_and_serial(ident: Identity) -> cms.IssuerAndSerialNumber:
    return cms.IssuerAndSerialNumber(
        {
            "issuer": ax509.Name.load(ident.cert.issuer.public_bytes()),
            "serial_number": ident.cert.serial_number,
        }
    )


def ski_of(ident: Identity) -> bytes:
    return ax509.Certificate.load(
        ident.cert.public_bytes(serialization.Encoding.DER)
    ).key_identifier


def ktri(
    ident: Identity,
    cek: bytes,
    *,
    oaep: padding.OAEP | None = None,
    oaep_params: bytes | None = None,
    keyid: bool = False,
) -> cms.RecipientInfo:
    """KeyTransRecipientInfo for an RSA identity (PKCS#1 v1.5, or OAEP with ``oaep_params``)."""
    public = ident.cert.public_key()
    if oaep is None:
        encrypted = public.encrypt(cek, padding.PKCS1v15())
        algorithm = {"algorithm": "rsaes_pkcs1v15", "parameters": core.Null()}
    else:
        encrypted = public.encrypt(cek, oaep)
        algorithm = cms.KeyEncryptionAlgorithm.load(
            algorithm_der("1.2.840.113549.1.1.7", oaep_params)
        )
    rid = (
        cms.RecipientIdentifier(name="subject_key_identifier", value=ski_of(ident))
        if keyid
        else cms.RecipientIdentifier(
            name="issuer_and_serial_number", value=issuer_and_serial(ident)
        )
    )
    return cms.RecipientInfo(
        name="ktri",
        value={
            "version": "v2" if keyid else "v0",
            "rid": rid,
            "key_encryption_algorithm": algorithm,
            "encrypted_key": encrypted,
        },
    )


def kari(
    recipients: Sequence[Identity],
    cek: bytes,
    *,
    scheme: str = "stdDH-sha256kdf",
    wrap: str = "aes128_wrap",
    ukm: bytes | None = None,
    keyid: bool = False,
    wrap_params: bytes | None = None,
    static_originator: Identity | None = None,
    originator_by_ski: bool = False,
    curve_in_originator: bool = True,
) -> cms.RecipientInfo:
    """One KeyAgreeRecipientInfo for EC identities on one curve (ephemeral-static ECDH).

    ``static_originator``: use that identity's certificate key instead of an
    ephemeral key, named by issuer and serial number (or by its subject key
    identifier with ``originator_by_ski``): static-static ECDH.
    """
    curve = recipients[0].key.curve
    digest = scheme.split("-")[1].removesuffix("kdf")
    wrap_alg = algorithm_der(OIDS[wrap], wrap_params)
    kek_length = WRAP_KEK_LENGTH[wrap]
    info = shared_info(wrap_alg, kek_length, ukm)
    originator_key = static_originator.key if static_originator else ec.generate_private_key(curve)
    keys = []
    for ident in recipients:
        z = originator_key.exchange(ec.ECDH(), ident.cert.public_key())
        kek = x963_kdf(z, digest, kek_length, info)
        wrapped = wrap_3des(kek, cek) if wrap == "des3_wrap" else keywrap.aes_key_wrap(kek, cek)
        rid = (
            cms.KeyAgreementRecipientIdentifier(
                name="r_key_id", value={"subject_key_identifier": ski_of(ident)}
            )
            if keyid
            else cms.KeyAgreementRecipientIdentifier(
                name="issuer_and_serial_number", value=issuer_and_serial(ident)
            )
        )
        keys.append({"rid": rid, "encrypted_key": wrapped})
    if static_originator is not None and originator_by_ski:
        originator = cms.OriginatorIdentifierOrKey(
            name="subject_key_identifier", value=ski_of(static_originator)
        )
    elif static_originator is not None:
        originator = cms.OriginatorIdentifierOrKey(
            name="issuer_and_serial_number", value=issuer_and_serial(static_originator)
        )
    else:
        spki = originator_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if not curve_in_originator:  # as OpenSSL writes it: no curve parameters
            point = akeys.PublicKeyInfo.load(spki)["public_key"].dump()
            spki = tlv(0x30, algorithm_der("1.2.840.10045.2.1") + point)
        originator = cms.OriginatorIdentifierOrKey(
            name="originator_key", value=akeys.PublicKeyInfo.load(spki)
        )
    value = {
        "version": "v3",
        "originator": originator,
        "key_encryption_algorithm": cms.KeyEncryptionAlgorithm.load(
            algorithm_der(OIDS[scheme], wrap_alg)
        ),
        "recipient_encrypted_keys": keys,
    }
    if ukm is not None:
        value["ukm"] = ukm
    return cms.RecipientInfo(name="kari", value=value)


# --- content encryption ----------------------------------------------------------------------


def pkcs7_pad(data: bytes, block: int) -> bytes:
    n = block - len(data) % block
    return data + bytes([n]) * n


def encrypt_cbc(
    cipher: str,
    cek: bytes,
    content: bytes,
    *,
    rc2_version: int | None = 58,
    cast5_sequence: bool = False,
) -> tuple[bytes, bytes]:
    """``(contentEncryptionAlgorithm DER, ciphertext)`` for a CBC cipher."""
    if cipher.startswith("aes"):
        iv = os.urandom(16)
        enc = Cipher(algorithms.AES(cek), modes.CBC(iv)).encryptor()
        ct = enc.update(pkcs7_pad(content, 16)) + enc.finalize()
        return algorithm_der(OIDS[cipher], tlv(0x04, iv)), ct
    iv = os.urandom(8)
    padded = pkcs7_pad(content, 8)
    if cipher == "des_ede3_cbc":
        key = cek if len(cek) == 24 else cek + cek[:8]
        enc = Cipher(TripleDES(key), modes.CBC(iv)).encryptor()
        return algorithm_der(OIDS[cipher], tlv(0x04, iv)), enc.update(padded) + enc.finalize()
    if cipher == "cast5_cbc":
        enc = Cipher(CAST5(cek), modes.CBC(iv)).encryptor()
        params = (
            tlv(0x30, tlv(0x04, iv) + core.Integer(len(cek) * 8).dump())
            if cast5_sequence
            else tlv(0x04, iv)
        )
        return algorithm_der(OIDS[cipher], params), enc.update(padded) + enc.finalize()
    if cipher == "rc2_cbc":
        bits = rc2.effective_bits_from_version(rc2_version)
        ct = rc2.rc2_cbc_encrypt(cek, iv, padded, bits)
        params = (
            tlv(0x04, iv)
            if rc2_version is None
            else tlv(0x30, core.Integer(rc2_version).dump() + tlv(0x04, iv))
        )
        return algorithm_der(OIDS[cipher], params), ct
    raise ValueError(cipher)


def enveloped(
    content: bytes,
    recipient_infos: Sequence[cms.RecipientInfo],
    *,
    cipher: str = "aes256_cbc",
    cek: bytes | None = None,
    **cipher_options: object,
) -> bytes:
    """A DER ContentInfo holding EnvelopedData; ``cek`` must suit ``cipher``."""
    assert cek is not None
    algorithm, ct = encrypt_cbc(cipher, cek, content, **cipher_options)  # type: ignore[arg-type]
    data = cms.EnvelopedData(
        {
            "version": "v2",
            "recipient_infos": list(recipient_infos),
            "encrypted_content_info": {
                "content_type": "data",
                "content_encryption_algorithm": algos.EncryptionAlgorithm.load(algorithm),
                "encrypted_content": ct,
            },
        }
    )
    return cms.ContentInfo({"content_type": "enveloped_data", "content": data}).dump()


def auth_enveloped(
    content: bytes,
    recipient_infos: Sequence[cms.RecipientInfo],
    *,
    cek: bytes,
    cipher: str = "aes128_gcm",
    icv_len: int = 16,
    nonce_len: int = 12,
    auth_attrs: list | None = None,
) -> bytes:
    """A DER ContentInfo holding AuthEnvelopedData (AES-GCM or AES-CCM)."""
    nonce = os.urandom(nonce_len)
    attrs = cms.CMSAttributes(auth_attrs) if auth_attrs else None
    aad = attrs.dump() if attrs is not None else b""  # universal SET OF, tag 0x31
    if cipher.endswith("gcm"):
        enc = Cipher(algorithms.AES(cek), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        ct = enc.update(content) + enc.finalize()
        tag = enc.tag[:icv_len]
    else:
        sealed = AESCCM(cek, tag_length=icv_len).encrypt(nonce, content, aad)
        ct, tag = sealed[:-icv_len], sealed[-icv_len:]
    params = tlv(0x30, tlv(0x04, nonce) + core.Integer(icv_len).dump())
    value = {
        "version": "v0",
        "recipient_infos": list(recipient_infos),
        "auth_encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": algos.EncryptionAlgorithm.load(
                algorithm_der(OIDS[cipher], params)
            ),
            "encrypted_content": ct,
        },
        "mac": tag,
    }
    if attrs is not None:
        value["auth_attrs"] = cms.CMSAttributes.load(attrs.dump())
    data = cms.AuthEnvelopedData(value)
    return cms.ContentInfo({"content_type": "authenticated_enveloped_data", "content": data}).dump()


def signed_and_enveloped(enveloped_der: bytes) -> bytes:
    """A PKCS#7 SignedAndEnvelopedData built from the parts of an EnvelopedData."""
    env = cms.ContentInfo.load(enveloped_der)["content"]
    data = cms.SignedAndEnvelopedData(
        {
            "version": "v1",
            "recipient_infos": env["recipient_infos"],
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encrypted_content_info": env["encrypted_content_info"],
            "signer_infos": [],
        }
    )
    return cms.ContentInfo({"content_type": "signed_and_enveloped_data", "content": data}).dump()
