"""Signal.emit() keeps every reference it takes (PySide6 6.12.0 on Python < 3.12 does not).

6.12.0 drops one reference to ``True`` per emit, so the desktop app aborts with "Fatal
Python error: bool_dealloc" after a few thousand signals (an export of ~2,000 messages).
pyproject.toml holds PySide6 below 6.12 until a release passes these tests.

The emits run in batches and stop as soon as a reference is gone, long before ``True``
would be freed: on a bad PySide6 the test fails with a message instead of aborting pytest.
"""

from __future__ import annotations

import sys
import threading

import PySide6
import pytest
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

EMITS = 100_000
BATCH = 100


class Emitter(QObject):
    bare = Signal()
    number = Signal(int)
    text = Signal(str)
    flag = Signal(bool)
    record = Signal(int, object)  # as ExportWorker.progress: messages done, MessageRecord


class Counter(QObject):
    """Lives on the UI thread; counts what reaches it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    @Slot(int, object)
    def on_record(self, _done: int, _record: object) -> None:
        self.calls += 1


def emit_checked(emit, args: tuple, total: int = EMITS) -> tuple[int, int]:
    """Emit ``total`` times; (references to True lost, emits made). Stops at the first loss."""
    before = sys.getrefcount(True)
    made = lost = 0
    while made < total:
        for _ in range(BATCH):
            emit(*args)
        made += BATCH
        lost = before - sys.getrefcount(True)
        if lost:
            break
    return lost, made


@pytest.mark.parametrize(("name", "args"), [
    ("bare", ()),
    ("number", (7,)),
    ("text", ("æøå",)),
    ("flag", (False,)),
    ("record", (3, {"subject": "Brev"})),
])
@pytest.mark.parametrize("connected", [False, True], ids=["unconnected", "connected"])
def test_emit_keeps_true(qapp, name, args, connected):
    emitter = Emitter()
    signal = getattr(emitter, name)
    calls = [0]
    if connected:
        def slot(*_args) -> None:
            calls[0] += 1
        signal.connect(slot)
    lost, made = emit_checked(signal.emit, args)
    assert lost == 0, (f"PySide6 {PySide6.__version__}: {lost} references to True lost in "
                       f"{made} emits of Signal({name}); the app would abort")
    assert made == EMITS
    assert calls[0] == (EMITS if connected else 0)


class ThreadEmitter(QObject):
    """The export's shape: an object moved to a QThread emits to the UI thread."""

    record = Signal(int, object)

    def __init__(self) -> None:
        super().__init__()
        self.made = 0
        self.done = threading.Semaphore(0)  # not an Event: a set Event holds True

    @Slot()
    def run(self) -> None:
        start = sys.getrefcount(True)
        for _ in range(EMITS // BATCH):
            for _ in range(BATCH):
                self.record.emit(self.made, None)
                self.made += 1
            # only a guard against the abort (the UI thread's own references to True come
            # and go meanwhile); the exact count is compared once both threads are idle
            if sys.getrefcount(True) < start // 2:
                break
        self.done.release()


def test_queued_emit_from_worker_thread_keeps_true(qapp):
    counter = Counter()
    emitter = ThreadEmitter()
    thread = QThread()
    emitter.moveToThread(thread)
    thread.started.connect(emitter.run)
    emitter.record.connect(counter.on_record)  # queued: the receiver is on this thread
    before = sys.getrefcount(True)
    thread.start()
    while not emitter.done.acquire(timeout=0.05):
        QCoreApplication.processEvents()
    thread.quit()
    assert thread.wait(10000)
    QCoreApplication.sendPostedEvents()
    lost = before - sys.getrefcount(True)
    assert lost == 0, (f"PySide6 {PySide6.__version__}: {lost} references to True lost in "
                       f"{emitter.made} queued emits; the app would abort")
    assert emitter.made == EMITS
    assert counter.calls == EMITS
