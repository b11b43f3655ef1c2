"""The key panel: password dialog, wrong passwords, damaged files, drag and drop, keyring."""

from __future__ import annotations

import json

from keyring.backends import fail
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox

from smime_archiver.secrets import PasswordVault, key_file_account
from tests.gui.conftest import PASSWORD_2012, add_key


def test_add_key_file_answering_the_password_dialog(qtbot, window, world, settings_store):
    with qtbot.waitSignal(window.keys.password_requested, timeout=20000) as asked:
        window.keys.add_key_files([str(world["key2012"])])
    dialog = asked.args[0]
    assert dialog.isVisible() and "nøglefil-2012.p12" in dialog.intro.text()
    assert not dialog.error_label.isVisible()
    # a wrong password first: the dialog comes back and says what to check
    qtbot.keyClicks(dialog.password_edit, "forkert")
    with qtbot.waitSignal(window.keys.password_requested, timeout=20000) as again:
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    retry = again.args[0]
    assert "Caps Lock" in retry.error_label.text() and not retry.error_label.isHidden()
    qtbot.keyClicks(retry.password_edit, PASSWORD_2012)
    with qtbot.waitSignal(window.keys.keys_changed, timeout=20000):
        qtbot.keyClick(retry.password_edit, Qt.Key.Key_Return)

    assert len(window.keys.keystore) == 1
    item = window.keys.tree.topLevelItem(0)
    assert item.text(0) == "Karen Ærø Østergård\nnøglefil-2012.p12\nvalid 2012-03-01 – 2014-03-01"
    saved = settings_store.path.read_text(encoding="utf-8")
    assert json.loads(saved)["recent_key_files"] == [str(world["key2012"])]
    assert PASSWORD_2012 not in saved


def test_closing_the_dialog_adds_nothing(qtbot, window, world):
    with qtbot.waitSignal(window.keys.password_requested, timeout=20000) as asked:
        window.keys.add_key_files([str(world["key2012"])])
    with qtbot.waitSignal(window.keys.key_cancelled, timeout=5000):
        asked.args[0].reject()
    assert window.keys.files == {} and len(window.keys.keystore) == 0
    assert not window.keys.busy


def test_damaged_key_file_is_explained(qtbot, window, world):
    with qtbot.waitSignal(window.keys.key_failed, timeout=20000) as failed:
        window.keys.add_key_files([str(world["damaged_key"])])
    path, message = failed.args
    assert path == str(world["damaged_key"])
    assert "ødelagt.p12" in message
    assert window.keys.problem.text() == message and not window.keys.problem.isHidden()


def test_key_files_can_be_dropped(qtbot, window, world):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(world["key2012"]))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.keys.password_requested, timeout=20000) as asked:
        window.keys.dropEvent(event)
    assert asked.args[0].path == str(world["key2012"])
    asked.args[0].reject()


def test_remember_and_forget_password_in_the_keyring(qtbot, make_window, world,
                                                     keyring_backend, vault):
    window = make_window()
    add_key(qtbot, window, world["key2012"], PASSWORD_2012, remember=True)
    account = key_file_account(world["key2012"])
    assert keyring_backend.store == {(vault.service, account): PASSWORD_2012}

    # a new session: the key file opens without asking
    second = make_window()
    second.keys.password_requested.connect(lambda d: (_ for _ in ()).throw(
        AssertionError("asked for a remembered password")))
    with qtbot.waitSignal(second.keys.keys_changed, timeout=20000):
        second.keys.add_key_files([str(world["key2012"])])
    assert len(second.keys.keystore) == 1
    second.keys.tree.setCurrentItem(second.keys.tree.topLevelItem(0))
    assert second.keys.forget_button.isEnabled()
    qtbot.mouseClick(second.keys.forget_button, Qt.MouseButton.LeftButton)
    assert keyring_backend.store == {}
    assert not second.keys.forget_button.isEnabled()


def test_remember_is_disabled_without_a_secure_keyring(qtbot, make_window, world):
    window = make_window(vault=PasswordVault(fail.Keyring()))
    with qtbot.waitSignal(window.keys.password_requested, timeout=20000) as asked:
        window.keys.add_key_files([str(world["key2012"])])
    dialog = asked.args[0]
    assert not dialog.remember_box.isEnabled()
    assert "no safe password store" in dialog.remember_note.text()
    dialog.remember_box.setChecked(True)
    assert dialog.remember is False
    dialog.reject()
