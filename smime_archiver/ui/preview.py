"""The preview: one message opened on a worker thread and shown offline.

HTML is drawn by a QTextBrowser whose document refuses every resource except the
message's own ``cid:`` images and inline ``data:`` images: nothing is fetched from the
network or read from disk, links are not followed.  No QtWebEngine.
"""

from __future__ import annotations

import base64
import html
import logging
import re
import threading
import urllib.parse
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QThread, QUrl, Signal
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import QTextBrowser

from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.job import open_message
from smime_archiver.model import Attachment, MessageView, RawMail
from smime_archiver.scan import read_message
from smime_archiver.ui.rows import MessageRow

log = logging.getLogger(__name__)

PART_SCHEME = "part"  # <img src="part:1.2">: an inline image of this message, by MIME path


class PreviewThread(QThread):
    """Opens the most recently requested message; older requests are dropped."""

    opened = Signal(int, object, object)  # token, MessageRow, OpenedMessage | None

    def __init__(self, parent=None):
        super().__init__(parent)
        self._lock = threading.Condition()
        self._pending: tuple[int, MessageRow, KeyStore] | None = None
        self._stopping = False
        self._cancel = threading.Event()

    def request(self, token: int, row: MessageRow, keystore: KeyStore) -> None:
        with self._lock:
            self._pending = (token, row, keystore)
            self._lock.notify()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._cancel.set()
            self._lock.notify()
        self.wait()

    def run(self) -> None:
        while True:
            with self._lock:
                while self._pending is None and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                assert self._pending is not None
                token, row, keystore = self._pending
                self._pending = None
            try:
                raw = _raw_of(row, self._cancel)
                opened = open_message(raw, keystore) if raw is not None else None
            except Exception:  # shown as "could not be read again"; the thread goes on
                log.exception("preview of message %s failed", row.number)
                opened = None
            self.opened.emit(token, row, opened)


def _raw_of(row: MessageRow, cancel: threading.Event) -> RawMail | None:
    """The row's raw message: kept by the scan, or read again from its source by the core."""
    if row.raw is not None:
        return row.raw
    return read_message(row.source, row.locator, row.index, cancel)


class OfflineBrowser(QTextBrowser):
    """A QTextBrowser that loads nothing but the message's own inline images."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self._attachments: tuple[Attachment, ...] = ()
        self.refused: list[str] = []  # URLs that were asked for and not loaded

    def set_message_html(self, html: str, attachments: tuple[Attachment, ...]) -> None:
        self._attachments = attachments
        self.refused = []
        self.document().clear()
        self.setHtml(html)

    def set_message_text(self, text: str) -> None:
        self._attachments = ()
        self.refused = []
        self.setPlainText(text)

    def loadResource(self, kind: int, url: QUrl | str) -> object:
        url = QUrl(url) if isinstance(url, str) else url
        scheme = url.scheme().lower()
        if kind == QTextDocument.ResourceType.ImageResource.value or kind == \
                QTextDocument.ResourceType.ImageResource:
            if scheme == "cid":
                image = self._cid_image(url)
                if image is not None:
                    return image
            elif scheme == "data":
                image = _data_image(url.toString())
                if image is not None:
                    return image
            else:
                image = self._part_image(url)
                if image is not None:
                    return image
        self.refused.append(url.toString())
        return None

    def _cid_image(self, url: QUrl) -> QImage | None:
        wanted = urllib.parse.unquote(url.toString()[4:]).strip("<>")
        for attachment in self._attachments:
            cid = (attachment.content_id or "").strip("<>")
            if cid and cid == wanted:
                return _image(attachment)
        return None

    def _part_image(self, url: QUrl) -> QImage | None:
        """``part:N`` (our own inline images) or a related part's Content-Location."""
        text = url.toString()
        for attachment in self._attachments:
            if text == f"{PART_SCHEME}:{attachment.part}" or (
                    attachment.content_location and attachment.content_location == text):
                return _image(attachment)
        return None


def _image(attachment: Attachment) -> QImage | None:
    image = QImage.fromData(attachment.data)
    return None if image.isNull() else image


_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.IGNORECASE | re.DOTALL)


def view_html(view: MessageView, depth: int = 0) -> str:
    """The body in reading order as one HTML document: text, HTML, images, forwarded mail."""
    parts = view.parts
    if not parts:
        if view.body_html:
            return view.body_html
        return _text_html(view.body_text)
    if len(parts) == 1 and parts[0].kind == "html" and depth == 0:
        return parts[0].text
    chunks: list[str] = []
    sealed: str | None = None  # the separately encrypted part whose frame is open
    for part in parts:
        if part.encrypted_part != sealed:
            if sealed is not None:
                chunks.append(_SEALED_END)
            if part.encrypted_part is not None:
                chunks.append(_sealed_start(part.encrypted_part))
            sealed = part.encrypted_part
        if part.kind == "text":
            chunks.append(_text_html(part.text))
        elif part.kind == "html":
            m = _BODY.search(part.text)
            chunks.append(m.group(1) if m else part.text)
        elif part.kind == "image" and part.attachment is not None:
            chunks.append(f'<p><img src="{PART_SCHEME}:{html.escape(part.attachment.part)}"></p>')
        elif part.kind == "message" and part.message is not None and depth < 5:
            inner = part.message
            head = "<br>".join(html.escape(x) for x in (inner.sender, inner.subject,
                                                        inner.date_text) if x)
            chunks.append(f"<hr><p><i>{head}</i></p>{view_html(inner, depth + 1)}")
    if sealed is not None:
        chunks.append(_SEALED_END)
    return "".join(chunks)


# A part encrypted on its own (apart from the rest of the message) is framed and headed, so
# that texts encrypted apart are never read as one (Qt's rich text draws table borders).
_SEALED_END = "</td></tr></table>"


def _sealed_start(part: str) -> str:
    title = QCoreApplication.translate("Preview", "Encrypted part {part}").format(part=part)
    return ('<table width="100%" border="1" cellspacing="0" cellpadding="6" '
            'style="border-color: #2e7d32; margin: 6px 0;"><tr><td>'
            f'<p style="color: #2e7d32;"><b>{html.escape(title)}</b></p>')


def _text_html(text: str) -> str:
    return f'<div style="white-space: pre-wrap;">{html.escape(text)}</div>'


def all_attachments(view: MessageView) -> tuple[Attachment, ...]:
    """Attachments of the message and of forwarded messages inside it (for images)."""
    found = list(view.attachments)
    for part in view.parts:
        if part.kind == "image" and part.attachment is not None:
            found.append(part.attachment)
        if part.kind == "message" and part.message is not None:
            found.extend(all_attachments(part.message))
    return tuple(found)


def _data_image(text: str) -> QImage | None:
    head, sep, payload = text.partition(",")
    if not sep or ";base64" not in head.lower():
        return None
    try:
        data = base64.b64decode(payload, validate=False)
    except ValueError:
        return None
    image = QImage.fromData(data)
    return None if image.isNull() else image


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def save_attachment(attachment: Attachment, path: str | Path) -> None:
    Path(path).write_bytes(attachment.data)

