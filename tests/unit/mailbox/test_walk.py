"""Walking folders: Maildir(++), .eml trees, Thunderbird profiles, Apple Mail, named files."""

from __future__ import annotations

import os
from pathlib import Path

from smime_archiver.mailbox import describe_locator, iter_messages
from smime_archiver.model import RawMail, SourceProblem
from tests.support.mailbox import TB_ENVELOPE, message, write_emlx, write_mbox


def _items(*paths) -> list[RawMail | SourceProblem]:
    return list(iter_messages([str(p) for p in paths]))


def _subjects(items) -> list[str]:
    out = []
    for item in items:
        assert isinstance(item, RawMail), item
        line = next(x for x in item.data.split(b"\n") if x.startswith(b"Subject: "))
        out.append(line[9:].decode())
    return out


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_maildir_plus_plus(tmp_path):
    root = tmp_path / "Maildir"
    _write(root / "cur" / "1700000002.M2P1.host:2,RS", message("cur two"))
    _write(root / "cur" / "1700000001.M1P1.host:2,S", message("cur one"))
    _write(root / "new" / "1700000003.M3P1.host", message("new one"))
    _write(root / "tmp" / "1700000004.M4P1.host", message("in delivery"))
    _write(root / ".Sendt" / "cur" / "1700000005.M5P1.host:2,S", message("sent"))
    (root / ".Sendt" / "new").mkdir()
    _write(root / ".Sendt" / "cur" / "1700000006.M6P1.host:2,S", os.urandom(300) + b"\x00")
    _write(root / "dovecot-uidlist", b"3 V1 N4\n")
    items = _items(root)
    assert _subjects(items[:3]) == ["cur one", "cur two", "new one"]
    assert _subjects(items[3:4]) == ["sent"]
    problem = items[4]
    assert isinstance(problem, SourceProblem)
    assert problem.source.endswith("1700000006.M6P1.host:2,S")
    assert "binary data" in problem.detail
    assert len(items) == 5
    first = items[0]
    assert first.index is None and first.locator == "" and first.source.endswith(":2,S")
    assert describe_locator(first) == ""
    assert first.container == str(root)
    assert items[3].container == str(root / ".Sendt")


def test_eml_tree_any_depth_non_ascii_names(tmp_path):
    _write(tmp_path / "Arkiv" / "2009" / "Æbler og pærer" / "brev ø.eml", message("deep"))
    _write(tmp_path / "Arkiv" / "a.eml", message("top"))
    _write(tmp_path / "Arkiv" / "noter.txt", b"just some notes\n")
    _write(tmp_path / "Arkiv" / "billede.jpg", b"\xff\xd8\xff\xe0" + os.urandom(100))
    items = _items(tmp_path / "Arkiv")
    assert _subjects(items) == ["deep", "top"]
    assert items[0].source.endswith("brev ø.eml")
    assert items[0].container == str(tmp_path / "Arkiv" / "2009" / "Æbler og pærer")


def test_thunderbird_profile_finds_every_mailbox(tmp_path):
    profile = tmp_path / "abcd.default-release"
    outside = tmp_path / "Søren's \"post\"" / "pop.example.dk"
    _write(profile / "prefs.js", (
        'user_pref("mail.server.server1.directory", "' + str(profile / "Mail" / "Local Folders")
        + '");\nuser_pref("mail.server.server3.directory", "'
        + str(outside).replace("\\", "\\\\").replace('"', '\\"') + '");\n'
    ).encode())
    local = profile / "Mail" / "Local Folders"
    tb = "X-Mozilla-Status: 0001\n"
    _write(local / "Inbox", write_mbox([message("inbox 1", extra_headers=tb),
                                        message("inbox 2", extra_headers=tb)], "none",
                                       envelope=TB_ENVELOPE))
    _write(local / "Inbox.msf", b"// <!-- <mdb:mork:z v=\"1.4\"/> -->\n< <(a=c)> >")
    _write(local / "Inbox.sbd" / "Skat", write_mbox([message("tax")], "none",
                                                    envelope=TB_ENVELOPE))
    _write(local / "Inbox.sbd" / "Skat.msf", b"// <!-- <mdb:mork")
    _write(local / "Trash", b"")
    _write(local / "Trash.msf", b"// <!-- <mdb:mork")
    _write(local / "popstate.dat", b"# POP3 State File\n")
    _write(profile / "ImapMail" / "imap.example.dk" / "INBOX",
           write_mbox([message("imap")], envelope=TB_ENVELOPE))
    _write(profile / "extensions" / "x.xpi", b"PK\x03\x04" + os.urandom(50))
    _write(profile / "places.sqlite", b"SQLite format 3\x00" + os.urandom(100))
    _write(outside / "Inbox", write_mbox([message("outside")], envelope=TB_ENVELOPE))
    items = _items(profile)
    assert _subjects(items) == ["inbox 1", "inbox 2", "tax", "imap", "outside"]
    assert [i.index for i in items] == [0, 1, 0, 0, 0]
    # the Mail folder alone works too, and so does the ImapMail folder
    assert _subjects(_items(profile / "Mail")) == ["inbox 1", "inbox 2", "tax"]
    assert _subjects(_items(profile / "ImapMail")) == ["imap"]


