"""Screenshots of the desktop app's main states, in English and Danish.

    python scripts/screenshots.py [--out docs/screenshots] [--scale 2]

Runs offscreen on the built-in demo (a throw-away key file and mailbox): writes
``{lang}-{state}.png`` for the states empty, loaded (a message previewed), exporting
(at the first progress signal) and done (the summary over the window).  Needs the
Danish .qm built (scripts/setup.sh does that).
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--languages", default="en,da")
    parser.add_argument("--size", default="1200x760",
                        help="window size in logical pixels, e.g. 960x600 for a 1920x1200 "
                             "screen at 200 %%")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)

    from keyring.backends import fail
    from PySide6.QtCore import QEventLoop, QPoint, QTimer
    from PySide6.QtGui import QColor, QPainter
    from PySide6.QtWidgets import QApplication

    from smime_archiver.demo import DEMO_PASSWORD, make_demo_files
    from smime_archiver.secrets import PasswordVault
    from smime_archiver.settings import SettingsStore
    from smime_archiver.ui.app import install_translator
    from smime_archiver.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.scale == 1.0 else f"@{args.scale:g}x"
    work = Path(tempfile.mkdtemp(prefix="smime-shots-"))
    key_file, mbox = make_demo_files(work / "demo")

    def wait(signal, ms: int = 60000) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def save(widget, name: str) -> None:
        app.processEvents()
        path = args.out / f"{name}{suffix}.png"
        widget.grab().save(str(path))
        print(path)

    def first_progress(shot: list[bool], window, name: str, _done: int) -> None:
        if not shot:  # the window as it is at the first message saved
            shot.append(True)
            save(window, name)

    for lang in args.languages.split(","):
        install_translator(app, lang)
        store = SettingsStore(work / f"settings-{lang}.json")
        window = MainWindow(store, PasswordVault(fail.Keyring()), places=lambda: [],
                            opener=lambda _p: True)
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.show()
        save(window, f"{lang}-empty")

        def answer(dialog) -> None:
            dialog.password_edit.setText(DEMO_PASSWORD)
            dialog.accept()

        window.keys.password_requested.connect(answer)
        window.keys.add_key_files([str(key_file)])
        wait(window.keys.keys_changed)
        window.sources.add_sources([str(mbox)])
        wait(window.scan_finished)
        window.table.selectRow(1)
        wait(window.preview_shown)
        save(window, f"{lang}-loaded")

        window.export_panel.folder_edit.setText(str(work / f"Arkiv-{lang}"))
        window.export_panel.progress_changed.connect(
            functools.partial(first_progress, [], window, f"{lang}-exporting"))
        window.start_export()
        wait(window.summary_shown)
        app.processEvents()
        image = window.grab()
        summary = window.summary
        assert summary is not None
        dialog = summary.grab()
        painter = QPainter(image)
        painter.fillRect(image.rect(), QColor(0, 0, 0, 60))
        painter.drawPixmap(QPoint((image.width() - dialog.width()) // 2,
                                  (image.height() - dialog.height()) // 2), dialog)
        painter.end()
        path = args.out / f"{lang}-done{suffix}.png"
        image.save(str(path))
        print(path)
        summary.close()
        window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
