"""Export from the window: progress, Cancel, the summary with "open folder"."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from tests.gui.conftest import PASSWORD_2012, add_key, load_mail


def test_export_all_and_summary(qtbot, window, world, tmp_path, opener, settings_store):
    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    load_mail(qtbot, window, world["box"])
    out = tmp_path / "Arkiv"
    window.export_panel.folder_edit.setText(str(out))
    window.export_panel.eml_box.setChecked(True)
    with qtbot.waitSignal(window.summary_shown, timeout=60000) as shown:
        qtbot.mouseClick(window.export_panel.export_button, Qt.MouseButton.LeftButton)
    assert window.export_panel.export_button.isEnabled()
    summary = shown.args[0]
    assert summary.isVisible()
    assert "Done. 4 of 7 messages were saved as PDF" in summary.headline.text()
    listed = summary.list.toPlainText()
    assert "Krypteret 2015" in listed and "your certificate from 2014" in listed
    assert "Til Jens" in listed and "Afkortet" in listed
    assert "Almindelig" not in listed
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) == 4
    assert len(sorted(out.rglob("*.eml"))) >= 4
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report
    with qtbot.waitSignal(summary.folder_opened, timeout=5000):
        qtbot.mouseClick(summary.open_button, Qt.MouseButton.LeftButton)
    assert opener.opened == [str(out)]
    saved = json.loads(settings_store.path.read_text(encoding="utf-8"))
    assert saved["output_folder"] == str(out) and saved["export_eml"] is True


def test_export_progress_and_cancel(qtbot, window, big_box, tmp_path):
    load_mail(qtbot, window, big_box)
    assert window.model.rowCount() == 200
    window.export_panel.folder_edit.setText(str(tmp_path / "ud"))
    with qtbot.waitSignal(window.export_panel.progress_changed, timeout=30000):
        window.start_export()
    panel = window.export_panel
    assert panel.running and panel.progress.maximum() == 200
    assert panel.progress.isVisible() and panel.cancel_button.isVisible()
    assert " of 200 messages" in panel.progress_label.text()
    assert not panel.export_button.isEnabled()
    with qtbot.waitSignal(window.export_finished, timeout=5000) as finished:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert result.cancelled
    assert 0 < len(result.records) < 200
    assert "Cancelled." in window.summary.headline.text()
    assert not panel.running and panel.export_button.isEnabled()


def test_time_left_wording(window):
    panel = window.export_panel
    assert panel.time_left(10, 1, 100) == "estimating time left…"
    assert panel.time_left(10, 50, 100) == "less than a minute left"
    assert panel.time_left(60, 10, 100) == "about 9 minutes left"
    assert panel.time_left(60, 10, 2000) == "about 3 hours left"
    assert panel.time_left(60, 10, 100, (10, 20)) == "about 1 minute left"
