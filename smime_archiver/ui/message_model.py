"""The message table: a QAbstractTableModel over scan rows and a filtering proxy.

Built for large mailboxes: rows arrive in batches (one ``beginInsertRows`` per
chunk), sorting is done by the source model with Python's sort on precomputed keys
(the proxy's own sort would call back into Python for every comparison), and the
filter reads the rows directly instead of going through ``data()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from smime_archiver.model import Status
from smime_archiver.texts import status_label
from smime_archiver.ui.icons import status_icon
from smime_archiver.ui.rows import MessageRow, matches
from smime_archiver.ui.safe_text import shown_name

DATE, SENDER, SUBJECT, STATUS = range(4)
CHUNK = 5000  # rows per beginInsertRows
ROW_ROLE = Qt.ItemDataRole.UserRole + 1

_Index = QModelIndex | QPersistentModelIndex

_SORT_KEYS: dict[int, Callable[[MessageRow], Any]] = {
    DATE: lambda r: (r.date_key(), r.number),
    SENDER: lambda r: (r.sender.casefold(), r.number),
    SUBJECT: lambda r: (r.subject.casefold(), r.number),
    STATUS: lambda r: (list(Status).index(r.status), r.number),
}


def _header(column: int) -> str:
    texts = {
        DATE: QCoreApplication.translate("MessageTableModel", "Date"),
        SENDER: QCoreApplication.translate("MessageTableModel", "From"),
        SUBJECT: QCoreApplication.translate("MessageTableModel", "Subject"),
        STATUS: QCoreApplication.translate("MessageTableModel", "Status"),
    }
    return texts[column]


class MessageTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[MessageRow] = []
        self._labels: dict[Status, str] = {}
        self._sorted: tuple[int, Qt.SortOrder] | None = None

    # --- reading --------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def row(self, number: int) -> MessageRow:
        return self._rows[number]

    @property
    def rows(self) -> Sequence[MessageRow]:
        return self._rows

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == DATE:
                return row.date.strftime("%Y-%m-%d %H:%M") if row.date else row.date_text
            if column == SENDER:
                return shown_name(row.sender)
            if column == SUBJECT:
                return shown_name(row.subject)
            return self._label(row.status)
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            return status_icon(row.status)
        if role == Qt.ItemDataRole.ToolTipRole and column in (STATUS, SUBJECT):
            return row.detail or None
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        if role == ROW_ROLE:
            return row
        return None

    def _label(self, status: Status) -> str:
        label = self._labels.get(status)
        if label is None:
            label = self._labels[status] = status_label(status)
        return label

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _header(section)
        return None

    # --- changing -------------------------------------------------------------------------

    def append_rows(self, rows: Iterable[MessageRow]) -> None:
        """Add rows at the end, one ``beginInsertRows`` per chunk of :data:`CHUNK`."""
        rows = list(rows)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start:start + CHUNK]
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(chunk) - 1)
            self._rows.extend(chunk)
            self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def retranslate(self) -> None:
        """The language changed: headers and status labels are worded anew."""
        self._labels.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 3)
        if self._rows:
            self.dataChanged.emit(self.index(0, STATUS), self.index(len(self._rows) - 1, STATUS))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = _SORT_KEYS.get(column)
        if key is None:
            return
        self._sorted = (column, order)
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        held = [(self._rows[i.row()], i.column()) for i in persistent]
        self._rows.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        if persistent:
            where = {id(r): n for n, r in enumerate(self._rows)}
            self.changePersistentIndexList(
                persistent, [self.index(where[id(r)], c) for r, c in held])
        self.layoutChanged.emit()

    def resort(self) -> None:
        """Apply the last sort again (rows that arrived since were appended at the end)."""
        if self._sorted is not None:
            self.sort(*self._sorted)


class MessageFilterProxy(QSortFilterProxyModel):
    """Filters by status and search words; sorting is passed to the source model."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._statuses: frozenset[Status] | None = None
        self._words: list[str] = []
        self.setDynamicSortFilter(False)

    def set_statuses(self, statuses: Iterable[Status] | None) -> None:
        self._change(lambda: setattr(self, "_statuses",
                                     None if statuses is None else frozenset(statuses)))

    def set_search(self, text: str) -> None:
        self._change(lambda: setattr(self, "_words", text.casefold().split()))

    def _change(self, apply: Callable[[], None]) -> None:
        begin = getattr(self, "beginFilterChange", None)
        if begin is not None:  # Qt 6.10+
            begin()
            apply()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            apply()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if self._statuses is None and not self._words:
            return True
        model = self.sourceModel()
        assert isinstance(model, MessageTableModel)
        row = model.row(source_row)
        if self._statuses is not None and row.status not in self._statuses:
            return False
        return not self._words or matches(row, self._words)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, MessageTableModel):
            model.sort(column, order)

    def message_row(self, index: QModelIndex) -> MessageRow | None:
        if not index.isValid():
            return None
        value = self.data(index, ROW_ROLE)
        return value if isinstance(value, MessageRow) else None
