"""Scanning a generated mailbox: statuses, counts per key, filters, preview, explanations."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QFileDialog

from smime_archiver.model import Status
from tests.gui.conftest import PASSWORD_2012, add_key, load_mail, statuses

EXPECTED = {
    "Krypteret 2013": "decrypted",
    "Nyhedsbrev i HTML": "decrypted",
    "Sendt af mig": "signed",
    "Krypteret 2015": "no_key",
    "Almindelig": "plain",
    "Til Jens": "no_key",
    "Afkortet": "corrupt",
}


def select(qtbot, window, subject: str) -> None:
    for row in range(window.proxy.rowCount()):
        index = window.proxy.index(row, 0)
        if window.proxy.message_row(index).subject == subject:
            with qtbot.waitSignal(window.preview_shown, timeout=20000):
                window.table.selectRow(row)
            return
    raise AssertionError(f"{subject} not in the table")


def test_statuses_counts_and_filters(qtbot, window, world):
    assert window.table_stack.currentWidget() is window.welcome
    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    load_mail(qtbot, window, world["box"])
    assert window.table_stack.currentWidget() is window.table
    assert statuses(window) == EXPECTED
    # sorted by date: the first row is the oldest message
    assert window.proxy.message_row(window.proxy.index(0, 0)).subject == "Krypteret 2013"
    assert window.keys.tree.topLevelItem(0).text(0).endswith(
        "valid 2012-03-01 – 2014-03-01\nopens 2 messages")
    assert "7 messages" in window.status_label.text()

    window.filter_box.setCurrentIndex(3)  # needs another key
    shown = {window.proxy.message_row(window.proxy.index(r, 0)).subject
             for r in range(window.proxy.rowCount())}
    assert shown == {"Krypteret 2015", "Til Jens"}
    window.filter_box.setCurrentIndex(0)
    qtbot.keyClicks(window.search, "jens")
    assert window.proxy.rowCount() == 1
    window.search.clear()
    assert window.proxy.rowCount() == 7


def test_adding_the_other_key_opens_more(qtbot, window, world):
    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    load_mail(qtbot, window, world["box"])
    with qtbot.waitSignal(window.keys.password_requested, timeout=20000) as asked:
        window.keys.add_key_files([str(world["key2014"])])
    qtbot.keyClicks(asked.args[0].password_edit, "Rødgrød-2014")
    with qtbot.waitSignal(window.scan_finished, timeout=30000):
        asked.args[0].accept()
    assert statuses(window)["Krypteret 2015"] == "decrypted"
    opens = sorted(window.keys.tree.topLevelItem(i).text(0).rsplit("\n", 1)[1]
                   for i in range(2))
    assert opens == ["opens 1 message", "opens 2 messages"]


def test_preview_shows_text_status_and_saves_attachments(qtbot, window, world, tmp_path,
                                                        monkeypatch):
    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    load_mail(qtbot, window, world["box"])
    select(qtbot, window, "Krypteret 2013")
    pane = window.preview
    assert pane.subject_label.text() == "Krypteret 2013"
    assert "Hemmelig besked med æøå" in pane.body.toPlainText()
    status = pane.status_text.text()
    assert "Decrypted" in status and "3DES" in status and "nøglefil-2012.p12" in status
    assert pane.attachment_list.count() == 1
    assert pane.attachment_list.item(0).text().startswith("bilag.txt")

    target = tmp_path / "gemt.txt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(pane.attachment_saved, timeout=5000):
        pane.save_button.click()
    assert target.read_bytes() == "Beløb: 1.234,50 kr.\n".encode()


def test_html_preview_loads_nothing_from_outside(qtbot, window, world):
    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    load_mail(qtbot, window, world["box"])
    select(qtbot, window, "Nyhedsbrev i HTML")
    browser = window.preview.body
    assert "Nyhed" in browser.toPlainText()
    refused = set(browser.refused)
    assert "http://tracker.example.invalid/pixel.png" in refused
    image = browser.document().resource(QTextDocument.ResourceType.ImageResource.value,
                                        QUrl("cid:logo@skat.dk"))
    assert image is not None and not image.isNull() and image.width() == 2
    assert not any(u.startswith("cid:") for u in refused)


def test_plain_language_explanations(qtbot, window, world):
    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    load_mail(qtbot, window, world["box"])
    select(qtbot, window, "Krypteret 2015")
    text = window.preview.status_text.text()
    serial = world["me2014"].cert.serial_number
    assert "your certificate from 2014" in text and str(serial) in text
    assert "2014-03-01 to 2016-03-01" in text and "Add the key file from that time" in text
    assert "could not be opened" in window.preview.body.toPlainText()
    assert window.preview.attachment_list.isHidden()

    select(qtbot, window, "Til Jens")
    text = window.preview.status_text.text()
    assert str(world["other"].cert.serial_number) in text
    assert "The mail is from 2013: add the key file you had then." in text

    select(qtbot, window, "Afkortet")
    assert "damaged" in window.preview.status_text.text()


def test_without_keys_encrypted_mail_asks_for_the_key_file(qtbot, window, world):
    load_mail(qtbot, window, world["box"])
    assert statuses(window)["Krypteret 2013"] == Status.NO_KEY.value
    select(qtbot, window, "Krypteret 2013")
    assert "Add your key file" in window.preview.status_text.text()


def test_scanning_again_lets_the_old_scans_go(qtbot, window, world, big_box):
    """Each new scan (a key or a mailbox added) ends the old one; none is kept alive, with
    the key store it held, for the rest of the session."""
    from smime_archiver.ui.scan import ScanThread

    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    load_mail(qtbot, window, big_box)
    for _ in range(3):  # after a finished scan
        with qtbot.waitSignal(window.scan_finished, timeout=30000):
            window.start_scan()
    for _ in range(3):  # while one is running
        window.start_scan()
    with qtbot.waitSignal(window.scan_finished, timeout=30000):
        window.start_scan()
    qtbot.waitUntil(lambda: not window._old_scans
                    and len(window.findChildren(ScanThread)) == 1, timeout=10000)
    assert window.model.rowCount() == 200
