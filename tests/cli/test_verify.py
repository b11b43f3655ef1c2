"""``smime-archiver verify OUT``: a good archive verifies; a deleted PDF, a truncated one and
one whose embedded original was changed are each named, with exit 4."""

from __future__ import annotations

import json
import re
import shutil
import zlib
from pathlib import Path

import pytest

from smime_archiver import cli
from smime_archiver.cli.console import EXIT_VERIFY_FAILED


def plain(i: int) -> bytes:
    return (f"From: Skat <skat@example.dk>\nTo: soren@example.dk\nSubject: Fixity {i}\n"
            f"Date: Mon, 4 Mar 2013 10:{i:02d}:00 +0100\nMessage-ID: <v{i}@x>\n"
            f"Content-Type: text/plain; charset=utf-8\n\nOriginal tekst {i} med æøå.\n"
            ).encode()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("verify")
    mail = d / "mail"
    mail.mkdir()
    for i in range(4):
        (mail / f"m{i}.eml").write_bytes(plain(i))
    out = d / "out"
    assert cli.main(["--lang", "en", "export", "--out", str(out), str(mail)]) == cli.EXIT_OK
    return out


def pdfs(out: Path) -> list[str]:
    return [m["pdf"] for m in json.loads((out / "report.json").read_text("utf-8"))["messages"]]


def test_the_report_records_the_embedded_originals_sha256(archive):
    import hashlib

    messages = json.loads((archive / "report.json").read_text("utf-8"))["messages"]
    assert messages[0]["embedded_sha256"] == hashlib.sha256(
        (archive.parent / "mail" / "m0.eml").read_bytes()).hexdigest()


def test_a_good_archive_verifies(archive, capsys):
    assert cli.main(["--lang", "en", "verify", str(archive)]) == cli.EXIT_OK
    assert "4 PDFs checked" in capsys.readouterr().out


def change_embedded(pdf: Path) -> None:
    """Re-write the embedded message.eml with one letter changed (a valid stream)."""
    data = pdf.read_bytes()
    spec = re.search(rb"obj\s*<<\s*/AFRelationship /Source.*?/EF <<\s*/F (\d+) 0 R", data,
                     re.S)
    assert spec
    head = re.search(rb"(?<!\d)%s 0 obj\s*<<(.*?)>>\s*stream\r?\n" % spec.group(1), data, re.S)
    assert head and b"/FlateDecode" in head.group(1)
    length = int(re.search(rb"/Length (\d+)", head.group(1)).group(1))
    body = zlib.decompress(data[head.end():head.end() + length])
    changed = zlib.compress(body.replace(b"Original", b"Falsk!!!", 1))
    assert changed != data[head.end():head.end() + length]
    new_head = head.group(0).replace(b"/Length %d" % length, b"/Length %d" % len(changed))
    pdf.write_bytes(data[:head.start()] + new_head + changed + data[head.end() + length:])


def test_missing_truncated_and_changed_pdfs_are_each_named(archive, tmp_path, capsys):
    out = tmp_path / "copy"
    shutil.copytree(archive, out)
    gone, cut, changed, good = pdfs(out)
    (out / gone).unlink()
    whole = (out / cut).read_bytes()
    (out / cut).write_bytes(whole[: len(whole) // 2])
    change_embedded(out / changed)
    assert cli.main(["--lang", "en", "verify", str(out)]) == EXIT_VERIFY_FAILED
    err = capsys.readouterr().err
    lines = {line.split(": ", 1)[0]: line for line in err.splitlines() if ": " in line}
    assert "missing" in lines[gone]
    assert "truncated" in lines[cut]
    assert "changed" in lines[changed]
    assert good not in err
    assert "3 problems found in 4 PDFs" in err


@pytest.mark.parametrize("damage", ["empty", "garbage", "no_xmp", "bad_stream", "no_report"])
def test_damaged_files_are_findings_not_tracebacks(archive, tmp_path, capsys, damage):
    out = tmp_path / "copy"
    shutil.copytree(archive, out)
    target = out / pdfs(out)[0]
    data = target.read_bytes()
    if damage == "empty":
        target.write_bytes(b"")
    elif damage == "garbage":
        target.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")
    elif damage == "no_xmp":
        target.write_bytes(data.replace(b"pdfaid:part", b"pdfaid:xxxx"))
    elif damage == "bad_stream":
        at = data.index(b"/Type /EmbeddedFile")
        at = data.index(b"stream\n", at) + 7
        target.write_bytes(data[:at] + b"\xff" * 40 + data[at + 40:])
    else:
        (out / "report.json").write_text("{", encoding="utf-8")
    assert cli.main(["--lang", "en", "verify", str(out)]) == EXIT_VERIFY_FAILED
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (pdfs(archive)[0] if damage != "no_report" else "report.json") in err


def test_verify_speaks_danish(archive, tmp_path, capsys):
    out = tmp_path / "copy"
    shutil.copytree(archive, out)
    (out / pdfs(out)[0]).unlink()
    assert cli.main(["--lang", "da", "verify", str(out)]) == EXIT_VERIFY_FAILED
    assert "PDF-filen mangler" in capsys.readouterr().err
