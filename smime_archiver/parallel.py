"""Worker processes: messages go out in order, outcomes come back in the same order.

:class:`Engine` runs :func:`smime_archiver.work.process_message` for each message, in
``jobs`` worker processes (or in this process when ``jobs`` is 1), and
:meth:`Engine.ordered` yields the outcomes in the order the messages were given, so the
report and the file names do not depend on the number of workers.  At most ``window``
messages, and at most :data:`MAX_IN_FLIGHT_BYTES` of them, are in flight, so memory stays
flat however large the input.  Messages go to the workers in chunks of up to :data:`CHUNK`
(one hand-over between processes costs both sides time); a chunk that is still filling
goes out as soon as the job waits for one of its messages or the input ends.

**Keys in the workers.**  Private keys are never pickled
(:class:`~smime_archiver.model.PrivateKeyEntry` refuses).  With the ``fork`` start
method (Linux) the workers inherit the parent's key store.  With ``spawn`` or
``forkserver`` (Windows, macOS, frozen builds) each worker loads the key files again from
the :class:`~smime_archiver.crypto.keys.keyring.KeyReload` of the
:class:`~smime_archiver.crypto.keys.keyring.KeyRing` it is given: the key file paths and
the passwords that were tried on each, which reach the worker only through the process
pipe that carries its start-up arguments (never a file, the command line or the
environment).

**Fresh workers** take over every :data:`RECYCLE_AFTER` messages per worker (the old
ones finish what they hold and end first), so whatever a library keeps does not pile up.

**A worker that dies** (a crash in a native library, the out-of-memory killer) breaks the
pool: a new pool is made, the message at the head is tried alone, and if it breaks that
pool too it is reported as an error; the other messages are tried again.  The pool breaks
in its own thread, at any moment: a chunk handed to it after that fails with it.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Generic, TypeVar

from smime_archiver import i18n
from smime_archiver.crypto.keys.keyring import NO_RELOAD, KeyReload, KeyRing, reload_keys
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.errors import ArchiverError
from smime_archiver.hardening import protect_process
from smime_archiver.i18n import _
from smime_archiver.model import RawMail
from smime_archiver.work import Outcome, WorkOptions, error_record, process_message

log = logging.getLogger(__name__)

T = TypeVar("T")

# Messages per worker process before fresh processes take over: whatever a library keeps
# (caches, fragmentation) is given back, so memory stays flat however long the run.
RECYCLE_AFTER = 2000
# Message bytes sent to workers and not yet given back, at most (besides the one message
# that may be larger on its own).
MAX_IN_FLIGHT_BYTES = 64 * 1024 * 1024
# Messages handed to a worker at once (each hand-over costs both processes time), and the
# message bytes after which a chunk goes out even if it holds fewer.
CHUNK = 4
CHUNK_BYTES = 1024 * 1024


def default_start_method() -> str:
    """``fork`` where it is safe and available (Linux), else ``spawn``."""
    if sys.platform.startswith("linux") and "fork" in mp.get_all_start_methods():
        return "fork"
    return "spawn"


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


# --- worker side -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    options: WorkOptions
    language: str
    keystore: KeyStore | None = None  # fork only: inherited, never pickled
    reload: KeyReload | None = None  # spawn/forkserver: sent through the pipe
    expected_keys: int = 0
    log_level: int = logging.WARNING


_worker: dict[str, object] = {}


def _init_worker(setup: _Setup) -> None:
    protect_process()  # a spawned worker is a new program: no core dumps of its keys
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides about Ctrl-C
        # a handler inherited through fork would be the parent's: SIGTERM ends a worker
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    logging.getLogger().setLevel(setup.log_level)
    i18n.set_language(setup.language)
    _watch_parent()
    keystore = setup.keystore
    problem = None
    if keystore is None:
        keystore = reload_keys(setup.reload or NO_RELOAD)
        if len(keystore) != setup.expected_keys:
            problem = _("A worker process could load only {n} of the {total} keys from the key "
                        "files; were they changed or moved during the export? Run the export "
                        "again.").format(n=len(keystore), total=setup.expected_keys)
    _worker.update(keystore=keystore, options=setup.options, problem=problem)


def _watch_parent() -> None:
    """End this worker when its parent is gone (killed), instead of waiting forever."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _work_chunk(raws: list[RawMail]) -> list[Outcome]:
    return [_work(raw) for raw in raws]


