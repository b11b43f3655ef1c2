"""Message table at scale: load N synthetic rows into the model (with a proxy and a view
attached, offscreen), sort by each column, filter by search text and by status.

    QT_QPA_PLATFORM=offscreen python bench/gui_model.py [N]

Prints wall-clock times; no thresholds (numbers, not asserts).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTableView

from smime_archiver.model import Status
from smime_archiver.ui.message_model import (
    DATE,
    SENDER,
    STATUS,
    SUBJECT,
    MessageFilterProxy,
    MessageTableModel,
)
from smime_archiver.ui.rows import MessageRow, _search_text

WORDS = ("Årsopgørelse", "Skat", "Bekræftelse", "møde", "adresse", "bilag", "faktura",
         "Borgerservice", "pension", "lægen", "kommune", "ændring")


def synthetic_rows(n: int) -> list[MessageRow]:
    rnd = random.Random(42)
    start = dt.datetime(2004, 1, 1, tzinfo=dt.timezone.utc)
    statuses = list(Status)
    rows = []
    for i in range(n):
        row = MessageRow(
            number=i, source="/mail/Indbakke", index=i, locator=f"#{i}@{i * 4096}",
            date=start + dt.timedelta(minutes=rnd.randrange(10_000_000)), date_text="",
            sender=f"{rnd.choice(WORDS)} <post{rnd.randrange(500)}@example.dk>",
            subject=" ".join(rnd.choice(WORDS) for _ in range(4)),
            status=rnd.choice(statuses), detail="")
        row.search_text = _search_text(row)
        rows.append(row)
    return rows


def timed(label: str, fn) -> None:
    t = time.perf_counter()
    fn()
    QApplication.processEvents()
    print(f"{label:40} {1000 * (time.perf_counter() - t):8.1f} ms")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    app = QApplication.instance() or QApplication([])
    rows = synthetic_rows(n)
    model = MessageTableModel()
    proxy = MessageFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.resize(1000, 700)
    view.show()
    app.processEvents()
    print(f"{n} rows")

    def load_in_batches() -> None:
        for start in range(0, n, 500):  # the scan thread's batch size
            model.append_rows(rows[start:start + 500])
            app.processEvents()

    timed("load (batches of 500, events between)", load_in_batches)
    model.clear()
    timed("load (one call, chunks of 5000)", lambda: model.append_rows(rows))
    for column, name in ((DATE, "date"), (SENDER, "from"), (SUBJECT, "subject"),
                         (STATUS, "status")):
        timed(f"sort by {name}", lambda c=column: view.sortByColumn(c, Qt.SortOrder.AscendingOrder))
    timed("sort by date, descending",
          lambda: view.sortByColumn(DATE, Qt.SortOrder.DescendingOrder))
    timed("search 'skat møde'", lambda: proxy.set_search("skat møde"))
    print(f"{'  rows shown':40} {proxy.rowCount():8}")
    timed("search cleared", lambda: proxy.set_search(""))
    timed("status filter: needs another key", lambda: proxy.set_statuses([Status.NO_KEY]))
    print(f"{'  rows shown':40} {proxy.rowCount():8}")
    timed("sort by subject while filtered", lambda: view.sortByColumn(
        SUBJECT, Qt.SortOrder.AscendingOrder))
    timed("status filter cleared", lambda: proxy.set_statuses(None))
    timed("scroll to end and back", lambda: (view.scrollToBottom(), app.processEvents(),
                                             view.scrollToTop()))


if __name__ == "__main__":
    main()
