"""GUI entry point: ``smime-archiver-gui``."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from smime_archiver import i18n
from smime_archiver.resources import resource_path

log = logging.getLogger(__name__)


def system_language() -> str:
    """Danish or English from the system locale (Norwegian and Swedish read Danish)."""
    name = QLocale.system().name()
    if name.startswith(("da", "nb", "nn", "no", "sv")):
        return "da"
    if name.startswith("en"):
        return "en"
    return i18n.detect_language()


def install_translator(app: QApplication, language: str | None = None,
                       qm_dir: Path | None = None) -> str:
    """Load the Qt catalogue for ``language`` (default: the system's) and switch the core too.

    Returns the language used.  Every widget gets a LanguageChange event and words
    itself anew.
    """
    language = i18n.set_language(language or system_language())
    for old in getattr(app, "_smime_translators", []):
        app.removeTranslator(old)
    app._smime_translators = []  # type: ignore[attr-defined]
    if language != "en":
        translator = QTranslator(app)
        folder = qm_dir or getattr(app, "_smime_qm_dir", None) or resource_path("translations")
        qm = Path(folder) / f"gui_{language}.qm"
        if translator.load(str(qm)):
            app.installTranslator(translator)
            app._smime_translators.append(translator)  # type: ignore[attr-defined]
        else:
            log.warning("GUI translation %s not found; run scripts/setup.sh to build it", qm)
    return language


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
