"""Crashers found by fuzzing that need the recipient's key to reach the bug.

The corpus in ``corpus/crashers/`` replays what needs no key; these are rebuilt here at
test time for the session's key (the corpus keys change with every run).
"""

from __future__ import annotations

from smime_archiver.crypto.cms.envelope import load_content_info
from smime_archiver.crypto.cms.layers import unwrap_message
from smime_archiver.model import Status
from tests.fuzz.targets import catch_all_watch
from tests.support import tools
from tests.support.layers import TEXT, message, pkcs7_entity


def test_rc2_parameter_version_beyond_1024_bits_is_unsupported_not_a_crash(fuzz_seeds):
    """atheris, cms target: RC2-CBCParameter version 3488 (RFC 2268 allows 256..1024 as
    bits) reached the key schedule and raised ValueError; the message became an
    "unexpected internal error" instead of naming the parameter."""
    der = tools.cms_encrypt(TEXT, [fuzz_seeds.me], "rc2-40")
    rc2_params = b"\x02\x02\x00\xa0\x04\x08"  # version 160 (40 bits), then the IV
    assert der.count(rc2_params) == 1
    for version in (b"\x0d\xa0", b"\x04\xa0", b"\xff\x60"):  # 3488, 1184, -160
        bad = der.replace(rc2_params, b"\x02\x02" + version + b"\x04\x08")
        with catch_all_watch():
            result = unwrap_message(message(pkcs7_entity(bad)), fuzz_seeds.keystore)
        assert result.status is Status.UNSUPPORTED, result.detail
        assert "RC2 with parameter version" in result.detail
        load_content_info(bad)  # the structure itself is fine


def test_oaep_with_a_hash_openssl_does_not_offer_is_unsupported_not_a_crash(fuzz_seeds):
    """random driver, cms target: a bit flip turned OAEP's SHA-256 into SHA3-384, which
    OpenSSL refuses with cryptography's UnsupportedAlgorithm (no ValueError)."""
    der = tools.cms_encrypt(TEXT, [fuzz_seeds.me], "aes128",
                            keyopts=["rsa_padding_mode:oaep", "rsa_oaep_md:sha256"])
    sha256 = b"\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01"
    assert der.count(sha256) == 2  # the OAEP hash, then MGF1's
    bad = der.replace(sha256, sha256[:-1] + b"\x09", 1)  # SHA3-384
    with catch_all_watch():
        result = unwrap_message(message(pkcs7_entity(bad)), fuzz_seeds.keystore)
    assert result.status is Status.UNSUPPORTED, result.detail
    assert result.oid == "1.2.840.113549.1.1.7"
    assert "rsaes_oaep(sha3384" in result.detail
