"""Token keys in worker processes: a spawned worker re-opens them from a PIN-less
description and the PIN passed apart; a forked worker never uses the parent's session."""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from smime_archiver.crypto.cms.layers import unwrap_message
from smime_archiver.crypto.keys import pkcs11 as p11
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.errors import WrongPinError
from smime_archiver.model import RawMail, Status
from smime_archiver.parallel import Engine
from smime_archiver.work import WorkOptions

from .test_token_decrypt import PLAINTEXT

WORKER_PIN = "739184"


@pytest.fixture
def worker_token(hsm, ids):
    hsm.serial = hsm.init_token("Arbejder", WORKER_PIN)
    hsm.import_key("Arbejder", WORKER_PIN, ids["rsa"], key_id="01")
    hsm.import_key("Arbejder", WORKER_PIN, ids["ec"], key_id="02", usage=("derive",))
    hsm.activate()
    return hsm


def _open_in_worker(refs, pins, messages):
    """Runs in a spawned process: nothing inherited but the pickled arguments."""
    entries = p11.reopen_entries(refs, pins)
    store = KeyStore(entries)
    out = []
    for data in messages:
        result = unwrap_message(data, store)
        out.append((result.status.value, PLAINTEXT in result.message,
                    result.layers[0].encryption.key_source if result.layers else None))
    return os.getpid(), out


def test_spawned_worker_reopens_the_token_keys(worker_token, messages):
    entries, errors = p11.open_token_keys(worker_token.module, p11.fixed_pins(WORKER_PIN))
    assert errors == [] and len(entries) == 2
    refs = [e.private_key.ref for e in entries]
    wire = pickle.dumps(refs)
    assert WORKER_PIN.encode() not in wire  # the description carries no PIN
    pins = {refs[0].token: WORKER_PIN}
    with pytest.raises(TypeError):
        pickle.dumps(entries[0].private_key)  # the key object itself never travels
    batch = [messages["v15"], messages["ecdh"], messages["oaep_sha256"]]
    # two workers start at once, each logging in to the token in its own session
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(_open_in_worker, refs, pins, batch) for _ in range(4)]
        done = [f.result(timeout=120) for f in futures]
    assert os.getpid() not in {pid for pid, _results in done}
    for _pid, results in done:
        assert [r[:2] for r in results] == [("decrypted", True)] * 3
        assert {r[2] for r in results} == {refs[0].uri, refs[1].uri} == {
            e.description.source for e in entries}


def _wrong_pin_in_worker(refs, pins):
    try:
        p11.reopen_entries(refs, pins)
    except WrongPinError as e:
        return type(e).__name__, e.message
    return None


def test_spawned_worker_with_a_pin_that_no_longer_fits_says_so(worker_token):
    entries, _errors = p11.open_token_keys(worker_token.module, p11.fixed_pins(WORKER_PIN))
    refs = [e.private_key.ref for e in entries]
    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        name, text = pool.submit(_wrong_pin_in_worker, refs, {refs[0].token: "000000"}
                                 ).result(timeout=120)
    assert name == "WrongPinError" and "did not accept the PIN" in text


_inherited: dict = {}


def _in_forked_child(data: bytes):
    store = _inherited["store"]
    result = unwrap_message(data, store)
    key = next(e.private_key for e in store if e.description.key_type == "RSA")
    session = key._session
    return (result.status.value, PLAINTEXT in result.message, session._pid == os.getpid(),
            session.generation, session.module.forked)


def test_forked_child_initializes_the_module_and_logs_in_itself(worker_token, messages):
    entries, _errors = p11.open_token_keys(worker_token.module, p11.fixed_pins(WORKER_PIN))
    store = KeyStore(entries)
    assert unwrap_message(messages["v15"], store).status is Status.DECRYPTED
    key = next(e.private_key for e in store if e.description.key_type == "RSA")
    parent_session = key._session._session
    _inherited["store"] = store
    try:
        with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:
            got = pool.submit(_in_forked_child, messages["v15"]).result(timeout=120)
    finally:
        _inherited.clear()
    # decrypted in the child, with a session the child opened (generation 1), on a module
    # the child initialized itself
    assert got == ("decrypted", True, True, 1, False)
    # the parent's session was not disturbed
    assert key._session._session is parent_session and key._session.generation == 0
    assert unwrap_message(messages["v15"], store).status is Status.DECRYPTED


def test_parallel_engine_with_forked_workers_and_token_keys(worker_token, messages):
    entries, _errors = p11.open_token_keys(worker_token.module, p11.fixed_pins(WORKER_PIN))
    store = KeyStore(entries)
    names = ["v15", "ecdh", "oaep_sha1", "other", "v15_3des", "oaep_sha256"] * 2
    raws = [RawMail("box", b"Subject: n%d\r\nMIME-Version: 1.0\r\nContent-Type: "
                    b"application/pkcs7-mime; smime-type=enveloped-data\r\n"
                    b"Content-Transfer-Encoding: binary\r\n\r\n" % i + messages[name],
                    index=i, locator=f"#{i}") for i, name in enumerate(names)]
    with Engine(jobs=2, keystore=store, options=WorkOptions(None),
                start_method="fork") as engine:
        records = [out.record for _raw, out in engine.ordered(raws, lambda r: r)]
    statuses = [r.status for r in records]
    assert engine.jobs == 2
    expected = [Status.NO_KEY if name == "other" else Status.DECRYPTED for name in names]
    # failed once in a clean-clone full run on a heavily loaded machine (not reproduced in
    # isolation or with tests/unit/tokens): say which message and why if it happens again
    assert statuses == expected, [(n, r.status.value, r.detail)
                                  for n, r in zip(names, records, strict=True)]
