"""GUI entry point: ``smime-archiver-gui``."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from smime_archiver import i18n
from smime_archiver.resources import resource_path

log = logging.getLogger(__name__)


def install_translator(app: QApplication, language: str | None = None) -> str:
    """Load the Qt catalogue for ``language`` (default: system) and set the core's language."""
    if language is None:
        name = QLocale.system().name()
        language = "da" if name.startswith(("da", "nb", "nn", "no")) else i18n.detect_language()
    language = i18n.set_language(language)
    for old in getattr(app, "_smime_translators", []):
        app.removeTranslator(old)
    app._smime_translators = []  # type: ignore[attr-defined]
    if language != "en":
        translator = QTranslator(app)
        qm = resource_path("translations", f"gui_{language}.qm")
        if translator.load(str(qm)):
            app.installTranslator(translator)
            app._smime_translators.append(translator)  # type: ignore[attr-defined]
        else:
            log.warning("GUI translation %s not found; run the build to make it", qm)
    return language


def main(argv: list[str] | None = None) -> int:
    from smime_archiver.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv if argv is None else argv)
    app.setApplicationName("smime-archiver")
    install_translator(app)
    window = MainWindow()
    window.show()
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
