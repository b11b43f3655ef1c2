"""The preview pane: headers, the same status panel as the PDF, the body, attachments."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from smime_archiver.archive.names import safe_attachment_name
from smime_archiver.job import OpenedMessage
from smime_archiver.model import ARCHIVED_STATUSES, Attachment
from smime_archiver.texts import protection_lines, status_label
from smime_archiver.ui.icons import icon, status_icon
from smime_archiver.ui.preview import (
    OfflineBrowser,
    all_attachments,
    human_size,
    save_attachment,
    view_html,
)
from smime_archiver.ui.rows import MessageRow
from smime_archiver.ui.safe_text import shown_name

log = logging.getLogger(__name__)


class PreviewPane(QWidget):
    attachment_saved = Signal(str)  # path

    def __init__(self, explainer: Callable[[MessageRow], str], parent=None):
        super().__init__(parent)
        self._explainer = explainer
        self._row: MessageRow | None = None
        self._opened: OpenedMessage | None = None
        self.save_folder: Callable[[], str] = lambda: str(Path.home())

        self.stack = QStackedWidget(self)
        self.placeholder = QLabel(self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack.addWidget(self.placeholder)

        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.subject_label = QLabel(page)
        self.subject_label.setWordWrap(True)
        self.subject_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.subject_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.subject_label.setFont(font)
        layout.addWidget(self.subject_label)

        self.form = QFormLayout()
        self.from_label, self.to_label, self.date_label = QLabel(), QLabel(), QLabel()
        self.from_caption, self.to_caption, self.date_caption = QLabel(), QLabel(), QLabel()
        for caption, value in ((self.from_caption, self.from_label),
                               (self.to_caption, self.to_label),
                               (self.date_caption, self.date_label)):
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption.setBuddy(value)
            self.form.addRow(caption, value)
        layout.addLayout(self.form)

        self.status_frame = QFrame(page)
        self.status_frame.setFrameShape(QFrame.Shape.StyledPanel)
        self.status_frame.setObjectName("statusPanel")
        status_layout = QHBoxLayout(self.status_frame)
        self.status_icon = QLabel(self.status_frame)
        self.status_icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        status_layout.addWidget(self.status_icon)
        self.status_text = QLabel(self.status_frame)
        self.status_text.setWordWrap(True)
        self.status_text.setTextFormat(Qt.TextFormat.RichText)
        self.status_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                                 | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.status_text.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        status_layout.addWidget(self.status_text, 1)
        layout.addWidget(self.status_frame)

        self.body = OfflineBrowser(page)
        layout.addWidget(self.body, 1)

        self.attachments_label = QLabel(page)
        layout.addWidget(self.attachments_label)
        row = QHBoxLayout()
        self.attachment_list = QListWidget(page)
        self.attachment_list.setMaximumHeight(self.fontMetrics().height() * 4)
        self.attachment_list.itemActivated.connect(self._save_item)
        self.attachments_label.setBuddy(self.attachment_list)
        row.addWidget(self.attachment_list, 1)
        self.save_button = QPushButton(icon("save"), "", page)
        self.save_button.clicked.connect(self.save_selected)
        row.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        self.stack.addWidget(page)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self.retranslate()
        self.show_empty()

    # --- texts ----------------------------------------------------------------------------

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        self.from_caption.setText(self.tr("From:"))
        self.to_caption.setText(self.tr("To:"))
        self.date_caption.setText(self.tr("Date:"))
        self.attachments_label.setText(self.tr("Attachmen&ts:"))
        self.save_button.setText(self.tr("Sa&ve as…"))
        self.save_button.setAccessibleName(self.tr("Save the chosen attachment as a file"))
        self.attachment_list.setAccessibleName(self.tr("Attachments"))
        self.body.setAccessibleName(self.tr("Message text"))
        self.status_text.setAccessibleName(self.tr("How this message was protected"))
        self.subject_label.setAccessibleName(self.tr("Subject"))
        self.setAccessibleName(self.tr("Preview"))
        if self._row is None:
            self.placeholder.setText(self.tr("Choose a message in the list to read it here."))
        elif self._opened is None:
            self.placeholder.setText(self.tr("Opening the message…"))
        else:
            self.show_message(self._row, self._opened)

    # --- states ---------------------------------------------------------------------------

    def show_empty(self) -> None:
        self._row, self._opened = None, None
        self.placeholder.setText(self.tr("Choose a message in the list to read it here."))
        self.stack.setCurrentIndex(0)

    def show_loading(self, row: MessageRow) -> None:
        self._row, self._opened = row, None
        self.placeholder.setText(self.tr("Opening the message…"))
        self.stack.setCurrentIndex(0)

    def show_unreadable(self, row: MessageRow) -> None:
        self._row, self._opened = None, None
        self.placeholder.setText(self.tr(
            "This message could not be read again from {file}. Check that the mailbox is "
            "still there and add it again.").format(file=shown_name(row.source)))
        self.stack.setCurrentIndex(0)

    def show_message(self, row: MessageRow, opened: OpenedMessage) -> None:
        self._row, self._opened = row, opened
        view, result = opened.view, opened.result
        self.subject_label.setText(
            (view.subject if view else "") or row.subject or self.tr("(no subject)"))
        self.from_label.setText(view.sender if view else row.sender)
        recipients = (view.to if view else "") + (
            ("; " + view.cc) if view and view.cc else "")
        self.to_label.setText(recipients)
        if view and view.date:
            self.date_label.setText(view.date.strftime("%Y-%m-%d %H:%M"))
        else:
            self.date_label.setText(view.date_text if view else row.date_text)
        self.status_icon.setPixmap(status_icon(result.status).pixmap(
            self.fontMetrics().height() * 2))
        lines = [f"<b>{html.escape(status_label(result.status))}</b>"]
        explanation = self._explainer(row)
        if explanation:
            lines.append(html.escape(explanation))
        lines += [html.escape(line) for line in protection_lines(result)]
        if view:
            lines += [html.escape(note) for note in view.notes]
        self.status_text.setText("<br>".join(lines))

        readable = view is not None and (result.status in ARCHIVED_STATUSES or result.problems)
        if not readable:
            self.body.set_message_text(self.tr(
                "The content of this message could not be opened, so it cannot be shown."))
        elif view is not None and (view.body_html or len(view.parts) > 1 or any(
                p.kind != "text" for p in view.parts)):
            self.body.set_message_html(view_html(view), all_attachments(view))
        else:
            self.body.set_message_text(view.body_text if view else "")

        self.attachment_list.clear()
        attachments = [a for a in view.attachments if not a.inline] if view and readable else []
        for attachment in attachments:
            item = QListWidgetItem(icon("attachment"),
                                   f"{attachment.filename} ({human_size(attachment.size)})")
            item.setData(Qt.ItemDataRole.UserRole, attachment)
            self.attachment_list.addItem(item)
        has = bool(attachments)
        self.attachment_list.setVisible(has)
        self.attachments_label.setVisible(has)
        self.save_button.setVisible(has)
        if has:
            self.attachment_list.setCurrentRow(0)
        self.stack.setCurrentIndex(1)

    @property
    def opened(self) -> OpenedMessage | None:
        return self._opened

    # --- saving ---------------------------------------------------------------------------

    @Slot()
    def save_selected(self) -> None:
        item = self.attachment_list.currentItem()
        if item is not None:
            self._save_item(item)

    @Slot(QListWidgetItem)
    def _save_item(self, item: QListWidgetItem) -> None:
        attachment = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(attachment, Attachment):
            return
        suggested = str(Path(self.save_folder()) / safe_attachment_name(attachment.filename))
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save attachment"), suggested)
        if not path:
            return
        try:
            save_attachment(attachment, path)
        except OSError as e:
            QMessageBox.warning(self, self.tr("Save attachment"), self.tr(
                "The attachment could not be saved as {file} ({error}). Choose another "
                "folder.").format(file=path, error=e.strerror or type(e).__name__))
            return
        self.attachment_saved.emit(path)