def _work(raw: RawMail) -> Outcome:
    problem = _worker.get("problem")
    if problem:
        return Outcome(error_record(raw, str(problem)), fatal=str(problem))
    keystore = _worker["keystore"]
    options = _worker["options"]
    assert isinstance(keystore, KeyStore) and isinstance(options, WorkOptions)
    return process_message(raw, keystore, options)


# --- parent side -----------------------------------------------------------------------------


@dataclass
class _Slot(Generic[T]):
    item: T
    raw: RawMail | None
    future: Future[Outcome] | None


class Engine:
    """Runs the work of a job; use as a context manager."""

    def __init__(
        self,
        *,
        jobs: int,
        keystore: KeyStore,
        options: WorkOptions,
        start_method: str | None = None,
        key_reload: KeyReload | None = None,
        window: int | None = None,
    ):
        self.options = options
        self.keystore = keystore
        self.method = start_method or default_start_method()
        if key_reload is None and isinstance(keystore, KeyRing):
            key_reload = keystore.reload
        self.key_reload = key_reload
        if jobs > 1 and self.method != "fork" and key_reload is None and len(keystore):
            log.info("no key reload recipe for %s workers: working in this process", self.method)
            jobs = 1
        self.jobs = max(1, jobs)
        # a deep queue: workers still have work while the parent syncs a batch
        self.window = window or 16 * self.jobs
        self._pool: ProcessPoolExecutor | None = None
        self._pending: deque[_Slot] = deque()
        self._in_flight = 0  # bytes of the pending messages
        self._submitted = 0
        # messages go to the workers in chunks (fewer hand-overs), small enough that every
        # worker keeps a queue
        self.chunk = max(1, min(CHUNK, self.window // (2 * self.jobs)))
        self._unsent: list[tuple[RawMail, Future[Outcome]]] = []
        self._unsent_bytes = 0
        self._tasks: list[Future[list[Outcome]]] = []  # chunks sent to the current pool
        self.pools_made = 0
        self.restarts = 0

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(cancel=exc[0] is not None)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        fork = self.method == "fork"
        setup = _Setup(
            options=self.options,
            language=i18n.current_language(),
            keystore=self.keystore if fork else None,
            reload=None if fork else (self.key_reload or NO_RELOAD),
            expected_keys=len(self.keystore),
            log_level=logging.getLogger().getEffectiveLevel(),
        )
        self.pools_made += 1
        return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(self.method),
                                   initializer=_init_worker, initargs=(setup,))

    def _submit(self, raw: RawMail) -> Future[Outcome]:
        """The message's future; with workers it goes out with the next chunk."""
        future: Future[Outcome] = Future()
        if self.jobs == 1:
            future.set_result(process_message(raw, self.keystore, self.options))
            return future
        self._unsent.append((raw, future))
        self._unsent_bytes += len(raw.data)
        if len(self._unsent) >= self.chunk or self._unsent_bytes >= CHUNK_BYTES:
            self._send()
        return future

    def _send(self) -> None:
        """Hand the messages not sent yet to a worker, as one task."""
        if not self._unsent:
            return
        chunk, self._unsent, self._unsent_bytes = self._unsent, [], 0
        if self._pool is not None and self._submitted >= RECYCLE_AFTER * self.jobs:
            # let the old workers finish what they hold and end before new ones start, so
            # there are never more than ``jobs`` of them
            futures_wait(self._tasks)
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._pool is None:
            self._pool = self._new_pool(self.jobs)
            self._submitted = 0
            self._tasks = []
        self._submitted += len(chunk)
        task = _submit_chunk(self._pool, [raw for raw, _f in chunk])
        self._tasks = [t for t in self._tasks if not t.done()] + [task]
        task.add_done_callback(functools.partial(_hand_out, [f for _r, f in chunk]))

    def ordered(self, items: Iterable[T],
                work_of: Callable[[T], RawMail | None]) -> Iterator[tuple[T, Outcome | None]]:
        """``(item, outcome)`` in the order of ``items``; ``None`` where no work was needed.

        ``work_of(item)`` is called as each item is taken, before the next one.
        """
        pending: deque[_Slot[T]] = deque()
        self._pending = pending
        self._in_flight = 0
        for item in items:
            raw = work_of(item)
            pending.append(_Slot(item, raw, self._submit(raw) if raw is not None else None))
            self._in_flight += _size(pending[-1])
            while pending and (len(pending) >= self.window or _ready(pending[0])
                               or self._in_flight > MAX_IN_FLIGHT_BYTES):
                yield self._resolve(pending)
        self._send()  # the last chunk, however short
        while pending:
            yield self._resolve(pending)

    def head_ready(self, wait: float = 0.0) -> bool:
        """Whether :meth:`ordered` has an outcome to give without waiting for a worker,
        after waiting up to ``wait`` seconds for it (the other workers keep their queue)."""
        if not self._pending:
            return False
        head = self._pending[0]
        if not _ready(head):
            self._send()  # the head may be in a chunk that is still filling
        if not _ready(head) and wait > 0 and head.future is not None:
            futures_wait([head.future], timeout=wait)
        return _ready(head)

    def _resolve(self, pending: deque[_Slot[T]]) -> tuple[T, Outcome | None]:
        slot = pending.popleft()
        self._in_flight -= _size(slot)
        if slot.future is None or slot.raw is None:
            return slot.item, None
        if not slot.future.done():
            self._send()
        try:
            return slot.item, slot.future.result()
        except BrokenProcessPool:
            log.warning("a worker process stopped unexpectedly; starting new ones")
        outcome = self._alone(slot.raw)
        self._restart()
        for other in pending:  # their futures broke with the pool: send them again
            if other.raw is not None:
                other.future = self._submit(other.raw)
        self._send()
        return slot.item, outcome

    def _restart(self) -> None:
        self._drop_unsent()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
        self.restarts += 1
        if self.restarts > 1000:
            raise ArchiverError(_("Worker processes keep stopping unexpectedly; the export "
                                  "was ended. Run it again with --jobs 1 to find the message "
                                  "that causes it."))

    def _alone(self, raw: RawMail) -> Outcome:
        """Run one message in a pool of its own, to tell whether it is the one that kills."""
        self._restart()
        pool = self._new_pool(1)
        try:
            return pool.submit(_work, raw).result()
        except BrokenProcessPool:
            log.warning("message %s %s stops the worker process", raw.source, raw.locator)
            return Outcome(error_record(raw, _(
                "The worker process stopped while processing this message (a crash in a "
                "library or not enough memory); the other messages were archived. Please "
                "report it.")))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _drop_unsent(self) -> None:
        for _raw, future in self._unsent:
            future.cancel()
        self._unsent, self._unsent_bytes = [], 0

    def close(self, cancel: bool = False) -> None:
        self._drop_unsent()  # nobody waits for them any more
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=cancel)
            self._pool = None


