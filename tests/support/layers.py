"""Fixture makers for the layer tests: synthetic SignedData/CompressedData and mail assembly.

Most fixtures come from OpenSSL and NSS (:mod:`tests.support.tools`); the few
things those tools cannot make on demand (a signing time years ago, MD5 in old
clients' style, a CompressedData without zlib support in the OpenSSL build) are
built here with ``asn1crypto`` + ``cryptography``, signed for real.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import zlib

from asn1crypto import algos, cms, core
from asn1crypto import x509 as ax509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as apad

from .pki import Identity

CRLF = b"\r\n"

HEADERS = (
    b"From: =?utf-8?q?S=C3=B8ren_=C3=86r=C3=B8_=C3=85berg?= <soren@example.dk>\r\n"
    b"To: Bo <bo@example.dk>\r\n"
    b"Subject: Kvartalsrapport\r\n"
    b"Date: Tue, 02 Mar 2010 10:15:00 +0100\r\n"
    b"Message-ID: <abc123@example.dk>\r\n"
)

TEXT = (
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\n"
    b"Hej Bo,\r\n\r\nHer er rapporten. Hilsen S\xc3\xb8ren \xc3\xa6\xc3\xb8\xc3\xa5\r\n"
)

_HASHES = {
    "md5": hashes.MD5,
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def asn1_cert(ident: Identity) -> ax509.Certificate:
    return ax509.Certificate.load(ident.cert.public_bytes(serialization.Encoding.DER))


def sign_synthetic(
    content: bytes,
    signer: Identity,
    *,
    digest: str = "sha256",
    signature_oid: str | None = None,
    digest_oid: str | None = None,
    pss: bool = False,
    signing_time: dt.datetime | None = None,
    signed_attrs: bool = True,
    detached: bool = False,
    include_cert: bool = True,
    use_ski: bool = False,
    utc_time: bool = True,
) -> bytes:
    """DER ContentInfo(SignedData) signed for real by ``signer``'s key.

    ``signature_oid``/``digest_oid`` override what is written (old clients wrote
    e.g. ``md5WithRSAEncryption`` or ``sha1WithRSAEncryption``); the signature
    itself is always made with ``digest``.
    """
    acert = asn1_cert(signer)
    key = signer.key
    algo = _HASHES[digest]()
    content_digest = hashlib.new(digest, content).digest()
    attrs = None
    if signed_attrs:
        items = [cms.CMSAttribute({"type": "content_type", "values": ["data"]})]
        if signing_time is not None:
            name = "utc_time" if utc_time else "generalized_time"
            items.append(cms.CMSAttribute({
                "type": "signing_time", "values": [cms.Time(name=name, value=signing_time)]
            }))
        items.append(cms.CMSAttribute({"type": "message_digest", "values": [content_digest]}))
        attrs = cms.CMSAttributes(items)
        to_sign = attrs.dump()
    else:
        to_sign = content

    if isinstance(key, rsa.RSAPrivateKey):
        if pss:
            pad = apad.PSS(mgf=apad.MGF1(algo), salt_length=algo.digest_size)
            sig_algo = algos.SignedDigestAlgorithm({
                "algorithm": "rsassa_pss",
                "parameters": algos.RSASSAPSSParams({
                    "hash_algorithm": {"algorithm": digest},
                    "mask_gen_algorithm": {
                        "algorithm": "mgf1", "parameters": {"algorithm": digest}
                    },
                    "salt_length": algo.digest_size,
                }),
            })
        else:
            pad = apad.PKCS1v15()
            sig_algo = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"})
        signature = key.sign(to_sign, pad, algo)
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(to_sign, ec.ECDSA(algo))
        sig_algo = algos.SignedDigestAlgorithm({"algorithm": f"{digest}_ecdsa"})
    elif isinstance(key, dsa.DSAPrivateKey):
        signature = key.sign(to_sign, algo)
        sig_algo = algos.SignedDigestAlgorithm({"algorithm": f"{digest}_dsa"})
    else:  # pragma: no cover - the test PKI makes no other kinds
        raise TypeError(type(key).__name__)
    if signature_oid:
        sig_algo = algos.SignedDigestAlgorithm({"algorithm": signature_oid})

    if use_ski:
        sid = cms.SignerIdentifier(name="subject_key_identifier", value=acert.key_identifier)
    else:
        sid = cms.SignerIdentifier(name="issuer_and_serial_number", value={
            "issuer": acert.issuer, "serial_number": acert.serial_number})
    digest_algorithm = algos.DigestAlgorithm({"algorithm": digest_oid or digest})
    info = {
        "version": "v3" if use_ski else "v1",
        "sid": sid,
        "digest_algorithm": digest_algorithm,
        "signature_algorithm": sig_algo,
        "signature": signature,
    }
    if attrs is not None:
        info["signed_attrs"] = attrs
    encap = {"content_type": "data"}
    if not detached:
        encap["content"] = content
    signed = {
        "version": "v3" if use_ski else "v1",
        "digest_algorithms": [digest_algorithm],
        "encap_content_info": encap,
        "signer_infos": [cms.SignerInfo(info)],
    }
    if include_cert:
        signed["certificates"] = [acert]
    return cms.ContentInfo({"content_type": "signed_data",
                            "content": cms.SignedData(signed)}).dump()


def compressed_data(content: bytes, *, algorithm: str = "1.2.840.113549.1.9.16.3.8",
                    raw: bytes | None = None) -> bytes:
    """DER ContentInfo(CompressedData), zlib (RFC 3274); ``raw`` replaces the stream."""
    data = zlib.compress(content) if raw is None else raw
    cd = cms.CompressedData({
        "version": "v0",
        "compression_algorithm": {"algorithm": algorithm},
        "encap_content_info": {"content_type": "data",
                               "content": core.ParsableOctetString(data)},
    })
    return cms.ContentInfo({"content_type": "compressed_data", "content": cd}).dump()


def b64(data: bytes, eol: bytes = CRLF) -> bytes:
    return base64.encodebytes(data).replace(b"\n", eol)


def pkcs7_entity(
    der: bytes,
    *,
    ctype: str = "application/pkcs7-mime",
    smime_type: str | None = "enveloped-data",
    name: str = "smime.p7m",
    cte: str = "base64",
    disposition: bool = True,
) -> bytes:
    """A MIME entity carrying a CMS structure, as the various clients wrote it."""
    params = f'; smime-type={smime_type}' if smime_type else ""
    head = f'Content-Type: {ctype}{params}; name="{name}"\r\n'
    head += f"Content-Transfer-Encoding: {cte}\r\n"
    if disposition:
        head += f'Content-Disposition: attachment; filename="{name}"\r\n'
    if cte == "base64":
        body = b64(der)
    elif cte == "quoted-printable":
        body = qp_binary(der)
    else:
        body = der
    return head.encode() + CRLF + body


def qp_binary(data: bytes) -> bytes:
    """Quoted-printable for binary data (RFC 2045 6.7 rule 4): CR and LF as ``=0D``/``=0A``,
    lines joined by CRLF soft breaks, so decoding gives back every byte.

    Not ``quopri.encodestring``: that encodes *text*, so a CR LF pair in the data becomes a
    plain line break (written as LF) and decodes as LF alone: the data loses a byte.  A DER
    structure with random bytes holds a CR LF pair about once in 130 messages.
    """
    encoded = binascii.b2a_qp(data, istext=False).replace(b"=\n", b"=\r\n")
    assert binascii.a2b_qp(encoded) == data
    return encoded


def multipart(subtype: str, parts: list[bytes], boundary: str = "=_BOUNDARY_42",
              extra: str = "") -> bytes:
    """A multipart entity (headers + body) with CRLF line ends."""
    head = f'Content-Type: multipart/{subtype}; boundary="{boundary}"{extra}\r\n\r\n'.encode()
    delim = b"--" + boundary.encode()
    body = b"This is a multi-part message in MIME format.\r\n"
    for part in parts:
        body += delim + CRLF + part + CRLF
    body += delim + b"--" + CRLF
    return head + body


def message(entity: bytes, headers: bytes = HEADERS) -> bytes:
    """A whole message: outer headers, MIME-Version, then ``entity`` (its own headers)."""
    return headers + b"MIME-Version: 1.0\r\n" + entity


def parse(data: bytes):
    """The message as the rest of the pipeline reads it (``email`` with policy.default)."""
    import email
    import email.policy

    return email.message_from_bytes(data, policy=email.policy.default)


def body_text(data: bytes) -> str:
    """The first text/plain part's decoded text."""
    msg = parse(data)
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None, "no text/plain body"
    return part.get_content()
