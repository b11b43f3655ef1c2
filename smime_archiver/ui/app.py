"""GUI entry point: ``smime-archiver-gui``."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtWidgets import QApplication

from smime_archiver.ui.language import install_translator, system_language

log = logging.getLogger(__name__)

__all__ = ["install_translator", "main", "share_the_gil", "system_language"]


def share_the_gil() -> None:
    """Let the UI thread in more often while a worker thread runs Python code.

    Qt calls back into Python (model data, filters) many times per repaint; each call
    waits for the GIL, up to the switch interval (5 ms by default) when the scan or
    preview thread is busy.  1 ms keeps the window responsive during a long scan.
    """
    sys.setswitchinterval(0.001)


STARTUP_PROBE_ENV = "SMIME_ARCHIVER_STARTUP_PROBE"


def main(argv: list[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # frozen app: a worker process must not open a window
    from smime_archiver.hardening import protect_process

    protect_process()  # keys and passwords are loaded in this process: no core dumps

    from smime_archiver.secrets import PasswordVault
    from smime_archiver.settings import SettingsStore
    from smime_archiver.ui.main_window import MainWindow

    logging.basicConfig(level=logging.WARNING)
    share_the_gil()
    app = QApplication.instance() or QApplication(sys.argv if argv is None else argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("smime-archiver")
    store = SettingsStore()
    install_translator(app, store.load().language or None)
    window = MainWindow(store, PasswordVault())
    window.show()
    if os.environ.get(STARTUP_PROBE_ENV):
        # For the packaging tests and benchmarks: say when the first window is up and which
        # Qt binding the app carries (PySide6 6.12.0 aborts after a few thousand signals),
        # then quit.
        import PySide6
        import shiboken6
        from PySide6.QtCore import QTimer, qVersion

        def probe() -> None:
            print("first-window-shown", flush=True)
            print(f"PySide6 {PySide6.__version__} shiboken6 {shiboken6.__version__} "
                  f"Qt {qVersion()}", flush=True)
            app.quit()

        QTimer.singleShot(0, probe)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