def _submit_chunk(pool: ProcessPoolExecutor, raws: list[RawMail]) -> Future[list[Outcome]]:
    """The chunk's task; failed with :class:`BrokenProcessPool` if the pool broke already.

    A worker can die (and the pool's manager thread mark the pool broken) at any moment
    after the last outcome came back, so ``submit`` may refuse the chunk.  Its messages
    then fail as if the pool had broken just after they were sent: :meth:`Engine._resolve`
    tries them again when the job reaches the first message of the broken pool.
    """
    try:
        return pool.submit(_work_chunk, raws)
    except BrokenProcessPool as error:
        broken = error
    except RuntimeError:
        # Python 3.11 marks a broken pool broken, then shut down, without the lock that
        # ``submit`` holds: a submit between the two says "cannot schedule new futures
        # after shutdown".  We never submit to a pool we shut down ourselves.
        if not getattr(pool, "_broken", False):
            raise
        broken = BrokenProcessPool(pool._broken)
    task: Future[list[Outcome]] = Future()
    task.set_exception(broken)
    return task


def _hand_out(futures: list[Future[Outcome]], task: Future[list[Outcome]]) -> None:
    """Give each message of a finished chunk its outcome (or the chunk's failure)."""
    if task.cancelled():
        for future in futures:
            future.cancel()
        return
    error = task.exception()
    if error is not None:
        for future in futures:
            future.set_exception(error)
        return
    for future, outcome in zip(futures, task.result(), strict=True):
        future.set_result(outcome)


def _size(slot: _Slot) -> int:
    return len(slot.raw.data) if slot.raw is not None else 0


def _ready(slot: _Slot) -> bool:
    return slot.future is None or slot.future.done()
