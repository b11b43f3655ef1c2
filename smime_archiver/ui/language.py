"""The GUI's language: Qt's catalogue and the core's, switched together."""

from __future__ import annotations

import logging
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
