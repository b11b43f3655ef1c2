"""Benchmark: what the output folder's safety costs (issue 15).

Every file is renamed into its folder through descriptors opened one component at a time
with ``O_NOFOLLOW`` (see ``smime_archiver/archive/safefs.py``), the output folder is
locked, and each source is checked for lying in an output folder of ours.  This exports
--count plain messages (in --boxes mbox files, one folder level deep, ``--eml`` so two
files per message) with ``--jobs 1`` in a fresh process and prints the wall time and the
peak RSS, so a checkout before and after can be compared:

    python bench/output_folder.py --count 2000
    PYTHONPATH=/path/to/older/checkout python bench/output_folder.py --count 2000

It also times the renames alone (--count files into 8 folders two levels deep):
``safefs.replace_into`` against ``mkdir(parents=True)`` + ``os.replace`` as before.

Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import resource, sys, time
from smime_archiver import cli
t = time.perf_counter()
code = cli.main(["--lang", "en", "export", "--quiet", "--jobs", "1", "--eml", "--out",
                 sys.argv[1], sys.argv[2]])
print(code, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _mbox(n: int, box: int) -> bytes:
    out = []
    for i in range(n):
        out.append(f"From x@example.dk Mon Mar  4 10:00:00 2013\nFrom: Skat <skat@example.dk>\n"
                   f"To: a@example.dk\nSubject: Besked {box}-{i}\n"
                   f"Date: Mon, 4 Mar 2013 10:{i % 60:02d}:00 +0100\n"
                   f"Message-ID: <b{box}-{i}@example.dk>\n\nTeksten {i}.\n\n")
    return "".join(out).encode()


def _renames(count: int) -> dict:
    import os

    from smime_archiver.archive.safefs import replace_into

    figures = {}
    for how in ("plain", "safefs"):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            tmps = []
            for i in range(count):
                path = root / f"w-{i}.tmp"
                path.write_bytes(b"x")
                tmps.append(str(path))
            t = time.perf_counter()
            for i, src in enumerate(tmps):
                rel = f"share/user{i % 8}/Inbox/{i}.pdf"
                if how == "safefs":
                    replace_into(src, root, rel)
                else:
                    (root / rel).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(src, root / rel)
            figures[f"rename_{how}_us"] = round((time.perf_counter() - t) / count * 1e6, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--boxes", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        share = Path(tmp) / "share"
        for b in range(args.boxes):
            (share / f"user{b}").mkdir(parents=True)
            (share / f"user{b}" / "Inbox.mbox").write_bytes(_mbox(args.count // args.boxes, b))
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _CHILD, str(Path(tmp) / "out"),
                               str(share)], capture_output=True, text=True, check=True)
        code, seconds, rss_kb = done.stdout.split()
        print(json.dumps({"messages": args.count, "exit": int(code),
                          "export_s": round(float(seconds), 2),
                          "process_s": round(time.perf_counter() - started, 2),
                          "peak_rss_mb": round(int(rss_kb) / 1024, 1),
                          **_renames(args.count)}))


if __name__ == "__main__":
    main()
