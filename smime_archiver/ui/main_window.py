"""A first, small main window: key files, mailboxes, output folder, export with progress.

The full desktop app (message table, preview, settings, keyring) comes with the
GUI issue; this window already drives the real engine on a worker thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThread, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smime_archiver.crypto.keyfiles import load_key_file, load_key_files
from smime_archiver.errors import KeyFileError, WrongPasswordError
from smime_archiver.job import JobResult, JobSpec
from smime_archiver.ui.worker import ExportWorker


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("smime-archiver – read your old secure e-mail"))
        self.resize(760, 560)
        self._passwords: dict[str, str] = {}  # memory only, for this session
        self._key_files: list[str] = []
        self._thread: QThread | None = None
        self._worker: ExportWorker | None = None

        central = QWidget(self)
        layout = QVBoxLayout(central)

        layout.addWidget(QLabel(self.tr("1. Key files (your NemID key file, .p12 or .pfx)")))
        self.key_list = QListWidget()
        self.key_list.setAccessibleName(self.tr("Key files"))
        layout.addWidget(self.key_list)
        self.add_key_button = QPushButton(self.tr("Add key file…"))
        self.add_key_button.clicked.connect(self.choose_key_file)
        layout.addWidget(self.add_key_button)

        layout.addWidget(QLabel(self.tr("2. Mail to archive (mbox files, folders, messages)")))
        self.input_list = QListWidget()
        self.input_list.setAccessibleName(self.tr("Mailboxes"))
        layout.addWidget(self.input_list)
        row = QHBoxLayout()
        self.add_file_button = QPushButton(self.tr("Add mailbox file…"))
        self.add_file_button.clicked.connect(self.choose_input_file)
        self.add_folder_button = QPushButton(self.tr("Add folder…"))
        self.add_folder_button.clicked.connect(self.choose_input_folder)
        row.addWidget(self.add_file_button)
        row.addWidget(self.add_folder_button)
        layout.addLayout(row)

        layout.addWidget(QLabel(self.tr("3. Output folder for the PDFs")))
        row = QHBoxLayout()
        self.out_edit = QLineEdit()
        self.out_edit.setAccessibleName(self.tr("Output folder"))
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self.choose_output)
        row.addWidget(self.out_edit)
        row.addWidget(browse)
        layout.addLayout(row)

        row = QHBoxLayout()
        self.export_button = QPushButton(self.tr("Export to PDF"))
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_export)
        row.addWidget(self.export_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setAccessibleName(self.tr("Messages"))
        layout.addWidget(self.log_view)
        self.setCentralWidget(central)

    # --- keys -------------------------------------------------------------------------------

    @Slot()
    def choose_key_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, self.tr("Choose key file"), str(Path.home()),
            self.tr("Key files (*.p12 *.pfx *.pem *.key *.der *.crt *.cer *.htm *.html *.txt);;"
                    "All files (*)"))
        if path:
            self.add_key_file(path)

    def add_key_file(self, path: str, password: str | None = None) -> bool:
        """Load ``path``, asking for the password if needed. True when keys were found."""
        candidates = [password] if password is not None else []
        for _attempt in range(4):
            try:
                result = load_key_file(path, list(candidates))
            except WrongPasswordError:
                text, ok = QInputDialog.getText(
                    self, self.tr("Password"),
                    self.tr("Password for {file}:").replace("{file}", Path(path).name),
                    QLineEdit.EchoMode.Password)
                if not ok:
                    return False
                candidates = [text]
                continue
            except KeyFileError as e:
                QMessageBox.warning(self, self.tr("Key file"), e.message)
                return False
            if candidates:
                self._passwords[path] = candidates[0]
            if path not in self._key_files:
                self._key_files.append(path)
            for entry in result.entries:
                desc = entry.description
                self.key_list.addItem(f"{Path(path).name}: {desc.subject or desc.key_type}")
            for warning in result.warnings:
                self.log(warning)
            return bool(result.entries)
        return False

    # --- inputs and output ------------------------------------------------------------------

    @Slot()
    def choose_input_file(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, self.tr("Choose mailbox files"),
                                                      str(Path.home()))
        for path in paths:
            self.input_list.addItem(path)

    @Slot()
    def choose_input_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Choose a mail folder"),
                                                str(Path.home()))
        if path:
            self.input_list.addItem(path)

    @Slot()
    def choose_output(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Choose output folder"),
                                                str(Path.home()))
        if path:
            self.out_edit.setText(path)

    # --- export -----------------------------------------------------------------------------

    @Slot()
    def start_export(self) -> None:
        key_paths = list(self._key_files)
        inputs = [self.input_list.item(i).text() for i in range(self.input_list.count())]
        out = self.out_edit.text().strip()
        if not key_paths or not inputs or not out:
            QMessageBox.information(self, self.tr("Export"), self.tr(
                "Add a key file, at least one mailbox and an output folder first."))
            return
        passwords = dict(self._passwords)
        keystore, errors = load_key_files(
            key_paths, lambda p: iter([passwords[p]] if p in passwords else []))
        for error in errors:
            self.log(error.message)
        spec = JobSpec(inputs=tuple(inputs), out_dir=Path(out),
                       key_files=tuple(d.to_json() for d in keystore.descriptions()))
        self._thread = QThread(self)
        self._worker = ExportWorker(spec, keystore)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.on_progress)
        self._worker.finished.connect(self.on_finished)
        self._worker.failed.connect(self.on_failed)
        self._worker.finished.connect(self._thread.quit)
        self._worker.failed.connect(self._thread.quit)
        self.export_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setVisible(True)
        self._thread.start()

    @Slot()
    def cancel_export(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    @Slot(int, object)
    def on_progress(self, done: int, record) -> None:
        self.log(self.tr("{n}: {status} – {subject}").replace("{n}", str(done))
                 .replace("{status}", record.status.value)
                 .replace("{subject}", record.subject or record.detail))

    @Slot(object)
    def on_finished(self, result: JobResult) -> None:
        self._done()
        archived = sum(1 for r in result.records if r.archived)
        self.log(self.tr("Done: {archived} of {total} messages archived. Report: {report}")
                 .replace("{archived}", str(archived)).replace("{total}",
                                                                str(len(result.records)))
                 .replace("{report}", str(result.report_path)))

    @Slot(str)
    def on_failed(self, text: str) -> None:
        self._done()
        QMessageBox.critical(self, self.tr("Export failed"), text)

    def _done(self) -> None:
        self.export_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setVisible(False)

    def log(self, text: str) -> None:
        self.log_view.appendPlainText(text)
