"""Thousands of damaged messages through the real ``export``: every one accounted for.

Mutants of the fuzz seeds (truncated, bit-flipped, lying DER lengths, broken MIME ...) and
untouched good messages are spread over two mbox files, a Maildir and a folder of .eml
files, and exported with the command line in this process (two worker processes).  The
run must end with exit code 0 or 3 and no traceback; ``report.json`` must hold exactly
one entry per message written; every good message must be archived with its PDF.
"""

from __future__ import annotations

import json
import random
from collections import Counter

import pytest

from smime_archiver import cli
from smime_archiver.model import ARCHIVED_STATUSES, Status
from tests.fuzz.mutate import mutate
from tests.fuzz.seeds import PASSWORD
from tests.support.mailbox import write_mbox

MUTANTS = 2000
GOOD = ("encrypted.eml", "encrypted-des3-openssl.eml", "signed-multipart.eml",
        "signed-opaque.eml", "compressed.eml", "enc-signed-compressed.eml",
        "nested-encrypted-part.eml", "forwarded.eml", "flowed.eml", "attachments.eml")


def _safe_alone(data: bytes) -> bytes:
    """A mutant that a reader cannot take for several messages (an mbox "From " line at
    the very start of a one-message file would make it an mbox) and is not empty."""
    if not data.strip() or data.startswith((b"From ", b">From ")):
        return b"X-Fuzz: 1\n" + data
    return data


def _good(fuzz_seeds) -> list[tuple[str, bytes]]:
    by_name = dict(fuzz_seeds.of("unwrap") + fuzz_seeds.of("mime"))
    good = []
    for n, name in enumerate(GOOD):
        good.append((f"good-{n}", f"X-Good: good-{n}\r\n".encode() + by_name[name]))
    return good


@pytest.mark.slow
def test_thousands_of_mutants_every_message_accounted_and_good_ones_kept(
        fuzz_seeds, tmp_path, monkeypatch, capsys):
    rng = random.Random(8)
    # bare CMS files are not mail in an mbox; the HTML newsletter (slow to draw) is the
    # html target's business, and mutants of it would dominate the run's time
    pool = [d for n, d in fuzz_seeds.of("unwrap") + fuzz_seeds.of("mime")
            if not d.startswith(b"0") and n != "html.eml"]
    good = _good(fuzz_seeds)
    boxes: dict[str, list[bytes]] = {"a": [], "b": [], "maildir": [], "eml": []}
    kinds = ["a"] * 35 + ["b"] * 25 + ["maildir"] * 25 + ["eml"] * 15
    for _i in range(MUTANTS):
        data = mutate(rng.choice(pool), rng, splice_with=rng.choice(pool))
        boxes[rng.choice(kinds)].append(_safe_alone(data))
    for n, (_label, data) in enumerate(good):  # good messages among the damage
        boxes[("a", "b", "maildir", "eml")[n % 4]].insert(rng.randrange(50), data)

    share = tmp_path / "share"
    (share / "Arkiv.sbd").mkdir(parents=True)
    (share / "Arkiv.sbd" / "Indbakke").write_bytes(write_mbox(boxes["a"]))
    (share / "Sendt.mbox").write_bytes(write_mbox(boxes["b"]))
    maildir = share / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for n, data in enumerate(boxes["maildir"]):
        (maildir / "cur" / f"17000{n:05d}.M1P1.host:2,S").write_bytes(data)
    (share / "løse").mkdir()
    for n, data in enumerate(boxes["eml"]):
        (share / "løse" / f"besked-{n:04d}.eml").write_bytes(data)
    written = sum(len(v) for v in boxes.values())

    key = tmp_path / "nøgle.p12"
    key.write_bytes(dict(fuzz_seeds.of("keyfile"))["legacy.p12"])
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)
    out = tmp_path / "out"
    code = cli.main(["--lang", "en", "export", "--quiet", "--jobs", "2", "--key", str(key),
                     "--out", str(out), str(share)])
    captured = capsys.readouterr()
    assert code in (cli.EXIT_OK, cli.EXIT_INCOMPLETE), captured.err[-3000:]
    assert "Traceback" not in captured.out + captured.err

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    messages = report["messages"]
    assert len(messages) == written == report["summary"]["total"]
    keys = Counter((m["source"], m["locator"]) for m in messages)
    assert max(keys.values()) == 1  # one entry per message, none twice
    statuses = Counter(m["status"] for m in messages)
    assert sum(statuses.values()) == written
    assert set(statuses) <= {s.value for s in Status}
    # no message fell through to the catch-alls: damage is named, and whatever could be
    # opened was drawn ("error" is left for a PDF that could not be made: a bug)
    unexpected = [m for m in messages if "unexpected" in m["detail"].lower()
                  or m["status"] == Status.ERROR.value]
    assert unexpected == [], [(m["source"], m["locator"], m["detail"]) for m in unexpected]
    # every good message archived, with its PDF
    archived = {s.value for s in ARCHIVED_STATUSES}
    for label, data in good:
        [entry] = [m for m in messages if m["sha256"] == _sha256(data)]
        assert entry["status"] in archived, (label, entry["detail"])
        assert entry["pdf"] and (out / entry["pdf"]).is_file(), label
    for m in messages:  # and every PDF the report names exists
        if m["pdf"]:
            assert (out / m["pdf"]).is_file()
    print(f"accounting: {written} messages, statuses {dict(statuses)}")


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
