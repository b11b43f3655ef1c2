"""GUI fixtures: a generated NemID-like world (key files, one mailbox of every kind), a
window with an in-memory keyring and temporary settings, and the built Danish catalogue."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from smime_archiver.resources import resource_path
from smime_archiver.secrets import PasswordVault
from smime_archiver.settings import SettingsStore
from tests.support import tools
from tests.support.memory_keyring import MemoryKeyring

PASSWORD_2012 = "Blåbærgrød-2012"
PASSWORD_2014 = "Rødgrød-2014"
UTC = dt.timezone.utc


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A tiny real PNG."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def mbox(messages: list[bytes]) -> bytes:
    out = []
    for msg in messages:
        lines = msg.replace(b"\r\n", b"\n").split(b"\n")
        lines = [b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in lines]
        out.append(b"From sender@example.dk Mon Mar  4 10:00:00 2013\n")
        out.append(b"\n".join(lines).rstrip(b"\n") + b"\n\n")
    return b"".join(out)


def headers(subject: str, date: str, to: str = "karen@example.dk",
            sender: str = "Skat <skat@example.dk>") -> bytes:
    return (f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\n"
            f"Message-ID: <{abs(hash(subject))}@example.dk>\nMIME-Version: 1.0\n").encode()


def text_entity(text: str) -> bytes:
    return ("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n").encode()


def with_attachment(text: str, name: str, data: bytes) -> bytes:
    b = "graense42"
    return (f'Content-Type: multipart/mixed; boundary="{b}"\r\n\r\n--{b}\r\n'.encode()
            + text_entity(text)
            + f'--{b}\r\nContent-Type: text/plain; name="{name}"\r\nContent-Disposition: '
              f'attachment; filename="{name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
              .encode()
            + base64.encodebytes(data) + f"--{b}--\r\n".encode())


def html_entity(image: bytes) -> bytes:
    b = "rel42"
    page = ('<html><body><h1>Nyhed</h1><p>Se logoet: <img src="cid:logo@skat.dk"></p>'
            '<p>Sporing: <img src="http://tracker.example.invalid/pixel.png"></p>'
            '<link rel="stylesheet" href="https://cdn.example.invalid/s.css">'
            "</body></html>")
    return (f'Content-Type: multipart/related; boundary="{b}"\r\n\r\n--{b}\r\n'
            "Content-Type: text/html; charset=utf-8\r\n\r\n".encode()
            + page.encode() + f"\r\n--{b}\r\nContent-Type: image/png\r\n"
              "Content-ID: <logo@skat.dk>\r\nContent-Disposition: inline\r\n"
              "Content-Transfer-Encoding: base64\r\n\r\n".encode()
            + base64.encodebytes(image) + f"--{b}--\r\n".encode())


@pytest.fixture(scope="session")
def world(pki, tmp_path_factory):
    """Karen's key files from 2012 and 2014, and a mailbox with one message of each kind."""
    d = tmp_path_factory.mktemp("gui-world")
    me2012 = pki.identity("gui-me-2012", cn="Karen Ærø Østergård",
                          not_before=dt.datetime(2012, 3, 1, tzinfo=UTC),
                          not_after=dt.datetime(2014, 3, 1, tzinfo=UTC))
    me2014 = pki.identity("gui-me-2014", cn="Karen Ærø Østergård",
                          not_before=dt.datetime(2014, 3, 1, tzinfo=UTC),
                          not_after=dt.datetime(2016, 3, 1, tzinfo=UTC))
    other = pki.identity("gui-other", cn="Jens Åkjær")
    key2012 = tools.p12_export(me2012, d / "nøglefil-2012.p12", PASSWORD_2012, legacy=True)
    key2014 = tools.p12_export(me2014, d / "nøglefil-2014.p12", PASSWORD_2014, legacy=False)
    enc = tools.cms_encrypt(with_attachment("Hemmelig besked med æøå", "bilag.txt",
                                            "Beløb: 1.234,50 kr.\n".encode()),
                            [me2012], "des3", smime=True)
    enc_html = tools.cms_encrypt(html_entity(png()), [me2012], "aes256", smime=True)
    sent = tools.cms_sign(text_entity("Tak for brevet."), me2014, detached=True)
    enc2014 = tools.cms_encrypt(text_entity("Svar fra 2015"), [me2014], "aes128", smime=True)
    for_jens = tools.cms_encrypt(text_entity("Ikke til dig"), [other], "aes128", smime=True)
    messages = [
        headers("Krypteret 2013", "Mon, 4 Mar 2013 10:15:00 +0100") + enc,
        headers("Nyhedsbrev i HTML", "Tue, 5 Mar 2013 10:15:00 +0100") + enc_html,
        headers("Sendt af mig", "Wed, 4 Jun 2014 09:00:00 +0200", to="skat@example.dk",
                sender="Karen <karen@example.dk>") + sent,
        headers("Krypteret 2015", "Mon, 2 Feb 2015 08:00:00 +0100") + enc2014,
        headers("Almindelig", "Sat, 1 Jun 2013 12:00:00 +0200")
        + b"Content-Type: text/plain\n\nFrom the start, plain.\n",
        headers("Til Jens", "Mon, 1 Jul 2013 12:00:00 +0200", to="jens@example.dk") + for_jens,
        headers("Afkortet", "Tue, 2 Jul 2013 12:00:00 +0200") + enc[: len(enc) // 2],
    ]
    box = d / "Indbakke"
    box.write_bytes(mbox(messages))
    damaged_key = d / "ødelagt.p12"
    damaged_key.write_bytes(key2012.read_bytes()[:300])
    return {"dir": d, "key2012": key2012, "key2014": key2014, "box": box,
            "damaged_key": damaged_key, "me2014": me2014, "other": other}


@pytest.fixture(scope="session")
def big_box(tmp_path_factory) -> Path:
    """200 small plain messages: an export long enough to cancel half-way."""
    d = tmp_path_factory.mktemp("gui-big")
    messages = [headers(f"Brev nummer {i}", "Mon, 4 Mar 2013 10:15:00 +0100")
                + b"Content-Type: text/plain; charset=utf-8\n\n"
                + f"Indhold {i} med æøå.\n".encode() for i in range(200)]
    path = d / "Mange.mbox"
    path.write_bytes(mbox(messages))
    return path


@pytest.fixture(scope="session")
def qm_dir(tmp_path_factory) -> Path:
    """The Danish catalogue built from the committed .ts by pyside6-lrelease."""
    out = tmp_path_factory.mktemp("qm")
    lrelease = shutil.which("pyside6-lrelease") or str(Path(sys.executable).with_name(
        "pyside6-lrelease"))
    subprocess.run([lrelease, "-silent", str(resource_path("translations", "gui_da.ts")),
                    "-qm", str(out / "gui_da.qm")], check=True)
    return out


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def vault(keyring_backend) -> PasswordVault:
    return PasswordVault(keyring_backend)


@pytest.fixture
def settings_store(tmp_path) -> SettingsStore:
    return SettingsStore(tmp_path / "config" / "settings.json")


class Opener:
    def __init__(self) -> None:
        self.opened: list[str] = []

    def __call__(self, path: str) -> bool:
        self.opened.append(path)
        return True


@pytest.fixture
def opener() -> Opener:
    return Opener()


@pytest.fixture
def make_window(qtbot, qapp, qm_dir, settings_store, vault, opener):
    from smime_archiver.ui.app import install_translator
    from smime_archiver.ui.main_window import MainWindow

    qapp._smime_qm_dir = qm_dir
    made = []

    def make(store: SettingsStore = settings_store, vault: PasswordVault = vault, places=None):
        install_translator(qapp, store.load().language or "en")
        window = MainWindow(store, vault, places=places or (lambda: []), opener=opener)
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
    install_translator(qapp, "en")


@pytest.fixture
def window(make_window):
    return make_window()


def add_key(qtbot, window, path, password, *, remember: bool = False) -> None:
    """Add a key file through the panel, answering the password dialog like a user."""
    from PySide6.QtCore import Qt

    with qtbot.waitSignal(window.keys.password_requested, timeout=20000) as asked:
        window.keys.add_key_files([str(path)])
    dialog = asked.args[0]
    qtbot.keyClicks(dialog.password_edit, password)
    if remember:
        dialog.remember_box.setChecked(True)
    with qtbot.waitSignal(window.keys.keys_changed, timeout=20000):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)


def load_mail(qtbot, window, *paths) -> None:
    with qtbot.waitSignal(window.scan_finished, timeout=30000):
        window.sources.add_sources([str(p) for p in paths])


def statuses(window) -> dict[str, str]:
    return {row.subject: row.status.value for row in window.model.rows}


def true_refs_lost_per_emit(emits: int = 50) -> int:
    """How many references to ``True`` one ``Signal.emit()`` loses (0 on a good PySide6).

    PySide6 6.12.0 on Python 3.10/3.11 loses one per emit; the interpreter aborts
    (SIGABRT, "bool_dealloc") when the count reaches zero. Few enough emits here that
    this cannot happen, so a test can fail with a message instead of killing pytest.
    """
    import PySide6
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal(int, object)

    probe = Probe()
    probe.ping.connect(lambda _n, _o: None)
    before = sys.getrefcount(True)
    for i in range(emits):
        probe.ping.emit(i, None)
    lost = before - sys.getrefcount(True)
    assert lost % emits == 0, f"PySide6 {PySide6.__version__}: {lost} lost in {emits} emits"
    return lost // emits
