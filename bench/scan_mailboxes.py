"""Benchmark: how fast the mailbox readers stream, and that memory stays flat as size doubles.

Generates (in --dir, default a temporary folder) an mbox of headers-only messages at half
and at full --mbox-gb size, and a Maildir with half and all of --maildir-count messages,
then scans each in a fresh process through ``iter_messages`` and prints messages/s and the
scanning process's peak resident memory.  Not part of the test suite (it prints figures
and takes a minute or more).

    python bench/scan_mailboxes.py --mbox-gb 1 --maildir-count 100000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def headers(i: int, rng: random.Random) -> bytes:
    received = "".join(
        f"Received: from relay{j}.example.dk (relay{j}.example.dk [10.0.{j}.{i % 250}])\n"
        f"\tby mx.example.dk with ESMTPS id {rng.getrandbits(64):016x}\n"
        f"\tfor <aase@example.dk>; Mon, 13 Jan 2014 10:{j:02d}:00 +0100\n"
        for j in range(rng.randint(2, 6))
    )
    return (
        f"{received}From: Søren {i} <soren{i}@example.dk>\nTo: Åse <aase@example.dk>\n"
        f"Subject: Besked nummer {i} om nøgler\nDate: Mon, 13 Jan 2014 10:00:00 +0100\n"
        f"Message-ID: <{i}.{rng.getrandbits(48):x}@example.dk>\nMIME-Version: 1.0\n"
        "Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\n"
        "Content-Transfer-Encoding: base64\nX-Mozilla-Status: 0001\n\n"
    ).encode()


def make_mbox(path: Path, size: int) -> int:
    rng = random.Random(1)
    count = written = 0
    with open(path, "wb", buffering=4 * 1024 * 1024) as f:
        while written < size:
            chunk = b"From - Mon Jan 13 10:00:00 2014\n" + headers(count, rng) + b"\n"
            f.write(chunk)
            written += len(chunk)
            count += 1
    return count


def make_maildir(path: Path, count: int) -> None:
    rng = random.Random(2)
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    for i in range(count):
        name = f"{1_390_000_000 + i}.M{i}P1.host:2,S"
        (path / "cur" / name).write_bytes(headers(i, rng) + b"Hej.\n")


def scan(path: str) -> None:
    """Run in a child process: scan ``path`` and print a JSON line of figures."""
    sys.path.insert(0, str(ROOT))
    from smime_archiver.mailbox import iter_messages
    from smime_archiver.model import RawMail

    start = time.perf_counter()
    messages = problems = 0
    for item in iter_messages([path]):
        if isinstance(item, RawMail):
            messages += 1
        else:
            problems += 1
    seconds = time.perf_counter() - start
    peak_kb = peak_rss_kb()
    print(json.dumps({"messages": messages, "problems": problems, "seconds": seconds,
                      "peak_mb": peak_kb / 1024}))


def peak_rss_kb() -> int:
    """This process's own peak resident memory (VmHWM), in KiB.

    ``ru_maxrss`` is not used on Linux: it carries the parent's peak across fork+exec,
    so the generator's memory would show up in the scanner's figure.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(label: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--scan", str(path)], check=True,
                         capture_output=True, text=True).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    size = (path.stat().st_size if path.is_file()
            else sum(p.stat().st_size for p in path.rglob("*") if p.is_file()))
    rate = figures["messages"] / figures["seconds"]
    mib = size / 2**20
    print(f"{label:<28} {mib:9.0f} MiB {figures['messages']:>9} msgs "
          f"{figures['seconds']:7.1f} s {rate:10.0f} msg/s {mib / figures['seconds']:7.1f} "
          f"MiB/s  peak RSS {figures['peak_mb']:6.1f} MiB  problems {figures['problems']}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scan", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help="where to generate the mailboxes (default: a temp dir)")
    parser.add_argument("--mbox-gb", type=float, default=1.0, help="largest mbox, in GiB")
    parser.add_argument("--maildir-count", type=int, default=100_000,
                        help="messages in the largest Maildir")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--only", choices=("mbox", "maildir"), help="run one of the two")
    args = parser.parse_args()
    if args.scan:
        scan(args.scan)
        return
    base = Path(args.dir or tempfile.mkdtemp(prefix="smime-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        full = int(args.mbox_gb * 2**30)
        mbox_runs = (("mbox, half size", full // 2), ("mbox, full size", full))
        for label, size in mbox_runs if args.only != "maildir" else ():
            path = base / f"mbox-{size}"
            t = time.perf_counter()
            count = make_mbox(path, size)
            print(f"(generated {count} messages in {time.perf_counter() - t:.0f} s)")
            measure(label, path)
            path.unlink()
        n = args.maildir_count
        maildir_runs = (("Maildir, half count", n // 2), ("Maildir, full count", n))
        for label, count in maildir_runs if args.only != "mbox" else ():
            path = base / f"maildir-{count}"
            make_maildir(path, count)
            measure(label, path)
            shutil.rmtree(path)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(base, ignore_errors=True)
        elif not args.keep:
            for p in base.glob("mbox-*"):
                os.unlink(p)


if __name__ == "__main__":
    main()
