"""The output folder is ours alone (issue 15): links, a second export, leftovers of a killed
run, output folders inside the input, and one permission policy.

Real exports through ``cli.main`` (and, for the kill, ``python -m smime_archiver`` in a
subprocess killed with SIGKILL) on generated mailboxes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from smime_archiver import cli
from smime_archiver.archive import safefs
from smime_archiver.archive.journal import JOURNAL_NAME, STATE_DIR
from smime_archiver.archive.lock import OutputLock
from smime_archiver.errors import OutputError
from tests.support.mailbox import write_mbox
from tests.unit.hostile.conftest import PASSWORD, encrypted, headers
from tests.unit.hostile.test_files import _with_attachments

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX links and modes")


def _export(key_file, out: Path, *inputs: Path, extra: tuple[str, ...] = ()) -> int:
    os.environ[cli.PASSWORD_ENV] = PASSWORD
    try:
        return cli.main(["--lang", "en", "export", "--quiet", "--jobs", "1", "--key",
                         str(key_file.path), "--out", str(out), *extra, *map(str, inputs)])
    finally:
        del os.environ[cli.PASSWORD_ENV]


def _box(tmp_path: Path, n: int = 3, name: str = "Indbakke.mbox") -> Path:
    box = tmp_path / name
    box.write_bytes(write_mbox([headers(f"Besked {i}", minute=i % 60, mid=f"m{i}")
                                + f"\nteksten {i}\n".encode() for i in range(n)]))
    return box


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim"
    (victim / "tmp-precious").mkdir(parents=True)
    (victim / "tmp-precious" / "data").write_bytes(b"precious")
    (victim / "file").write_bytes(b"precious")
    return victim


def _untouched(victim: Path) -> None:
    assert sorted(p.name for p in victim.iterdir()) == ["file", "tmp-precious"]
    assert (victim / "file").read_bytes() == b"precious"
    assert (victim / "tmp-precious" / "data").read_bytes() == b"precious"


# --- 1. nothing is written, renamed or removed through a link ---------------------------------

@pytest.mark.parametrize("resume", [False, True])
def test_a_state_folder_that_is_a_link_is_refused(key_file, tmp_path, capsys, resume):
    victim = _victim(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / STATE_DIR).symlink_to(victim, target_is_directory=True)
    extra = ("--resume",) if resume else ()
    assert _export(key_file, out, _box(tmp_path), extra=extra) == cli.EXIT_FATAL
    err = capsys.readouterr().err
    assert f"{out / STATE_DIR} is a link to another place" in err
    assert "Remove the link or choose another output folder" in err
    _untouched(victim)  # its tmp-* folder was removed before issue 15, a journal written
    assert not list(out.glob("**/*.pdf"))


@pytest.mark.parametrize("resume", [False, True])
def test_a_journal_that_is_a_link_is_refused(key_file, tmp_path, capsys, resume):
    victim = _victim(tmp_path)
    out = tmp_path / "out"
    (out / STATE_DIR).mkdir(parents=True)
    (out / STATE_DIR / JOURNAL_NAME).symlink_to(victim / "file")
    extra = ("--resume",) if resume else ()
    assert _export(key_file, out, _box(tmp_path), extra=extra) == cli.EXIT_FATAL
    assert f"{JOURNAL_NAME} is a link to another place" in capsys.readouterr().err
    _untouched(victim)


def test_an_attachments_folder_swapped_for_a_link_before_resume(key_file, tmp_path, capsys):
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(write_mbox([headers("Bilag", minute=3)
                                + encrypted(key_file.identity, _with_attachments(["a.txt"]))]))
    out = tmp_path / "out"
    assert _export(key_file, out, box, extra=("--attachments",)) == cli.EXIT_OK
    [folder] = (out / "Indbakke").glob("*_attachments")
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()
    victim = _victim(tmp_path)
    folder.symlink_to(victim, target_is_directory=True)
    code = _export(key_file, out, box, extra=("--attachments", "--resume"))
    assert code == cli.EXIT_FATAL
    assert f"{folder} is a link to another place" in capsys.readouterr().err
    _untouched(victim)  # before issue 15 the attachment was written into it


def test_a_tmp_folder_that_is_a_link_is_not_removed_through(key_file, tmp_path, capsys):
    victim = _victim(tmp_path)
    out = tmp_path / "out"
    (out / STATE_DIR).mkdir(parents=True)
    (out / STATE_DIR / "tmp-old").symlink_to(victim / "tmp-precious", target_is_directory=True)
    assert _export(key_file, out, _box(tmp_path)) == cli.EXIT_FATAL
    assert "tmp-old is a link to another place" in capsys.readouterr().err
    _untouched(victim)


def test_remove_tree_and_make_dirs_never_follow_a_link(tmp_path):
    victim = _victim(tmp_path)
    (tmp_path / "ours").mkdir()
    (tmp_path / "ours" / "link").symlink_to(victim, target_is_directory=True)
    with pytest.raises(OutputError, match="is a link to another place"):
        safefs.remove_tree(tmp_path / "ours" / "link")
    with pytest.raises(OutputError, match="is a link to another place"):
        safefs.make_dirs(tmp_path / "ours", "link/sub")
    safefs.remove_tree(tmp_path / "ours")  # the link inside goes, never what it leads to
    assert not (tmp_path / "ours").exists()
    _untouched(victim)


def test_a_windows_reparse_point_counts_as_a_link():
    """The Windows code path (junctions) cannot run here: its test of the attributes only."""
    def st(attributes: int, tag: int | None = None) -> types.SimpleNamespace:
        found = types.SimpleNamespace(st_mode=stat.S_IFDIR | 0o700,
                                      st_file_attributes=attributes)
        if tag is not None:
            found.st_reparse_tag = tag
        return found

    assert safefs._is_link_stat(st(0x410, 0xA0000003))  # type: ignore[arg-type]  # junction
    assert safefs._is_link_stat(st(0x410, 0xA000000C))  # type: ignore[arg-type]  # symlink
    assert safefs._is_link_stat(st(0x410))  # type: ignore[arg-type]  # tag unknown
    assert not safefs._is_link_stat(st(0x410, 0x9000601A))  # type: ignore[arg-type]  # OneDrive
    assert not safefs._is_link_stat(st(0x10))  # type: ignore[arg-type]  # a folder


# --- 2. one export at a time -------------------------------------------------------------------

_HOLD = """
import sys, time
from pathlib import Path
from smime_archiver.archive.lock import OutputLock
OutputLock(Path(sys.argv[1]), Path(sys.argv[2]))
print("locked", flush=True)
time.sleep(600)
"""


def test_a_second_export_into_the_folder_stops_and_names_the_holder(key_file, tmp_path,
                                                                     capsys):
    out = tmp_path / "out"
    (out / STATE_DIR).mkdir(parents=True)
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(out / STATE_DIR), str(out)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        box = _box(tmp_path)
        assert _export(key_file, out, box) == cli.EXIT_FATAL
        err = capsys.readouterr().err
        assert f"process {holder.pid} on {socket.gethostname()}" in err
        assert "Another export is writing into" in err
        assert not list(out.glob("**/*.pdf"))
        holder.send_signal(signal.SIGKILL)  # a holder killed with -9 leaves no stale lock
        holder.wait(30)
        assert _export(key_file, out, box) == cli.EXIT_OK
        assert len(list(out.glob("**/*.pdf"))) == 3
    finally:
        holder.kill()
        holder.wait(30)


def test_the_lock_is_released_and_not_kept_by_forked_workers(tmp_path):
    state = tmp_path / STATE_DIR
    state.mkdir()
    lock = OutputLock(state, tmp_path)
    with pytest.raises(OutputError, match=f"process {os.getpid()} on"):
        OutputLock(state, tmp_path)  # also within one process (the GUI's second job)
    child = os.fork()
    if child == 0:  # a worker process: it must not keep the folder locked
        time.sleep(3)
        os._exit(0)
    try:
        lock.release()
        OutputLock(state, tmp_path).release()  # free although the child still lives
    finally:
        os.waitpid(child, 0)


# --- 3. a resume removes what a killed run left half-written -----------------------------------

def _report(out: Path) -> dict:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {"messages": report["messages"], "summary": report["summary"]}


def _leftovers(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p.name.startswith((".partial-", "tmp-", "w-")))


@pytest.mark.timeout(300)
def test_kill_9_mid_run_then_resume_leaves_nothing_half_written(key_file, tmp_path):
    me = key_file.identity
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(write_mbox([
        headers(f"Besked {i}", minute=i % 60, mid=f"k{i}")
        + (encrypted(me, f"Content-Type: text/plain\n\nhemmeligt {i}\n".encode())
           if i % 10 == 0 else f"\nteksten {i}\n".encode())
        for i in range(400)]))
    whole = tmp_path / "whole"
    assert _export(key_file, whole, box) == cli.EXIT_OK

    out = tmp_path / "out"
    journal = out / STATE_DIR / JOURNAL_NAME
    env = {**os.environ, cli.PASSWORD_ENV: PASSWORD}
    for n, lines in enumerate((30, 130, 260)):  # three kills in a row, each resumed
        run = subprocess.Popen([sys.executable, "-m", "smime_archiver", "--lang", "en",
                                "export", "--quiet", "--jobs", "1", "--key",
                                str(key_file.path), "--out", str(out), str(box),
                                *(["--resume"] if n else [])], env=env)
        try:
            deadline = time.monotonic() + 120
            while not (journal.exists() and journal.read_bytes().count(b"\n") >= lines):
                assert run.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
        finally:
            run.send_signal(signal.SIGKILL)
            run.wait(30)
        assert run.returncode == -signal.SIGKILL
        assert [p for p in _leftovers(out) if "tmp-" in p]  # the killed run's temporary folder
    # what a kill during the report's write leaves (a name only atomic_file makes)
    (out / ".partial-k1ll3d.tmp").write_bytes(b"half a report, maybe decrypted text")

    assert _export(key_file, out, box, extra=("--resume",)) == cli.EXIT_OK
    assert _leftovers(out) == []
    assert _report(out) == _report(whole)


def test_a_partial_that_is_a_link_is_not_followed(key_file, tmp_path):
    victim = _victim(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".partial-evil.tmp").symlink_to(victim / "file")
    assert _export(key_file, out, _box(tmp_path), extra=("--resume",)) == cli.EXIT_OK
    _untouched(victim)
    assert (out / ".partial-evil.tmp").is_symlink()  # not ours: left alone


# --- 4. our own outputs are never input --------------------------------------------------------

def test_an_output_folder_inside_the_input_is_skipped(key_file, tmp_path, capsys):
    share = tmp_path / "in"
    share.mkdir()
    box = _box(share, 3)
    assert _export(key_file, share / "outA", box, extra=("--eml",)) == cli.EXIT_OK
    assert len(list((share / "outA").rglob("*.eml"))) == 3
    capsys.readouterr()
    assert _export(key_file, share / "outB", share, extra=("--eml",)) == cli.EXIT_OK
    report = json.loads((share / "outB" / "report.json").read_text(encoding="utf-8"))
    sources = [m["source"] for m in report["messages"]]
    assert len(sources) == 3 and all("outA" not in s for s in sources)
    err = capsys.readouterr().err
    assert err.count("outA: it is an output folder of smime-archiver") == 1


# --- 5. one permission policy ------------------------------------------------------------------

def test_everything_the_export_writes_is_for_its_owner_only(key_file, tmp_path):
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(write_mbox([headers("Bilag", minute=4)
                                + encrypted(key_file.identity, _with_attachments(["a.txt"]))]))
    out = tmp_path / "out"
    log_file = tmp_path / "export.log"
    old = os.umask(0o022)
    try:
        code = _export(key_file, out, box,
                       extra=("--eml", "--attachments", "--log", str(log_file)))
    finally:
        os.umask(old)
    assert code == cli.EXIT_OK
    modes = {str(p.relative_to(tmp_path)): stat.S_IMODE(p.lstat().st_mode)
             for p in [out, *out.rglob("*"), log_file]}
    names = set(modes)
    assert {f"out/{STATE_DIR}/{JOURNAL_NAME}", "out/report.json", "out/report.csv",
            "export.log"} <= names
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".eml") for n in names)
    assert any("_attachments/" in n for n in names)
    wrong = {n: oct(m) for n, m in modes.items()
             if m != (0o700 if (tmp_path / n).is_dir() else 0o600)}
    assert wrong == {}
