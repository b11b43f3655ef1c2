"""Seeds for the fuzzers: real fixtures made by OpenSSL, NSS and our test writers.

Built at run time (nothing secret is committed): a recipient key and its key files in
every form the loader reads, CMS structures of each kind we open, whole messages that
exercise every layer and MIME shape, mailboxes of each format, and HTML bodies.  The
static seeds in ``tests/fuzz/corpus/seeds/`` (small hand-made files) and the crashers
found so far (``tests/fuzz/corpus/crashers/``) are added to the same lists.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from tests.support import tools
from tests.support.keys import keystore_for
from tests.support.layers import (
    HEADERS,
    TEXT,
    compressed_data,
    message,
    multipart,
    pkcs7_entity,
    sign_synthetic,
)
from tests.support.mailbox import Att, Msg, write_emlx, write_mbox, write_msg
from tests.support.pki import PKI, Identity

CORPUS = Path(__file__).parent / "corpus"
PASSWORD = "Blåbær-æøå-2009"  # key files are locked with this (non-ASCII on purpose)
TARGETS = ("keyfile", "cms", "unwrap", "mime", "mailbox", "html")


class Seeds:
    """Seeds per target, with the identity and key store that open the encrypted ones."""

    def __init__(self, me: Identity, keystore: object):
        self.me = me
        self.keystore = keystore
        self.items: dict[str, list[tuple[str, bytes]]] = {}

    def __repr__(self) -> str:  # hypothesis prints the fixtures of a failing example
        return f"Seeds({', '.join(f'{t}: {len(v)}' for t, v in self.items.items())})"

    def of(self, target: str) -> list[tuple[str, bytes]]:
        return self.items.get(target, [])

    def add(self, target: str, name: str, data: bytes) -> None:
        self.items.setdefault(target, []).append((name, data))


def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (24, 16), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


HTML_BODY = """<!DOCTYPE html><html><head><title>Nyhedsbrev</title>
<style>@import url("https://cdn.example.com/x.css"); body{font-family:"Web",Arial}
@font-face{font-family:Web;src:url(https://fonts.example.com/w.woff2)}</style>
<link rel="stylesheet" href="https://cdn.example.com/style.css"></head>
<body background="https://cdn.example.com/bg.png" onload="track()">
<h1>Kære borger</h1><p>Her er <b>månedens</b> <i>nyheder</i>, <a href="https://x.dk">læs</a>.</p>
<img src="cid:logo@example.dk" alt="Logo" width="60">
<img src="https://tracker.example.com/p.gif" width="1" height="1">
<iframe src="https://ads.example.com/frame.html"></iframe>
<table border="1"><tr><th>Post</th><th>Beløb</th></tr><tr><td>Renter</td><td>234,50</td></tr>
<tr><td colspan="2"><table><tr><td>indlejret</td><td>tabel</td></tr></table></td></tr></table>
<ul><li>et</li><li>to<ol><li>a</li></ol></li></ul><pre>  kode\n  linje</pre>
<blockquote>citat <q>indre</q></blockquote><p dir="rtl">שלום עולם</p>
<img src="data:image/png;base64,{png}"></body></html>"""


def html_message(png: bytes) -> bytes:
    html = HTML_BODY.replace("{png}", base64.b64encode(png).decode())
    related = multipart("related", [
        b"Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + html.encode(),
        b"Content-Type: image/png\r\nContent-ID: <logo@example.dk>\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(png),
    ], boundary="rel")
    alternative = multipart("alternative", [TEXT, related], boundary="alt")
    return message(alternative)


def build_seeds(pki: PKI, work: Path) -> Seeds:
    """Every seed; ``work`` is a scratch folder for the key files the tools write."""
    work.mkdir(parents=True, exist_ok=True)
    me = pki.identity("fuzz-me", cn="Søren Ærø Åberg")
    other = pki.identity("fuzz-other", cn="Jens Åkjær")
    seeds = Seeds(me, keystore_for(me))
    png = _png()

    # --- key files ---------------------------------------------------------------------
    seeds.add("keyfile", "legacy.p12", tools.p12_export(me, work / "l.p12", PASSWORD).read_bytes())
    seeds.add("keyfile", "aes.p12",
              tools.p12_export(me, work / "a.p12", PASSWORD, legacy=False).read_bytes())
    key_pem = me.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.BestAvailableEncryption(PASSWORD.encode()))
    cert_pem = me.cert.public_bytes(serialization.Encoding.PEM)
    seeds.add("keyfile", "enc-key.pem", key_pem + cert_pem)
    seeds.add("keyfile", "key.der", me.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))
    seeds.add("keyfile", "cert.der", me.cert.public_bytes(serialization.Encoding.DER))
    p12 = (work / "a.p12").read_bytes()
    seeds.add("keyfile", "page.html", b"<html><body><p>Din n\xc3\xb8glefil:</p><pre>"
              + base64.encodebytes(p12) + b"</pre></body></html>")

    # --- CMS structures ------------------------------------------------------------------
    ciphers = ("aes256", "des3", "rc2-40", "aes-128-gcm")
    for cipher in ciphers:
        seeds.add("cms", f"enveloped-{cipher}.der", tools.cms_encrypt(TEXT, [me, other], cipher))
    seeds.add("cms", "enveloped-keyid-oaep.der", tools.cms_encrypt(
        TEXT, [me], "aes128", keyid=True,
        keyopts=["rsa_padding_mode:oaep", "rsa_oaep_md:sha256"]))
    if tools.have_cmsutil():
        nss = tools.NSSDB(work / "nss")
        seeds.add("cms", "nss-ber-enveloped.der", nss.encrypt(TEXT, [me]))
    signed = sign_synthetic(TEXT, other, signing_time=dt.datetime(2011, 3, 4,
                                                                    tzinfo=dt.timezone.utc))
    seeds.add("cms", "signed.der", signed)
    seeds.add("cms", "signed-detached.der", sign_synthetic(TEXT, other, detached=True))
    seeds.add("cms", "compressed.der", compressed_data(TEXT * 20))

    # --- messages ------------------------------------------------------------------------
    enc = tools.cms_encrypt(TEXT, [me], "aes256")
    seeds.add("unwrap", "encrypted.eml", message(pkcs7_entity(enc)))
    seeds.add("unwrap", "encrypted-des3-openssl.eml",
              HEADERS + tools.cms_encrypt(TEXT, [me], "des3", smime=True))
    seeds.add("unwrap", "no-key.eml", message(pkcs7_entity(tools.cms_encrypt(TEXT, [other]))))
    detached = tools.cms_sign(TEXT, other, detached=True)
    seeds.add("unwrap", "signed-multipart.eml", HEADERS + detached)
    seeds.add("unwrap", "signed-opaque.eml",
              message(pkcs7_entity(signed, smime_type="signed-data")))
    compressed = compressed_data(TEXT * 20)
    seeds.add("unwrap", "compressed.eml", message(pkcs7_entity(
        compressed, smime_type="compressed-data", name="smime.p7z")))
    # encrypted( signed( compressed( text ) ) )
    inner_c = pkcs7_entity(compressed, smime_type="compressed-data", name="smime.p7z")
    inner_s = pkcs7_entity(sign_synthetic(inner_c, other), smime_type="signed-data")
    seeds.add("unwrap", "enc-signed-compressed.eml",
              message(pkcs7_entity(tools.cms_encrypt(inner_s, [me], "aes128"))))
    attachment = pkcs7_entity(tools.cms_encrypt(b"%PDF-1.4 fake\n", [me]), name="brev.pdf.p7m",
                              ctype="application/octet-stream", smime_type=None)
    seeds.add("unwrap", "nested-encrypted-part.eml",
              message(multipart("mixed", [TEXT, attachment])))
    seeds.add("unwrap", "forwarded.eml", message(
        b"Content-Type: message/rfc822\r\n\r\n" + HEADERS + b"MIME-Version: 1.0\r\n"
        + pkcs7_entity(enc)))
    seeds.add("unwrap", "bare.p7m", enc)
    seeds.add("unwrap", "html.eml", html_message(png))
    for name, data in list(seeds.of("unwrap")):
        if not name.endswith(".p7m"):
            seeds.add("mime", name, data)
    seeds.add("mime", "flowed.eml", HEADERS + b"MIME-Version: 1.0\r\nContent-Type: text/plain;"
              b" charset=iso-8859-1; format=flowed; delsp=yes\r\n\r\nHej S\xf8ren, dette er en "
              b"\r\nlang linje.\r\n> citat \r\n> forts\xe6ttes\r\n-- \r\nhilsen\r\n")
    seeds.add("mime", "attachments.eml", message(multipart("mixed", [
        TEXT,
        b"Content-Type: application/pdf; name=\"=?utf-8?q?=C3=A5rsopg=C3=B8relse.pdf?=\"\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''%C3%A5rs%2F..%2Fopg.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(b"%PDF-1.4\n" * 40),
        b"Content-Type: image/png; name=CON.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(png),
    ])))

    # --- mailboxes -----------------------------------------------------------------------
    mails = [data for name, data in seeds.of("unwrap") if name.endswith(".eml")][:6]
    seeds.add("mailbox", "box.mbox", write_mbox(mails))
    seeds.add("mailbox", "box-mboxcl2.mbox", write_mbox(mails[:3], "mboxcl2", crlf=True))
    seeds.add("mailbox", "one.emlx", write_emlx(mails[0]))
    seeds.add("mailbox", "one.eml", mails[1])
    seeds.add("mailbox", "one.msg", write_msg(Msg(
        props={0x001A: "IPM.Note", 0x0037: "Årsopgørelse", 0x1000: "Hej Søren\r\nSe bilag.",
               0x0C1A: "Skat", 0x5D01: "skat@x.dk", 0x1035: "<msg1@x.dk>", 0x3FDE: 65001,
               0x0039: dt.datetime(2012, 3, 4, 10, 0, tzinfo=dt.timezone.utc)},
        recipients=[{0x3001: "Søren", 0x39FE: "soren@example.dk", 0x0C15: 1}],
        attachments=[Att({0x3707: "bilag.pdf", 0x370E: "application/pdf"}, b"%PDF-1.4 x\n")],
    )))
    seeds.add("mailbox", "smime.p7m", enc)

    # --- HTML ----------------------------------------------------------------------------
    seeds.add("html", "newsletter.html", HTML_BODY.replace("{png}", "").encode())
    seeds.add("html", "tables.html", (
        "<table>" + "".join(f"<tr>{''.join(f'<td>{r}.{c}</td>' for c in range(6))}</tr>"
                            for r in range(30)) + "</table>").encode())
    seeds.add("html", "broken.html", b"<div><p><b>unclosed <i>tags <table><tr><td>x<td>y"
              b"</table></p></b><a href='javascript:alert(1)'>x</a><img src=x onerror=y>")

    _add_static(seeds)
    return seeds


def corpus_files(kind: str) -> list[tuple[str, str, bytes]]:
    """``(target, file name, bytes)`` of ``corpus/<kind>/<target>/*``; ``.gz`` files are
    stored compressed (big crashers) and come back uncompressed."""
    found = []
    for target in TARGETS:
        folder = CORPUS / kind / target
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                data = path.read_bytes()
                if path.suffix == ".gz":
                    data = gzip.decompress(data)
                found.append((target, path.name, data))
    return found


def _add_static(seeds: Seeds) -> None:
    """Small hand-made seeds and every crasher found so far, from ``corpus/``."""
    for kind in ("seeds", "crashers"):
        for target, name, data in corpus_files(kind):
            seeds.add(target, f"{kind}/{name}", data)


def crashers() -> list[tuple[str, str, bytes]]:
    """``(target, file name, bytes)`` of every regression crasher kept in the corpus."""
    return corpus_files("crashers")
