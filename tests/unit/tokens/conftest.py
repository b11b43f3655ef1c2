"""Fixtures for hardware-token tests: SoftHSM2 tokens made for each test, real CMS messages.

Identities and messages are made once per session; tokens are made per test in the
test's own folder (a few subprocess calls each), so that PIN counters, locks and
removals in one test never touch another.
"""

from __future__ import annotations

import os

import pytest

from smime_archiver.crypto.keys import pkcs11 as p11
from tests.support.softhsm import SoftHSM
from tests.support.tools import cms_encrypt

PIN = "1234"
BODY = ("Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Hej Søren, her er den krypterede besked.\r\n").encode()


@pytest.fixture(scope="session")
def ids(pki):
    """Identities: keys that go on tokens, one that stays a key file, one nobody has."""
    return {
        "rsa": pki.identity("tok-rsa", "Søren Token"),
        "rsa2": pki.identity("tok-rsa2", "Anne Anden Token"),
        "ec": pki.identity("tok-ec", "Ella Kurve", key="ec:prime256v1"),
        "other": pki.identity("tok-other", "Ole Ingen Nøgle"),
    }


@pytest.fixture(scope="session")
def messages(ids):
    """Real CMS EnvelopedData made by ``openssl cms -encrypt``."""
    return {
        "v15": cms_encrypt(BODY, [ids["rsa"]], "aes256"),
        "v15_3des": cms_encrypt(BODY, [ids["rsa"]], "des3"),
        "oaep_sha1": cms_encrypt(BODY, [ids["rsa"]], "aes128",
                                 keyopts=["rsa_padding_mode:oaep"]),
        "oaep_sha256": cms_encrypt(BODY, [ids["rsa"]], "aes256",
                                   keyopts=["rsa_padding_mode:oaep", "rsa_oaep_md:sha256"]),
        "ecdh": cms_encrypt(BODY, [ids["ec"]], "aes128"),
        "rsa2": cms_encrypt(BODY, [ids["rsa2"]], "aes256"),
        "other": cms_encrypt(BODY, [ids["other"]], "aes256"),
    }


@pytest.fixture
def hsm(tmp_path):
    """An empty SoftHSM token folder, active in this process for the test."""
    softhsm = SoftHSM(tmp_path / "softhsm").activate()
    yield softhsm
    p11.close_module(softhsm.module)
    os.environ.pop("SOFTHSM2_CONF", None)


@pytest.fixture
def token(hsm, ids):
    """One token "NemID" holding the RSA and the EC key, each with its certificate."""
    hsm.serial = hsm.init_token("NemID", PIN)
    hsm.import_key("NemID", PIN, ids["rsa"], key_id="01")
    hsm.import_key("NemID", PIN, ids["ec"], key_id="02", usage=("derive",))
    hsm.activate()
    return hsm
