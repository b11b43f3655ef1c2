"""Benchmark: ``smime-archiver export`` against a peer pipeline on the same mixed mailbox.

Generates (in --dir, default a temporary folder) a realistic mbox of --count messages:
about three quarters encrypted (AES-256-CBC, 3DES and AES-256-GCM, to one of --keys key
files as after NemID renewals; some signed inside; a tenth of them for other people), some
signed only, some plain, some HTML, a few with 100-400 KB attachments and a few cut off.
Then it measures, each in fresh processes:

- **ours**: ``python -m smime_archiver export --jobs J`` on the mbox;
- **peer**: per message ``openssl cms -decrypt`` with each key file until one opens it
  (J at a time), then the stock converter ``eml2pdf convert_dir -n J`` (PyPI ``eml2pdf``,
  WeasyPrint based, runs offline) on the decrypted messages.  The peer is run on the
  first --peer-sample messages (it is slow) and its rate computed from those.  The same
  converter run once per message (``eml2pdf convert_file``, as a shell loop would) is
  measured on 40 messages too.

Ours runs from byte-compiled modules (compiled first with ``compileall``), as an installed
package or the packaged app does; the peer is a pip-installed package, which pip compiled.
(Where ``PYTHONDONTWRITEBYTECODE`` is set, a source checkout would otherwise compile its
modules again at every start: 0.15 s here.)

For each: messages/s, CPU seconds (user+system of every process), and peak RSS (the
largest sum over the process tree, sampled every 50 ms, and the largest single process).
``--scale`` also runs ours on a quarter and a half of the messages, to show that time per
message and memory do not grow with the input.  Not part of the test suite.

    python bench/export_speed.py --count 2000 --scale --eml2pdf /path/to/venv/bin/eml2pdf
    python bench/export_speed.py --count 2000 --rounds 3 --eml2pdf ...   # ours, peer in turn
"""

from __future__ import annotations

import argparse
import base64
import compileall
import concurrent.futures as cf
import datetime as dt
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from email.header import Header
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-æøå-2014"
CIPHERS = ("aes-256-cbc", "des3", "aes-256-gcm")
WORDS = ("skat", "årsopgørelse", "møde", "kommune", "læge", "bolig", "pension", "forsikring",
         "aftale", "brev", "faktura", "sygehus", "tandlæge", "bank", "lån", "husleje")


# --- keys -----------------------------------------------------------------------------------


def _cert(cn: str, key, issuer_name, issuer_key, serial: int, ca: bool = False):
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bench CA"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    start = dt.datetime(2008, 1, 1, tzinfo=dt.timezone.utc)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name or name)
            .public_key(key.public_key()).serial_number(serial).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256())), name


def make_keys(folder: Path, count: int) -> list[dict]:
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_cert, ca_name = _cert("Bench Root", ca_key, None, ca_key, 1, ca=True)
    keys = []
    for i in range(count + 1):  # the last one is "someone else", never given to the tools
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert, _ = _cert(f"Søren Bench {i}", key, ca_name, ca_key, 1000 + i)
        stem = folder / f"key{i}"
        pem_key = stem.with_suffix(".key.pem")
        pem_cert = stem.with_suffix(".cert.pem")
        pem_key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        pem_cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        p12 = stem.with_suffix(".p12")
        p12.write_bytes(pkcs12.serialize_key_and_certificates(
            f"key{i}".encode(), key, cert, [ca_cert],
            serialization.BestAvailableEncryption(PASSWORD.encode())))
        keys.append({"p12": p12, "key": pem_key, "cert": pem_cert})
    return keys


# --- messages -------------------------------------------------------------------------------


def openssl(*args: str, data: bytes) -> bytes:
    return subprocess.run(["openssl", *args], input=data, capture_output=True,
                          check=True).stdout


def text_entity(rng: random.Random, html: bool) -> bytes:
    words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 400)))
    if html:
        body = f"<html><body><h1>Besked</h1><p>{words}</p><table><tr><td>Beløb</td>" \
               f"<td>1.234,50 kr.</td></tr></table></body></html>"
        return f"Content-Type: text/html; charset=utf-8\r\n\r\n{body}\r\n".encode()
    return f"Content-Type: text/plain; charset=utf-8\r\n\r\n{words}\r\n".encode()


