"""``summarize_nss_database``: a profile's own certificates, without its primary password."""

from __future__ import annotations

import pytest

from smime_archiver.crypto.keys.nss import summarize_nss_database

KINDS = ["sql", "dbm"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("protected", [False, True])
def test_own_certificates_without_the_password(profiles, kind, protected, nss_rsa, nss_ec,
                                               nss_peer):
    summary = summarize_nss_database(profiles[kind, protected])
    assert summary is not None
    assert summary.needs_password is protected
    assert summary.key_count == 2
    assert set(summary.own_certificates) == {nss_rsa.cert, nss_ec.cert}
    assert nss_peer.cert not in summary.own_certificates
    assert summary.other_certificates == 2  # the peer's and the CA's
    assert summary.problems == ()


def test_migrated_profile_counts_both_databases(migrated, nss_rsa, nss_rsa_old):
    summary = summarize_nss_database(migrated)
    assert summary.databases == ("key4.db", "key3.db")
    assert set(summary.own_certificates) == {nss_rsa.cert, nss_rsa_old.cert}
    assert summary.needs_password


def test_certificates_only_and_no_database(certs_only, tmp_path):
    summary = summarize_nss_database(certs_only)
    assert summary.key_count == 0 and summary.own_certificates == ()
    assert summary.other_certificates == 2
    assert summarize_nss_database(tmp_path) is None


def test_damaged_database_is_named_not_raised(profiles, tmp_path):
    import shutil

    folder = tmp_path / "p"
    shutil.copytree(profiles["dbm", False], folder)
    (folder / "key3.db").write_bytes(b"\x00" * 100)
    summary = summarize_nss_database(folder)
    assert summary.problems == ("key3.db: DatabaseDamaged",)
    assert summary.key_count == 0
