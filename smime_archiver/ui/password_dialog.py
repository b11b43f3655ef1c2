"""Asks for one key file's password, and whether to remember it in the OS keyring."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from smime_archiver.secrets import VaultInfo, VaultState
from smime_archiver.ui.safe_text import shown_name


class PasswordDialog(QDialog):
    def __init__(self, path: str, vault: VaultInfo, error: str = "", parent=None):
        super().__init__(parent)
        self.path = path
        self.setWindowTitle(self.tr("Password for your key file"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)

        self.intro = QLabel(self.tr(
            "The key file {file} is protected by a password. Type the password you chose "
            "when you saved the key file.").format(file=shown_name(Path(path).name)), self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        self.error_label = QLabel(error, self)
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.error_label.setVisible(bool(error))
        self.error_label.setAccessibleName(self.tr("Problem"))
        layout.addWidget(self.error_label)

        self.caption = QLabel(self.tr("&Password:"), self)
        layout.addWidget(self.caption)
        self.password_edit = QLineEdit(self)
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setAccessibleName(self.tr("Password"))
        self.caption.setBuddy(self.password_edit)
        layout.addWidget(self.password_edit)

        self.show_box = QCheckBox(self.tr("S&how the password"), self)
        self.show_box.toggled.connect(self._show_password)
        layout.addWidget(self.show_box)

        self.remember_box = QCheckBox(self.tr("&Remember the password on this computer"), self)
        self.remember_box.setAccessibleName(self.tr("Remember the password on this computer"))
        layout.addWidget(self.remember_box)
        self.remember_note = QLabel(self)
        self.remember_note.setWordWrap(True)
        layout.addWidget(self.remember_note)
        if vault.usable:
            self.remember_note.setText(self.tr(
                "It is kept in the system's safe password store, never in a file. You can "
                "make the program forget it again."))
        else:
            self.remember_box.setEnabled(False)
            if vault.state is VaultState.INSECURE:
                note = self.tr(
                    "The password cannot be remembered here: this computer only offers an "
                    "unsafe password store ({backend}). You will be asked each time."
                ).format(backend=vault.backend.rsplit(".", 1)[-1])
            else:
                note = self.tr(
                    "The password cannot be remembered here: this computer has no safe "
                    "password store (keyring). You will be asked each time.")
            self.remember_note.setText(note)
            self.remember_box.setToolTip(note)
            self.remember_box.setAccessibleDescription(note)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("&Open key file"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.password_edit.setFocus()

    def _show_password(self, shown: bool) -> None:
        self.password_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)

    @property
    def password(self) -> str:
        return self.password_edit.text()

    @property
    def remember(self) -> bool:
        return self.remember_box.isEnabled() and self.remember_box.isChecked()
