"""The Berkeley DB hash-file reader on files NSS wrote: overflow pages, big items, byte order."""

from __future__ import annotations

import shutil
import struct

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from smime_archiver.crypto.keys.nss import load_nss_database
from smime_archiver.crypto.keys.nss.hashdb import HashFileError, read_pairs
from tests.support.nssdb import build_profile, to_big_endian

from .conftest import PASSWORD

MANY = 6


@pytest.fixture(scope="session")
def many_ids(pki):
    return [pki.identity(f"nss-many-{i}", f"Person {i} Ærø") for i in range(MANY)]


@pytest.fixture(scope="session")
def huge_id(pki):
    """A certificate far larger than cert8.db's 16 KB page, its subject larger than a page too."""
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Afdeling æøå " * 1700),
        x509.NameAttribute(NameOID.COMMON_NAME, "Stor Certifikat"),
    ])
    return pki.identity("nss-huge", subject=subject)


@pytest.fixture(scope="session")
def heavy_dbm(nss_dir, many_ids, huge_id):
    return build_profile(nss_dir / "heavy-dbm", "dbm", PASSWORD, many_ids,
                         certificates=[huge_id], work=nss_dir)


def test_many_keys_split_buckets(heavy_dbm, many_ids):
    data = (heavy_dbm / "key3.db").read_bytes()
    assert struct.unpack_from(">i", data, 40)[0] >= 2  # max_bucket: buckets were split
    assert len(read_pairs(data)) == MANY + 3  # Version, global-salt, password-check
    result = load_nss_database(heavy_dbm, [PASSWORD])
    assert sorted(e.certificate.serial_number for e in result.entries) == sorted(
        i.cert.serial_number for i in many_ids)


def test_big_items_span_pages(heavy_dbm, huge_id):
    """The huge certificate's subject record has a key over a page long (a "big" pair);
    the certificate itself NSS keeps in a separate file in cert8.dir (a "blob")."""
    data = (heavy_dbm / "cert8.db").read_bytes()
    bsize = struct.unpack_from(">i", data, 12)[0]
    subject = huge_id.cert.subject.public_bytes()
    assert len(subject) > bsize
    pairs = read_pairs(data)
    assert bytes((3,)) + subject in [k for k, _v in pairs]
    assert any(v[:2] == b"\x08\x08" for k, v in pairs if k[:1] == b"\x01")  # the blob
    assert any((heavy_dbm / "cert8.dir").iterdir())
    result = load_nss_database(heavy_dbm, [PASSWORD])
    assert huge_id.cert in result.certificates


def test_missing_blob_leaves_the_other_certificates(heavy_dbm, tmp_path, many_ids, huge_id):
    folder = tmp_path / "no-blobs"
    shutil.copytree(heavy_dbm, folder)
    shutil.rmtree(folder / "cert8.dir")
    result = load_nss_database(folder, [PASSWORD])
    assert huge_id.cert not in result.certificates
    assert {e.certificate for e in result.entries} == {i.cert for i in many_ids}


def test_big_endian_files_as_a_powerpc_mac_wrote_them(heavy_dbm, tmp_path, many_ids, huge_id):
    folder = tmp_path / "ppc"
    shutil.copytree(heavy_dbm, folder)
    for name in ("key3.db", "cert8.db"):
        little = (heavy_dbm / name).read_bytes()
        big = to_big_endian(little)
        assert big != little
        assert read_pairs(big) == read_pairs(little)
        (folder / name).write_bytes(big)
    result = load_nss_database(folder, [PASSWORD])
    assert len(result.entries) == MANY
    assert huge_id.cert in result.certificates


def test_cert8_truncations_never_crash(heavy_dbm):
    data = (heavy_dbm / "cert8.db").read_bytes()
    for cut in range(0, len(data), 1024):
        try:
            read_pairs(data[:cut])
        except HashFileError:
            continue


def _overflow_links(data: bytes) -> list[tuple[int, int]]:
    """(page, byte offset of its pointer) for every page that links to an overflow page."""
    bsize = struct.unpack_from(">i", data, 12)[0]
    hdrpages = struct.unpack_from(">i", data, 60)[0]
    links = []
    for page in range(hdrpages, len(data) // bsize):
        start = page * bsize
        n = struct.unpack_from("<H", data, start)[0]
        if not 2 <= n < bsize // 4:
            continue  # empty, or a bitmap page
        index = struct.unpack_from(f"<{n + 1}H", data, start)
        for ndx in range(1, n, 2):
            if index[ndx + 1] == 0:  # OVFLPAGE: index[ndx] is the next page's address
                links.append((page, start + 2 * ndx))
    return links


def test_cert8_uses_overflow_pages(heavy_dbm):
    assert _overflow_links((heavy_dbm / "cert8.db").read_bytes())


def test_a_looping_chain_is_caught(heavy_dbm):
    """An overflow pointer aimed back at its own page: an error, not an endless loop."""
    from smime_archiver.crypto.keys.nss.hashdb import _File

    data = bytearray((heavy_dbm / "cert8.db").read_bytes())
    page, at = _overflow_links(bytes(data))[0]
    reader = _File(bytes(data))
    own = next(a for a in range(1, 1 << 14) if reader.overflow_page(a) == page)
    struct.pack_into("<H", data, at, own)
    with pytest.raises(HashFileError, match="loops"):
        read_pairs(bytes(data))


def test_cert8_mutations_raise_only_hash_file_errors(heavy_dbm):
    import random

    original = (heavy_dbm / "cert8.db").read_bytes()
    bsize = struct.unpack_from(">i", original, 12)[0]
    rng = random.Random(8)
    errors = 0
    for _round in range(400):
        data = bytearray(original)
        page = rng.randrange(1, len(data) // bsize)
        for _flip in range(rng.choice((1, 3))):  # into a page's index, where it hurts
            data[page * bsize + rng.randrange(64)] = rng.randrange(256)
        try:
            read_pairs(bytes(data))
        except HashFileError:
            errors += 1
    assert errors
