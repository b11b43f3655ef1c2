"""Step 3: where to save, options, and the export's progress with time left and Cancel."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from smime_archiver.job import JobProgress
from smime_archiver.ui.icons import icon


class ExportPanel(QGroupBox):
    export_requested = Signal()
    cancel_requested = Signal()
    progress_changed = Signal(int)  # messages done

    def __init__(self, parent=None):
        super().__init__(parent)
        self._started = 0.0
        self._total = 0
        self._done = 0
        self._bytes: tuple[int, int] | None = None  # bytes read, total
        layout = QVBoxLayout(self)
        self.folder_caption = QLabel(self)
        layout.addWidget(self.folder_caption)
        row = QHBoxLayout()
        self.folder_edit = QLineEdit(self)
        self.folder_caption.setBuddy(self.folder_edit)
        row.addWidget(self.folder_edit, 1)
        self.browse_button = QPushButton(icon("folder"), "", self)
        self.browse_button.clicked.connect(self.choose_folder)
        row.addWidget(self.browse_button)
        layout.addLayout(row)

        self.eml_box = QCheckBox(self)
        layout.addWidget(self.eml_box)
        self.attachments_box = QCheckBox(self)
        layout.addWidget(self.attachments_box)
        self.export_button = QPushButton(icon("export"), "", self)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export_requested)
        layout.addWidget(self.export_button)

        row = QHBoxLayout()
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        row.addWidget(self.progress, 1)
        self.cancel_button = QPushButton(self)
        self.cancel_button.clicked.connect(self.cancel_requested)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.progress_label = QLabel(self)
        self.progress_label.setWordWrap(True)
        layout.addWidget(self.progress_label)
        self.retranslate()
        self.set_running(False)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setTitle(self.tr("3. Save as PDF"))
        self.folder_caption.setText(self.tr("Save in f&older:"))
        self.folder_edit.setAccessibleName(self.tr("Folder for the PDF files"))
        self.folder_edit.setPlaceholderText(self.tr("Choose a folder for the PDF files"))
        self.browse_button.setText(self.tr("&Browse…"))
        self.browse_button.setAccessibleName(self.tr("Choose the folder for the PDF files"))
        self.eml_box.setText(self.tr("Also save each mail as an .&eml file"))
        self.attachments_box.setText(self.tr("Also save &attachments as files"))
        self.export_button.setText(self.tr("Save all as &PDF"))
        self.export_button.setAccessibleName(self.tr("Save all messages as PDF"))
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel saving"))
        self.progress.setAccessibleName(self.tr("Progress"))
        if self._started:
            self._show_progress()

    # --- state ----------------------------------------------------------------------------

    @property
    def folder(self) -> str:
        return self.folder_edit.text().strip()

    def option_values(self) -> dict[str, bool]:
        return {"eml": self.eml_box.isChecked(), "attachments": self.attachments_box.isChecked()}

    @Slot()
    def choose_folder(self) -> None:
        start = self.folder or str(Path.home())
        path = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder for the PDF "
                                                              "files"), start)
        if path:
            self.folder_edit.setText(path)

    def set_running(self, running: bool, total: int = 0) -> None:
        for widget in (self.folder_edit, self.browse_button, self.eml_box,
                       self.attachments_box, self.export_button):
            widget.setEnabled(not running)
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.progress_label.setVisible(running)
        if running:
            self._started = time.monotonic()
            self._total, self._done, self._bytes = total, 0, None
            self.progress.setRange(0, total)  # 0..0: busy indicator while the count is unknown
            self.progress.setValue(0)
            self._show_progress()
            self.cancel_button.setFocus()
        else:
            self._started = 0.0

    def set_progress(self, done: int) -> None:
        self._done = done
        if self._total and done > self._total:
            self._total = 0
            self.progress.setRange(0, 0)
        if self._total:
            self.progress.setValue(done)
        self._show_progress()
        self.progress_changed.emit(done)

    def set_job_progress(self, progress: JobProgress) -> None:
        """Bytes read of the measured total: a steadier base for the time left."""
        if progress.bytes_total:
            self._bytes = (progress.bytes_done, progress.bytes_total)
            self._show_progress()

    def set_cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.progress_label.setText(self.tr("Stopping after the current message…"))

    def _show_progress(self) -> None:
        done, total = self._done, self._total
        if total:
            text = self.tr("{done} of {total} messages").format(done=done, total=total)
            left = self.time_left(time.monotonic() - self._started, done, total, self._bytes)
            if left:
                text += " – " + left
        else:
            text = self.tr("{done} messages so far").format(done=done)
        self.progress.setFormat(f"{done} / {total}" if total else str(done))
        self.progress_label.setText(text)

    def time_left(self, elapsed: float, done: int, total: int,
                  read: tuple[int, int] | None = None) -> str:
        if done < 3 or elapsed < 1 or done >= total:
            return self.tr("estimating time left…") if done < total else ""
        if read is not None and 0 < read[0] < read[1]:
            seconds = elapsed / read[0] * (read[1] - read[0])
        else:
            seconds = elapsed / done * (total - done)
        if seconds < 60:
            return self.tr("less than a minute left")
        minutes = round(seconds / 60)
        if minutes == 1:
            return self.tr("about 1 minute left")
        if minutes < 120:
            return self.tr("about {n} minutes left").format(n=minutes)
        return self.tr("about {n} hours left").format(n=round(minutes / 60))

    @property
    def running(self) -> bool:
        return bool(self._started)

