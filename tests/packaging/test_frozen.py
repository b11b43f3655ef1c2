"""The PyInstaller one-folder app works, not only the source: built once per test session.

Builds ``build.spec`` into a temporary folder and drives the frozen executables the way a
user would: ``--version``, the demo, an export of a generated mailbox with a generated key
file, and the GUI started offscreen for a few seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.support import tools

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def frozen_app(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("pyinstaller")
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
         str(ROOT / "build.spec")],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    app = work / "dist" / "smime-archiver"
    size = sum(f.stat().st_size for f in app.rglob("*") if f.is_file() and not f.is_symlink())
    print(f"\nPyInstaller build: {time.monotonic() - start:.1f} s, {size / 1e6:.0f} MB")
    return app


def _exe(app: Path, name: str) -> str:
    return str(app / (name + (".exe" if sys.platform == "win32" else "")))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["SMIME_ARCHIVER_LANG"] = "en"
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_one_folder_layout(frozen_app):
    assert Path(_exe(frozen_app, "smime-archiver")).is_file()
    assert Path(_exe(frozen_app, "smime-archiver-gui")).is_file()
    internal = frozen_app / "_internal"
    assert (internal / "resources" / "fonts" / "DejaVuSans.ttf").is_file()
    assert list((internal / "resources" / "fonts").glob("LICENSE*"))
    assert (internal / "resources" / "translations" / "smime_archiver_da.po").is_file()
    assert list(internal.glob("reportlab/fonts/*"))  # ReportLab's own data
    # the .pst reader and its licence (LGPL-3.0+)
    assert list(internal.glob("pypff*"))
    assert list(internal.glob("libpff_python-*.dist-info/licenses/COPYING.LESSER"))
    assert list(internal.glob("pkcs11/_pkcs11*"))  # the PKCS#11 binding for hardware tokens


def test_version_is_quick(frozen_app):
    start = time.monotonic()
    proc = subprocess.run([_exe(frozen_app, "smime-archiver"), "--version"],
                          capture_output=True, text=True, env=_env(), timeout=60)
    elapsed = time.monotonic() - start
    from smime_archiver import __version__

    assert proc.returncode == 0
    assert proc.stdout.strip() == f"smime-archiver {__version__}"
    print(f"\nfrozen --version: {elapsed * 1000:.0f} ms")


def test_frozen_demo(frozen_app, tmp_path):
    proc = subprocess.run([_exe(frozen_app, "smime-archiver"), "demo", "--out",
                           str(tmp_path / "demo")], capture_output=True, text=True,
                          env=_env(), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(list((tmp_path / "demo").rglob("*.pdf"))) == 4


def test_frozen_export_of_generated_mailbox(frozen_app, pki, tmp_path):
    me = pki.identity("frozen-me", cn="Åse Ørsted")
    p12 = tools.p12_export(me, tmp_path / "nøgle.p12", "hemmelig-æøå", legacy=True)
    body = "Content-Type: text/plain; charset=utf-8\r\n\r\nFrossen hilsen æøå\r\n".encode()
    enc = tools.cms_encrypt(body, [me], "aes256", smime=True)
    msg = b"From: a@example.dk\nSubject: Frossen\nDate: Mon, 4 Mar 2013 10:00:00 +0100\n" + enc
    box = tmp_path / "box.mbox"
    box.write_bytes(b"From a@example.dk Mon Mar  4 10:00:00 2013\n" + msg.replace(b"\r\n", b"\n")
                    + b"\n")
    out = tmp_path / "out"
    env = _env()
    env["SMIME_ARCHIVER_PASSWORD"] = "hemmelig-æøå"
    proc = subprocess.run([_exe(frozen_app, "smime-archiver"), "export", "--key", str(p12),
                           "--out", str(out), str(box)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(next(out.rglob("report.json")).read_text(encoding="utf-8"))
    (message,) = report["messages"]
    assert message["status"] == "decrypted"
    pdf = next(out.rglob(message["pdf"].split("/")[-1]))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    assert "Frossen hilsen æøå" in text


def test_frozen_gui_starts_offscreen(frozen_app, tmp_path):
    env = _env()
    env["HOME"] = str(tmp_path)  # fresh settings
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    # Time to the first window, reported by the app itself, then it quits.
    start = time.monotonic()
    probe = subprocess.run([_exe(frozen_app, "smime-archiver-gui")],
                           env={**env, "SMIME_ARCHIVER_STARTUP_PROBE": "1"},
                           capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - start
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert "first-window-shown" in probe.stdout
    print(f"\nfrozen GUI, time to first window: {elapsed * 1000:.0f} ms")
    assert_good_pyside(probe.stdout)
    # And it stays up for a few seconds like a real session.
    proc = subprocess.Popen([_exe(frozen_app, "smime-archiver-gui")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(4)
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def assert_good_pyside(probe_output: str) -> None:
    """The frozen GUI runs on the PySide6 the project's requirements allow (not 6.12.0,
    which aborts after a few thousand signals), the one this environment has, with its
    own shiboken6 and Qt."""
    import PySide6

    line = next(ln for ln in probe_output.splitlines() if ln.startswith("PySide6 "))
    fields = line.split()
    bundled = dict(zip(fields[::2], fields[1::2], strict=True))
    pins = [Requirement(d) for d in requires("smime-archiver") or []]
    (pin,) = [r for r in pins if r.name.lower() == "pyside6-essentials"]
    assert pin.specifier.contains(bundled["PySide6"]), (line, str(pin))
    assert bundled["PySide6"] == PySide6.__version__
    assert bundled["shiboken6"] == bundled["PySide6"]
    assert bundled["Qt"] == ".".join(bundled["PySide6"].split(".")[:3])


def test_frozen_app_reads_an_outlook_data_file(frozen_app, tmp_path):
    """pypff is in the frozen app: a real .pst is read, its calendar item, contact and
    distribution list archived as pages, its free/busy data skipped and counted."""
    real = ROOT.parent / "shared" / "realmail"
    out = tmp_path / "out"
    env = _env()
    env["SMIME_ARCHIVER_PASSWORD"] = "smime1"
    proc = subprocess.run([_exe(frozen_app, "smime-archiver"), "export", "--key",
                           str(real / "outlook-hmailserver/certs/smime-1-secret.pfx"),
                           "--out", str(out), str(real / "pst/java-libpst-dist-list.pst")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert sorted(m["kind"] for m in report["messages"]) == ["appointment", "contact",
                                                            "distribution_list"]
    assert report["summary"]["hidden_items_skipped"]["total"] == 1
    appt = next(m for m in report["messages"] if m["kind"] == "appointment")
    text = subprocess.run(["pdftotext", str(out / appt["pdf"]), "-"], capture_output=True,
                          check=True).stdout.decode()
    assert "Test appointment" in text and "(UTC-07:00)" in text
