"""Switching language, the Danish catalogue, remembered settings, keyboard and names."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLineEdit,
)

from smime_archiver import i18n
from smime_archiver.resources import resource_path
from smime_archiver.settings import SettingsStore
from tests.gui.conftest import PASSWORD_2012, add_key, load_mail

TS = resource_path("translations", "gui_da.ts")
_FIELDS = re.compile(r"\{\w*\}")


def _messages(path: Path):
    for context in ET.parse(path).getroot().iter("context"):
        for message in context.iter("message"):
            yield context.findtext("name"), message


def test_danish_catalogue_is_complete_and_keeps_placeholders():
    count = 0
    for context, message in _messages(TS):
        count += 1
        source = message.findtext("source")
        translation = message.find("translation")
        assert translation is not None and translation.get("type") is None, (context, source)
        assert (translation.text or "").strip(), (context, source)
        assert sorted(_FIELDS.findall(source)) == sorted(_FIELDS.findall(translation.text)), \
            (context, source)
        if "&" in source.replace("&&", ""):
            assert "&" in translation.text, (context, source)
    assert count > 100


def test_every_tr_string_in_the_code_is_in_the_catalogue(tmp_path):
    """lupdate over the code finds nothing that the committed .ts lacks."""
    copy = tmp_path / "gui_da.ts"
    shutil.copy(TS, copy)
    lupdate = shutil.which("pyside6-lupdate") or str(
        Path(sys.executable).with_name("pyside6-lupdate"))
    ui = sorted(str(p) for p in resource_path("..", "smime_archiver", "ui").resolve().glob("*.py"))
    subprocess.run([lupdate, "-silent", "-locations", "none", "-no-obsolete", *ui,
                    "-ts", str(copy)], check=True)
    unfinished = [(c, m.findtext("source")) for c, m in _messages(copy)
                  if m.find("translation").get("type") == "unfinished"]
    assert unfinished == []


def test_switch_language_from_the_settings_menu(qtbot, window, world, settings_store):
    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    load_mail(qtbot, window, world["box"])
    with qtbot.waitSignal(window.language_changed, timeout=5000) as changed:
        window.language_actions["da"].trigger()
    assert changed.args == ["da"]
    assert i18n.current_language() == "da"
    assert window.windowTitle() == "smime-archiver – læs din gamle sikre post"
    assert window.settings_menu.title() == "&Indstillinger"
    assert window.keys.title() == "1. Dine nøglefiler"
    assert window.model.headerData(0, Qt.Orientation.Horizontal) == "Dato"
    status_column = [window.model.data(window.model.index(r, 3)) for r in range(7)]
    assert "Dekrypteret" in status_column
    assert window.keys.tree.topLevelItem(0).text(0).endswith(
        "gyldig 2012-03-01 – 2014-03-01\nåbner 2 beskeder")
    assert settings_store.load().language == "da"

    with qtbot.waitSignal(window.language_changed, timeout=5000):
        window.language_actions["en"].trigger()
    assert window.windowTitle() == "smime-archiver – read your old secure mail"
    assert "Decrypted" in [window.model.data(window.model.index(r, 3)) for r in range(7)]


def test_language_setting_is_used_at_start(make_window, settings_store):
    settings = settings_store.load()
    settings.language = "da"
    settings_store.save(settings)
    window = make_window(settings_store)
    assert window.export_panel.title() == "3. Gem som PDF"
    assert window.language_actions["da"].isChecked()


def test_settings_are_remembered_between_sessions(qtbot, make_window, world, tmp_path):
    store = SettingsStore(tmp_path / "s.json")
    first = make_window(store)
    add_key(qtbot, first, world["key2012"], PASSWORD_2012)
    first.export_panel.folder_edit.setText(str(tmp_path / "Arkiv"))
    first.resize(700, 500)
    first.close()
    saved = store.load()
    assert saved.recent_key_files == [str(world["key2012"])]
    assert saved.output_folder == str(tmp_path / "Arkiv")
    assert saved.window_geometry
    assert PASSWORD_2012 not in store.path.read_text(encoding="utf-8")
    second = make_window(store)
    assert second.export_panel.folder == str(tmp_path / "Arkiv")
    assert second.size().width() == 700
    second.keys._fill_recent()
    assert [a.text() for a in second.keys.recent_menu.actions()] == ["nøglefil-2012.p12"]


def test_every_control_has_a_name_and_a_keyboard_way(window):
    unnamed = []
    widgets = [w for kind in (QAbstractButton, QLineEdit, QComboBox, QAbstractItemView)
               for w in window.findChildren(kind)]
    for widget in widgets:
        internal = (widget.objectName().startswith("qt_") or isinstance(widget, QHeaderView)
                    or isinstance(widget.parent(), (QLineEdit, QAbstractItemView)))
        if widget.window() is not window or internal:
            continue
        name = widget.accessibleName() or (widget.text() if isinstance(
            widget, QAbstractButton) else "")
        if not name.strip():
            unnamed.append(widget.objectName() or type(widget).__name__)
    assert unnamed == []
    shortcuts = {a.shortcut().toString() for a in window.findChildren(type(window.add_key_action))}
    assert {"Ctrl+K", "Ctrl+O", "Ctrl+E", "Ctrl+F"} <= shortcuts