def test_apple_mail_folders(tmp_path):
    export = tmp_path / "Export" / "Indbakke.mbox"
    _write(export / "mbox", write_mbox([message("apple export")]))
    _write(export / "table_of_contents", b"\x00\x01binary index" + os.urandom(40))
    v = tmp_path / "V10" / "UUID-1" / "INBOX.mbox" / "UUID-2" / "Data" / "1" / "Messages"
    _write(v / "12.emlx", write_emlx(message("emlx one")))
    _write(v.parent / "Attachments" / "12" / "2" / "vedhæftet.eml", message("attachment"))
    _write(tmp_path / "V10" / "MailData" / "Envelope Index", b"SQLite format 3\x00" + b"\0" * 50)
    items = _items(tmp_path / "Export", tmp_path / "V10")
    assert _subjects(items) == ["apple export", "emlx one"]
    assert items[0].source == str(export / "mbox")
    assert items[1].container == str(tmp_path / "V10" / "UUID-1" / "INBOX.mbox")


def test_named_files_are_read_by_content_and_problems_explained(tmp_path):
    eml_named_msg = _write(tmp_path / "really-eml.msg", message("eml named msg"))
    mbox_no_ext = _write(tmp_path / "mailbox-without-extension",
                         write_mbox([message("no ext")]))
    empty = _write(tmp_path / "empty.eml", b"")
    garbage = _write(tmp_path / "garbage.eml", os.urandom(2000) + b"\x00")
    not_ole = _write(tmp_path / "broken.msg", b"\x00\x01\x02 not a compound file" * 10)
    text = _write(tmp_path / "readme.txt", b"Hello, this is not a mail.\n")
    zipped = _write(tmp_path / "mail.zip", b"PK\x03\x04" + os.urandom(100))
    missing = tmp_path / "nowhere.mbox"
    items = _items(eml_named_msg, mbox_no_ext, empty, garbage, not_ole, text, zipped, missing)
    assert _subjects(items[:2]) == ["eml named msg", "no ext"]
    details = [(Path(i.source).name, i.detail) for i in items[2:]]
    assert all(isinstance(i, SourceProblem) for i in items[2:])
    assert "empty (0 bytes)" in details[0][1]
    assert "binary data" in details[1][1]
    assert "named .msg but is not an Outlook message" in details[2][1]
    assert "is text" in details[3][1]
    assert "ZIP archive" in details[4][1]
    assert "does not exist" in details[5][1]


def test_walk_reports_claimed_files_and_leaves_others_alone(tmp_path):
    _write(tmp_path / "ok.eml", message("ok"))
    _write(tmp_path / "zero.eml", b"")
    _write(tmp_path / "bad.msg", b"<html>not outlook</html>\n")
    _write(tmp_path / "notes", b"a plain text file without mail\n")
    _write(tmp_path / "empty-file", b"")
    items = _items(tmp_path)
    kinds = [(Path(i.source).name, type(i).__name__) for i in items]
    assert kinds == [("bad.msg", "SourceProblem"), ("ok.eml", "RawMail"),
                     ("zero.eml", "SourceProblem")]


def test_inputs_given_twice_or_nested_are_read_once(tmp_path):
    box = _write(tmp_path / "dir" / "a.eml", message("once"))
    items = _items(tmp_path / "dir", box, tmp_path / "dir")
    assert _subjects(items) == ["once"]


def test_symlinked_folder_loop_is_not_followed(tmp_path):
    _write(tmp_path / "mail" / "a.eml", message("a"))
    os.symlink(tmp_path / "mail", tmp_path / "mail" / "loop")
    assert _subjects(_items(tmp_path / "mail")) == ["a"]


def test_bare_cms_in_der_pem_base64(tmp_path, pki):
    from tests.support import tools

    ident = pki.identity("walk-cms")
    der = tools.cms_encrypt(b"Content-Type: text/plain\r\n\r\nhemmelig\r\n", [ident])
    pem = tools.openssl("cms", "-cmsout", "-inform", "DER", "-outform", "PEM", input=der)
    import base64

    b64 = base64.encodebytes(der)
    files = [_write(tmp_path / "smime.p7m", der), _write(tmp_path / "x.pem", pem),
             _write(tmp_path / "x.b64", b64)]
    items = _items(*files)
    assert [i.data for i in items] == [der, der, der]
    broken = _write(tmp_path / "cut.pem", pem[: len(pem) // 2])
    [problem] = _items(broken)
    assert isinstance(problem, SourceProblem) and "cut off" in problem.detail
