"""What real hardware answers and SoftHSM cannot: an empty card reader, a token pulled out
mid-run (CKR_DEVICE_REMOVED) and put back, a PIN locked by the token itself (CKR_PIN_LOCKED).

The module is tests/support/p11shim.c, built here, forwarding every call to SoftHSM2 and
answering those return codes when told to; the binding and our code see a real module.
"""

from __future__ import annotations

import os

import pytest

from smime_archiver.crypto.cms.layers import unwrap_message
from smime_archiver.crypto.keys import pkcs11 as p11
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.errors import NoTokenError, PinLockedError, TokenRemovedError
from smime_archiver.model import Status
from tests.support.softhsm import Shim

from .conftest import PIN
from .test_token_decrypt import PLAINTEXT


@pytest.fixture(scope="session")
def shim_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("p11shim")


@pytest.fixture
def shim(token, shim_dir):
    shim = Shim(shim_dir)
    shim.set()
    shim.activate()
    yield shim
    p11.close_module(shim.module)
    for name in ("P11SHIM_TARGET", "P11SHIM_STATE"):
        os.environ.pop(name, None)


def test_an_empty_reader_is_listed_as_a_slot_without_token(shim):
    shim.set("empty_slot")
    slots = p11.list_slots(shim.module)
    empty = [s for s in slots if not s.present]
    assert [(s.description, s.manufacturer) for s in empty] == [("Shim card reader", "Shim")]
    assert empty[0].describe() == "Shim card reader: no token inserted"
    assert [t.label for t in p11.open_module(shim.module).tokens()] == ["NemID"]


def test_no_token_in_any_reader(shim):
    shim.set("empty_slot removed")
    assert not any(s.present for s in p11.list_slots(shim.module))
    with pytest.raises(NoTokenError, match="No token is inserted"):
        p11.open_module(shim.module).tokens()
    entries, errors = p11.open_token_keys(shim.module, p11.fixed_pins(PIN))
    assert entries == [] and isinstance(errors[0], NoTokenError)


def test_pin_locked_by_the_token_itself(shim):
    info = p11.open_module(shim.module).tokens()[0]
    assert not info.pin_locked  # the flags did not say so; C_Login does
    shim.set("pin_locked")
    with pytest.raises(PinLockedError, match="is locked after too many wrong tries"):
        p11.login(info, p11.fixed_pins(PIN))


def test_token_pulled_out_mid_run_and_put_back(shim, messages):
    entries, errors = p11.open_token_keys(shim.module, p11.fixed_pins(PIN))
    assert errors == []
    store = KeyStore(entries)
    assert unwrap_message(messages["v15"], store).status is Status.DECRYPTED
    shim.set("removed")
    result = unwrap_message(messages["v15"], store)
    assert result.status is Status.ERROR
    assert "was removed or stopped answering while it was in use (CKR_DEVICE_REMOVED)" in (
        result.detail)
    key = next(e.private_key for e in store if e.description.key_type == "RSA")
    with pytest.raises(TokenRemovedError):
        key.check()
    shim.set()  # put back: the next message logs in again with the PIN that worked
    result = unwrap_message(messages["v15"], store)
    assert result.status is Status.DECRYPTED and PLAINTEXT in result.message
    assert unwrap_message(messages["ecdh"], store).status is Status.DECRYPTED
