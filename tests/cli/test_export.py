"""End to end through ``cli.main``: real key files, real OpenSSL/NSS mail, real PDFs."""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from smime_archiver import cli
from tests.support import tools

PASSWORD = "Blåbærgrød-2011"


def mbox(messages: list[bytes]) -> bytes:
    """An mboxrd file (``>From `` quoting) of ``messages``."""
    out = []
    for msg in messages:
        lines = msg.replace(b"\r\n", b"\n").split(b"\n")
        lines = [b">" + ln if ln.lstrip(b">").startswith(b"From ") else ln for ln in lines]
        out.append(b"From sender@example.dk Mon Mar  4 10:00:00 2013\n")
        out.append(b"\n".join(lines).rstrip(b"\n") + b"\n\n")
    return b"".join(out)


def headers(subject: str, to: str = "soren@example.dk") -> bytes:
    return (f"From: Skat <skat@example.dk>\nTo: {to}\nSubject: {subject}\n"
            f"Date: Mon, 4 Mar 2013 10:15:00 +0100\nMessage-ID: <{abs(hash(subject))}@x>\n"
            ).encode()


def inner(text: str) -> bytes:
    return ("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n").encode()


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture(scope="module")
def world(pki, tmp_path_factory):
    """A legacy NemID-like key file and a mailbox with one message of every kind."""
    d = tmp_path_factory.mktemp("world")
    me = pki.identity("cli-me", cn="Søren Ærø Åberg")
    other = pki.identity("cli-other", cn="Jens Åkjær")
    p12 = tools.p12_export(me, d / "nøglefil.p12", PASSWORD, legacy=True)
    enc = tools.cms_encrypt(inner("Hemmelig besked med æøå"), [me], "des3", smime=True)
    enc_aes = tools.cms_encrypt(inner("Anden hemmelighed"), [other, me], "aes256", smime=True)
    signed = tools.cms_sign(inner("Underskrevet tekst"), other, detached=True)
    for_other = tools.cms_encrypt(inner("Ikke til dig"), [other], "aes128", smime=True)
    plain = headers("Almindelig") + b"Content-Type: text/plain\n\nFrom the start, plain.\n"
    truncated = enc[: len(enc) // 2]
    messages = [
        headers("Krypteret 3DES") + enc,
        headers("Krypteret AES") + enc_aes,
        headers("Underskrevet") + signed,
        plain,
        headers("Til Jens", "jens@example.dk") + for_other,
        headers("Afkortet") + truncated,
    ]
    box = d / "Indbakke.mbox"
    box.write_bytes(mbox(messages))
    good_box = d / "good.mbox"
    good_box.write_bytes(mbox(messages[:4]))
    der = tools.cms_encrypt(inner("Bar CMS-fil"), [me], "aes192")
    return {"dir": d, "me": me, "other": other, "p12": p12, "box": box, "good": good_box,
            "der": der}


def run(argv, monkeypatch, password=PASSWORD):
    if password is None:
        monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    else:
        monkeypatch.setenv(cli.PASSWORD_ENV, password)
    return cli.main(argv)


def test_export_archives_every_message_or_says_why(world, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    code = run(["export", "--key", str(world["p12"]), "--out", str(out), str(world["box"])],
               monkeypatch)
    captured = capsys.readouterr()
    assert code == cli.EXIT_INCOMPLETE
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    msgs = report["messages"]
    assert [m["index"] for m in msgs] == [0, 1, 2, 3, 4, 5]
    assert [m["status"] for m in msgs] == ["decrypted", "decrypted", "signed", "plain",
                                           "no_key", "corrupt"]
    assert all(m["source"] == str(world["box"]) for m in msgs)
    s = report["summary"]
    assert (s["total"], s["archived"], s["decrypted"], s["no_key"], s["corrupt"]) == (6, 4, 2, 1, 1)
    # PDFs exist for archived messages and contain the decrypted text
    assert "Hemmelig besked med æøå" in pdf_text(out / msgs[0]["pdf"])
    assert "Anden hemmelighed" in pdf_text(out / msgs[1]["pdf"])
    assert "Underskrevet tekst" in pdf_text(out / msgs[2]["pdf"])
    assert "From the start, plain." in pdf_text(out / msgs[3]["pdf"])
    assert msgs[4]["pdf"] is None and msgs[5]["pdf"] is None
    # encryption details and which key opened it
    assert msgs[0]["encryption"]["content_algorithm"] == "des_ede3_cbc"
    assert msgs[0]["encryption"]["key_file"].endswith("nøglefil.p12")
    assert msgs[1]["encryption"]["content_algorithm"] == "aes256_cbc"
    # signature recorded
    assert msgs[2]["signatures"][0]["valid"] is True
    assert "Jens Åkjær" in msgs[2]["signatures"][0]["signer"]
    # the missing key is named by issuer and serial
    serial = world["other"].serial
    assert msgs[4]["recipients"][0]["serial"] == str(serial)
    assert str(serial) in msgs[4]["detail"] or f"{serial:x}" in msgs[4]["detail"]
    assert s["missing_keys"][0]["recipient"]["serial"] == str(serial)
    # the console names the missing certificate too, and never the password
    assert str(serial) in captured.out
    everything = captured.out + captured.err + (out / "report.json").read_text("utf-8")
    assert PASSWORD not in everything
    # PDFs are in a folder named after the mailbox
    assert all(m["pdf"].startswith("Indbakke/") for m in msgs[:4])
    # nothing half-written is left behind: no temporary file anywhere, and the only hidden
    # entry is the resume journal's folder, holding the journal and the output lock alone
    assert not [p for p in out.rglob("*") if p.name.startswith((".partial", ".probe", "w-"))]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [".smime-archiver"]
    assert sorted(p.name for p in (out / ".smime-archiver").iterdir()) == ["journal.jsonl",
                                                                           "lock"]


def test_all_archived_exits_zero(world, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert run(["export", "-k", str(world["p12"]), "-o", str(out), str(world["good"])],
               monkeypatch) == cli.EXIT_OK
    assert len(list(out.glob("good/*.pdf"))) == 4
    assert len(list(out.rglob("*.pdf"))) == 4


def test_reader_note_reaches_the_report_and_the_pdf(world, tmp_path, monkeypatch):
    cut = (b"From: a@example.dk\nSubject: Afbrudt\nMIME-Version: 1.0\n"
           b'Content-Type: multipart/mixed; boundary="B"\n\n--B\n'
           b"Content-Type: text/plain; charset=utf-8\n\nF\xc3\xb8rste del er her.\n--B\n"
           b"Content-Type: text/plain\n\nAnden del blev afbr")
    box = tmp_path / "cut.mbox"
    box.write_bytes(mbox([inner("hel besked")])  # a complete first message, then the cut one
                    + b"From sender@example.dk Mon Mar  4 10:00:00 2013\n" + cut)
    out = tmp_path / "out"
    run(["export", "-k", str(world["p12"]), "-o", str(out), str(box)], monkeypatch)
    report = json.loads((out / "report.json").read_text("utf-8"))
    first, last = report["messages"]
    assert first["note"] == ""
    assert "The mailbox ends in" in last["note"]
    assert last["pdf"] is not None
    text = " ".join(pdf_text(out / last["pdf"]).split())
    assert "Første del er her." in text
    assert "The mailbox ends in" in text
    csv_text = (out / "report.csv").read_text("utf-8-sig")
    assert "The mailbox ends in" in csv_text


@pytest.mark.parametrize("form", ["der", "pem", "base64"])
def test_bare_cms_file_given_directly(world, tmp_path, monkeypatch, form):
    der = world["der"]
    data = {
        "der": der,
        "pem": b"-----BEGIN CMS-----\n" + base64.encodebytes(der) + b"-----END CMS-----\n",
        "base64": base64.encodebytes(der),
    }[form]
    src = tmp_path / "besked.bin"
    src.write_bytes(data)
    out = tmp_path / "out"
    assert run(["export", "-k", str(world["p12"]), "-o", str(out), str(src)],
               monkeypatch) == cli.EXIT_OK
    msg = json.loads((out / "report.json").read_text("utf-8"))["messages"][0]
    assert msg["status"] == "decrypted" and msg["index"] is None
    assert "Bar CMS-fil" in pdf_text(out / msg["pdf"])


def test_password_file_candidates(world, tmp_path, monkeypatch):
    pw = tmp_path / "passwords.txt"
    pw.write_text("forkert\nogså forkert\n" + PASSWORD + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code = run(["export", "-k", str(world["p12"]), "--password-file", str(pw), "-o", str(out),
                str(world["good"])], monkeypatch, password=None)
    assert code == cli.EXIT_OK


def test_nfd_password_opens_nfc_key_file(world, tmp_path, monkeypatch):
    import unicodedata

    out = tmp_path / "out"
    code = run(["export", "-k", str(world["p12"]), "-o", str(out), str(world["good"])],
               monkeypatch, password=unicodedata.normalize("NFD", PASSWORD))
    assert code == cli.EXIT_OK


def test_wrong_password_is_fatal_and_named(world, tmp_path, monkeypatch, capsys):
    code = run(["export", "-k", str(world["p12"]), "-o", str(tmp_path / "o"),
                str(world["good"])], monkeypatch, password="forkert")
    err = capsys.readouterr().err
    assert code == cli.EXIT_FATAL
    assert "nøglefil.p12" in err
    assert "password" in err.lower()
    assert "forkert" not in err


def test_damaged_key_file_is_named(world, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "ødelagt.p12"
    bad.write_bytes(world["p12"].read_bytes()[:300])
    code = run(["export", "-k", str(bad), "-o", str(tmp_path / "o"), str(world["good"])],
               monkeypatch)
    err = capsys.readouterr().err
    assert code == cli.EXIT_FATAL
    assert "ødelagt.p12" in err


def test_one_bad_key_file_does_not_stop_the_run(world, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "junk.p12"
    bad.write_bytes(b"\x00garbage" * 50)
    out = tmp_path / "out"
    code = run(["export", "-k", str(bad), "-k", str(world["p12"]), "-o", str(out),
                str(world["good"])], monkeypatch)
    assert code == cli.EXIT_OK
    assert "junk.p12" in capsys.readouterr().err


def test_export_without_key_archives_plain_and_signed_mail(world, tmp_path, monkeypatch,
                                                           capsys):
    """No --key: plain and signed mail is archived, encrypted mail is listed as no_key with
    the certificate it was encrypted to; exit 3 because not every message is archived."""
    out = tmp_path / "out"
    code = run(["export", "--out", str(out), str(world["box"])], monkeypatch, password=None)
    captured = capsys.readouterr()
    assert code == cli.EXIT_INCOMPLETE
    assert "No key file given" in captured.out
    msgs = json.loads((out / "report.json").read_text(encoding="utf-8"))["messages"]
    assert [m["status"] for m in msgs] == ["no_key", "no_key", "signed", "plain", "no_key",
                                           "corrupt"]
    assert "Underskrevet tekst" in pdf_text(out / msgs[2]["pdf"])
    assert msgs[2]["signatures"][0]["valid"] is True
    assert "From the start, plain." in pdf_text(out / msgs[3]["pdf"])
    me, other = world["me"].serial, world["other"].serial
    assert [r["serial"] for r in msgs[0]["recipients"]] == [str(me)]
    # RecipientInfos is a DER SET OF: its order follows the encoded bytes (random serials)
    assert sorted(r["serial"] for r in msgs[1]["recipients"]) == sorted([str(other), str(me)])
    assert [r["serial"] for r in msgs[4]["recipients"]] == [str(other)]
    assert str(me) in msgs[0]["detail"] and all(m["pdf"] is None for m in msgs[:2])
    # no key was loaded at all: the reason says so, not "none of the loaded keys"
    assert msgs[0]["detail"].startswith("No key was given"), msgs[0]["detail"]
    missing = json.loads((out / "report.json").read_text("utf-8"))["summary"]["missing_keys"]
    assert {(e["recipient"]["serial"], e["messages"]) for e in missing} == {(str(me), 2),
                                                                            (str(other), 2)}
    assert str(me) in captured.out  # the console names the certificate that is needed


def test_export_without_key_of_unencrypted_mail_exits_zero(world, tmp_path, monkeypatch):
    box = tmp_path / "plain.mbox"
    signed = tools.cms_sign(inner("Kun underskrevet"), world["other"], detached=True)
    box.write_bytes(mbox([headers("Almindelig") + b"Content-Type: text/plain\n\nHej.\n",
                          headers("Underskrevet") + signed]))
    out = tmp_path / "out"
    assert run(["export", "-o", str(out), str(box)], monkeypatch, password=None) == cli.EXIT_OK
    msgs = json.loads((out / "report.json").read_text("utf-8"))["messages"]
    assert [m["status"] for m in msgs] == ["plain", "signed"]
    assert len(list(out.rglob("*.pdf"))) == 2


def test_key_files_given_but_none_loaded_is_fatal(world, tmp_path, monkeypatch, capsys):
    """Keys were given to decrypt with: an export that would decrypt nothing stops first
    (nothing written) and says how to archive only the mail that is not encrypted."""
    out = tmp_path / "out"
    code = run(["export", "-k", str(world["p12"]), "-o", str(out), str(world["box"])],
               monkeypatch, password="forkert")
    err = capsys.readouterr().err
    assert code == cli.EXIT_FATAL
    assert "No key could be loaded" in err and "run without --key" in err
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["export", "-k", "missing.p12", "-o", "x", "in.mbox"],
        ["export", "--bogus"],
        ["frobnicate"],
        [],
    ],
)
def test_usage_errors_exit_2(argv, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert run(argv, monkeypatch) == cli.EXIT_USAGE


def test_missing_input_is_a_usage_error(world, tmp_path, monkeypatch, capsys):
    code = run(["export", "-k", str(world["p12"]), "-o", str(tmp_path / "o"),
                str(tmp_path / "nowhere.mbox")], monkeypatch)
    assert code == cli.EXIT_USAGE
    assert "nowhere.mbox" in capsys.readouterr().err


def test_unwritable_output_is_fatal(world, tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = run(["export", "-k", str(world["p12"]), "-o", str(blocker / "out"),
                str(world["good"])], monkeypatch)
    assert code == cli.EXIT_FATAL
    assert str(blocker) in capsys.readouterr().err


def test_keys_command(world, monkeypatch, capsys):
    code = run(["keys", str(world["p12"])], monkeypatch)
    out = capsys.readouterr().out
    assert code == cli.EXIT_OK
    assert "Søren Ærø Åberg" in out
    assert str(world["me"].serial) in out
    assert "RSA, 2048 bit" in out
    code = run(["keys", "--json", str(world["p12"])], monkeypatch)
    data = json.loads(capsys.readouterr().out)
    key = data["keys"][0]
    assert key["serial"] == str(world["me"].serial)
    assert "Søren Ærø Åberg" in key["subject"]
    assert key["key_type"] == "RSA" and key["key_size"] == 2048
    assert key["subject_key_identifier"]


def test_danish_output(world, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    run(["--lang", "da", "export", "-k", str(world["p12"]), "-o", str(out), str(world["box"])],
        monkeypatch)
    text = capsys.readouterr().out
    assert "Arkiverede 4 af 6 beskeder" in text
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert report["messages"][0]["status"] == "decrypted"  # statuses stay machine-readable


def test_demo_command(tmp_path, monkeypatch, capsys):
    code = cli.main(["demo", "--out", str(tmp_path / "demo")])
    out = capsys.readouterr().out
    assert code == cli.EXIT_OK
    report = json.loads((tmp_path / "demo" / "pdf" / "report.json").read_text("utf-8"))
    assert [m["status"] for m in report["messages"]] == ["decrypted", "decrypted", "decrypted",
                                                          "plain", "no_key"]
    pdfs = sorted((tmp_path / "demo" / "pdf").rglob("*.pdf"))
    assert len(pdfs) == 4
    assert "Søndergade 7" in pdf_text(tmp_path / "demo" / "pdf" / report["messages"][0]["pdf"])
    signed = report["messages"][2]
    assert signed["signatures"][0]["valid"] is True
    assert str(tmp_path / "demo" / "pdf") in out
