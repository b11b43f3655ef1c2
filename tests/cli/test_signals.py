"""SIGTERM and Ctrl-C: the export finishes (or drops) what is under way, writes the report,
exits 143 (130), and ``--resume`` continues; a second signal stops at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from smime_archiver.cli.console import EXIT_CANCELLED, EXIT_TERMINATED, Stopped, StopSignals
from smime_archiver.crypto.keys.keyring import KeyRing
from smime_archiver.job import JobObserver, JobSpec, run_job
from tests.support.mailbox import write_mbox

ROOT = Path(__file__).resolve().parents[2]


def plain_box(path: Path, count: int) -> Path:
    messages = [(f"From: Skat <skat@example.dk>\nTo: soren@example.dk\nSubject: Besked {i}\n"
                 f"Date: Mon, 4 Mar 2013 10:{i % 60:02d}:00 +0100\nMessage-ID: <s{i}@x>\n"
                 f"Content-Type: text/plain; charset=utf-8\n\n"
                 + "Linje med æøå og lidt mere tekst.\n" * 40).encode()
                for i in range(count)]
    path.write_bytes(write_mbox(messages))
    return path


def start(argv: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "smime_archiver", *argv], env=env, cwd=ROOT,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def journal_lines(out: Path) -> int:
    try:
        return (out / ".smime-archiver" / "journal.jsonl").read_bytes().count(b"\n")
    except OSError:
        return 0


def wait_for_lines(proc: subprocess.Popen, out: Path, n: int) -> None:
    deadline = time.monotonic() + 120
    while proc.poll() is None and journal_lines(out) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the export ended before it could be signalled"


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text("utf-8"))


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("signals", "codes", "jobs"), [
    ((signal.SIGTERM,), {EXIT_TERMINATED}, "1"),
    ((signal.SIGTERM,), {EXIT_TERMINATED}, "2"),
    ((signal.SIGINT,), {EXIT_CANCELLED}, "2"),
    # two at once (two equal signals pending would merge into one; Python handles pending
    # ones in the order of their numbers, so either may count as the first)
    ((signal.SIGTERM, signal.SIGINT), {EXIT_TERMINATED, EXIT_CANCELLED}, "1"),
    ((signal.SIGTERM, signal.SIGINT), {EXIT_TERMINATED, EXIT_CANCELLED}, "2"),
])
def test_a_signal_mid_export_writes_the_report_and_resume_finishes(tmp_path, signals, codes,
                                                                    jobs):
    box = plain_box(tmp_path / "Stor.mbox", 400)
    out = tmp_path / "out"
    argv = ["export", "--jobs", jobs, "--out", str(out), str(box)]
    proc = start(argv)
    wait_for_lines(proc, out, 5)
    for signum in signals:
        proc.send_signal(signum)
    _stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode in codes, stderr.decode()
    first = report(out)
    assert first["cancelled"] is True
    done = first["summary"]["total"]
    assert 0 < done < 400
    for message in first["messages"]:  # every message the report names has its PDF
        assert (out / message["pdf"]).is_file()
    assert not list((out / ".smime-archiver").glob("tmp-*/*")), "temporary files left"
    again = subprocess.run([sys.executable, "-m", "smime_archiver", *argv[:-1], "--resume",
                            str(box)], cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                           capture_output=True, timeout=240)
    assert again.returncode == 0, again.stderr.decode()
    final = report(out)
    assert final["cancelled"] is False
    assert final["summary"]["archived"] == 400
    assert len({m["pdf"] for m in final["messages"]}) == 400


@pytest.mark.timeout(60)
def test_sigterm_before_the_job_exits_143_not_minus_15(tmp_path):
    """While the key file's password is still being asked for (stdin a pipe left open)."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c",
                             "import time, sys\n"
                             "from smime_archiver.cli import console\n"
                             "try:\n    console.terminate_as_interrupt()\n"
                             "    print('ready', flush=True)\n    time.sleep(60)\n"
                             "except console.Stopped as e:\n    sys.exit(e.exit_code)\n"],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == EXIT_TERMINATED
    assert not out.exists()


def test_the_first_signal_cancels_the_second_stops_at_once():
    cancel = threading.Event()
    with StopSignals(cancel) as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)  # the handler runs between bytecodes
        assert cancel.is_set() and stop.exit_code == EXIT_TERMINATED
        with pytest.raises(Stopped) as raised:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        assert raised.value.exit_code == EXIT_TERMINATED  # the first signal's code
    assert signal.getsignal(signal.SIGTERM) is not stop._handler


def test_stopped_at_once_the_job_still_reports_what_was_done(tmp_path):
    """A second Ctrl-C inside the job (here: at the 7th message): the messages committed
    are in the report, the report says cancelled, and resume does the rest."""
    box = plain_box(tmp_path / "box.mbox", 20)
    out = tmp_path / "out"

    class StopAtSeven(JobObserver):
        def message_done(self, record, done):
            if done == 7:
                raise Stopped(EXIT_CANCELLED)

    spec = JobSpec(inputs=(str(box),), out_dir=out)
    result = run_job(spec, KeyRing(), StopAtSeven(), threading.Event())
    assert result.cancelled and result.stopped
    data = report(out)
    assert data["cancelled"] is True
    assert 7 <= data["summary"]["total"] < 20
    assert all((out / m["pdf"]).is_file() for m in data["messages"])
    resumed = run_job(JobSpec(inputs=(str(box),), out_dir=out, resume=True), KeyRing())
    assert resumed.archived == 20 and not resumed.cancelled
