"""recipients_of: what a message says about who may read it."""

from __future__ import annotations

import os

import pytest

from smime_archiver.crypto.cms.envelope import load_content_info, recipients_of
from smime_archiver.crypto.names import format_name
from smime_archiver.errors import MalformedMessageError
from tests.support import cms as enc
from tests.support.tools import cms_encrypt

from .conftest import MIME


def test_key_transport_refs(alice, bob):
    refs = recipients_of(load_content_info(cms_encrypt(MIME, [alice, bob], "des3")))
    assert {r.serial for r in refs} == {alice.serial, bob.serial}
    for ref in refs:
        assert ref.kind == "ktri"
        assert ref.issuer == format_name(alice.cert.issuer)
        assert ref.ski is None
        assert ref.key_algorithm == "rsaes_pkcs1v15"
        assert ref.describe().startswith("issuer CN=TRUST2408 Systemtest XXII CA")
        assert f"serial number {ref.serial} (hex {ref.serial:x})" in ref.describe()


def test_one_kari_with_two_keys_and_key_ids(ec256, ec256_other):
    cek = os.urandom(16)
    ri = enc.kari([ec256, ec256_other], cek, keyid=True)
    refs = recipients_of(load_content_info(enc.enveloped(MIME, [ri], cipher="aes128_cbc", cek=cek)))
    assert [r.ski for r in refs] == [enc.ski_of(ec256).hex(), enc.ski_of(ec256_other).hex()]
    assert {r.kind for r in refs} == {"kari"}
    assert {r.key_algorithm for r in refs} == {"ecdh-stdDH-sha256kdf"}
    assert refs[0].describe() == f"key identifier {refs[0].ski}"


def test_kek_and_password_recipients_are_listed(alice):
    data = cms_encrypt(
        MIME,
        [alice],
        "aes256",
        extra_args=[
            "-secretkey",
            "000102030405060708090a0b0c0d0e0f",
            "-secretkeyid",
            "c0ffee",
            "-pwri_password",
            "hemmeligt",
        ],
    )
    refs = recipients_of(load_content_info(data))
    kinds = sorted(r.kind for r in refs)
    assert kinds == ["kekri", "ktri", "pwri"]
    kekri = next(r for r in refs if r.kind == "kekri")
    assert kekri.key_algorithm == "aes128_wrap"
    assert kekri.issuer is None and kekri.serial is None and kekri.ski is None
    pwri = next(r for r in refs if r.kind == "pwri")
    assert pwri.key_algorithm == "pwri_kek"
    assert pwri.describe() == "pwri"


def test_recipients_of_something_not_encrypted(alice):
    from tests.support.tools import cms_sign

    signed = load_content_info(cms_sign(MIME, alice, smime=False))
    with pytest.raises(MalformedMessageError, match="not encrypted"):
        recipients_of(signed)
