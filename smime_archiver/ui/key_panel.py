"""Step 1: the user's key files.  Add by button, recent list or drag and drop.

Each file is loaded on a worker thread; a password is asked for in a dialog (never
by the worker) and may be remembered in a secure OS keyring.  After every change the
whole key ring is rebuilt from all files (keys and certificates pair across files), by
the same :func:`~smime_archiver.crypto.keys.keyring.load_key_ring` as the CLI's.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from smime_archiver.crypto.keys.keyfiles import KeyFileResult, load_key_file
from smime_archiver.crypto.keys.keyring import KeyRing, load_key_ring
from smime_archiver.errors import KeyFileError, WrongPasswordError
from smime_archiver.model import KeyDescription
from smime_archiver.secrets import PasswordVault, SecretStoreError
from smime_archiver.texts import common_name_of
from smime_archiver.ui.icons import icon
from smime_archiver.ui.password_dialog import PasswordDialog
from smime_archiver.ui.safe_text import shown_name
from smime_archiver.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass
class KeyFile:
    path: str
    password: str | None  # memory only
    result: KeyFileResult
    descriptions: list[KeyDescription] = field(default_factory=list)


def local_paths(event: QDragEnterEvent | QDropEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


class KeyPanel(QGroupBox):
    keys_changed = Signal()  # the key store was rebuilt
    key_added = Signal(str)  # path
    key_failed = Signal(str, str)  # path, message
    key_cancelled = Signal(str)  # the user closed the password dialog
    password_requested = Signal(object)  # the PasswordDialog just opened
    busy_changed = Signal(bool)

    def __init__(self, vault: PasswordVault, tasks: TaskRunner,
                 recent: Callable[[], list[str]], parent=None):
        super().__init__(parent)
        self.vault = vault
        self.tasks = tasks
        self._recent = recent
        self.files: dict[str, KeyFile] = {}
        self.keystore = KeyRing()  # the keys of all files, and how workers reopen them
        self.counts: dict[str, int] | None = None  # messages opened per key file (last scan)
        self._queue: list[str] = []
        self._busy = False
        self.dialog: PasswordDialog | None = None
        self.setAcceptDrops(True)

        layout = QVBoxLayout(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(1)
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderHidden(True)
        self.tree.setWordWrap(True)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.tree.setMinimumHeight(self.fontMetrics().height() * 4)
        self.tree.setMaximumHeight(self.fontMetrics().height() * 7)
        layout.addWidget(self.tree)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setVisible(False)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.problem)

        row = QHBoxLayout()
        self.add_button = QPushButton(icon("key"), "", self)
        self.add_button.clicked.connect(self.choose_key_files)
        row.addWidget(self.add_button)
        self.recent_button = QToolButton(self)
        self.recent_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.recent_menu = QMenu(self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.recent_button.setMenu(self.recent_menu)
        row.addWidget(self.recent_button)
        row.addStretch(1)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.remove_button = QPushButton(icon("remove"), "", self)
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.remove_button)
        self.forget_button = QPushButton(self)
        self.forget_button.clicked.connect(self.forget_selected)
        row.addWidget(self.forget_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.retranslate()
        self._update_buttons()

    # --- texts ----------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setTitle(self.tr("1. Your key files"))
        self.hint.setText(self.tr(
            "Add the key file you saved from NemID (a .p12 or .pfx file). Add all of them "
            "if you have several: each one opens the mail of its own years. You can also "
            "drop key files here."))
        self.tree.setAccessibleName(self.tr("Key files"))
        self.add_button.setText(self.tr("Add &key file…"))
        self.add_button.setAccessibleName(self.tr("Add key file"))
        self.recent_button.setText(self.tr("Recent"))
        self.recent_button.setAccessibleName(self.tr("Recent key files"))
        self.remove_button.setText(self.tr("Remove"))
        self.remove_button.setAccessibleName(self.tr("Remove the chosen key file"))
        self.forget_button.setText(self.tr("Forget password"))
        self.forget_button.setAccessibleName(self.tr("Forget the saved password"))
        self._fill_tree()

    # --- adding ---------------------------------------------------------------------------

    @Slot()
    def choose_key_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self, self.tr("Choose key files"), str(Path.home()),
            self.tr("Key files (*.p12 *.pfx *.pem *.key *.der *.crt *.cer *.htm *.html *.txt)")
            + ";;" + self.tr("All files (*)"))
        self.add_key_files(paths)

    def add_key_files(self, paths: list[str]) -> None:
        for path in paths:
            path = os.path.abspath(path)
            if path not in self.files and path not in self._queue:
                self._queue.append(path)
        self._next()

    @property
    def busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    def _next(self) -> None:
        if self._busy or not self._queue:
            return
        path = self._queue.pop(0)
        self._set_busy(True)
        self._show_problem("")
        remembered = None
        try:
            remembered = self.vault.recall(path)
        except SecretStoreError as e:
            self._show_problem(e.message)
        self._try(path, remembered, remember=False, typed=False)

    def _try(self, path: str, password: str | None, *, remember: bool, typed: bool) -> None:
        candidates = [password] if password is not None else []
        self.tasks.run(
            lambda: load_key_file(path, candidates),
            lambda result: self._loaded(path, result, password, remember),
            lambda error: self._failed(path, error, password is not None, typed))

    def _loaded(self, path: str, result: KeyFileResult, password: str | None,
                remember: bool) -> None:
        if remember and password is not None:
            try:
                self.vault.remember(path, password)
            except SecretStoreError as e:
                self._show_problem(e.message)
        if not result.entries:
            self._show_problem(self.tr(
                "{file} holds certificates but no private key, so it cannot open mail. "
                "Look for the key file (.p12 or .pfx) saved at the same time.").format(
                    file=shown_name(Path(path).name)))
        self.files[path] = KeyFile(path, password, result)
        self.key_added.emit(path)
        self.rebuild()

    def _failed(self, path: str, error: BaseException, tried: bool, typed: bool) -> None:
        if isinstance(error, WrongPasswordError):
            text = ""
            if typed:
                text = self.tr("That password did not open the key file. Check Caps Lock "
                               "and the keyboard language, and try again.")
            elif tried:
                text = self.tr("The saved password no longer opens this key file. Type it "
                               "again.")
            self._ask_password(path, text)
            return
        if isinstance(error, KeyFileError):
            message = error.message
        else:
            message = self.tr("{file} could not be read ({error}).").format(
                file=shown_name(Path(path).name), error=type(error).__name__)
        self._show_problem(message)
        self.key_failed.emit(path, message)
        self._set_busy(False)
        self._next()

    def _ask_password(self, path: str, error: str) -> None:
        dialog = PasswordDialog(path, self.vault.info, error, self.window())
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._answered(path, dialog))
        dialog.rejected.connect(lambda: self._declined(path, dialog))
        dialog.open()
        self.password_requested.emit(dialog)

    def _answered(self, path: str, dialog: PasswordDialog) -> None:
        self.dialog = None
        password, remember = dialog.password, dialog.remember
        dialog.deleteLater()
        self._try(path, password, remember=remember, typed=True)

    def _declined(self, path: str, dialog: PasswordDialog) -> None:
        self.dialog = None
        dialog.deleteLater()
        self.key_cancelled.emit(path)
        self._set_busy(False)
        self._next()

    # --- the key store --------------------------------------------------------------------

    def rebuild(self) -> None:
        """Load every file again into one key store (pairing across files), off the UI."""
        passwords = {p: f.password for p, f in self.files.items() if f.password is not None}
        paths = list(self.files)

        def source(path: str) -> Iterator[str]:
            if path in passwords:
                yield passwords[path]

        warnings: list[str] = []
        self._set_busy(True)
        self.tasks.run(lambda: load_key_ring(paths, source, on_warning=warnings.append),
                       lambda result: self._rebuilt(result, warnings),
                       self._rebuild_failed)

    def _rebuilt(self, result: tuple[KeyRing, list[KeyFileError]], warnings: list[str]) -> None:
        store, errors = result
        self.keystore = store
        for kf in self.files.values():
            kf.descriptions = [d for d in store.descriptions() if d.source == kf.path]
        problems = [e.message for e in errors] + warnings
        if problems:
            self._show_problem("\n".join(problems))
        self._fill_tree()
        self._set_busy(False)
        self.keys_changed.emit()
        self._next()

    def _rebuild_failed(self, error: BaseException) -> None:
        self._show_problem(self.tr("The key files could not be loaded ({error}).").format(
            error=type(error).__name__))
        self._set_busy(False)
        self._next()

    # --- list -----------------------------------------------------------------------------

    def set_counts(self, counts: dict[str, int] | None) -> None:
        self.counts = counts
        self._fill_tree()

    def _fill_tree(self) -> None:
        """One entry per key: whose it is, the file, its validity and what it opens."""
        self.tree.clear()
        for kf in self.files.values():
            descriptions: list[KeyDescription | None] = list(
                kf.descriptions or [e.description for e in kf.result.entries]) or [None]
            for desc in descriptions:
                if desc is None:
                    who = self.tr("no usable key in this file")
                else:
                    who = common_name_of(desc.subject) or self.tr("key without certificate")
                lines = [shown_name(who), shown_name(Path(kf.path).name)]
                if desc and desc.not_before:
                    lines.append(self._validity(desc))
                if self.counts is not None:
                    lines.append(self._opens(kf.path))
                item = QTreeWidgetItem(["\n".join(lines)])
                item.setIcon(0, icon("key"))
                item.setData(0, Qt.ItemDataRole.UserRole, kf.path)
                item.setToolTip(0, f"{desc.subject if desc else ''}\n{kf.path}".strip())
                self.tree.addTopLevelItem(item)
        self._update_buttons()

    def _validity(self, desc: KeyDescription) -> str:
        assert desc.not_before is not None and desc.not_after is not None
        return self.tr("valid {start} – {end}").format(start=f"{desc.not_before:%Y-%m-%d}",
                                                      end=f"{desc.not_after:%Y-%m-%d}")

    def _opens(self, path: str) -> str:
        n = (self.counts or {}).get(path, 0)
        return self.tr("opens 1 message") if n == 1 else self.tr(
            "opens {n} messages").format(n=n)

    def selected_path(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def _update_buttons(self) -> None:
        path = self.selected_path()
        self.remove_button.setEnabled(path is not None)
        can_forget = False
        if path is not None and self.vault.usable:
            try:
                can_forget = self.vault.has_password(path)
            except SecretStoreError:
                can_forget = False
        self.forget_button.setEnabled(can_forget)
        self.recent_button.setEnabled(bool(self._recent()))

    @Slot()
    def remove_selected(self) -> None:
        path = self.selected_path()
        if path is not None and path in self.files:
            del self.files[path]
            self.rebuild()

    @Slot()
    def forget_selected(self) -> None:
        path = self.selected_path()
        if path is None:
            return
        try:
            self.vault.forget(path)
        except SecretStoreError as e:
            self._show_problem(e.message)
        self._update_buttons()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self._recent():
            action = self.recent_menu.addAction(shown_name(Path(path).name))
            action.setToolTip(shown_name(path))
            action.setEnabled(path not in self.files and os.path.exists(path))
            action.triggered.connect(lambda _checked=False, p=path: self.add_key_files([p]))

    def _show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    # --- drag and drop --------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(os.path.isfile(p) for p in local_paths(event)):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [p for p in local_paths(event) if os.path.isfile(p)]
        if paths:
            event.acceptProposedAction()
            self.add_key_files(paths)

