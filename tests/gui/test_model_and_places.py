"""The table model without a window (sorting, filtering, selection across a sort) and the
usual places for mail, found in a made-up home folder."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QPersistentModelIndex, Qt

from smime_archiver.model import Status
from smime_archiver.ui.message_model import DATE, SUBJECT, MessageFilterProxy, MessageTableModel
from smime_archiver.ui.places import usual_places
from smime_archiver.ui.rows import MessageRow, _search_text


def rows(n: int) -> list[MessageRow]:
    out = []
    for i in range(n):
        row = MessageRow(number=i, source="/m", index=i, locator=f"#{i}@0",
                         date=dt.datetime(2010, 1, 1, tzinfo=dt.timezone.utc)
                         + dt.timedelta(days=(i * 37) % n),
                         date_text="", sender=f"afsender {i % 7}",
                         subject=f"emne {(i * 13) % n:05}",
                         status=list(Status)[i % len(Status)], detail="")
        row.search_text = _search_text(row)
        out.append(row)
    return out


def test_sort_filter_and_selection_survive(qapp):
    model = MessageTableModel()
    proxy = MessageFilterProxy()
    proxy.setSourceModel(model)
    data = rows(2000)
    model.append_rows(data[:1500])
    model.append_rows(data[1500:])
    assert model.rowCount() == 2000
    kept = QPersistentModelIndex(model.index(0, SUBJECT))
    kept_row = model.row(0)
    proxy.sort(SUBJECT, Qt.SortOrder.AscendingOrder)
    subjects = [proxy.data(proxy.index(r, SUBJECT)) for r in range(2000)]
    assert subjects == sorted(subjects)
    assert model.row(kept.row()) is kept_row
    proxy.sort(DATE, Qt.SortOrder.DescendingOrder)
    keys = [model.row(r).date_key() for r in range(2000)]
    assert keys == sorted(keys, reverse=True)
    proxy.set_statuses([Status.NO_KEY])
    assert proxy.rowCount() == sum(1 for r in data if r.status is Status.NO_KEY)
    proxy.set_search("afsender 3")
    shown = [proxy.message_row(proxy.index(r, 0)) for r in range(proxy.rowCount())]
    assert shown and all(r.status is Status.NO_KEY and r.sender == "afsender 3" for r in shown)
    proxy.set_statuses(None)
    proxy.set_search("")
    assert proxy.rowCount() == 2000


def test_usual_places(tmp_path):
    home = tmp_path / "home"
    profile = home / ".thunderbird" / "x1y2.default-release"
    (profile / "Mail" / "Local Folders").mkdir(parents=True)
    (profile / "prefs.js").write_text("", encoding="utf-8")
    (home / ".thunderbird" / "Crash Reports").mkdir()
    (home / "Library" / "Mail" / "V10").mkdir(parents=True)
    (home / "Documents" / "Outlook-filer").mkdir(parents=True)
    appdata = tmp_path / "AppData" / "Roaming"
    win_profile = appdata / "Thunderbird" / "Profiles" / "abc.default"
    (win_profile / "ImapMail").mkdir(parents=True)
    (win_profile / "prefs.js").write_text("", encoding="utf-8")
    places = usual_places(home, {"APPDATA": str(appdata)})
    assert [(p.kind, p.name) for p in places] == [
        ("thunderbird", "default-release"), ("thunderbird", "default"),
        ("apple_mail", "Mail"), ("outlook", "Outlook-filer")]
    assert usual_places(tmp_path / "empty", {}) == []
