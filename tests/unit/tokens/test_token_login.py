"""Modules, slots and logging in: every error a user can act on, from a real module."""

from __future__ import annotations

import _ssl
import os

import pytest
from pkcs11 import TokenFlag

from smime_archiver.crypto.keys import pkcs11 as p11
from smime_archiver.crypto.keys.pkcs11.discover import find_modules
from smime_archiver.errors import (
    NoTokenError,
    PinLockedError,
    TokenError,
    TokenModuleError,
    WrongPinError,
)

from .conftest import PIN


def _token_info(hsm, label="NemID") -> p11.TokenInfo:
    return next(t for t in p11.open_module(hsm.module).tokens() if t.label == label)


def test_slots_list_the_token_and_the_free_slot(token):
    slots = p11.list_slots(token.module)
    tokens = [s.token for s in slots if s.token is not None]
    nemid = next(t for t in tokens if t.label == "NemID")
    assert (nemid.serial, nemid.manufacturer, nemid.model) == (token.serial, "SoftHSM project",
                                                               "SoftHSM v2")
    assert nemid.initialized and nemid.login_required
    assert not (nemid.pin_locked or nemid.pin_final_try or nemid.pin_count_low)
    # SoftHSM always offers one more slot with an uninitialized token: never used
    assert any(not t.initialized for t in tokens)
    assert [t.label for t in p11.open_module(token.module).tokens()] == ["NemID"]


def test_wrong_pin_says_so_and_the_right_pin_then_works(token):
    info = _token_info(token)
    with pytest.raises(WrongPinError) as caught:
        p11.login(info, p11.fixed_pins("0000"))
    error = caught.value
    # SoftHSM sets CKF_USER_PIN_COUNT_LOW after a wrong PIN (and never FINAL_TRY or LOCKED)
    assert error.count_low and not error.final_try
    assert error.message == (f'The token "NemID" (serial number {token.serial}) did not accept '
                             'the PIN. Few tries are left before the token locks: check the '
                             'PIN before you try again.')
    assert error.source == token.module
    assert _token_info(token).pin_count_low
    session = p11.login(info, p11.fixed_pins(PIN))
    assert not _token_info(token).pin_count_low  # a good login clears it
    assert "1234" not in repr(session)


def test_each_pin_is_tried_once_in_order(token):
    asked: list[tuple[int, str | None]] = []

    def source(request: p11.PinRequest):
        for pin in ("0000", "0000", "9999", PIN, "never"):
            asked.append((request.tried, request.last_error and type(request.last_error).__name__))
            yield pin

    p11.login(_token_info(token), source)
    # the repeated wrong PIN was not sent again; the source saw each failure before the next
    assert asked == [(0, None), (1, "WrongPinError"), (1, "WrongPinError"),
                     (2, "WrongPinError")]


def test_no_pin_given(token):
    with pytest.raises(WrongPinError, match=r"needs its PIN\. Enter the PIN and try again"):
        p11.login(_token_info(token), p11.fixed_pins())


def test_final_try_is_shown_before_and_after_a_wrong_pin(token):
    token.add_token_flags("NemID", TokenFlag.USER_PIN_FINAL_TRY)
    token.activate()
    info = _token_info(token)
    assert info.pin_final_try
    with pytest.raises(WrongPinError) as caught:
        p11.login(info, p11.fixed_pins("0000"))
    assert caught.value.final_try
    assert "Only one try is left before the token locks" in caught.value.message


def test_locked_pin_is_not_tried(token):
    token.add_token_flags("NemID", TokenFlag.USER_PIN_LOCKED)
    token.activate()
    info = _token_info(token)
    assert info.pin_locked
    pulled = []
    with pytest.raises(PinLockedError) as caught:
        p11.login(info, lambda _request: pulled.append(1) or iter([PIN]))
    assert pulled == []  # no PIN was even asked for
    assert caught.value.message == (
        f'The PIN of the token "NemID" (serial number {token.serial}) is locked after too many '
        'wrong tries. It cannot be used until it is unlocked with its PUK code or by whoever '
        'issued the token.')
    # SoftHSM shows the flag but does not enforce it: C_Login would still succeed, so the
    # check before any PIN is sent is what protects a locked token here


def test_two_tokens_in_two_slots_each_with_its_pin(hsm, ids, messages):
    from smime_archiver.crypto.cms.layers import unwrap_message
    from smime_archiver.crypto.keys.keystore import KeyStore
    from smime_archiver.model import Status

    hsm.init_token("Første", "1111")
    hsm.init_token("Anden", "2222")
    hsm.import_key("Første", "1111", ids["rsa"])
    hsm.import_key("Anden", "2222", ids["rsa2"])
    hsm.activate()
    pins = {"Første": "1111", "Anden": "2222"}
    entries, errors = p11.open_token_keys(
        hsm.module, lambda request: iter([pins[request.token.label]]))
    assert errors == []
    assert sorted(e.private_key.token.label for e in entries) == ["Anden", "Første"]
    store = KeyStore(entries)
    for name, label in (("v15", "Første"), ("rsa2", "Anden")):
        result = unwrap_message(messages[name], store)
        assert result.status is Status.DECRYPTED
        assert result.layers[0].encryption.key_source.startswith(
            "pkcs11:token=" + {"Første": "F%C3%B8rste", "Anden": "Anden"}[label])


