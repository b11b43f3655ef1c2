"""Test-time PKI: keys and certificates made with ``cryptography``, files for the OpenSSL CLI.

Nothing here is shipped; every fixture is generated when the tests run.  Key
pairs are made with ``cryptography`` (fast, and dates/serials/names are easy to
control, e.g. long-expired NemID-like certificates with æøå in the subject);
everything that wraps them (PKCS#12, CMS, S/MIME) is made by the real tools:
``openssl`` and NSS ``cmsutil``, see :mod:`tests.support.tools`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

UTC = dt.timezone.utc


@dataclass
class Identity:
    """A private key, its certificate and PEM files of both."""

    label: str
    key: object
    cert: x509.Certificate
    key_pem: Path
    cert_pem: Path
    issuer: Identity | None = None
    extra: dict = field(default_factory=dict)

    @property
    def chain_pem(self) -> Path:
        """The certificate followed by its issuers, one PEM file."""
        path = self.cert_pem.with_name(self.label + "-chain.pem")
        if not path.exists():
            parts = [self.cert.public_bytes(serialization.Encoding.PEM)]
            issuer = self.issuer
            while issuer is not None:
                parts.append(issuer.cert.public_bytes(serialization.Encoding.PEM))
                issuer = issuer.issuer
            path.write_bytes(b"".join(parts))
        return path

    @property
    def serial(self) -> int:
        return self.cert.serial_number


def nemid_subject(cn: str, pid: str = "9208-2002-2-123456789012") -> x509.Name:
    """A subject shaped like a NemID OCES personal certificate."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ingen organisatorisk tilknytning"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"PID:{pid}"),
        ]
    )


def make_key(kind: str = "rsa:2048"):
    algo, _sep, param = kind.partition(":")
    if algo == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=int(param or 2048))
    if algo == "ec":
        curve = {"prime256v1": ec.SECP256R1(), "secp384r1": ec.SECP384R1(),
                 "secp521r1": ec.SECP521R1()}[param or "prime256v1"]
        return ec.generate_private_key(curve)
    if algo == "dsa":
        return dsa.generate_private_key(key_size=int(param or 2048))
    raise ValueError(kind)


class PKI:
    """Makes CAs and end-entity identities under one directory, cached by label."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._cache: dict[str, Identity] = {}

    def ca(self, label: str = "ca", cn: str = "TRUST2408 Systemtest XXII CA",
           key: str = "rsa:2048") -> Identity:
        if label in self._cache:
            return self._cache[label]
        private = make_key(key)
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "TRUST2408"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ])
        now = dt.datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(private.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=365 * 20))
            .not_valid_after(now + dt.timedelta(days=365 * 20))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(private.public_key()),
                           critical=False)
        )
        cert = builder.sign(private, hashes.SHA256())
        return self._store(label, private, cert, None)

    def identity(
        self,
        label: str,
        cn: str = "Søren Ærø Åberg",
        *,
        key: str = "rsa:2048",
        ca: Identity | None = None,
        serial: int | None = None,
        email: str | None = None,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        ski: bool = True,
        subject: x509.Name | None = None,
        private_key: object | None = None,
        signature_hash: hashes.HashAlgorithm | None = None,
    ) -> Identity:
        """An end-entity certificate signed by ``ca`` (default: the shared test CA).

        Pass ``private_key`` to issue a renewed certificate around an existing key.
        """
        if label in self._cache:
            return self._cache[label]
        ca = ca or self.ca()
        private = private_key or make_key(key)
        now = dt.datetime.now(UTC)
        not_before = not_before or (now - dt.timedelta(days=30))
        not_after = not_after or (now + dt.timedelta(days=365 * 2))
        email = email or f"{label}@example.dk"
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject or nemid_subject(cn))
            .issuer_name(ca.cert.subject)
            .public_key(private.public_key())
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                critical=False,
            )
        )
        if isinstance(private, rsa.RSAPrivateKey):
            builder = builder.add_extension(
                x509.KeyUsage(digital_signature=True, content_commitment=True,
                              key_encipherment=True, data_encipherment=True, key_agreement=False,
                              key_cert_sign=False, crl_sign=False, encipher_only=False,
                              decipher_only=False),
                critical=True,
            )
        elif isinstance(private, ec.EllipticCurvePrivateKey):
            builder = builder.add_extension(
                x509.KeyUsage(digital_signature=True, content_commitment=False,
                              key_encipherment=False, data_encipherment=False, key_agreement=True,
                              key_cert_sign=False, crl_sign=False, encipher_only=False,
                              decipher_only=False),
                critical=True,
            )
        if ski:
            builder = builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False
            )
        cert = builder.sign(ca.key, signature_hash or hashes.SHA256())
        ident = self._store(label, private, cert, ca)
        ident.extra["email"] = email
        return ident

    def _store(self, label: str, private, cert: x509.Certificate,
               issuer: Identity | None) -> Identity:
        key_pem = self.dir / f"{label}.key.pem"
        cert_pem = self.dir / f"{label}.cert.pem"
        key_pem.write_bytes(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        ident = Identity(label, private, cert, key_pem, cert_pem, issuer)
        self._cache[label] = ident
        return ident
