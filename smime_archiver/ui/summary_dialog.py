"""The end of an export: what was saved, where, and which messages need another key."""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

from smime_archiver.job import JobResult
from smime_archiver.model import Status
from smime_archiver.outcome import MessageOutcome
from smime_archiver.texts import status_label
from smime_archiver.ui.icons import icon
from smime_archiver.ui.safe_text import shown_name


def open_folder(path: str) -> bool:
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


class SummaryDialog(QDialog):
    folder_opened = Signal(str)

    def __init__(self, result: JobResult, folder: str,
                 explain: Callable[[MessageOutcome], str], parent=None,
                 opener: Callable[[str], bool] = open_folder):
        super().__init__(parent)
        self.folder = folder
        self._opener = opener
        self.setWindowTitle(self.tr("Saving finished"))
        layout = QVBoxLayout(self)
        records = result.records
        archived = result.archived
        if result.cancelled:
            text = self.tr("Cancelled. {archived} of the {total} messages read so far were "
                           "saved as PDF in {folder}.")
        else:
            text = self.tr("Done. {archived} of {total} messages were saved as PDF in "
                           "{folder}.")
        self.headline = QLabel(text.format(archived=archived, total=len(records),
                                           folder=folder), self)
        self.headline.setWordWrap(True)
        font = self.headline.font()
        font.setBold(True)
        self.headline.setFont(font)
        layout.addWidget(self.headline)

        missing = [r for r in records if r.status is Status.NO_KEY]
        others = [r for r in records if not r.archived and r.status is not Status.NO_KEY]
        self.missing_label = QLabel(self)
        self.missing_label.setWordWrap(True)
        if missing:
            self.missing_label.setText(self.tr(
                "These messages need another key file. Add the key file the text names, "
                "then save again."))
        elif others:
            self.missing_label.setText(self.tr("These messages could not be saved:"))
        else:
            self.missing_label.setText(self.tr("Every message was saved."))
        layout.addWidget(self.missing_label)

        self.list = QTextBrowser(self)
        self.list.setOpenLinks(False)
        self.list.setAccessibleName(self.tr("Messages that were not saved"))
        self.entries = missing + others
        parts = []
        for record in self.entries:
            title = " – ".join(x for x in (record.date[:10], shown_name(
                record.subject or Path(record.source).name)) if x)
            label = html.escape(status_label(record.status))
            parts.append(f"<p><b>{html.escape(title)}</b> ({label})"
                         f"<br>{html.escape(explain(record))}</p>")
        self.list.setHtml("".join(parts))
        self.list.setVisible(bool(self.entries))
        layout.addWidget(self.list, 1)

        self.buttons = QDialogButtonBox(self)
        self.open_button = QPushButton(icon("folder"), self.tr("&Open folder"), self)
        self.open_button.setAccessibleName(self.tr("Open the folder with the PDF files"))
        self.buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText(self.tr("Close"))
        self.open_button.clicked.connect(self.open_output)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.open_button.setDefault(True)
        self.resize(720, 460 if self.entries else 160)

    @Slot()
    def open_output(self) -> None:
        self._opener(self.folder)
        self.folder_opened.emit(self.folder)