def attachment_entity(rng: random.Random) -> bytes:
    size = rng.randint(100_000, 400_000)
    blob = base64.encodebytes(rng.randbytes(size)).replace(b"\n", b"\r\n")
    return (b"Content-Type: multipart/mixed; boundary=\"xx\"\r\n\r\n--xx\r\n"
            + text_entity(rng, False) + b"\r\n--xx\r\nContent-Type: application/pdf\r\n"
            b"Content-Disposition: attachment; filename=\"bilag.pdf\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + blob + b"\r\n--xx--\r\n")


def headers(i: int, rng: random.Random) -> bytes:
    subject = Header(f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} nr. {i}",
                     "utf-8").encode()
    when = dt.datetime(2010, 1, 1) + dt.timedelta(minutes=37 * i)
    return (f"From: =?utf-8?q?K=C3=B8benhavns_Kommune?= <post@kk.example.dk>\n"
            f"To: soren@example.dk\nSubject: {subject}\n"
            f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S')} +0100\n"
            f"Message-ID: <bench{i}@example.dk>\nMIME-Version: 1.0\n").encode()


def make_corpus(folder: Path, count: int, keys: list[dict], seed: int = 7) -> Path:
    """The mbox of ``count`` messages, and ``emls/`` with the same messages one per file."""
    rng = random.Random(seed)
    given = keys[:-1]
    stranger = keys[-1]
    signer = given[0]
    pool: dict[str, list[bytes]] = {}

    def variants(kind: str, make, n: int) -> bytes:
        bucket = pool.setdefault(kind, [])
        if len(bucket) < n:
            bucket.append(make())
        return rng.choice(bucket)

    def encrypt(entity: bytes, cipher: str, cert: Path) -> bytes:
        return openssl("cms", "-encrypt", "-binary", f"-{cipher}", str(cert), data=entity)

    def sign(entity: bytes, opaque: bool) -> bytes:
        args = ["cms", "-sign", "-signer", str(signer["cert"]), "-inkey", str(signer["key"])]
        return openssl(*args, *(["-nodetach"] if opaque else []), data=entity)

    emls = folder / "emls"
    emls.mkdir(exist_ok=True)
    box = folder / f"mixed-{count}.mbox"
    with open(box, "wb") as f:
        for i in range(count):
            roll = rng.random()
            html = rng.random() < 0.25
            big = rng.random() < 0.03
            cipher = CIPHERS[i % 3]
            to = given[i % len(given)]
            if roll < 0.75:
                who = stranger if rng.random() < 0.1 else to
                signed = rng.random() < 0.15
                kind = f"enc-{cipher}-{who['cert']}-{html}-{big}-{signed}"

                def make(cipher=cipher, who=who, html=html, big=big, signed=signed) -> bytes:
                    entity = attachment_entity(rng) if big else text_entity(rng, html)
                    if signed:
                        entity = sign(entity, opaque=False)
                    return encrypt(entity, cipher, who["cert"])

                body = variants(kind, make, 2 if big else 6)
            elif roll < 0.90:
                body = variants(f"plain-{html}-{big}",
                                lambda big=big, html=html: attachment_entity(rng) if big
                                else text_entity(rng, html), 2 if big else 6)
            elif roll < 0.97:
                body = variants(f"signed-{html}",
                                lambda html=html: sign(text_entity(rng, html), opaque=False), 4)
            else:
                whole = encrypt(text_entity(rng, False), cipher, to["cert"])
                body = whole[: len(whole) * 2 // 3]  # cut off
            message = headers(i, rng) + body.replace(b"\r\n", b"\n")
            (emls / f"{i:06d}.eml").write_bytes(message)
            quoted = b"\n".join(b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln
                                for ln in message.split(b"\n"))
            f.write(b"From bench@example.dk Mon Jan  1 10:00:00 2010\n" + quoted.rstrip(b"\n")
                    + b"\n\n")
    return box


# --- measuring ------------------------------------------------------------------------------


class TreeSampler:
    """Peak of the summed RSS of a process and its descendants, sampled from /proc."""

    def __init__(self, root_pid: int):
        self.root = root_pid
        self.peak_sum = 0
        self.peak_one = 0  # the largest VmHWM (peak RSS) of any one process of the tree
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as f:
                        stat = f.read()
                    parents[int(entry)] = int(stat.rsplit(b")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
        tree, frontier = [self.root], [self.root]
        while frontier:
            frontier = [p for p, pp in parents.items() if pp in frontier]
            tree += frontier
        return tree

    def _rss(self, pid: int) -> int:
        rss = 0
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) * 1024
                    elif line.startswith("VmHWM:"):
                        self.peak_one = max(self.peak_one, int(line.split()[1]) * 1024)
        except OSError:
            pass
        return rss

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_sum = max(self.peak_sum, sum(self._rss(p) for p in self._tree()))
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_sum


def measure(cmd: list[str], env: dict | None = None) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    sampler = TreeSampler(proc.pid)
    _out, err = proc.communicate()
    wall = time.perf_counter() - start
    peak = sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_one = sampler.peak_one
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime)
            + (after.ru_stime - before.ru_stime), "peak_tree": peak,
            "peak_one": peak_one}


