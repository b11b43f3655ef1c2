"""How fast an export stops on signals, and whether it leaves a report.

    python bench/stop_latency.py [--root PATH] [--jobs N] [--words N]

Exports a mailbox whose first message is slow to lay out (one right-to-left paragraph of
``--words`` words; issue 15 measured 57 s for 20,000) followed by 200 plain ones, with the
code under ``--root`` (default: this checkout).  Three runs: SIGTERM once; Ctrl-C once;
Ctrl-C twice (the second 1 s after the first).  Each signal is sent 2 s after the start
(the slow message is then under way).  Prints, per run: the exit code, seconds from the
last signal to the exit, and whether ``report.json`` was written.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def mailbox(path: Path, words: int) -> None:
    slow = ("From: a@example.dk\nSubject: RTL\nMessage-ID: <rtl@x>\n"
            "Content-Type: text/plain; charset=utf-8\n\n" + "שלום עולם " * (words // 2) + "\n")
    parts = [slow] + [f"From: a@example.dk\nSubject: Besked {i}\nMessage-ID: <b{i}@x>\n"
                      f"Content-Type: text/plain\n\nHej {i}.\n" for i in range(200)]
    path.write_bytes("".join(f"From a@example.dk Mon Mar  4 10:00:00 2013\n{p}\n"
                             for p in parts).encode())


def run(root: Path, jobs: int, box: Path, out: Path, signals: list[tuple[float, int]]):
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.Popen([sys.executable, "-m", "smime_archiver", "-q", "export", "--jobs",
                             str(jobs), "--out", str(out), str(box)], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.monotonic()
    last = start
    for at, signum in signals:
        time.sleep(max(0.0, start + at - time.monotonic()))
        proc.send_signal(signum)
        last = time.monotonic()
    code = proc.wait(timeout=900)
    return code, time.monotonic() - last, (out / "report.json").exists()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", type=Path, default=HERE)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--words", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        box = Path(d) / "box.mbox"
        mailbox(box, args.words)
        cases = {"SIGTERM once": [(2.0, signal.SIGTERM)],
                 "Ctrl-C once": [(2.0, signal.SIGINT)],
                 "Ctrl-C twice": [(2.0, signal.SIGINT), (3.0, signal.SIGINT)]}
        for name, signals in cases.items():
            code, after, report = run(args.root, args.jobs, box, Path(d) / name.replace(" ", "_"),
                                      signals)
            print(f"{name:14} exit {code:4}  {after:6.1f} s after the last signal  "
                  f"report {'written' if report else 'MISSING'}", flush=True)


if __name__ == "__main__":
    main()
