"""File names from hostile mail never leave the output folder nor overwrite anything.

Real exports through ``cli.main`` with ``--attachments --eml``: attachment names and
subjects that try ``../``, absolute paths, drive letters, NUL, reserved Windows names,
very long names, and names that differ only in case or Unicode normalization; files that
were in the output folder before; a folder in the output that is a link leading out.
"""

from __future__ import annotations

import base64
import json
import os
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pytest

from smime_archiver import cli
from smime_archiver.archive.names import WINDOWS_RESERVED
from tests.support.mailbox import write_mbox
from tests.unit.hostile.conftest import PASSWORD, encrypted, headers

HOSTILE_NAMES = [
    "../../../../../tmp/smime-archiver-escaped.txt",
    "..\\..\\..\\Windows\\System32\\escaped.dll",
    "/etc/passwd",
    "C:\\Users\\Public\\escaped.txt",
    "D:escaped-drive-relative.txt",
    "nul\x00byte.txt",
    "CON.txt", "aux", "LPT1.pdf", "com1", "NUL.tar.gz", "con .txt",
    "..", ".", "", "   ", "...",
    "ø" * 300 + ".pdf",
    "a" * 1000,
    "Rapport.pdf", "rapport.pdf", "RAPPORT.PDF",
    unicodedata.normalize("NFC", "Årsopgørelse.txt"),
    unicodedata.normalize("NFD", "Årsopgørelse.txt"),
    "faktura\u202efdp.exe",
    "line\r\nbreak.txt",
    "semi;colon\"quote'<>|?*.txt",
]


def _attachment(name: str, number: int) -> bytes:
    data = f"indhold nummer {number}\n".encode()
    return (b"Content-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename*=utf-8''"
            + quote(name, safe="").encode() + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(data))


def _with_attachments(names: list[str]) -> bytes:
    parts = [b"Content-Type: text/plain; charset=utf-8\r\n\r\nSe bilag.\r\n"]
    parts += [_attachment(name, n) for n, name in enumerate(names)]
    body = b"".join(b"--B\r\n" + p + b"\r\n" for p in parts) + b"--B--\r\n"
    return b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n' + body


def _export(key_file, out: Path, *inputs: Path, extra: tuple[str, ...] = ()) -> tuple[int, str]:
    os.environ[cli.PASSWORD_ENV] = PASSWORD
    try:
        code = cli.main(["--lang", "en", "export", "--quiet", "--jobs", "1", "--eml",
                         "--attachments", "--key", str(key_file.path), "--out", str(out),
                         *extra, *map(str, inputs)])
    finally:
        del os.environ[cli.PASSWORD_ENV]
    return code, ""


def _assert_safe_tree(out: Path) -> list[Path]:
    root = os.path.realpath(out)
    files = []
    for folder, dirs, names in os.walk(out):
        for name in dirs + names:
            path = Path(folder) / name
            assert os.path.realpath(path).startswith(root + os.sep), path
            assert not path.is_symlink(), path
            assert len(name.encode("utf-8")) <= 200, name
            assert name == unicodedata.normalize("NFC", name), name
            assert not any(c in name for c in '<>:"\\|?*') and name.isprintable(), repr(name)
            assert name.rstrip(" .") == name, repr(name)
            assert name.split(".")[0].rstrip(" ").upper() not in WINDOWS_RESERVED, name
            if path.is_file():
                files.append(path)
    return files


def test_hostile_attachment_names_and_subjects_stay_inside_the_output(key_file, tmp_path):
    me = key_file.identity
    messages = [
        headers("../../../../tmp/subject-escape", minute=1)
        + encrypted(me, _with_attachments(HOSTILE_NAMES)),
        headers("CON", sender="\"../..\" <x@example.dk>", minute=2) + b"\nen\n",
        headers("C:\\Windows\\win.ini", minute=3) + b"\nto\n",
        headers("Årsopgørelse", minute=4) + b"\ntre\n",
        headers("ÅRSOPGØRELSE", minute=4) + b"\nfire\n",  # equal names but for case
        headers(unicodedata.normalize("NFD", "Årsopgørelse"), minute=4) + b"\nfem\n",
        headers("x" * 5000, minute=5) + b"\nseks\n",
    ]
    share = tmp_path / "share"
    share.mkdir()
    (share / "AUX.mbox").write_bytes(write_mbox(messages))
    out = tmp_path / "out"
    code, _ = _export(key_file, out, share)
    assert code == cli.EXIT_OK
    assert not Path("/tmp/smime-archiver-escaped.txt").exists()
    assert not (tmp_path / "tmp").exists() and not Path("/tmp/subject-escape.pdf").exists()
    files = _assert_safe_tree(out)

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    first = report["messages"][0]
    assert first["status"] == "decrypted"
    attachments = [out / rel for rel in first["attachments"]]
    assert len(attachments) == len(HOSTILE_NAMES)  # one file each, none overwritten
    assert len({p.name.casefold() for p in attachments}) == len(HOSTILE_NAMES)
    contents = sorted(p.read_bytes() for p in attachments)
    assert contents == sorted(f"indhold nummer {n}\n".encode()
                              for n in range(len(HOSTILE_NAMES)))
    assert all(p in files for p in attachments)
    # three subjects equal but for case and normalization: three PDFs, none overwritten
    pdfs = [m["pdf"] for m in report["messages"]
            if unicodedata.normalize("NFC", m["subject"]).casefold() == "årsopgørelse"]
    assert len(pdfs) == len({p.casefold() for p in pdfs}) == 3
    texts = {(out / p).read_bytes() for p in pdfs}
    assert len(texts) == 3