def test_a_wrong_pin_on_one_token_does_not_stop_the_other(hsm, ids):
    hsm.init_token("Første", "1111")
    hsm.init_token("Anden", "2222")
    hsm.import_key("Første", "1111", ids["rsa"])
    hsm.import_key("Anden", "2222", ids["rsa2"])
    hsm.activate()
    entries, errors = p11.open_token_keys(hsm.module, p11.fixed_pins("2222"))
    assert [e.private_key.token.label for e in entries] == ["Anden"]
    (error,) = errors
    assert isinstance(error, WrongPinError) and '"Første"' in error.message


def test_missing_module(tmp_path):
    path = str(tmp_path / "eTPKCS11.dll")
    with pytest.raises(TokenModuleError) as caught:
        p11.open_module(path)
    assert caught.value.message.startswith(f"The PKCS#11 module {path} does not exist.")
    entries, errors = p11.open_token_keys(path, p11.fixed_pins(PIN))
    assert entries == [] and isinstance(errors[0], TokenModuleError)


def test_file_that_is_not_a_library(tmp_path):
    path = tmp_path / "opensc-pkcs11.so"
    path.write_text("not a library\n")
    with pytest.raises(TokenModuleError) as caught:
        p11.open_module(path)
    assert caught.value.message == (
        f"{path} is not a PKCS#11 library (it is not a program library). Give the token's "
        "PKCS#11 library, for example eTPKCS11.dll for SafeNet or opensc-pkcs11.dll for OpenSC.")
    with pytest.raises(TokenModuleError, match="it is a folder"):
        p11.open_module(tmp_path)


def test_library_that_is_not_pkcs11():
    path = _ssl.__file__  # a real shared library, without C_GetFunctionList
    with pytest.raises(TokenModuleError) as caught:
        p11.open_module(path)
    assert caught.value.message.startswith(
        f"{path} is not a PKCS#11 library (it has no C_GetFunctionList).")


def test_module_without_any_token():
    """OpenSC's module on a machine without a card reader: no slot at all."""
    found = {m.name: m.path for m in find_modules()}
    assert "OpenSC" in found, "OpenSC (apt: opensc) is needed for this test"
    with pytest.raises(NoTokenError) as caught:
        p11.open_module(found["OpenSC"]).tokens()
    assert caught.value.message == (
        f"No token is inserted: {found['OpenSC']} finds no USB key or smart card. Insert the "
        "token (and connect the card reader, if it has one) and try again.")
    assert isinstance(caught.value, TokenError)


def test_token_taken_out_before_login(token):
    info = _token_info(token)
    token.delete_token("NemID")
    token.activate()
    with pytest.raises(NoTokenError, match="is not inserted"):
        p11.login(info, p11.fixed_pins(PIN))


def test_danish_messages(token):
    from smime_archiver import i18n

    i18n.set_language("da")
    with pytest.raises(WrongPinError) as caught:
        p11.login(_token_info(token), p11.fixed_pins("0000"))
    assert caught.value.message.startswith(f'Tokenet "NemID" (serienummer {token.serial}) '
                                           "godtog ikke PIN-koden.")


def test_softhsm_is_found_where_debian_installs_it(hsm):
    assert hsm.module in [m.path for m in find_modules()] or os.path.realpath(hsm.module) in [
        os.path.realpath(m.path) for m in find_modules()]


def test_a_pin_with_danish_letters_and_never_a_pin_in_the_log(hsm, ids, messages, caplog):
    import logging

    from smime_archiver.crypto.cms.layers import unwrap_message
    from smime_archiver.crypto.keys.keystore import KeyStore
    from smime_archiver.model import Status

    good, bad = "Kode-ÆØÅ-5821", "Forkert-æøå-0000"
    hsm.init_token("Dansk", good)
    hsm.import_key("Dansk", good, ids["rsa"])
    hsm.activate()
    with caplog.at_level(logging.DEBUG):
        entries, errors = p11.open_token_keys(hsm.module, p11.fixed_pins(bad, good))
        assert errors == [] and len(entries) == 1
        result = unwrap_message(messages["v15"], KeyStore(entries))
        assert result.status is Status.DECRYPTED
        # logged in already: the token is not asked again, not even with a wrong PIN
        assert p11.login(_token_info(hsm, "Dansk"), p11.fixed_pins(bad)) is (
            entries[0].private_key._session)
        p11.close_module(hsm.module)
        with pytest.raises(WrongPinError) as caught:
            p11.login(_token_info(hsm, "Dansk"), p11.fixed_pins(bad))
    assert caplog.records  # the run did log
    for text in (caplog.text, repr(entries), repr(entries[0].private_key),
                 repr(entries[0].private_key._session), caught.value.message):
        assert good not in text and bad not in text