def run_ours(box: Path, keys: list[dict], out: Path, jobs: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    env = dict(os.environ, SMIME_ARCHIVER_PASSWORD=PASSWORD, PYTHONPATH=str(ROOT))
    cmd = [sys.executable, "-m", "smime_archiver", "export", "-q", "--jobs", str(jobs),
           "-o", str(out)]
    for k in keys[:-1]:
        cmd += ["-k", str(k["p12"])]
    return measure([*cmd, str(box)], env)


def peer_decrypt(eml: Path, keys: list[dict], out_dir: Path) -> bool:
    data = eml.read_bytes()
    head, _sep, _rest = data.partition(b"\n\n")
    if b"pkcs7-mime" not in head.lower():
        (out_dir / eml.name).write_bytes(data)
        return True
    for k in keys:
        proc = subprocess.run(["openssl", "cms", "-decrypt", "-in", str(eml), "-inkey",
                               str(k["key"]), "-recip", str(k["cert"])], capture_output=True)
        if proc.returncode == 0:
            outer = [ln for ln in head.split(b"\n") if not ln.lower().startswith(
                (b"content-", b"mime-version"))]
            (out_dir / eml.name).write_bytes(b"\n".join(outer) + b"\nMIME-Version: 1.0\n"
                                             + proc.stdout.replace(b"\r\n", b"\n"))
            return True
    return False


def run_peer(folder: Path, keys: list[dict], sample: int, jobs: int, eml2pdf: str) -> dict:
    emls = sorted((folder / "emls").iterdir())[:sample]
    dec = folder / "peer-decrypted"
    pdf = folder / "peer-pdf"
    for d in (dec, pdf):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with cf.ThreadPoolExecutor(jobs) as pool:
        opened = sum(pool.map(lambda e: peer_decrypt(e, keys[:-1], dec), emls))
    decrypt_wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    decrypt_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    convert = measure([eml2pdf, "convert_dir", "-q", "-n", str(jobs), str(dec), str(pdf)])
    made = len(list(pdf.glob("*.pdf")))
    return {"wall": decrypt_wall + convert["wall"], "cpu": decrypt_cpu + convert["cpu"],
            "peak_tree": convert["peak_tree"], "peak_one": convert["peak_one"],
            "decrypt_wall": decrypt_wall, "opened": opened, "pdfs": made, "count": len(emls)}


def run_peer_per_message(folder: Path, jobs: int, eml2pdf: str, sample: int) -> dict:
    """The same peer, but ``eml2pdf convert_file`` once per message (a shell loop's way)."""
    dec = sorted((folder / "peer-decrypted").iterdir())[:sample]
    pdf = folder / "peer-pdf-each"
    shutil.rmtree(pdf, ignore_errors=True)
    pdf.mkdir()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()

    def convert(eml: Path) -> None:
        subprocess.run([eml2pdf, "convert_file", "-q", str(eml),
                        str(pdf / (eml.stem + ".pdf"))], capture_output=True)

    with cf.ThreadPoolExecutor(jobs) as pool:
        list(pool.map(convert, dec))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": time.perf_counter() - start, "count": len(dec),
            "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def mb(n: float) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def show(label: str, count: int, r: dict) -> float:
    rate = count / r["wall"]
    print(f"{label:28} {count:6d} msgs  {r['wall']:7.1f} s  {rate:7.1f} msg/s  "
          f"CPU {r['cpu']:7.1f} s ({1000 * r['cpu'] / count:.1f} ms/msg)  "
          f"peak RSS tree {mb(r['peak_tree'])}, "
          f"one process {mb(r['peak_one'])}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--keys", type=int, default=3, help="key files given to both tools")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--peer-sample", type=int, default=150)
    parser.add_argument("--eml2pdf", default=shutil.which("eml2pdf") or "",
                        help="the eml2pdf command (pip install eml2pdf); empty: skip the peer")
    parser.add_argument("--scale", action="store_true", help="also run ours on N/4 and N/2")
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--rounds", type=int, default=1,
                        help="ours and the peer in turn this many times (median ratio)")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="smime-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    keys = make_keys(folder, args.keys)
    box = make_corpus(folder, args.count, keys)
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(f"corpus: {args.count} messages, {mb(box.stat().st_size)} in {box} "
          f"(made in {time.perf_counter() - t0:.0f} s); {args.keys} key files; "
          f"{args.jobs} jobs on {os.cpu_count()} CPUs")
    compileall.compile_dir(str(ROOT / "smime_archiver"), quiet=1)
    sizes = [args.count // 4, args.count // 2, args.count] if args.scale else [args.count]
    ours = 0.0
    for n in sizes:
        part = box if n == args.count else _prefix(box, n, folder)
        result = run_ours(part, keys, folder / "ours-out", args.jobs)
        ours = show(f"smime-archiver export (N={n})", n, result)
        print(f"{'':28} {1000 * result['wall'] / n:.2f} ms per message")
    if args.eml2pdf:
        ratios = []
        for round_ in range(args.rounds):
            if round_:  # ours again right before the peer: the machine's speed drifts
                result = run_ours(box, keys, folder / "ours-out", args.jobs)
                ours = show(f"smime-archiver export (N={args.count})", args.count, result)
            peer = run_peer(folder, keys, min(args.peer_sample, args.count), args.jobs,
                            args.eml2pdf)
            rate = show("peer: openssl + eml2pdf", peer["count"], peer)
            print(f"{'':28} decrypt stage {peer['decrypt_wall']:.1f} s; opened "
                  f"{peer['opened']}/{peer['count']}, {peer['pdfs']} PDFs")
            ratios.append(ours / rate)
            print(f"ratio (ours / peer messages per second): {ours / rate:.1f}x")
        if len(ratios) > 1:
            print(f"ratio over {len(ratios)} rounds: median {statistics.median(ratios):.1f}x, "
                  f"range {min(ratios):.1f}-{max(ratios):.1f}x")
        each = run_peer_per_message(folder, args.jobs, args.eml2pdf, 40)
        each_rate = each["count"] / each["wall"]
        print(f"{'peer, eml2pdf per message':28} {each['count']:6d} msgs  {each['wall']:7.1f} s  "
              f"{each_rate:7.1f} msg/s  CPU {each['cpu']:7.1f} s (conversion only; "
              f"ratio {ours / each_rate:.0f}x)")
    print(f"files kept in {folder}; load average now {os.getloadavg()[0]:.1f}")


def _prefix(box: Path, n: int, folder: Path) -> Path:
    """The first ``n`` messages of the mbox, as a file of their own."""
    out = folder / f"mixed-first-{n}.mbox"
    count = 0
    with open(box, "rb") as src, open(out, "wb") as dst:
        for line in src:
            if line.startswith(b"From bench@example.dk "):
                count += 1
                if count > n:
                    break
            dst.write(line)
    return out


if __name__ == "__main__":
    main()
