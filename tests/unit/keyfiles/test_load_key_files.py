"""``load_key_files``: many files, pairing by public key, duplicates, errors, warnings."""

from __future__ import annotations

import logging

from asn1crypto import x509 as ax509
from cryptography.hazmat.primitives import serialization

from smime_archiver.crypto.keys.keyfiles import load_key_file, load_key_files
from smime_archiver.errors import DamagedKeyFileError, KeyFileError, WrongPasswordError
from tests.support.keyfiles import CountingSource, build_pkcs12, never_asked
from tests.support.tools import p12_export

from .conftest import PASSWORD


def _der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_key_and_certificate_from_separate_files(rsa_id, rsa2_id, tmp_path):
    cert_der = tmp_path / "mine.cer"
    cert_der.write_bytes(_der(rsa_id.cert))
    warnings: list[str] = []
    store, errors = load_key_files([rsa_id.key_pem, rsa2_id.cert_pem, cert_der], never_asked,
                                   on_warning=warnings.append)
    assert errors == []
    (entry,) = store.entries
    assert entry.certificate == rsa_id.cert
    assert entry.description.source == str(rsa_id.key_pem)
    assert entry.description.subject is not None
    # the other person's certificate pairs with nothing: one warning naming that file
    assert len(warnings) == 1 and str(rsa2_id.cert_pem) in warnings[0]
    assert [_der(c) for c in store.certificates] == [_der(rsa2_id.cert), _der(rsa_id.cert)]


def test_paired_entry_is_found_by_issuer_and_serial(rsa_id, tmp_path):
    store, _errors = load_key_files([rsa_id.cert_pem, rsa_id.key_pem], never_asked)
    issuer = ax509.Certificate.load(_der(rsa_id.cert)).issuer
    ((entry, exact),) = store.candidates(issuer=issuer, serial=rsa_id.serial, kind="rsa")
    assert exact and entry.certificate == rsa_id.cert


def test_renewed_certificates_around_one_key_give_one_entry_each(pki, rsa_id, tmp_path):
    renewed = pki.identity("kf-rsa-renewed", "Søren Ærø Åberg", private_key=rsa_id.key)
    store, errors = load_key_files([rsa_id.key_pem, rsa_id.cert_pem, renewed.cert_pem],
                                   never_asked)
    assert errors == []
    assert [e.certificate for e in store.entries] == [rsa_id.cert, renewed.cert]


def test_duplicates_are_dropped_and_order_is_kept(legacy_p12, modern_p12, rsa_id, ec_id,
                                                  tmp_path):
    ec_p12 = p12_export(ec_id, tmp_path / "ec.p12", PASSWORD, legacy=False)
    store, errors = load_key_files(
        [ec_p12, legacy_p12, modern_p12, rsa_id.key_pem, legacy_p12], [PASSWORD])
    assert errors == []
    assert [e.certificate for e in store.entries] == [ec_id.cert, rsa_id.cert]
    assert store.entries[0].description.source == str(ec_p12)
    assert store.entries[1].description.source == str(legacy_p12)
    # every certificate once: ec, its CA, rsa (same CA)
    assert len(store.certificates) == 3


def test_bad_files_are_collected_not_raised(legacy_p12, rsa2_id, tmp_path):
    damaged = tmp_path / "damaged.p12"
    damaged.write_bytes(legacy_p12.read_bytes()[:500])
    wrong = p12_export(rsa2_id, tmp_path / "other.p12", "andet kodeord", legacy=True)
    missing = tmp_path / "missing.p12"
    store, errors = load_key_files([damaged, wrong, legacy_p12, missing], [PASSWORD])
    assert len(store) == 1
    assert [type(e) for e in errors] == [DamagedKeyFileError, WrongPasswordError, KeyFileError]
    assert [e.source for e in errors] == [str(damaged), str(wrong), str(missing)]