def test_files_already_in_the_output_folder_are_never_overwritten(key_file, tmp_path):
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(write_mbox([headers("Møde", minute=7) + b"\nteksten\n"]))
    out = tmp_path / "out"
    code, _ = _export(key_file, out, box)
    assert code == cli.EXIT_OK
    [pdf] = (out / "Indbakke").glob("*.pdf")
    [eml] = (out / "Indbakke").glob("*.eml")
    pdf.write_bytes(b"the user's own file")
    eml.write_bytes(b"another file of the user's")
    code, _ = _export(key_file, out, box)  # a new run (no --resume) into the same folder
    assert code == cli.EXIT_OK
    assert pdf.read_bytes() == b"the user's own file"
    assert eml.read_bytes() == b"another file of the user's"
    again = sorted((out / "Indbakke").glob("*.pdf"))
    assert len(again) == 2 and again[1].name == pdf.stem + "_2.pdf"
    assert again[1].read_bytes().startswith(b"%PDF")


def test_a_link_leading_out_of_the_output_folder_is_refused(key_file, tmp_path, capsys):
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(write_mbox([headers("Hemmeligt", minute=8) + b"\nfortroligt\n"]))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "Indbakke").symlink_to(elsewhere, target_is_directory=True)
    code, _ = _export(key_file, out, box)
    assert code == cli.EXIT_FATAL
    err = capsys.readouterr().err
    assert "Indbakke is a link to another place" in err and "made itself" in err
    assert list(elsewhere.iterdir()) == []  # nothing written through the link


@pytest.mark.parametrize("attack", ["pdf", "attachments"])
def test_a_link_in_place_of_a_file_is_not_written_through(key_file, tmp_path, attack):
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(write_mbox([headers("Møde", minute=9) + b"\nteksten\n"]))
    probe = tmp_path / "probe"
    code, _ = _export(key_file, probe, box)
    [pdf] = (probe / "Indbakke").glob("*.pdf")
    out = tmp_path / "out"
    (out / "Indbakke").mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "file").write_bytes(b"precious")
    if attack == "pdf":
        (out / "Indbakke" / pdf.name).symlink_to(victim / "file")
    else:
        (out / "Indbakke" / (pdf.stem + "_attachments")).symlink_to(victim)
    code, _ = _export(key_file, out, box)
    assert code == cli.EXIT_OK
    assert (victim / "file").read_bytes() == b"precious"
    assert sorted(p.name for p in victim.iterdir()) == ["file"]
    assert (out / "Indbakke" / (pdf.stem + "_2.pdf")).read_bytes().startswith(b"%PDF")


def test_a_link_inside_the_output_folder_is_refused_too(key_file, tmp_path, capsys):
    """Issue 15: nothing is written through a link the program did not make, even one
    that stays inside the output folder (it was followed before)."""
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(write_mbox([headers("Møde", minute=10) + b"\nteksten\n"]))
    out = tmp_path / "out"
    (out / "real").mkdir(parents=True)
    (out / "Indbakke").symlink_to(out / "real", target_is_directory=True)
    code, _ = _export(key_file, out, box)
    assert code == cli.EXIT_FATAL
    assert "Indbakke is a link to another place" in capsys.readouterr().err
    assert list((out / "real").iterdir()) == []


def _word(text: str) -> str:
    """``text`` as an RFC 2047 encoded word (how a mailer sends such a header)."""
    import base64

    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def test_bidi_zero_width_and_device_names_from_the_sender_never_reach_a_name(key_file,
                                                                              tmp_path):
    """Subject, sender and mailbox names are the mail writer's choice: the strict
    sanitizer applies to the PDF, the .eml and the folders as to attachments."""
    messages = [
        headers(_word("faktura\u202efdp.exe"), minute=1) + b"\nen\n",
        headers(_word("m\u00f8de\u200b\u2066ref\u2069\ufeff"),
                sender=f"{_word('COM¹ Bank')} <x@example.dk>", minute=2) + b"\nto\n",
    ]
    share = tmp_path / "share"
    share.mkdir()
    for box in ("CONIN$.mbox", "lpt\u00b2.mbox", "Ind\u202ebakke.mbox"):
        (share / box).write_bytes(write_mbox(messages))
    out = tmp_path / "out"
    code, _ = _export(key_file, out, share)
    assert code == cli.EXIT_OK
    _assert_safe_tree(out)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {m["subject"] for m in report["messages"]} >= {"faktura\u202efdp.exe"}  # kept
    folders = sorted({m["pdf"].split("/")[1] for m in report["messages"]})
    assert folders == ["Indbakke", "_CONIN$", "_lpt²"]
    stems = sorted({Path(m["pdf"]).stem for m in report["messages"]})
    assert stems == ["2013-03-04_1001_Skat_fakturafdp.exe", "2013-03-04_1002_COM¹ Bank_møderef"]
    assert all(Path(m["eml"]).stem == Path(m["pdf"]).stem for m in report["messages"])
