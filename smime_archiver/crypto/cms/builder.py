"""Build S/MIME structures (EnvelopedData, SignedData) for the built-in demo.

The archiver only ever *reads* mail; this small writer exists so that the demo
works anywhere, including the frozen app with no OpenSSL command-line tool.
Tests cross-check it against OpenSSL, and the real decryption is tested on
OpenSSL- and NSS-made messages, never only on ours.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os

from asn1crypto import algos, cms, core
from asn1crypto import x509 as ax509
from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_CIPHERS = {
    # name: (asn1crypto algorithm name, key length, block size, factory)
    "aes128_cbc": ("aes128_cbc", 16, 16, algorithms.AES),
    "aes192_cbc": ("aes192_cbc", 24, 16, algorithms.AES),
    "aes256_cbc": ("aes256_cbc", 32, 16, algorithms.AES),
    "des_ede3_cbc": ("tripledes_3key", 24, 8, TripleDES),
}


def _asn1_cert(cert: x509.Certificate) -> ax509.Certificate:
    return ax509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def build_enveloped(content: bytes, recipients: list[x509.Certificate],
                    cipher: str = "aes256_cbc") -> bytes:
    """DER ContentInfo(EnvelopedData) of ``content`` for RSA ``recipients``."""
    algo_name, key_len, block, factory = _CIPHERS[cipher]
    cek = os.urandom(key_len)
    iv = os.urandom(block)
    padder = padding.PKCS7(block * 8).padder()
    padded = padder.update(content) + padder.finalize()
    encryptor = Cipher(factory(cek), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(padded) + encryptor.finalize()
    infos = []
    for cert in recipients:
        public = cert.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise ValueError("the demo writer only encrypts to RSA certificates")
        acert = _asn1_cert(cert)
        infos.append(cms.RecipientInfo(name="ktri", value={
            "version": "v0",
            "rid": cms.RecipientIdentifier(name="issuer_and_serial_number", value={
                "issuer": acert.issuer, "serial_number": acert.serial_number}),
            "key_encryption_algorithm": {"algorithm": "rsaes_pkcs1v15"},
            "encrypted_key": public.encrypt(cek, asym_padding.PKCS1v15()),
        }))
    enveloped = cms.EnvelopedData({
        "version": "v0",
        "recipient_infos": infos,
        "encrypted_content_info": {
            "content_type": "data",
            "content_encryption_algorithm": {"algorithm": algo_name,
                                             "parameters": core.OctetString(iv)},
            "encrypted_content": encrypted,
        },
    })
    return cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump()


def build_signed(content: bytes, key: rsa.RSAPrivateKey, cert: x509.Certificate, *,
                 detached: bool = False, signing_time: dt.datetime | None = None) -> bytes:
    """DER ContentInfo(SignedData), SHA-256 with RSA, signed attributes included."""
    acert = _asn1_cert(cert)
    signing_time = signing_time or dt.datetime.now(dt.timezone.utc)
    attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "signing_time",
                          "values": [cms.Time(name="utc_time", value=signing_time)]}),
        cms.CMSAttribute({"type": "message_digest",
                          "values": [hashlib.sha256(content).digest()]}),
    ])
    signature = key.sign(attrs.dump(), asym_padding.PKCS1v15(), hashes.SHA256())
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier(name="issuer_and_serial_number", value={
            "issuer": acert.issuer, "serial_number": acert.serial_number}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
        "signature": signature,
    })
    encap: dict[str, object] = {"content_type": "data"}
    if not detached:
        encap["content"] = content
    signed = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": encap,
        "certificates": [acert],
        "signer_infos": [signer],
    })
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def pkcs7_mime_entity(der: bytes, smime_type: str) -> bytes:
    """An ``application/pkcs7-mime`` MIME entity (headers + base64 body), CRLF line ends."""
    body = base64.encodebytes(der).replace(b"\n", b"\r\n")
    return (
        b"Content-Type: application/pkcs7-mime; smime-type=" + smime_type.encode()
        + b'; name="smime.p7m"\r\n'
        b"Content-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="smime.p7m"\r\n\r\n' + body
    )
