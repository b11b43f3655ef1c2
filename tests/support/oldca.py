"""An old European CA as the OpenSSL CLI makes it: names in T61String with Latin-1 bytes.

``openssl req`` with ``string_mask = nombstr`` and Latin-1 input writes each
name value that is not printable as a T61String holding the Latin-1 bytes
(``L=D\\xfcsseldorf``), which is what CAs of the 1990s and 2000s (and gpgsm,
KMail and many European PKIs) put in their names.  The end-entity certificate
has serial number 0.  asn1crypto reads such names but cannot write them back,
and ``cryptography`` refuses to decode them.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.utils import CryptographyDeprecationWarning

from .pki import Identity
from .tools import openssl

CA_SERIAL = 0x2001
USER_SERIAL = 0
LOCALITY = "Düsseldorf"  # written as Latin-1 bytes in a T61String
T61_LOCALITY = b"\x14\x0aD\xfcsseldorf"  # T61String, length 10, Latin-1 "Düsseldorf"

_CONFIG = """\
[req]
distinguished_name = dn
string_mask = nombstr
prompt = no
[dn]
[ca]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[user]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:juergen@stadtwerke.example.de
"""


def _subject(*parts: tuple[str, str]) -> str:
    # -subj takes bytes; without -utf8 OpenSSL reads them as Latin-1 (MBSTRING_ASC)
    return "".join(f"/{k}={v}" for k, v in parts)


def _latin1_arg(text: str) -> str:
    """``text`` as an argv string whose bytes are Latin-1 (argv is bytes on POSIX)."""
    return text.encode("latin-1").decode("utf-8", errors="surrogateescape")


def make_old_ca(directory: Path) -> tuple[Identity, Identity]:
    """``(ca, user)``: a CA named in T61String/Latin-1 and a user certificate it issued.

    The user's certificate has serial number 0.
    """
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "openssl.cnf"
    config.write_text(_CONFIG)
    ca_key, ca_pem = directory / "oldca.key.pem", directory / "oldca.cert.pem"
    user_key, user_pem = directory / "juergen.key.pem", directory / "juergen.cert.pem"
    csr = directory / "juergen.csr"
    ca_subject = _subject(("C", "DE"), ("L", LOCALITY), ("O", "Stadtwerke Düsseldorf AG"),
                          ("CN", "Stadtwerke Düsseldorf Trust Center Klasse 2"))
    user_subject = _subject(("C", "DE"), ("L", LOCALITY), ("O", "Stadtwerke Düsseldorf AG"),
                            ("CN", "Jürgen Müller"))
    openssl("req", "-config", str(config), "-new", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(ca_key), "-out", str(ca_pem), "-days", "7300",
            "-set_serial", str(CA_SERIAL), "-extensions", "ca", "-subj", _latin1_arg(ca_subject))
    openssl("req", "-config", str(config), "-new", "-newkey", "rsa:2048", "-nodes",
            "-keyout", str(user_key), "-out", str(csr), "-subj", _latin1_arg(user_subject))
    openssl("x509", "-req", "-in", str(csr), "-CA", str(ca_pem), "-CAkey", str(ca_key),
            "-set_serial", str(USER_SERIAL), "-days", "3650", "-extfile", str(config),
            "-extensions", "user", "-out", str(user_pem))
    ca = _identity("oldca", ca_key, ca_pem, None)
    return ca, _identity("juergen", user_key, user_pem, ca)


def _identity(label: str, key_pem: Path, cert_pem: Path, issuer: Identity | None) -> Identity:
    key = serialization.load_pem_private_key(key_pem.read_bytes(), None)
    with warnings.catch_warnings():  # serial number 0: cryptography warns, and that is the point
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        cert = x509.load_pem_x509_certificate(cert_pem.read_bytes())
    return Identity(label, key, cert, key_pem, cert_pem, issuer)


def der_of(ident: Identity) -> bytes:
    return ident.cert.public_bytes(serialization.Encoding.DER)
