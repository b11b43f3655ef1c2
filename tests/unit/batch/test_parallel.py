"""Worker processes: order, keys under fork and spawn, a worker that dies."""

from __future__ import annotations

import os
from concurrent.futures import wait as futures_wait

import pytest

from smime_archiver import parallel
from smime_archiver.crypto.keys.keyfiles import load_key_files
from smime_archiver.crypto.keys.keyring import KeyReload, RecordingPasswords, load_key_ring
from smime_archiver.model import RawMail, Status
from smime_archiver.parallel import Engine
from smime_archiver.work import WorkOptions
from tests.support import tools

PASSWORD = "Hemmeligt-æøå"


@pytest.fixture(scope="module")
def keys(pki, tmp_path_factory):
    d = tmp_path_factory.mktemp("par")
    me = pki.identity("par-me", cn="Åse Parallel")
    p12 = tools.p12_export(me, d / "nøgle.p12", PASSWORD, legacy=True)
    messages = []
    for i in range(12):
        body = tools.cms_encrypt(f"Content-Type: text/plain\r\n\r\nBesked {i}\r\n".encode(),
                                 [me], "aes128", smime=True)
        messages.append(RawMail("box", f"Subject: n{i}\n".encode() + body, index=i,
                                locator=f"#{i}@{i}"))
    return {"p12": p12, "messages": messages}


def loaded(p12):
    recorder = RecordingPasswords(lambda _f: iter(["forkert", PASSWORD]))
    store, errors = load_key_files([p12], recorder)
    assert not errors and len(store) == 1
    return store, recorder.reload([p12])


def run(engine: Engine, messages):
    return [(raw.index, out.record.status, out.record.subject)
            for raw, out in engine.ordered(messages, lambda raw: raw)]


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_outcomes_come_back_in_order_with_the_keys(keys, method):
    store, reload = loaded(keys["p12"])
    options = WorkOptions(tmp_dir=None)
    with Engine(jobs=1, keystore=store, options=options) as inline:
        expected = run(inline, keys["messages"])
    with Engine(jobs=3, keystore=store, options=options, start_method=method,
                key_reload=reload, window=5) as engine:
        assert run(engine, keys["messages"]) == expected
    assert [s for _i, s, _subj in expected] == [Status.DECRYPTED] * 12
    assert [subj for _i, _s, subj in expected] == [f"n{i}" for i in range(12)]


def test_a_key_ring_carries_its_reload_recipe_to_spawned_workers(keys):
    ring, errors = load_key_ring([keys["p12"]], lambda _f: iter(["forkert", PASSWORD]))
    assert not errors and len(ring) == 1
    assert PASSWORD not in repr(ring) and PASSWORD not in repr(ring.reload)
    engine = Engine(jobs=2, keystore=ring, options=WorkOptions(None), start_method="spawn")
    with engine:
        assert engine.jobs == 2  # the ring knows how to reopen its keys: workers are used
        got = run(engine, keys["messages"][:4])
    assert [s for _i, s, _subj in got] == [Status.DECRYPTED] * 4


def test_items_without_work_keep_their_place(keys):
    store, _reload = loaded(keys["p12"])
    items = list(range(6))
    with Engine(jobs=2, keystore=store, options=WorkOptions(None)) as engine:
        got = [(i, out is None) for i, out in engine.ordered(
            items, lambda i: keys["messages"][i] if i % 2 else None)]
    assert got == [(0, True), (1, False), (2, True), (3, False), (4, True), (5, False)]


def test_spawned_workers_without_the_passwords_stop_the_job(keys):
    store, _reload = loaded(keys["p12"])
    wrong = KeyReload((str(keys["p12"]),), {str(keys["p12"]): ("forkert",)})
    with Engine(jobs=2, keystore=store, options=WorkOptions(None), start_method="spawn",
                key_reload=wrong) as engine:
        outcome = next(engine.ordered(keys["messages"][:1], lambda raw: raw))[1]
    assert outcome is not None and outcome.fatal and "0 of the 1 keys" in outcome.fatal


def test_spawn_without_a_reload_recipe_works_in_this_process(keys):
    store, _reload = loaded(keys["p12"])
    engine = Engine(jobs=4, keystore=store, options=WorkOptions(None), start_method="spawn")
    assert engine.jobs == 1


@pytest.mark.parametrize("window", [4, 16])  # one message per task; chunks of four
def test_a_worker_that_dies_costs_only_its_own_message(keys, monkeypatch, window):
    store, _reload = loaded(keys["p12"])
    real = parallel.process_message

    def crash_on_five(raw, keystore, options):
        if raw.index == 5:
            os._exit(9)  # as a segfault in a native library would end the process
        return real(raw, keystore, options)

    monkeypatch.setattr(parallel, "process_message", crash_on_five)  # inherited by fork
    with Engine(jobs=2, keystore=store, options=WorkOptions(None), start_method="fork",
                window=window) as engine:
        assert engine.chunk == (1 if window == 4 else 4)
        got = run(engine, keys["messages"])
    assert [i for i, _s, _subj in got] == list(range(12))
    assert [s for _i, s, _subj in got] == [Status.DECRYPTED] * 5 + [Status.ERROR] + \
        [Status.DECRYPTED] * 6


