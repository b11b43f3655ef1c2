"""Real mail that other programs wrote (``../shared/realmail/``), checked by its own check.sh.

Runs ``../shared/realmail/check.sh .venv/bin/smime-archiver <scratch>`` from the repository's
root with the ``smime-archiver`` installed beside the interpreter running the tests: every
Thunderbird/NSS, OpenSSL and pyca record as its MANIFEST says, every Outlook 16 and
Thunderbird 128 message with the status its name says, every item of the real .pst/.ost
files accounted for.  Any wrong outcome on real material fails this test, with check.sh's
lines naming each file and what went wrong.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REALMAIL = ROOT.parent / "shared" / "realmail"
CHECK = REALMAIL / "check.sh"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHECK.is_file(),
                       reason=f"no real-client mail here: {CHECK} does not exist (it is "
                              "../shared/realmail/ beside the repository wherever the suite "
                              "runs on the project's machines)"),
]


def test_real_client_mail_has_no_wrong_outcome(tmp_path):
    tool = Path(sys.executable).parent / ("smime-archiver" + (".exe" if os.name == "nt" else ""))
    assert tool.is_file(), f"no smime-archiver installed beside {sys.executable}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    start = time.monotonic()
    proc = subprocess.run(
        ["bash", os.path.relpath(CHECK, ROOT), os.path.relpath(tool, ROOT),
         str(tmp_path / "scratch")],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=env,
    )
    lines = proc.stdout.strip().splitlines()
    summary = lines[-1] if lines else "(check.sh printed nothing)"
    print(f"\nrealmail check.sh: {summary} in {time.monotonic() - start:.0f} s")
    wrong = "\n".join(lines[:-1]) + (("\n" + proc.stderr[-2000:]) if proc.stderr else "")
    assert re.fullmatch(r"\d+ passed, 0 failed", summary) and proc.returncode == 0, (
        f"real-client mail: {summary} (exit {proc.returncode}); each wrong outcome:\n{wrong}")
