"""How quickly Cancel takes effect in the desktop app, and how responsive the window stays.

    QT_QPA_PLATFORM=offscreen python bench/gui_cancel.py [N]

Scans a generated mbox of N plain messages, starts the export, presses Cancel after 20
messages and prints the time from Cancel to the job's end, plus the longest gap between
event-loop turns (a 10 ms timer) during scan and export.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from keyring.backends import fail
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from smime_archiver.secrets import PasswordVault
from smime_archiver.settings import SettingsStore
from smime_archiver.ui.app import share_the_gil
from smime_archiver.ui.main_window import MainWindow


def main() -> None:
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    n = int(numbers[0]) if numbers else 1000
    app = QApplication.instance() or QApplication([])
    assert app is not None
    if "--default-switch-interval" not in sys.argv:
        share_the_gil()  # as the app's main() does
    work = Path(tempfile.mkdtemp(prefix="gui-cancel-"))
    box = work / "Mange.mbox"
    with box.open("wb") as f:
        for i in range(n):
            f.write(b"From a@example.dk Mon Mar  4 10:00:00 2013\n"
                    + f"From: Skat <skat@example.dk>\nSubject: Brev {i}\n"
                      "Date: Mon, 4 Mar 2013 10:15:00 +0100\nContent-Type: text/plain; "
                      f"charset=utf-8\n\nIndhold {i} med æøå.\n\n".encode())
    window = MainWindow(SettingsStore(work / "s.json"), PasswordVault(fail.Keyring()),
                        places=lambda: [])
    window.show()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        if now - last[0] > 0.2 and "--verbose" in sys.argv:
            print(f"  gap {1000 * (now - last[0]):.0f} ms at {window.model.rowCount()} rows")
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)

    def wait(signal) -> None:
        loop = QEventLoop()
        signal.connect(loop.quit)
        loop.exec()

    t = time.perf_counter()
    window.sources.add_sources([str(box)])
    wait(window.scan_finished)
    print(f"scan of {n} messages: {time.perf_counter() - t:.2f} s, "
          f"longest UI gap {1000 * max(gaps):.0f} ms")
    gaps.clear()
    last[0] = time.perf_counter()
    window.export_panel.folder_edit.setText(str(work / "ud"))
    pressed: list[float] = []

    def progress(done: int) -> None:
        if done >= 20 and not pressed:
            pressed.append(time.perf_counter())
            window.cancel_export()

    window.export_panel.progress_changed.connect(progress)
    window.start_export()
    wait(window.export_finished)
    end = time.perf_counter()
    result = window.summary.headline.text() if window.summary else ""
    print(f"cancel took effect after {1000 * (end - pressed[0]):.0f} ms; {result}")
    print(f"longest UI gap during export {1000 * max(gaps):.0f} ms")
    window.close()


if __name__ == "__main__":
    main()
