"""Loading and decrypting large BER CMS: seconds per message by size (prints figures).

OpenSSL's ``cms -encrypt -stream`` writes BER as Outlook, NSS and gpgsm do (indefinite
lengths, the ciphertext in chunks).  Measures ``load_content_info`` plus
``decrypt_enveloped`` for contents of a few sizes, best of ``--rounds``.

    python bench/cms_load.py --sizes 1 5 25 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from smime_archiver.crypto.cms.envelope import decrypt_enveloped, load_content_info
from smime_archiver.crypto.keys.keyfiles import load_key_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 5, 25], help="MB")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cms-load-") as tmp:
        d = Path(tmp)
        key, cert = d / "key.pem", d / "cert.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        str(key), "-out", str(cert), "-days", "30", "-subj", "/CN=bench"],
                       check=True, capture_output=True)
        store, errors = load_key_files([key, cert])
        assert not errors
        print(f"{'content MB':>10} {'BER MB':>8} {'load s':>8} {'load+decrypt s':>15}")
        for size in args.sizes:
            content = d / "content.txt"
            body = os.urandom(int(size * 1e6 * 3 / 4)).hex().encode()[: int(size * 1e6)]
            content.write_bytes(b"Content-Type: text/plain\r\n\r\n" + body)
            out = d / "message.p7m"
            subprocess.run(["openssl", "cms", "-encrypt", "-binary", "-aes256", "-stream",
                            "-outform", "DER", "-in", str(content), "-out", str(out), str(cert)],
                           check=True, capture_output=True)
            data = out.read_bytes()
            assert data[:2] == b"\x30\x80"
            load = full = float("inf")
            for _ in range(args.rounds):
                start = time.perf_counter()
                ci = load_content_info(data)
                loaded = time.perf_counter()
                decrypt_enveloped(ci, store)
                done = time.perf_counter()
                load, full = min(load, loaded - start), min(full, done - start)
            print(f"{size:>10.1f} {len(data) / 1e6:>8.1f} {load:>8.2f} {full:>15.2f}")


if __name__ == "__main__":
    main()
