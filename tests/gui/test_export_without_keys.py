"""Saving without any key file: the mail that is not encrypted is archived, and every
encrypted message is listed with what to do (issue 13, point 8)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from tests.gui.conftest import load_mail


def test_export_without_key_files(qtbot, window, world, tmp_path):
    load_mail(qtbot, window, world["box"])
    assert len(window.keys.keystore) == 0
    out = tmp_path / "Arkiv"
    window.export_panel.folder_edit.setText(str(out))
    with qtbot.waitSignal(window.summary_shown, timeout=60000) as shown:
        qtbot.mouseClick(window.export_panel.export_button, Qt.MouseButton.LeftButton)
    summary = shown.args[0]
    assert "2 of 7 messages were saved as PDF" in summary.headline.text()
    listed = summary.list.toPlainText()
    assert "Krypteret 2013" in listed and "Til Jens" in listed
    assert "Add your key file" in listed
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    statuses = [m["status"] for m in report["messages"]]
    assert statuses == ["no_key", "no_key", "signed", "no_key", "plain", "no_key", "corrupt"]
    assert len(list(out.rglob("*.pdf"))) == 2
    assert all(m["recipients"] for m in report["messages"] if m["status"] == "no_key")
