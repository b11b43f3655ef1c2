"""A full export makes no network connection, not even a name lookup.

Mail that begs to be fetched from the network (remote pictures, CSS ``@import``, web
fonts, a background, frames, links, a tracking pixel; a signed message whose certificate
names CRL/OCSP places) is exported with the command line while every internet socket
and every name lookup is blocked and written down: in this process (monkeypatched), in
forked worker processes (they inherit the patch) and in spawned ones (a
``sitecustomize`` on ``PYTHONPATH`` installs the same guard when they start).  The remote
addresses point at a listening server on 127.0.0.1 as well, which must never be called.
"""

from __future__ import annotations

import socket
import textwrap
import threading
from pathlib import Path

import pytest

from smime_archiver import cli
from tests.support import tools
from tests.support.mailbox import write_mbox
from tests.unit.hostile.conftest import PASSWORD, encrypted, headers

GUARD = textwrap.dedent('''
    import os
    import socket


    def install(set_attr, record):
        """Block internet sockets and name lookups, writing each attempt to ``record``;
        ``set_attr`` is ``setattr`` or pytest's ``monkeypatch.setattr``."""

        def note(what):
            with open(record, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {what}\\n")
            raise OSError("network access is disabled in this test: " + what)

        original_init = socket.socket.__init__

        def guarded_init(self, family=-1, type=-1, proto=0, fileno=None):
            fam = socket.AF_INET if family == -1 else family
            if fileno is None and fam in (socket.AF_INET, socket.AF_INET6):
                note(f"socket(family={fam})")
            original_init(self, family, type, proto, fileno)

        set_attr(socket.socket, "__init__", guarded_init)
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr",
                     "create_connection"):
            def blocked(*args, _name=name, **kwargs):
                note(f"{_name}{args[:2]!r}")
            set_attr(socket, name, blocked)


    if __name__ == "sitecustomize" and os.environ.get("SMIME_NETGUARD_RECORD"):
        install(setattr, os.environ["SMIME_NETGUARD_RECORD"])
''')


class _Listener:
    """A TCP server on 127.0.0.1 that counts connections (none may come)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.server.close()


def _html(port: int) -> str:
    here = f"http://127.0.0.1:{port}"
    return f"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="{here}/style.css"><link rel="icon" href="{here}/favicon.ico">
<style>@import url("{here}/import.css"); @import "https://cdn.example.com/more.css";
@font-face {{ font-family: Web; src: url({here}/font.woff2) format("woff2"),
  url(https://fonts.example.com/f.ttf); }}
body {{ font-family: Web; background: url({here}/bg.png) }}</style>
<script src="{here}/tracker.js"></script></head>
<body background="{here}/body.png">
<p>Nyhedsbrev med <a href="{here}/link">et link</a> og <a href="https://borger.dk">et til</a>.</p>
<img src="{here}/pixel.gif" width="1" height="1"><img src="https://tracker.example.com/p.gif">
<img srcset="{here}/a.png 1x, {here}/b.png 2x" src="//cdn.example.com/c.png">
<iframe src="{here}/frame.html"></iframe><object data="{here}/x.swf"></object>
<video poster="{here}/poster.jpg" src="{here}/v.mp4"></video><audio src="{here}/a.mp3"></audio>
<table background="{here}/t.png"><tr><td style="background-image:url({here}/td.png)">
celle</td></tr></table><form action="{here}/post"><input type="image" src="{here}/in.png">
</form></body></html>"""


@pytest.fixture
def listener():
    server = _Listener()  # made before the guard: it is the test's own socket
    yield server
    server.close()


@pytest.fixture
def guarded(listener, tmp_path, monkeypatch):
    """Guard installed here and in every process started from here; yields the record."""
    record = tmp_path / "network-attempts.txt"
    record.write_text("", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    monkeypatch.setenv("SMIME_NETGUARD_RECORD", str(record))
    monkeypatch.setenv("PYTHONPATH", str(site))
    namespace: dict = {"__name__": "netguard"}  # defines install() without running it
    exec(compile(GUARD, "guard", "exec"), namespace)
    namespace["install"](monkeypatch.setattr, str(record))  # undone after the test
    yield record


def _try_to_connect(port: int) -> str:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as e:
        return str(e)
    return "connected"


def test_the_guard_works_here_and_in_forked_and_spawned_processes(guarded, listener):
    import multiprocessing as mp

    with pytest.raises(OSError, match="disabled"):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    socket.socketpair()[0].close()  # local pipes between processes stay allowed
    for method in ("fork", "spawn"):
        with mp.get_context(method).Pool(1) as pool:
            assert "disabled" in pool.apply(_try_to_connect, (listener.port,))
    lines = guarded.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and len({line.split()[0] for line in lines}) == 3  # 3 processes
    assert listener.connections == 0


@pytest.mark.parametrize("jobs, method", [("1", "fork"), ("2", "fork"), ("2", "spawn")])
def test_a_full_export_of_remote_content_touches_no_network(key_file, listener, guarded,
                                                           tmp_path, jobs, method,
                                                           monkeypatch, capfd):
    _run_everything(key_file, tmp_path, listener.port, jobs, method, monkeypatch)
    attempts = guarded.read_text(encoding="utf-8")
    assert attempts == "", attempts
    assert listener.connections == 0
    assert "Traceback" not in capfd.readouterr().err


def _run_everything(key_file, tmp_path: Path, port: int, jobs: str, method: str, m) -> None:
    me = key_file.identity
    html = _html(port).encode()
    mails = [
        headers("Nyhedsbrev", minute=1) + b"MIME-Version: 1.0\nContent-Type: text/html; "
        b"charset=utf-8\n\n" + html,
        headers("Krypteret nyhedsbrev", minute=2) + encrypted(
            me, b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html),
        headers("Underskrevet", minute=3) + tools.cms_sign(
            b"Content-Type: text/plain\r\n\r\nSe http://127.0.0.1:%d/crl\r\n" % port, me,
            detached=True),
    ]
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(write_mbox(mails))
    m.setenv(cli.PASSWORD_ENV, PASSWORD)
    out = tmp_path / f"out-{jobs}-{method}"
    code = cli.main(["export", "--quiet", "--jobs", jobs, "--start-method", method, "--eml",
                     "--attachments", "--key", str(key_file.path), "--out", str(out), str(box)])
    assert code == cli.EXIT_OK
    assert len(list(out.rglob("*.pdf"))) == 3
    assert cli.main(["inspect", "--jobs", jobs, "--start-method", method, "--key",
                     str(key_file.path), str(box)]) == cli.EXIT_OK
    assert cli.main(["keys", str(key_file.path)]) == cli.EXIT_OK
