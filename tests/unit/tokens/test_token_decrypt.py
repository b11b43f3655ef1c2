"""Messages opened with keys that never leave a token: SoftHSM2 through python-pkcs11,
through the same unwrap code as key files (crypto.layers.unwrap_message)."""

from __future__ import annotations

import logging
import os

import pkcs11
import pytest
from asn1crypto import cms as acms
from cryptography.hazmat.primitives.asymmetric import padding

from smime_archiver.crypto.cms.layers import unwrap_message
from smime_archiver.crypto.keys import pkcs11 as p11
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.model import Status
from tests.support.keys import keystore_for
from tests.support.softhsm import set_key_attribute

from .conftest import BODY, PIN

PLAINTEXT = "Hej Søren, her er den krypterede besked.".encode()


def _store(token) -> KeyStore:
    entries, errors = p11.open_token_keys(token.module, p11.fixed_pins(PIN))
    assert errors == []
    return KeyStore(entries)


def _opened(result) -> bool:
    return result.status is Status.DECRYPTED and PLAINTEXT in result.message


def test_token_keys_pair_with_their_certificates_and_stay_on_the_token(token, ids):
    entries, errors = p11.open_token_keys(token.module, p11.fixed_pins(PIN))
    assert errors == []
    by_type = {e.description.key_type: e for e in entries}
    assert set(by_type) == {"RSA", "EC secp256r1"}
    rsa_entry = by_type["RSA"]
    assert rsa_entry.certificate == ids["rsa"].cert
    assert "Søren Token" in (rsa_entry.description.subject or "")
    assert rsa_entry.description.source == (
        f"pkcs11:token=NemID;serial={token.serial};id=%01;type=private")
    assert by_type["EC secp256r1"].certificate == ids["ec"].cert
    key = rsa_entry.private_key
    assert key.public_key().public_numbers() == ids["rsa"].key.public_key().public_numbers()
    with pytest.raises(TypeError):
        key.private_bytes()
    # as the token holds it: sensitive and not extractable
    lib = p11.open_module(token.module).lib
    tok = lib.get_token(token_label="NemID")
    with tok.open() as session:  # this process is logged in already
        obj = next(session.get_objects({pkcs11.Attribute.CLASS: pkcs11.ObjectClass.PRIVATE_KEY,
                                        pkcs11.Attribute.ID: b"\x01"}))
        assert obj[pkcs11.Attribute.SENSITIVE] is True
        assert obj[pkcs11.Attribute.EXTRACTABLE] is False


@pytest.mark.parametrize("name", ["v15", "v15_3des", "oaep_sha1", "oaep_sha256", "ecdh"])
def test_openssl_messages_decrypt_on_the_token(token, messages, name):
    store = _store(token)
    result = unwrap_message(messages[name], store)
    assert _opened(result), result.detail
    (layer,) = [layer for layer in result.layers if layer.encryption]
    assert layer.encryption.key_source.startswith("pkcs11:token=NemID;")
    expected = {"v15": "rsaes_pkcs1v15", "v15_3des": "rsaes_pkcs1v15",
                "oaep_sha1": "rsaes_oaep(sha1,mgf1-sha1)",
                "oaep_sha256": "rsaes_oaep(sha256,mgf1-sha256)",
                "ecdh": "ecdh-stdDH-sha1kdf+aes128_wrap"}[name]
    assert layer.encryption.key_algorithm == expected


def test_oaep_sha1_runs_as_oaep_and_sha256_through_raw_rsa(token, messages, caplog):
    """SoftHSM offers CKM_RSA_PKCS_OAEP with SHA-1 only; SHA-256 goes through CKM_RSA_X_509
    on the token and the OAEP padding is checked here."""
    store = _store(token)
    with caplog.at_level(logging.DEBUG, logger="smime_archiver.crypto.keys.pkcs11.keys"):
        assert _opened(unwrap_message(messages["oaep_sha1"], store))
        assert "through raw RSA" not in caplog.text
        assert _opened(unwrap_message(messages["oaep_sha256"], store))
        assert "RSA-OAEP (SHA256, MGF1 SHA256) through raw RSA" in caplog.text


def test_oaep_with_a_label_and_a_wrong_label(token, ids):
    from cryptography.hazmat.primitives import hashes

    store = _store(token)
    key = next(e.private_key for e in store if e.description.key_type == "RSA")
    pad = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA384(), b"etiket")
    secret = os.urandom(32)
    assert key.decrypt(ids["rsa"].key.public_key().encrypt(secret, pad), pad) == secret
    wrong = padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA384(), b"andet")
    with pytest.raises(ValueError):
        key.decrypt(ids["rsa"].key.public_key().encrypt(secret, pad), wrong)


def _forged_v15(message: bytes, ident) -> bytes:
    """The message with its encrypted key replaced by a valid PKCS#1 v1.5 block of random
    bytes for ``ident``: the token "succeeds" and hands back a wrong content key."""
    ci = acms.ContentInfo.load(message)
    ri = ci["content"]["recipient_infos"][0].chosen
    ri["encrypted_key"] = ident.key.public_key().encrypt(os.urandom(32), padding.PKCS1v15())
    return ci.dump(force=True)


def test_v15_unwrap_that_succeeds_with_garbage_is_caught(token, ids, messages):
    store = _store(token)
    forged = _forged_v15(messages["v15"], ids["rsa"])
    key = next(e.private_key for e in store if e.description.key_type == "RSA")
    ri = acms.ContentInfo.load(forged)["content"]["recipient_infos"][0].chosen
    cek = key.decrypt(ri["encrypted_key"].native, padding.PKCS1v15())
    assert len(cek) == 32  # the token did "succeed"...
    result = unwrap_message(forged, store)
    assert result.status is Status.CORRUPT  # ...but the content check caught it
    assert result.message == forged and PLAINTEXT not in result.message
    assert "does not decrypt" in result.detail


