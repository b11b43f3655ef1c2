"""A normal install works: the wheel and the sdist carry what the program needs.

From a clean copy of the source tree (no built ``.qm``, no ``build/``), builds the wheel as
``pip install .`` does, the sdist, and a wheel from that sdist; installs the first into a
fresh virtual environment and runs the demo and the desktop app from there, far from the
source tree, the way a user who installed the package would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

# what the program reads at run time, as the wheel must hold it
RESOURCES = ["fonts/DejaVuSans.ttf", "fonts/DejaVuSansMono.ttf", "fonts/LICENSE-DejaVu.txt",
             "fonts/NotoSansArabic-Regular.ttf", "fonts/wqy-microhei.ttc", "icc/sRGB.icc",
             "icc/LICENSE-sRGB.txt", "icons/app.svg", "icons/status-no-key.svg",
             "translations/smime_archiver_da.po", "translations/gui_da.qm"]
_ANYWHERE = shutil.ignore_patterns("__pycache__", ".*_cache", "*.qm", "_resources")
_AT_TOP = {".git", ".venv", "build", "dist", "demo-output", "fuzz-findings"}


def _not_source(folder: str, names: list[str]) -> set[str]:
    """What a clean checkout does not have: built and cached files, the venv, git."""
    ignored = set(_ANYWHERE(folder, names))
    if Path(folder) == ROOT:
        ignored |= {n for n in names if n in _AT_TOP or n.endswith(".egg-info")}
    return ignored


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(SMIME_ARCHIVER_LANG="en", QT_QPA_PLATFORM="offscreen")
    return env


def _run(args, *, cwd: Path, timeout: int = 600, env=None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env or _env())
    assert proc.returncode == 0, f"{args}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """The wheel (from the tree), the sdist, a wheel built from the sdist, and a fresh venv
    with the first installed."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=_not_source)
    assert not list(src.rglob("*.qm"))  # whatever .qm the wheel has, its build made
    times = {}
    start = time.monotonic()
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "wheel", src],
         cwd=work)
    times["wheel"] = time.monotonic() - start

    venv = work / "venv"
    start = time.monotonic()
    _run([sys.executable, "-m", "venv", venv], cwd=work)
    python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    (wheel,) = (work / "wheel").glob("*.whl")
    _run([python, "-m", "pip", "install", "-q", wheel], cwd=work)
    times["install"] = time.monotonic() - start

    # the sdist with setuptools' own PEP 517 hook (in a throw-away venv: no 'build' needed)
    start = time.monotonic()
    tool = work / "tool-venv"
    _run([sys.executable, "-m", "venv", tool], cwd=work)
    tool_python = tool / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    _run([tool_python, "-m", "pip", "install", "-q", "setuptools>=77"], cwd=work)
    _run([tool_python, "-c", "import sys, setuptools.build_meta as b; "
          "b.build_sdist(sys.argv[1])", work / "sdist"], cwd=src)
    (sdist,) = (work / "sdist").glob("*.tar.gz")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "from-sdist",
          sdist], cwd=work)
    (sdist_wheel,) = (work / "from-sdist").glob("*.whl")
    times["sdist"] = time.monotonic() - start
    print("\n" + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    return {"work": work, "wheel": wheel, "venv": venv, "python": python, "sdist": sdist,
            "sdist_wheel": sdist_wheel}


def _script(built, name: str) -> Path:
    bindir = built["python"].parent
    return bindir / (name + (".exe" if sys.platform == "win32" else ""))


def test_wheel_carries_the_resources(built):
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    missing = [r for r in RESOURCES if f"smime_archiver/_resources/{r}" not in names]
    assert missing == []
    assert not [n for n in names if n.endswith(".ts") or n.startswith("resources/")]
    assert not [n for n in names if "/dist/" in n]  # the frozen app's read-me files stay out


def test_wheel_translations_are_compiled_at_build_time(built):
    """No .qm was in the copied tree: the wheel's one is the build hook's, and it is what
    Qt's own lrelease makes of the .ts."""
    qm = zipfile.ZipFile(built["wheel"]).read("smime_archiver/_resources/translations/gui_da.qm")
    lrelease = shutil.which("pyside6-lrelease") or str(Path(sys.executable).with_name(
        "pyside6-lrelease"))
    out = built["work"] / "lrelease.qm"
    _run([lrelease, "-silent", ROOT / "resources/translations/gui_da.ts", "-qm", out],
         cwd=built["work"])
    assert qm == out.read_bytes()


def test_sdist_builds_the_same_wheel(built):
    with tarfile.open(built["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"setup.py", "scripts/ts2qm.py", "pyproject.toml", "resources/fonts/DejaVuSans.ttf",
            "resources/translations/gui_da.ts", "smime_archiver/resources.py"} <= names
    assert not [n for n in names if n.endswith(".qm")]
    with zipfile.ZipFile(built["wheel"]) as a, zipfile.ZipFile(built["sdist_wheel"]) as b:
        assert {n: a.read(n) for n in a.namelist() if "dist-info" not in n} == {
            n: b.read(n) for n in b.namelist() if "dist-info" not in n}


def test_installed_package_finds_its_resources(built):
    proc = _run([built["python"], "-c",
                 "from smime_archiver.resources import resource_root; print(resource_root())"],
                cwd=built["work"])
    root = Path(proc.stdout.strip())
    assert root.is_relative_to(built["venv"].resolve()) and root.name == "_resources"
    assert all((root / r).is_file() for r in RESOURCES)


def test_installed_demo_makes_pdfs(built, tmp_path):
    out = tmp_path / "demo"
    proc = _run([_script(built, "smime-archiver"), "demo", "--out", out], cwd=tmp_path)
    report = json.loads((out / "pdf" / "report.json").read_text(encoding="utf-8"))
    statuses = [m["status"] for m in report["messages"]]
    assert statuses == ["decrypted", "decrypted", "decrypted", "plain", "no_key"], proc.stdout
    pdfs = sorted((out / "pdf").rglob("*.pdf"))
    assert len(pdfs) == 4 and all(p.stat().st_size > 5000 for p in pdfs)
    first = out / "pdf" / report["messages"][0]["pdf"]
    text = subprocess.run(["pdftotext", str(first), "-"], capture_output=True,
                          check=True).stdout.decode()
    assert "Søndergade 7" in text
    fonts = subprocess.run(["pdffonts", str(first)], capture_output=True, check=True).stdout
    assert b"DejaVuSans" in fonts


def test_installed_gui_starts_in_danish(built, tmp_path):
    env = _env()
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               SMIME_ARCHIVER_STARTUP_PROBE="1")
    proc = _run([_script(built, "smime-archiver-gui")], cwd=tmp_path, env=env, timeout=120)
    assert "first-window-shown" in proc.stdout
    code = ("import sys\n"
            "from PySide6.QtWidgets import QApplication\n"
            "from smime_archiver.ui.app import install_translator\n"
            "app = QApplication([])\n"
            "install_translator(app, 'da')\n"
            "print(QApplication.translate('MainWindow', 'No mail added yet.'))\n"
            # the advice about a message comes from the core's catalogue (texts.py), which
            # install_translator switches too
            "from smime_archiver.i18n import _\n"
            "print(_('This mail is encrypted. Add your key file (the .p12 or .pfx file you "
            "saved from NemID) to open it.'))\n")
    proc = _run([built["python"], "-c", code], cwd=tmp_path, env=env)
    qt_line, core_line = proc.stdout.splitlines()[:2]
    assert qt_line == "Der er ikke tilføjet nogen post endnu.", proc.stderr
    assert core_line.startswith("Denne besked er krypteret."), proc.stderr
    assert "not found" not in proc.stderr
