"""Passwords and PINs never in ``ps`` (no option for them), the log (``--verbose``,
``--log``), the journal, the reports, temporary files or the output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from smime_archiver import cli
from smime_archiver.cli.parser import build_parser
from tests.support import tools

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Hemmeligt-Kodeord-9Zq4"
WRONG = ["483920", "Forkert-PIN-7716", "pin-1234-5678"]


def option_strings(parser) -> set[str]:
    found = set(parser._option_string_actions)
    for action in parser._actions:
        choices = getattr(action, "choices", None)
        for sub in (choices.values() if isinstance(choices, dict) else ()):
            if hasattr(sub, "_option_string_actions"):
                found |= option_strings(sub)
    return found


def test_no_option_takes_a_password_or_pin_on_the_command_line():
    options = option_strings(build_parser())
    assert "--password-file" in options
    secret = {o for o in options if any(w in o for w in ("pass", "pin", "secret"))}
    assert secret == {"--password-file"}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_password_and_pins_are_nowhere_in_what_the_export_leaves(pki, tmp_path, jobs):
    me = pki.identity("secret-me", cn="Hemmelig Person")
    p12 = tools.p12_export(me, tmp_path / "nøgle.p12", PASSWORD)
    enc = tools.cms_encrypt(b"Content-Type: text/plain\r\n\r\nTophemmelig tekst\r\n", [me],
                            "aes256", smime=True)
    box = tmp_path / "mail"
    box.mkdir()
    for i in range(4):
        (box / f"b{i}.eml").write_bytes(
            f"From: a@example.dk\nTo: b@example.dk\nSubject: Krypteret {i}\n"
            f"Message-ID: <p{i}@x>\n".encode() + enc)
    passwords = tmp_path / "kodeord.txt"
    passwords.write_text("\n".join([*WRONG, PASSWORD]) + "\n", encoding="utf-8")
    out, log = tmp_path / "out", tmp_path / "run.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(tmp_path / "tmp"),
               **{cli.PASSWORD_ENV: WRONG[0]})
    (tmp_path / "tmp").mkdir()
    argv = [sys.executable, "-m", "smime_archiver", "--verbose", "--log", str(log), "export",
            "--key", str(p12), "--password-file", str(passwords), "--jobs", jobs,
            "--eml", "--out", str(out), str(box)]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes() if sys.platform.startswith(
        "linux") else b""
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr.decode()
    assert len(list(out.rglob("*.pdf"))) == 4  # the key was opened with the password
    written = [p for p in [*out.rglob("*"), log, *(tmp_path / "tmp").rglob("*")]
               if p.is_file()]
    assert any(p.name == "journal.jsonl" for p in written)
    for secret in (PASSWORD, *WRONG):
        for form in {secret.encode(), secret.encode("utf-16-le")}:
            for name, data in [("ps", cmdline), ("stdout", stdout), ("stderr", stderr),
                               *((str(p), p.read_bytes()) for p in written)]:
                assert form not in data, f"{secret!r} in {name}"
