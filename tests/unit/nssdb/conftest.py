"""Profiles made by NSS's own tools, once per test session (see tests/support/nssdb.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.nssdb import build_profile, delete_key, have_nss_tools, upgrade_to_sql

# A Danish primary password typed on Windows (NFC); a Mac types the same letters decomposed.
PASSWORD = "Hemmelig æøå 2011"

if not have_nss_tools():  # pragma: no cover - the test machine has libnss3-tools
    pytest.fail("certutil/pk12util (libnss3-tools) are needed to build the NSS fixtures",
                pytrace=False)


@pytest.fixture(scope="session")
def nss_rsa(pki):
    return pki.identity("nss-rsa", "Søren Ærø Åberg")


@pytest.fixture(scope="session")
def nss_rsa_old(pki):
    return pki.identity("nss-rsa-old", "Søren Ærø Åberg (2010)")


@pytest.fixture(scope="session")
def nss_ec(pki):
    return pki.identity("nss-ec", "Eva Ækvator", key="ec:prime256v1")


@pytest.fixture(scope="session")
def nss_peer(pki):
    """Somebody else's certificate (a correspondent's), kept in the profile without a key."""
    return pki.identity("nss-peer", "Bent Ørsted")


@pytest.fixture(scope="session")
def nss_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("nss")


@pytest.fixture(scope="session")
def profiles(nss_dir, nss_rsa, nss_ec, nss_peer):
    """{(kind, protected): folder} with the RSA and EC identity and a peer's certificate."""
    out = {}
    for kind in ("sql", "dbm"):
        for protected in (False, True):
            folder = nss_dir / f"{kind}-{'pw' if protected else 'nopw'}"
            build_profile(folder, kind, PASSWORD if protected else None, [nss_rsa, nss_ec],
                          certificates=[nss_peer], work=nss_dir)
            out[kind, protected] = folder
    return out


@pytest.fixture(scope="session")
def certs_only(nss_dir, nss_rsa, nss_peer) -> Path:
    """A folder with cert9.db (and no key4.db): certificates, no private key."""
    folder = build_profile(nss_dir / "certs-only", "sql", None,
                           certificates=[nss_rsa, nss_peer], work=nss_dir)
    (folder / "key4.db").unlink()
    return folder


@pytest.fixture(scope="session")
def migrated(nss_dir, nss_rsa, nss_rsa_old) -> Path:
    """An old profile migrated by NSS (key3.db left behind), then the old key deleted from
    key4.db: the old key survives only in the stale key3.db."""
    folder = build_profile(nss_dir / "migrated", "dbm", PASSWORD, [nss_rsa, nss_rsa_old],
                           work=nss_dir)
    upgrade_to_sql(folder, PASSWORD, nss_rsa.label)
    delete_key(folder, "sql", PASSWORD, nss_rsa_old.label)
    return folder