def test_wrong_token_key_gives_no_key_and_a_key_file_still_opens(token, ids, messages):
    """A message to someone else: the token key is tried (SoftHSM refuses the padding)
    and the message is listed as no key; with that person's key file it opens."""
    store = _store(token)
    result = unwrap_message(messages["other"], store)
    assert result.status is Status.NO_KEY
    for entry in keystore_for(ids["other"]):
        store.add(entry)
    result = unwrap_message(messages["other"], store)
    assert _opened(result)
    assert result.layers[0].encryption.key_source != "pkcs11"


def test_certificate_under_another_id_pairs_by_public_key(hsm, ids, messages):
    hsm.init_token("Omdøbt", PIN)
    hsm.import_key("Omdøbt", PIN, ids["rsa"], key_id="0a", cert_id="b7")
    hsm.import_key("Omdøbt", PIN, ids["rsa2"], key_id="0b", with_cert=False)
    hsm.activate()
    entries, errors = p11.open_token_keys(hsm.module, p11.fixed_pins(PIN))
    assert errors == []
    by_id = {e.private_key.ref.key_id: e for e in entries}
    assert by_id[b"\x0a"].certificate == ids["rsa"].cert
    assert by_id[b"\x0b"].certificate is None  # its certificate is not on the token
    store = KeyStore(entries)
    result = unwrap_message(messages["v15"], store)
    assert _opened(result)
    assert result.layers[0].encryption.key_subject is not None  # the exact, paired match
    assert _opened(unwrap_message(messages["rsa2"], store))  # by trying the certless key


def test_ec_key_pairs_through_its_public_key_object(hsm, ids, messages):
    hsm.init_token("EC", PIN)
    hsm.import_key("EC", PIN, ids["ec"], key_id="05", cert_id="06", usage=("derive",))
    hsm.import_public_key("EC", PIN, ids["ec"], key_id="05")
    hsm.activate()
    entries, errors = p11.open_token_keys(hsm.module, p11.fixed_pins(PIN))
    assert errors == [] and len(entries) == 1
    assert entries[0].certificate == ids["ec"].cert
    assert _opened(unwrap_message(messages["ecdh"], KeyStore(entries)))


def test_ec_key_without_any_public_key_is_left_out_with_a_warning(hsm, ids):
    hsm.init_token("EC", PIN)
    hsm.import_key("EC", PIN, ids["ec"], key_id="05", with_cert=False, usage=("derive",))
    hsm.activate()
    warnings: list[str] = []
    entries, errors = p11.open_token_keys(hsm.module, p11.fixed_pins(PIN),
                                          on_warning=warnings.append)
    assert entries == [] and errors == []
    assert warnings == ['The key tok-ec on the token "EC" (serial number '
                        f'{p11.open_module(hsm.module).tokens()[0].serial}) has neither a '
                        'certificate nor a public key, so it cannot be matched to messages and '
                        'is not used.']


def test_token_that_refuses_to_decrypt_gives_a_clear_message(hsm, ids, messages):
    hsm.init_token("Signer", PIN)
    hsm.import_key("Signer", PIN, ids["rsa"], key_id="01")
    set_key_attribute("Signer", PIN, b"\x01", pkcs11.Attribute.DECRYPT, False)
    hsm.activate()
    store = _store(hsm)
    result = unwrap_message(messages["v15"], store)
    assert result.status is Status.UNSUPPORTED
    assert result.detail.startswith('The token "Signer" (serial number ')
    assert "cannot decrypt with RSA PKCS#1 v1.5 (the key's CKA_DECRYPT is false" in result.detail
    assert "Use the key file of the same certificate" in result.detail
    # the key file of the same certificate, loaded too, still opens it
    for entry in keystore_for(ids["rsa"]):
        store.add(entry)
    assert _opened(unwrap_message(messages["v15"], store))


def test_token_that_refuses_ecdh_gives_a_clear_message(hsm, ids, messages):
    hsm.init_token("NoDerive", PIN)
    hsm.import_key("NoDerive", PIN, ids["ec"], key_id="02", usage=("derive",))
    set_key_attribute("NoDerive", PIN, b"\x02", pkcs11.Attribute.DERIVE, False)
    hsm.activate()
    result = unwrap_message(messages["ecdh"], _store(hsm))
    assert result.status is Status.UNSUPPORTED
    assert "cannot decrypt with ECDH (CKM_ECDH1_DERIVE)" in result.detail


def test_token_removed_mid_run(token, messages):
    store = _store(token)
    assert _opened(unwrap_message(messages["v15"], store))
    token.delete_token("NemID")
    result = unwrap_message(messages["v15"], store)
    assert result.status is Status.ERROR
    assert result.detail.startswith(
        'The message was not opened because the key for it could not be used: The token '
        f'"NemID" (serial number {token.serial}) was removed or stopped answering')
    assert "Insert it again and continue the export" in result.detail
    # a message for another key is still judged on its own
    assert unwrap_message(messages["other"], store).status in (Status.NO_KEY, Status.ERROR)


def test_plaintext_of_body_is_what_was_sent(token, messages):
    result = unwrap_message(messages["v15_3des"], _store(token))
    assert result.message.endswith(BODY.split(b"\r\n\r\n", 1)[1])
