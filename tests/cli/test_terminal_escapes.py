"""Escape sequences from input never reach the terminal or the log raw: a mail file named
with an OSC 52 sequence (writes the terminal's clipboard), a subject that clears the screen,
a C1 CSI and a bidi override in the sender."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
RAW = (b"\x1b", b"\x07", "\u009b".encode(), "\u202e".encode())


def hostile_folder(d: Path) -> Path:
    mail = d / "mail"
    mail.mkdir()
    (mail / f"{OSC52}besked.eml").write_bytes(
        b"From: =?utf-8?q?Skat_=E2=80=AE_=C2=9B31m?= <skat@example.dk>\n"
         b"To: soren@example.dk\nSubject: =?utf-8?q?=1B[2J_Ryd_sk=C3=A6rmen?=\n"
         b"Date: Mon, 4 Mar 2013 10:15:00 +0100\nMessage-ID: <e1@x>\n"
         b"Content-Type: text/plain; charset=utf-8\n\nHej.\n")
    # not mail at all: its error line names the file
    (mail / f"{OSC52}\x1b[2Jskrald.eml").write_bytes(b"\x00\x01\x02 not a message " * 50)
    (mail / "emne.eml").write_bytes(
        b"From: a@example.dk\nSubject: \x1b]0;title\x07 \x1b[2J\nMessage-ID: <e2@x>\n"
        b"Content-Type: text/plain\n\nHej igen.\n")
    return mail


def run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "smime_archiver", *argv], cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
                          timeout=180)


def assert_clean(name: str, data: bytes) -> None:
    for raw in RAW:
        assert raw not in data, f"{raw!r} raw in {name}: {data[:2000]!r}"


@pytest.mark.timeout(300)
def test_export_and_inspect_show_input_escaped(tmp_path):
    mail = hostile_folder(tmp_path)
    log = tmp_path / "run.log"
    out = tmp_path / "out"
    done = run(["--verbose", "--log", str(log), "export", "--out", str(out), str(mail)])
    assert done.returncode in (0, 3), done.stderr.decode()
    for name, data in (("stdout", done.stdout), ("stderr", done.stderr),
                       ("log", log.read_bytes())):
        assert_clean(name, data)
    shown = done.stdout + done.stderr
    assert b"\\x1b]52;c;ZXZpbA==\\x07" in shown  # the file name is there, escaped
    assert b"\\x1b]52" in log.read_bytes()
    for argv in (["inspect", str(mail)], ["inspect", "--json", str(mail)]):
        looked = run(argv)
        assert looked.returncode == 0, looked.stderr.decode()
        assert_clean(" ".join(argv[:2]), looked.stdout + looked.stderr)
        assert b"\\x1b" in looked.stdout or b"\\u001b" in looked.stdout
