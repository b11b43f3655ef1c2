"""Kill the export with SIGKILL at random moments, resume until done: the same archive."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smime_archiver import cli
from tests.cli.conftest import PASSWORD, pdf_text

ROOT = Path(__file__).resolve().parents[2]


def normalized(out: Path) -> dict:
    data = json.loads((out / "report.json").read_text("utf-8"))
    data.pop("started")
    data.pop("finished")
    return data


def files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and ".smime-archiver" not in p.parts)


def start(argv: list[str]) -> subprocess.Popen:
    env = dict(os.environ, **{cli.PASSWORD_ENV: PASSWORD, "PYTHONPATH": str(ROOT)})
    return subprocess.Popen([sys.executable, "-m", "smime_archiver", *argv], env=env,
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "whole_group"), [(1, True), (2, False)])
def test_sigkill_at_random_points_then_resume_gives_the_same_archive(share, big_box, tmp_path,
                                                                      monkeypatch, seed,
                                                                      whole_group):
    """``whole_group``: the export and its workers die together (a terminal closed, a
    machine stopped); otherwise only the export dies and its workers must end themselves."""
    reference = tmp_path / "reference"
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)
    assert cli.main(["export", "-q", "-k", str(share["p12"]), "-o", str(reference),
                     str(big_box)]) == cli.EXIT_OK
    out = tmp_path / "out"
    rng = random.Random(seed)
    base = ["export", "-q", "-k", str(share["p12"]), "-o", str(out), "--jobs", "2",
            str(big_box)]
    kills = 0
    for attempt in range(40):
        proc = start(base + (["--resume"] if attempt else []))
        if kills < 6:
            _wait_for_a_random_moment(proc, out, rng)
            if proc.poll() is None:
                if whole_group:
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                kills += 1
                continue
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == cli.EXIT_OK, err.decode()
        break
    assert kills >= 3
    assert normalized(out) == normalized(reference)
    assert files(out) == files(reference)
    for m in normalized(out)["messages"]:
        number = m["subject"].split()[-1]
        assert m["status"] == "decrypted"
        assert "Besked nummer" in pdf_text(out / m["pdf"]), number
    leftovers = [p for p in out.rglob("*") if p.name.startswith((".partial", "tmp-", "w-"))]
    assert leftovers == []
    if not whole_group:  # orphaned workers noticed and ended
        deadline = time.monotonic() + 10
        while _orphans(out) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _orphans(out) == []


def _wait_for_a_random_moment(proc: subprocess.Popen, out: Path, rng: random.Random) -> None:
    """Sometimes a random time after the start (start-up, the first messages); mostly the
    moment the journal has grown by a random number of messages, so the kill lands inside
    the work however fast the machine (or the program) is."""
    if rng.random() < 0.4:
        time.sleep(rng.uniform(0.05, 0.6))
        return
    target = _journal_lines(out) + rng.randint(1, 25)
    deadline = time.monotonic() + 120
    while proc.poll() is None and _journal_lines(out) < target and time.monotonic() < deadline:
        time.sleep(0.005)


def _journal_lines(out: Path) -> int:
    try:
        return (out / ".smime-archiver" / "journal.jsonl").read_bytes().count(b"\n")
    except OSError:
        return 0


def _orphans(out: Path) -> list[int]:
    """Worker processes still alive whose command line or files mention ``out``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:  # world-readable even for a non-dumpable process (a forked worker's is ours)
            if str(out).encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
                continue
        except OSError:
            continue
        try:  # a non-dumpable process's fd folder is closed to us: the command line tells
            cwd_files = [os.readlink(fd) for fd in (proc / "fd").iterdir()]
        except OSError:
            continue
        if any(str(out) in f for f in cwd_files):
            found.append(int(proc.name))
    return found
