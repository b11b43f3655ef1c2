"""Identities and key files shared by the key-file tests (session scoped: keys are slow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.tools import p12_export

# A Danish password typed on Windows (NFC); a Mac types the same letters decomposed (NFD).
PASSWORD = "Sikker æøå 2009"


@pytest.fixture(scope="session")
def rsa_id(pki):
    return pki.identity("kf-rsa", "Søren Ærø Åberg")


@pytest.fixture(scope="session")
def rsa2_id(pki):
    return pki.identity("kf-rsa2", "Bent Ørsted")


@pytest.fixture(scope="session")
def ec_id(pki):
    return pki.identity("kf-ec", "Eva Ækvator", key="ec:prime256v1")


@pytest.fixture(scope="session")
def dsa_id(pki):
    return pki.identity("kf-dsa", "Dorte Signatur", key="dsa:1024")


@pytest.fixture(scope="session")
def kf_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("keyfiles")


@pytest.fixture(scope="session")
def legacy_p12(rsa_id, kf_dir) -> Path:
    """``openssl pkcs12 -export -legacy``: RC2-40 certificates, 3DES key, SHA-1 MAC."""
    return p12_export(rsa_id, kf_dir / "legacy.p12", PASSWORD, legacy=True, name="Søren")


@pytest.fixture(scope="session")
def modern_p12(rsa_id, kf_dir) -> Path:
    """OpenSSL 3 default: PBES2/PBKDF2-SHA256/AES-256-CBC, SHA-256 MAC."""
    return p12_export(rsa_id, kf_dir / "modern.p12", PASSWORD, legacy=False)