@pytest.mark.parametrize("refusal", ["broken", "shut down"])
def test_a_pool_that_breaks_before_a_chunk_goes_out_costs_only_its_own_message(
        keys, monkeypatch, refusal):
    """A worker can die while the job still hands out chunks: the pool's own thread marks
    the pool broken, and the next ``submit`` refuses the chunk (under load this happened by
    chance).  Forced here: in every pool, a chunk that goes out after the one holding the
    message that kills waits until that one has failed, so the pool is broken when it is
    submitted.  With ``"shut down"`` the pool refuses as Python 3.11 does when the submit
    falls between its marking the pool broken and marking it shut down."""
    store, _reload = loaded(keys["p12"])
    real = parallel.process_message

    def crash_on_five(raw, keystore, options):
        if raw.index == 5:
            os._exit(9)
        return real(raw, keystore, options)

    monkeypatch.setattr(parallel, "process_message", crash_on_five)
    refused: list[list[int]] = []
    with Engine(jobs=2, keystore=store, options=WorkOptions(None), start_method="fork",
                window=16) as engine:
        make_pool = engine._new_pool

        def pool_that_breaks_first(workers):
            pool = make_pool(workers)
            submit = pool.submit
            fatal = []  # the task that holds message 5

            def submit_after_the_break(fn, arg):
                indexes = [r.index for r in (arg if isinstance(arg, list) else [arg])]
                if fatal:
                    futures_wait(fatal)
                    assert pool._broken  # set before the pool fails its futures
                    refused.append(indexes)
                    if refusal == "shut down":
                        raise RuntimeError("cannot schedule new futures after shutdown")
                    return submit(fn, arg)  # raises BrokenProcessPool
                task = submit(fn, arg)
                if 5 in indexes:
                    fatal.append(task)
                return task

            pool.submit = submit_after_the_break
            return pool

        monkeypatch.setattr(engine, "_new_pool", pool_that_breaks_first)
        got = run(engine, keys["messages"])
    assert refused  # the bad interleaving did happen
    assert [i for i, _s, _subj in got] == list(range(12))
    assert [s for _i, s, _subj in got] == [Status.DECRYPTED] * 5 + [Status.ERROR] + \
        [Status.DECRYPTED] * 6
    assert [subj for i, _s, subj in got if i != 5] == [f"n{i}" for i in range(12) if i != 5]


def test_messages_go_to_the_workers_in_chunks(keys, monkeypatch):
    store, _reload = loaded(keys["p12"])
    sent: list[list[int]] = []
    with Engine(jobs=2, keystore=store, options=WorkOptions(None), start_method="fork"
                ) as engine:
        pool_submit = engine._new_pool

        def new_pool(workers):
            pool = pool_submit(workers)
            submit = pool.submit
            pool.submit = lambda fn, raws: (sent.append([r.index for r in raws]),
                                            submit(fn, raws))[1]
            return pool

        monkeypatch.setattr(engine, "_new_pool", new_pool)
        got = run(engine, keys["messages"][:10])
    assert [i for i, _s, _subj in got] == list(range(10))
    assert all(s is Status.DECRYPTED for _i, s, _subj in got)
    assert sent == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]  # the last one as soon as input ends


def test_passwords_never_show(keys):
    _store, reload = loaded(keys["p12"])
    assert PASSWORD not in repr(reload) and "forkert" not in repr(reload)
    assert reload.passwords[str(keys["p12"])] == ("forkert", PASSWORD)
    assert list(reload.source(str(keys["p12"]))) == ["forkert", PASSWORD]


def test_worker_processes_are_recycled_without_losing_order(keys, monkeypatch):
    store, _reload = loaded(keys["p12"])
    monkeypatch.setattr(parallel, "RECYCLE_AFTER", 2)
    with Engine(jobs=2, keystore=store, options=WorkOptions(None), start_method="fork",
                window=6) as engine:
        got = run(engine, keys["messages"])
        assert engine.pools_made == 3  # 12 messages, 4 per pool
    assert [i for i, _s, _subj in got] == list(range(12))
    assert [s for _i, s, _subj in got] == [Status.DECRYPTED] * 12


def test_bytes_in_flight_stay_under_the_budget(keys, monkeypatch):
    store, _reload = loaded(keys["p12"])
    size = len(keys["messages"][0].data)
    monkeypatch.setattr(parallel, "MAX_IN_FLIGHT_BYTES", 3 * size)
    seen = []
    with Engine(jobs=2, keystore=store, options=WorkOptions(tmp_dir=None),
                start_method="fork") as engine:
        assert engine.window >= 12  # the count alone would let every message go at once
        for _raw, outcome in engine.ordered(keys["messages"], lambda raw: raw):
            seen.append(engine._in_flight)
            assert outcome.record.status is Status.DECRYPTED
    assert len(seen) == 12 and max(seen) <= 3 * size + max(len(m.data) for m in
                                                           keys["messages"])
    assert seen[-1] == 0