def test_a_password_that_opened_one_file_is_tried_on_the_next(rsa_id, rsa2_id, tmp_path):
    first = p12_export(rsa_id, tmp_path / "a.p12", PASSWORD, legacy=True)
    second = p12_export(rsa2_id, tmp_path / "b.p12", PASSWORD, legacy=False)
    source = CountingSource(PASSWORD)
    store, errors = load_key_files([first, second], source)
    assert errors == [] and len(store) == 2
    assert source.calls == [str(first)]  # the second file did not ask again


def test_a_one_shot_iterable_serves_every_file(rsa_id, rsa2_id, tmp_path):
    first = p12_export(rsa_id, tmp_path / "a.p12", "første", legacy=True)
    second = p12_export(rsa2_id, tmp_path / "b.p12", "anden", legacy=True)
    passwords = (p for p in ["anden", "første"])
    store, errors = load_key_files([first, second], passwords)
    assert errors == [] and len(store) == 2


def test_warnings_go_to_the_callback_or_the_log(rsa_id, dsa_id, tmp_path, caplog):
    mixed = tmp_path / "mixed.p12"
    mixed.write_bytes(build_pkcs12([(rsa_id.key, None), (dsa_id.key, None)],
                                   [(rsa_id.cert, None), (dsa_id.cert, None)], PASSWORD))
    seen: list[str] = []
    store, _errors = load_key_files([mixed], [PASSWORD], on_warning=seen.append)
    assert len(store) == 1 and len(seen) == 1 and "DSA" in seen[0]
    with caplog.at_level(logging.WARNING, logger="smime_archiver.crypto.keys.keyfiles"):
        load_key_files([mixed], [PASSWORD])
    assert any("DSA" in r.getMessage() for r in caplog.records)
    assert all(PASSWORD not in r.getMessage() for r in caplog.records)


def test_certificate_file_paired_with_a_key_from_another_file_gives_no_warning(
        rsa_id, tmp_path):
    seen: list[str] = []
    load_key_files([rsa_id.chain_pem, rsa_id.key_pem], never_asked, on_warning=seen.append)
    assert seen == []


def test_no_password_ever_logged(legacy_p12, caplog, tmp_path):
    wrong = tmp_path / "w.p12"
    wrong.write_bytes(legacy_p12.read_bytes())
    with caplog.at_level(logging.DEBUG, logger="smime_archiver"):
        store, _errors = load_key_files([legacy_p12, wrong], ["forkert kodeord", PASSWORD])
        load_key_files([wrong], ["forkert kodeord"])
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "forkert" not in text and "Sikker" not in text and len(store) == 1


def test_empty_list(tmp_path):
    store, errors = load_key_files([], never_asked)
    assert len(store) == 0 and errors == [] and store.certificates == []




def test_mutated_key_files_never_crash(legacy_p12, rsa_id, tmp_path):
    """Flipped bytes, cuts and insertions: only our KeyFileError family ever comes out."""
    import random

    from tests.support.keyfiles import build_pkcs12 as build

    nomac = build([(rsa_id.key, None)], [(rsa_id.cert, None)], PASSWORD, mac=None,
                  key_scheme="pbes2-aes-128-cbc", cert_scheme="sha1-rc2-40", iterations=16)
    seeds = [legacy_p12.read_bytes(), nomac, rsa_id.key_pem.read_bytes(),
             rsa_id.cert.public_bytes(serialization.Encoding.DER)]
    rnd = random.Random(2009)
    path = tmp_path / "mutant"
    outcomes = set()
    for _round in range(160):
        data = bytearray(rnd.choice(seeds))
        where = rnd.randrange(len(data))
        match rnd.randrange(3):
            case 0:
                data[where] ^= 1 << rnd.randrange(8)
            case 1:
                del data[where:]
            case _:
                data[where:where] = rnd.randbytes(rnd.randrange(1, 9))
        path.write_bytes(bytes(data))
        try:
            load_key_file(path, ["forkert", PASSWORD])
            outcomes.add("loaded")
        except KeyFileError as e:
            assert e.source == str(path) and str(path) in str(e)
            outcomes.add(type(e).__name__)
    assert {"loaded", "DamagedKeyFileError", "WrongPasswordError"} <= outcomes
