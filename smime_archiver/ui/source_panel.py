"""Step 2: the mail to read: mailbox files and folders, dropped or chosen, or a usual place."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
)

from smime_archiver.ui.icons import icon
from smime_archiver.ui.key_panel import local_paths
from smime_archiver.ui.places import Place, usual_places
from smime_archiver.ui.safe_text import shown_name


class SourcePanel(QGroupBox):
    sources_changed = Signal()

    def __init__(self, places: Callable[[], list[Place]] = usual_places, parent=None):
        super().__init__(parent)
        self._places = places
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.list = QListWidget(self)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.list.setMinimumHeight(self.fontMetrics().height() * 3)
        self.list.setMaximumHeight(self.fontMetrics().height() * 5)
        layout.addWidget(self.list)
        self.places_button = QToolButton(self)
        self.places_button.setIcon(icon("places"))
        self.places_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.places_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.places_menu = QMenu(self)
        self.places_menu.aboutToShow.connect(self._fill_places)
        self.places_button.setMenu(self.places_menu)
        self.add_file_button = QPushButton(icon("mailbox"), "", self)
        self.add_file_button.clicked.connect(self.choose_files)
        self.add_folder_button = QPushButton(icon("folder"), "", self)
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton(icon("remove"), "", self)
        self.remove_button.clicked.connect(self.remove_selected)
        for pair in ((self.places_button, self.add_file_button),
                     (self.add_folder_button, self.remove_button)):
            row = QHBoxLayout()
            for widget in pair:
                row.addWidget(widget)
            row.addStretch(1)
            layout.addLayout(row)
        self.retranslate()
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setTitle(self.tr("2. Your mail"))
        self.hint.setText(self.tr(
            "Add the mail you want to keep: a mailbox file, a mail folder or a whole "
            "Thunderbird profile. You can also drop files and folders here."))
        self.list.setAccessibleName(self.tr("Mailboxes and mail folders"))
        self.add_file_button.setText(self.tr("Add &mailbox file…"))
        self.add_file_button.setAccessibleName(self.tr("Add mailbox file"))
        self.add_folder_button.setText(self.tr("Add mail fol&der…"))
        self.add_folder_button.setAccessibleName(self.tr("Add mail folder"))
        self.places_button.setText(self.tr("Find my ma&il"))
        self.places_button.setAccessibleName(self.tr("Usual places for mail on this computer"))
        self.remove_button.setText(self.tr("Remove"))
        self.remove_button.setAccessibleName(self.tr("Remove the chosen mailbox"))

    # --- the list -------------------------------------------------------------------------

    @property
    def sources(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.list.count())]

    def add_sources(self, paths: list[str]) -> None:
        added = False
        for path in paths:
            path = os.path.abspath(path)
            if path in self.sources:
                continue
            item = QListWidgetItem(icon("folder" if os.path.isdir(path) else "mailbox"),
                                   shown_name(Path(path).name or path))
            item.setToolTip(shown_name(path))
            item.setData(Qt.ItemDataRole.UserRole, path)
            self.list.addItem(item)
            added = True
        if added:
            self._update_buttons()
            self.sources_changed.emit()

    @Slot()
    def remove_selected(self) -> None:
        rows = sorted((self.list.row(i) for i in self.list.selectedItems()), reverse=True)
        for row in rows:
            self.list.takeItem(row)
        if rows:
            self._update_buttons()
            self.sources_changed.emit()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.list.selectedItems()))

    @Slot()
    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self, self.tr("Choose mailbox files"), str(Path.home()))
        self.add_sources(paths)

    @Slot()
    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Choose a mail folder"),
                                                str(Path.home()))
        if path:
            self.add_sources([path])

    def _fill_places(self) -> None:
        self.places_menu.clear()
        places = self._places()
        if not places:
            action = self.places_menu.addAction(self.tr(
                "No Thunderbird, Apple Mail or Outlook mail found in the usual places"))
            action.setEnabled(False)
            return
        for place in places:
            action = self.places_menu.addAction(self.place_label(place))
            action.setToolTip(place.path)
            action.setEnabled(place.path not in self.sources)
            action.triggered.connect(lambda _c=False, p=place.path: self.add_sources([p]))

    def place_label(self, place: Place) -> str:
        if place.kind == "thunderbird":
            return self.tr("Thunderbird profile “{name}”").format(name=place.name)
        if place.kind == "apple_mail":
            return self.tr("Apple Mail")
        return self.tr("Outlook files in {folder}").format(folder=place.path)

    # --- drag and drop --------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(os.path.exists(p) for p in local_paths(event)):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [p for p in local_paths(event) if os.path.exists(p)]
        if paths:
            event.acceptProposedAction()
            self.add_sources(paths)
