"""The main window's widgets and menus, built once (what Designer's ``setupUi`` would be).

Each function makes one part of :class:`~smime_archiver.ui.main_window.MainWindow` and
sets it on the window; the window wires them to its behaviour.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from smime_archiver.ui.icons import icon
from smime_archiver.ui.message_model import DATE, SUBJECT, MessageFilterProxy, MessageTableModel
from smime_archiver.ui.preview_pane import PreviewPane

if TYPE_CHECKING:
    from smime_archiver.ui.main_window import MainWindow


def steps_column(window: MainWindow) -> QWidget:
    """Steps 1 (keys) and 2 (mail) scroll; step 3 (export) stays in view below them."""
    window.export_panel.folder_edit.setText(window.settings.output_folder)
    window.export_panel.eml_box.setChecked(window.settings.export_eml)
    window.export_panel.attachments_box.setChecked(window.settings.export_attachments)
    left = QWidget(window)
    left_layout = QVBoxLayout(left)
    left_layout.setContentsMargins(0, 0, 0, 0)
    left_layout.addWidget(window.keys)
    left_layout.addWidget(window.sources)
    left_layout.addStretch(1)
    scroll = QScrollArea(window)
    scroll.setWidget(left)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setMinimumWidth(left.minimumSizeHint().width()
                           + scroll.verticalScrollBar().sizeHint().width() + 4)
    column = QWidget(window)
    column_layout = QVBoxLayout(column)
    column_layout.addWidget(scroll, 1)
    column_layout.addWidget(window.export_panel)
    return column

def make_table(window: MainWindow) -> None:
    window.model = MessageTableModel(window)
    window.proxy = MessageFilterProxy(window)
    window.proxy.setSourceModel(window.model)
    window.table = QTableView(window)
    window.table.setModel(window.proxy)
    window.table.setSortingEnabled(True)
    window.table.sortByColumn(DATE, Qt.SortOrder.AscendingOrder)
    window.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    window.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    window.table.setAlternatingRowColors(True)
    window.table.setWordWrap(False)
    window.table.verticalHeader().hide()
    window.table.verticalHeader().setDefaultSectionSize(window.fontMetrics().height() + 8)
    header = window.table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(SUBJECT, QHeaderView.ResizeMode.Stretch)
    window._size_columns()
    window.table.selectionModel().selectionChanged.connect(window._selection_changed)

def search_bar(window: MainWindow) -> QHBoxLayout:
    window.search_caption = QLabel(window)
    window.search = QLineEdit(window)
    window.search.setClearButtonEnabled(True)
    window.search.textChanged.connect(window.proxy.set_search)
    window.search_caption.setBuddy(window.search)
    window.filter_caption = QLabel(window)
    window.filter_box = QComboBox(window)
    window.filter_box.setSizeAdjustPolicy(
        QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    window.filter_box.setMinimumContentsLength(12)
    window.filter_box.currentIndexChanged.connect(window._filter_changed)
    window.filter_caption.setBuddy(window.filter_box)
    bar = QHBoxLayout()
    bar.addWidget(window.search_caption)
    bar.addWidget(window.search, 2)
    bar.addWidget(window.filter_caption)
    bar.addWidget(window.filter_box, 1)
    return bar

def main_split(window: MainWindow, column: QWidget, bar: QHBoxLayout) -> QSplitter:
    """The steps on the left; on the right the messages (or a welcome) over the preview."""
    window.welcome = QLabel(window)
    window.welcome.setWordWrap(True)
    window.welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
    window.welcome.setTextFormat(Qt.TextFormat.RichText)
    window.table_stack = QStackedWidget(window)
    window.table_stack.addWidget(window.welcome)
    window.table_stack.addWidget(window.table)
    window.preview = PreviewPane(window._explain_row, window)
    window.preview.save_folder = lambda: window.export_panel.folder or str(Path.home())
    window.right_split = QSplitter(Qt.Orientation.Vertical, window)
    top = QWidget(window)
    top_layout = QVBoxLayout(top)
    top_layout.setContentsMargins(0, 0, 0, 0)
    top_layout.addLayout(bar)
    top_layout.addWidget(window.table_stack)
    window.right_split.addWidget(top)
    window.right_split.addWidget(window.preview)
    window.right_split.setStretchFactor(0, 2)
    window.right_split.setStretchFactor(1, 3)
    window.main_split = QSplitter(Qt.Orientation.Horizontal, window)
    window.main_split.addWidget(column)
    window.main_split.addWidget(window.right_split)
    window.main_split.setStretchFactor(1, 1)
    return window.main_split

def make_menus(window: MainWindow) -> None:
    window.file_menu = window.menuBar().addMenu("")
    window.add_key_action = QAction(icon("key"), "", window)
    window.add_key_action.setShortcut(QKeySequence("Ctrl+K"))
    window.add_key_action.triggered.connect(window.keys.choose_key_files)
    window.add_mailbox_action = QAction(icon("mailbox"), "", window)
    window.add_mailbox_action.setShortcut(QKeySequence.StandardKey.Open)
    window.add_mailbox_action.triggered.connect(window.sources.choose_files)
    window.add_folder_action = QAction(icon("folder"), "", window)
    window.add_folder_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
    window.add_folder_action.triggered.connect(window.sources.choose_folder)
    window.export_action = QAction(icon("export"), "", window)
    window.export_action.setShortcut(QKeySequence("Ctrl+E"))
    window.export_action.triggered.connect(window.start_export)
    window.quit_action = QAction("", window)
    window.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    window.quit_action.triggered.connect(window.close)
    for action in (window.add_key_action, window.add_mailbox_action, window.add_folder_action,
                   window.export_action):
        window.file_menu.addAction(action)
    window.file_menu.addSeparator()
    window.file_menu.addAction(window.quit_action)

    window.find_action = QAction("", window)
    window.find_action.setShortcut(QKeySequence.StandardKey.Find)
    window.find_action.triggered.connect(lambda: window.search.setFocus())
    window.addAction(window.find_action)

    window.settings_menu = window.menuBar().addMenu("")
    window.language_menu = window.settings_menu.addMenu("")
    window.language_group = QActionGroup(window)
    window.language_actions: dict[str, QAction] = {}
    for code in ("", "da", "en"):
        action = QAction("", window, checkable=True)
        action.setChecked(code == window.settings.language)
        action.triggered.connect(lambda _c=False, c=code: window.set_language(c))
        window.language_group.addAction(action)
        window.language_menu.addAction(action)
        window.language_actions[code] = action
    window.help_menu = window.menuBar().addMenu("")
    window.about_action = window.help_menu.addAction("")
    window.about_action.triggered.connect(window._about)
