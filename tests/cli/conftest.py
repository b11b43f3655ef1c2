"""A share of exported mailboxes, as an IT supporter finds it, for the batch-export tests."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from tests.support import tools
from tests.support.mailbox import write_mbox

PASSWORD = "Blåbærgrød-2011"


def headers(subject: str, *, day: int = 4, minute: int = 15, sender: str = "Skat <skat@x.dk>",
            to: str = "soren@example.dk", mid: str | None = None) -> bytes:
    return (f"From: {sender}\nTo: {to}\nSubject: {subject}\n"
            f"Date: Mon, {day} Mar 2013 10:{minute:02d}:00 +0100\n"
            f"Message-ID: <{mid or subject.replace(' ', '.')}@example.dk>\n").encode()


def inner(text: str, subtype: str = "plain") -> bytes:
    return (f"Content-Type: text/{subtype}; charset=utf-8\r\n\r\n{text}\r\n").encode()


def with_attachments(text: str, files: list[tuple[str, bytes]]) -> bytes:
    parts = [b"Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n--b0\r\n",
             inner(text), b"\r\n"]
    for name, data in files:
        parts += [b"--b0\r\n",
                  f"Content-Type: application/octet-stream\r\nContent-Disposition: attachment;"
                  f" filename*=utf-8''{_quote(name)}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                  .encode(), base64.encodebytes(data).replace(b"\n", b"\r\n"), b"\r\n"]
    parts.append(b"--b0--\r\n")
    return b"".join(parts)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@pytest.fixture(scope="session")
def share(pki, tmp_path_factory):
    """``share/`` with mbox, Thunderbird subfolder, Maildir and loose .eml; a key file."""
    d = tmp_path_factory.mktemp("share-world")
    me = pki.identity("batch-me", cn="Søren Ærø Åberg")
    other = pki.identity("batch-other", cn="Jens Åkjær")
    p12 = tools.p12_export(me, d / "nøglefil.p12", PASSWORD, legacy=True)
    rng = random.Random(5)
    attachment = bytes(rng.getrandbits(8) for _ in range(30_000))

    def enc(text: str, cipher: str = "aes256", subtype: str = "plain") -> bytes:
        return tools.cms_encrypt(inner(text, subtype), [me], cipher, smime=True)

    inbox = [
        headers("Årsopgørelse 2012", minute=1) + enc("Hemmelig besked med æøå", "des3"),
        headers("Møde", minute=2) + enc("<p>Vi ses <b>torsdag</b></p>", "aes128", "html"),
        headers("GCM", minute=3) + enc("Autentificeret kryptering", "aes-256-gcm"),
        headers("Underskrevet", minute=4)
        + tools.cms_sign(inner("Underskrevet tekst"), other, detached=True),
        headers("Almindelig", minute=5) + b"Content-Type: text/plain\n\nHelt almindelig.\n",
        headers("Til Jens", minute=6, to="jens@example.dk")
        + tools.cms_encrypt(inner("Ikke til dig"), [other], "aes128", smime=True),
        headers("Afkortet", minute=7) + enc("Afkortet besked")[:400],
        headers("Bilag", minute=8) + tools.cms_encrypt(
            with_attachments("Se vedhæftede", [("Årsopgørelse 2012.pdf", attachment),
                                               ("../../etc/passwd", b"root:x:0:0\n"),
                                               ("CON.txt", b"reserved name\n")]),
            [me], "aes256", smime=True),
        # two messages with the same date, sender and subject: the same base name
        headers("Samme emne", minute=9, mid="a1") + enc("Første af to"),
        headers("Samme emne", minute=9, mid="a2") + enc("Anden af to"),
        headers("=HYPERLINK(\"http://x\")", minute=10) + b"Content-Type: text/plain\n\nformel\n",
    ]
    duplicate = inbox[0]
    archive = [headers(f"Arkiveret {i}", day=5, minute=i) + enc(f"Gammel besked {i}", "des3")
               for i in range(3)] + [duplicate]
    share = d / "share"
    (share / "anna" / "Inbox.sbd").mkdir(parents=True)
    (share / "anna" / "Inbox").write_bytes(write_mbox(inbox))
    (share / "anna" / "Inbox.sbd" / "Arkiv").write_bytes(write_mbox(archive))
    maildir = share / "bo" / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for i in range(3):
        (maildir / "cur" / f"17000000{i}.M1P1.host:2,S").write_bytes(
            headers(f"Maildir {i}", day=6, minute=i) + enc(f"Maildir besked {i}", "aes192"))
    (share / "løse").mkdir()
    (share / "løse" / "besked.eml").write_bytes(
        headers("Løs besked", day=7) + enc("En løs fil", "aes256"))
    return {"dir": d, "share": share, "p12": p12, "me": me, "other": other,
            "attachment": attachment, "inbox": share / "anna" / "Inbox",
            "maildir": maildir}


@pytest.fixture(scope="session")
def big_box(share, tmp_path_factory) -> Path:
    """An mbox of 150 encrypted messages (for kill-and-resume runs)."""
    d = tmp_path_factory.mktemp("big")
    me = share["me"]
    messages = []
    for i in range(150):
        cipher = ("aes256", "des3", "aes-128-gcm")[i % 3]
        body = tools.cms_encrypt(inner(f"Besked nummer {i} med æøå"), [me], cipher, smime=True)
        # every fifth message shares its base name with the one before it
        messages.append(headers(f"Emne {i - i % 5 // 4}", day=1 + i % 20, minute=i % 60,
                                mid=f"big{i}") + body)
    box = d / "Stor.mbox"
    box.write_bytes(write_mbox(messages))
    return box


def pdf_text(path: Path) -> str:
    return tools.run(["pdftotext", str(path), "-"]).decode()
