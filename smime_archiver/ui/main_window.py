"""The main window: key files, mail, the message table with preview, and the export.

Everything slow runs off the UI thread: key files on a small thread pool
(:mod:`.tasks`), the scan on a :class:`~.scan.ScanThread`, previews on a
:class:`~.preview.PreviewThread`, the export on an :class:`~.worker.ExportWorker`.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from collections import Counter
from pathlib import Path

from PySide6.QtCore import QByteArray, QEvent, QItemSelection, QThread, Signal, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
)

from smime_archiver.crypto.keys.certbook import CertificateBook
from smime_archiver.job import JobResult, OpenedMessage
from smime_archiver.model import Status
from smime_archiver.outcome import MessageOutcome
from smime_archiver.secrets import PasswordVault
from smime_archiver.settings import Settings, SettingsStore
from smime_archiver.texts import explain, status_label
from smime_archiver.ui import window_parts as parts
from smime_archiver.ui.export_panel import ExportPanel
from smime_archiver.ui.icons import icon
from smime_archiver.ui.key_panel import KeyPanel
from smime_archiver.ui.language import install_translator
from smime_archiver.ui.message_model import DATE
from smime_archiver.ui.places import usual_places
from smime_archiver.ui.preview import PreviewThread
from smime_archiver.ui.rows import MessageRow
from smime_archiver.ui.scan import ScanThread
from smime_archiver.ui.source_panel import SourcePanel
from smime_archiver.ui.summary_dialog import SummaryDialog, open_folder
from smime_archiver.ui.tasks import TaskRunner
from smime_archiver.ui.worker import ExportWorker, make_spec

log = logging.getLogger(__name__)

# The status filter's choices: (key, statuses shown or None for all)
FILTERS: list[tuple[str, frozenset[Status] | None]] = [
    ("all", None),
    ("decrypted", frozenset({Status.DECRYPTED})),
    ("plain", frozenset({Status.PLAIN, Status.SIGNED})),
    ("no_key", frozenset({Status.NO_KEY})),
    ("problems", frozenset({Status.CORRUPT, Status.UNSUPPORTED, Status.ERROR})),
]


class MainWindow(QMainWindow):
    scan_finished = Signal()
    preview_shown = Signal()
    export_finished = Signal(object)  # JobResult
    summary_shown = Signal(object)  # SummaryDialog
    language_changed = Signal(str)

    def __init__(self, settings_store: SettingsStore, vault: PasswordVault,
                 places=usual_places, opener=open_folder) -> None:
        super().__init__()
        self.settings_store = settings_store
        self.settings: Settings = settings_store.load()
        self.vault = vault
        self._opener = opener
        self.tasks = TaskRunner(self)
        self.book = CertificateBook()
        self._generation = 0
        self._scan: ScanThread | None = None
        self._old_scans: list[ScanThread] = []
        self.scanning = False
        self._preview_token = 0
        self._export_thread: QThread | None = None
        self._export_worker: ExportWorker | None = None
        self.summary: SummaryDialog | None = None
        self.setWindowIcon(icon("app"))

        self.keys = KeyPanel(vault, self.tasks, lambda: self.settings.recent_key_files, self)
        self.sources = SourcePanel(places, self)
        self.export_panel = ExportPanel(self)
        column = parts.steps_column(self)
        parts.make_table(self)
        self.setCentralWidget(parts.main_split(self, column, parts.search_bar(self)))
        self.status_label = QLabel(self)
        self.statusBar().addWidget(self.status_label, 1)

        self.preview_thread = PreviewThread(self)
        self.preview_thread.opened.connect(self._preview_opened)
        self.preview_thread.start()

        self.keys.keys_changed.connect(self._keys_changed)
        self.keys.key_added.connect(self._remember_key_file)
        self.sources.sources_changed.connect(self._sources_changed)
        self.export_panel.export_requested.connect(self.start_export)
        self.export_panel.cancel_requested.connect(self.cancel_export)
        parts.make_menus(self)
        self.retranslate()
        self._restore_geometry()
        self._show_table_or_welcome()

    # --- menus and texts ------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("smime-archiver – read your old secure mail"))
        self.file_menu.setTitle(self.tr("&File"))
        self.add_key_action.setText(self.tr("Add &key file…"))
        self.add_mailbox_action.setText(self.tr("Add &mailbox file…"))
        self.add_folder_action.setText(self.tr("Add mail fol&der…"))
        self.export_action.setText(self.tr("&Save all as PDF…"))
        self.quit_action.setText(self.tr("&Quit"))
        self.find_action.setText(self.tr("Search"))
        self.settings_menu.setTitle(self.tr("&Settings"))
        self.language_menu.setTitle(self.tr("&Language"))
        self.language_actions[""].setText(self.tr("Same as the system"))
        self.language_actions["da"].setText("Dansk")
        self.language_actions["en"].setText("English")
        self.help_menu.setTitle(self.tr("&Help"))
        self.about_action.setText(self.tr("&About smime-archiver"))
        self.search_caption.setText(self.tr("Sea&rch:"))
        self.search.setPlaceholderText(self.tr("Sender, subject or date"))
        self.search.setAccessibleName(self.tr("Search the messages"))
        self.filter_caption.setText(self.tr("Sho&w:"))
        self.filter_box.setAccessibleName(self.tr("Show which messages"))
        texts = {
            "all": self.tr("All messages"),
            "decrypted": status_label(Status.DECRYPTED),
            "plain": self.tr("Not encrypted or only signed"),
            "no_key": status_label(Status.NO_KEY),
            "problems": self.tr("Damaged or unreadable"),
        }
        current = max(self.filter_box.currentIndex(), 0)
        self.filter_box.blockSignals(True)
        self.filter_box.clear()
        for key, _statuses in FILTERS:
            self.filter_box.addItem(texts[key])
        self.filter_box.setCurrentIndex(current)
        self.filter_box.blockSignals(False)
        self.table.setAccessibleName(self.tr("Messages"))
        self.welcome.setText(self.tr(
            "<h2>Read your old secure mail</h2>"
            "<p>1. Add your NemID key file (.p12 or .pfx) on the left.</p>"
            "<p>2. Add your mail: a mailbox file or a mail folder, or click "
            "“Find my mail”.</p>"
            "<p>3. Check the list here, then click “Save all as PDF”.</p>"))
        self.model.retranslate()
        self._size_columns()
        self._update_status()

    def _size_columns(self) -> None:
        metrics = self.table.fontMetrics()
        pad = metrics.horizontalAdvance("M") * 2
        self.table.setColumnWidth(DATE, metrics.horizontalAdvance("2013-03-04 10:15") + pad)
        self.table.setColumnWidth(1, metrics.horizontalAdvance("M") * 16)
        widest = max(metrics.horizontalAdvance(status_label(s)) for s in Status)
        self.table.setColumnWidth(3, widest + pad + metrics.height())

    def set_language(self, code: str) -> None:
        self.settings.language = code
        self.settings_store.save(self.settings)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        used = install_translator(app, code or None)
        self.language_actions[code].setChecked(True)
        # LanguageChange events are posted; word everything now so the switch is immediate
        for part in (self.keys, self.sources, self.export_panel, self.preview):
            part.retranslate()
        self.retranslate()
        self.language_changed.emit(used)

    def _about(self) -> None:
        from smime_archiver import __version__

        box = QMessageBox(QMessageBox.Icon.Information, self.tr("About smime-archiver"),
                          self.tr("smime-archiver {version}\n\nOpens old NemID secure mail "
                                  "with your own key files and saves it as PDF. Nothing is "
                                  "sent anywhere.").format(version=__version__),
                          QMessageBox.StandardButton.Close, self)
        box.open()

    # --- keys and sources -----------------------------------------------------------------

    def _remember_key_file(self, path: str) -> None:
        self.settings.add_recent_key_file(path)
        self.settings_store.save(self.settings)

    def _keys_changed(self) -> None:
        self.start_scan()

    def _sources_changed(self) -> None:
        for path in self.sources.sources:
            if path not in self.settings.recent_sources:
                self.settings.add_recent_source(path)
        self.settings_store.save(self.settings)
        self.start_scan()

    # --- scanning -------------------------------------------------------------------------

    def start_scan(self) -> None:
        self._stop_scan()
        self._generation += 1
        self.model.clear()
        self.preview.show_empty()
        self._reset_book()
        self.keys.set_counts(None)
        inputs = self.sources.sources
        self._show_table_or_welcome()
        if not inputs:
            self.scanning = False
            self._update_status()
            return
        thread = ScanThread(self._generation, inputs, self.keys.keystore, self)
        thread.rows_ready.connect(self._rows_ready)
        thread.scan_done.connect(self._scan_done)
        thread.scan_failed.connect(self._scan_failed)
        self._scan = thread
        self.scanning = True
        self._update_status()
        thread.start()

    def _stop_scan(self) -> None:
        old = self._scan
        self._scan = None
        if old is not None:
            old.cancel()
            self._old_scans.append(old)
            old.finished.connect(self._forget_finished_scans)  # queued: runs on this thread
            self._forget_finished_scans()  # it may have finished before the connect

    @Slot()
    def _forget_finished_scans(self) -> None:
        """Let finished scan threads go: each holds the key store it was started with."""
        for thread in [t for t in self._old_scans if t.isFinished()]:
            self._old_scans.remove(thread)
            thread.wait()  # past its finished signal: returns at once
            thread.deleteLater()

    def _reset_book(self) -> None:
        self.book = CertificateBook()
        for desc in self.keys.keystore.descriptions():
            self.book.add_key(desc)

    @Slot(int, object)
    def _rows_ready(self, generation: int, rows: list[MessageRow]) -> None:
        if generation != self._generation:
            return
        for row in rows:
            if row.signatures:
                self.book.add_signatures(row.signatures)
        self.model.append_rows(rows)
        self._show_table_or_welcome()
        self._update_status()

    @Slot(int, bool)
    def _scan_done(self, generation: int, cancelled: bool) -> None:
        if generation != self._generation:
            return
        self.scanning = False
        self.model.resort()
        counts: Counter[str] = Counter()
        for row in self.model.rows:
            for source in row.key_sources:
                counts[source] += 1
        self.keys.set_counts(dict(counts))
        self._update_status()
        self.scan_finished.emit()

    @Slot(int, str)
    def _scan_failed(self, generation: int, text: str) -> None:
        if generation != self._generation:
            return
        self.scanning = False
        self._update_status()
        self.status_label.setText(self.tr("Reading the mail stopped: {error}").format(error=text))
        self.scan_finished.emit()

    def _show_table_or_welcome(self) -> None:
        has = self.model.rowCount() > 0 or (self.scanning and bool(self.sources.sources))
        self.table_stack.setCurrentIndex(1 if has else 0)
        self.preview.setVisible(has)

    def _update_status(self) -> None:
        rows = self.model.rows
        if not rows and not self.scanning:
            self.status_label.setText(self.tr("No mail added yet."))
            return
        counts = Counter(r.status for r in rows)
        parts = [f"{status_label(s)}: {counts[s]}" for s in Status if counts[s]]
        total = self.tr("1 message") if len(rows) == 1 else self.tr(
            "{n} messages").format(n=len(rows))
        text = total + (" – " + ", ".join(parts) if parts else "")
        if self.scanning:
            text = self.tr("Reading your mail… {progress}").format(progress=text)
        self.status_label.setText(text)

    def _filter_changed(self, index: int) -> None:
        if 0 <= index < len(FILTERS):
            self.proxy.set_statuses(FILTERS[index][1])

    # --- preview --------------------------------------------------------------------------

    @Slot(QItemSelection, QItemSelection)
    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = self.table.selectionModel().selectedRows()
        row = self.proxy.message_row(indexes[0]) if indexes else None
        self._preview_token += 1
        if row is None:
            self.preview.show_empty()
            return
        self.preview.show_loading(row)
        self.preview_thread.request(self._preview_token, row, self.keys.keystore)

    @Slot(int, object, object)
    def _preview_opened(self, token: int, row: MessageRow, opened: OpenedMessage | None) -> None:
        if token != self._preview_token:
            return
        if opened is None:
            self.preview.show_unreadable(row)
        else:
            self.preview.show_message(row, opened)
        self.preview_shown.emit()

    def _explain_row(self, row: MessageRow) -> str:
        return explain(row.status, row.detail, row.recipients, row.date, self.book,
                       len(self.keys.keystore) > 0)

    def _explain_record(self, record: MessageOutcome) -> str:
        try:
            date = dt.datetime.fromisoformat(record.date) if record.date else None
        except ValueError:
            date = None
        return explain(record.status, record.detail, record.recipients, date, self.book,
                       len(self.keys.keystore) > 0)

    # --- export ---------------------------------------------------------------------------

    @Slot()
    def start_export(self) -> None:
        if self._export_thread is not None:
            return
        inputs = self.sources.sources
        if not inputs:
            self._inform(self.tr("Add your mail first (step 2)."))
            return
        if not self.export_panel.folder:
            self.export_panel.choose_folder()
        folder = self.export_panel.folder
        if not folder:
            return
        options = self.export_panel.option_values()
        self.settings.output_folder = folder
        self.settings.export_eml = options["eml"]
        self.settings.export_attachments = options["attachments"]
        self.settings_store.save(self.settings)
        spec = make_spec(inputs, Path(folder), self.keys.keystore, options)
        total = 0 if self.scanning else self.model.rowCount()
        self._export_thread = QThread(self)
        self._export_worker = ExportWorker(spec, self.keys.keystore)
        self._export_worker.moveToThread(self._export_thread)
        self._export_thread.started.connect(self._export_worker.run)
        self._export_worker.progress.connect(self._export_progress)
        self._export_worker.job_progress.connect(self.export_panel.set_job_progress)
        self._export_worker.finished.connect(self._export_done)
        self._export_worker.failed.connect(self._export_failed)
        self.export_panel.set_running(True, total)
        self.export_action.setEnabled(False)
        self._export_thread.start()

    @Slot()
    def cancel_export(self) -> None:
        if self._export_worker is not None:
            self._export_worker.cancel()
            self.export_panel.set_cancelling()

    @Slot(int, object)
    def _export_progress(self, done: int, _record: MessageOutcome) -> None:
        self.export_panel.set_progress(done)

    def _end_export(self) -> None:
        if self._export_thread is not None:
            self._export_thread.quit()
            self._export_thread.wait()
            self._export_thread.deleteLater()
        if self._export_worker is not None:
            self._export_worker.deleteLater()
        self._export_thread = None
        self._export_worker = None
        self.export_panel.set_running(False)
        self.export_action.setEnabled(True)

    @Slot(object)
    def _export_done(self, result: JobResult) -> None:
        self._end_export()
        self.summary = SummaryDialog(result, self.export_panel.folder, self._explain_record,
                                     self, self._opener)
        self.summary.open()
        self.summary_shown.emit(self.summary)
        self.export_finished.emit(result)

    @Slot(str)
    def _export_failed(self, text: str) -> None:
        self._end_export()
        box = QMessageBox(QMessageBox.Icon.Critical, self.tr("Saving failed"), text,
                          QMessageBox.StandardButton.Close, self)
        box.open()
        self.export_finished.emit(None)

    def _inform(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, self.windowTitle(), text,
                          QMessageBox.StandardButton.Close, self)
        box.open()

    # --- geometry and closing -------------------------------------------------------------

    def _restore_geometry(self) -> None:
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray(base64.b64decode(self.settings.window_geometry)))
        else:
            self.resize(1200, 760)
        if self.settings.window_state:
            self.main_split.restoreState(QByteArray(base64.b64decode(self.settings.window_state)))
        else:
            width = self.width()
            self.main_split.setSizes([width * 3 // 10, width - width * 3 // 10])

    def save_settings(self) -> None:
        self.settings.window_geometry = base64.b64encode(
            bytes(self.saveGeometry().data())).decode("ascii")
        self.settings.window_state = base64.b64encode(
            bytes(self.main_split.saveState().data())).decode("ascii")
        self.settings.output_folder = self.export_panel.folder
        self.settings_store.save(self.settings)

    def shutdown(self) -> None:
        """Stop every worker (each checks its cancel flag between messages)."""
        if self._export_worker is not None:
            self._export_worker.cancel()
        if self._export_thread is not None:
            self._export_thread.quit()
            self._export_thread.wait()
        self._stop_scan()
        for thread in list(self._old_scans):
            thread.wait()
        self.preview_thread.stop()
        self.tasks.wait()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
