"""Short background tasks (loading a key file, finding the usual places) off the UI thread.

``TaskRunner.run(fn, on_done, on_error)`` calls ``fn()`` on a thread pool and hands
the result (or the exception) to the callbacks on the UI thread, through a small
relay object that lives there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, on_done: Callable[[Any], None], on_error: Callable[[BaseException], None],
                 runner: TaskRunner):
        super().__init__(runner)  # lives on the UI thread: its slots run there
        self._on_done = on_done
        self._on_error = on_error
        self._runner = runner
        self.done.connect(self._deliver)
        self.failed.connect(self._deliver_error)

    @Slot(object)
    def _deliver(self, result: Any) -> None:
        self._runner._finish(self)
        self._on_done(result)

    @Slot(object)
    def _deliver_error(self, error: BaseException) -> None:
        self._runner._finish(self)
        self._on_error(error)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay):
        super().__init__()
        self.setAutoDelete(True)
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as e:  # handed to the UI thread's error callback, not dropped
            log.debug("background task failed", exc_info=True)
            self._relay.failed.emit(e)
            return
        self._relay.done.emit(result)


class TaskRunner(QObject):
    """A small thread pool whose results come back on the UI thread."""

    idle = Signal()  # no task left

    def __init__(self, parent: QObject | None = None, threads: int = 2):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._live: set[_Relay] = set()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None]) -> None:
        relay = _Relay(on_done, on_error, self)
        self._live.add(relay)
        self._pool.start(_Runnable(fn, relay))

    @property
    def busy(self) -> bool:
        return bool(self._live)

    def _finish(self, relay: _Relay) -> None:
        self._live.discard(relay)
        relay.deleteLater()
        if not self._live:
            self.idle.emit()

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)
