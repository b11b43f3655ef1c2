"""RawMail.container, set by the readers, and read_one: one message read again by its locator."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from smime_archiver.mailbox import container_of, iter_messages, read_one
from smime_archiver.model import RawMail, SourceProblem
from tests.support.mailbox import Msg, message, write_emlx, write_mbox, write_msg


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _items(*paths) -> list[RawMail | SourceProblem]:
    return list(iter_messages([str(p) for p in paths]))


def test_every_reader_names_the_mailbox(tmp_path):
    box = _write(tmp_path / "Arkiv" / "Indbakke", write_mbox([message("a"), message("b")]))
    maildir = tmp_path / "Arkiv" / "Maildir"
    _write(maildir / "cur" / "1.M1P1.host:2,S", message("maildir"))
    (maildir / "new").mkdir()
    _write(maildir / "cur" / "2.M2P1.host:2,S", os.urandom(300) + b"\x00")
    eml = _write(tmp_path / "Arkiv" / "løse" / "brev.eml", message("eml"))
    msg = _write(tmp_path / "Arkiv" / "løse" / "note.msg",
                 write_msg(Msg({0x001A: "IPM.Note", 0x0037: "msg", 0x1000: "Tekst"})))
    apple = tmp_path / "V10" / "UUID" / "INBOX.mbox" / "UUID-2" / "Data" / "Messages"
    emlx = _write(apple / "1.emlx", write_emlx(message("emlx")))
    by_source = {(i.source, i.locator): i for i in _items(tmp_path / "Arkiv", tmp_path / "V10")}
    assert by_source[(str(box), "#0@0")].container == str(box)
    assert by_source[(str(box), by_source[(str(box), "#0@0")].locator)].container == str(box)
    assert all(i.container == str(box) for (s, _l), i in by_source.items() if s == str(box))
    assert by_source[(str(maildir / "cur" / "1.M1P1.host:2,S"), "")].container == str(maildir)
    problem = by_source[(str(maildir / "cur" / "2.M2P1.host:2,S"), "")]
    assert isinstance(problem, SourceProblem) and problem.container == str(maildir)
    assert by_source[(str(eml), "")].container == str(eml.parent)
    assert by_source[(str(msg), "")].container == str(msg.parent)
    assert by_source[(str(emlx), "")].container == str(tmp_path / "V10" / "UUID" / "INBOX.mbox")
    # what the readers say is what container_of derived from the file system before
    for item in by_source.values():
        assert container_of(item) == item.container
        bare = type(item)(**{**item.__dict__, "container": ""})
        assert container_of(bare) == item.container


def test_named_files_and_problems(tmp_path):
    maildir = tmp_path / "Maildir"
    named = _write(maildir / "new" / "3.M3P1.host", message("named"))
    (maildir / "cur").mkdir()
    garbage = _write(tmp_path / "garbage.eml", os.urandom(500) + b"\x00")
    missing = tmp_path / "missing.eml"
    unreadable = tmp_path / "unreadable"
    unreadable.mkdir()
    items = _items(named, garbage, missing)
    assert [i.container for i in items] == [str(maildir), str(garbage), str(missing)]
    if os.geteuid() != 0:  # root reads every folder
        unreadable.chmod(0)
        try:
            [problem] = _items(unreadable)
        finally:
            unreadable.chmod(0o755)
        assert isinstance(problem, SourceProblem) and problem.container == str(unreadable)


@pytest.mark.parametrize("variant", ["mboxrd", "mboxcl2"])
def test_read_one_mbox_message_by_its_offset(tmp_path, variant, monkeypatch):
    messages = [message(f"nummer {n}", body="From here on\n" * n) for n in range(5)]
    box = _write(tmp_path / "Indbakke", b"\xef\xbb\xbf" + write_mbox(messages, variant))
    first_read = _items(box)
    assert len(first_read) == 5
    import smime_archiver.mailbox as mailbox

    def no_scan(*_args, **_kwargs):
        raise AssertionError("the mbox was read from its start")

    with monkeypatch.context() as patch:
        patch.setattr(mailbox, "read_file", no_scan)
        for item in first_read:
            assert isinstance(item, RawMail)
            again = read_one(item.source, item.locator, index=item.index)
            assert again == item
    # a locator that no longer points at a message: read through the file, then None
    assert read_one(str(box), "#2@7") is None
    assert read_one(str(box), "#9@0") is None


def test_read_one_single_files(tmp_path):
    eml = _write(tmp_path / "Arkiv" / "brev.eml", message("eml"))
    maildir_file = _write(tmp_path / "Maildir" / "cur" / "1.M1P1.host:2,S", message("md"))
    (tmp_path / "Maildir" / "new").mkdir()
    for path in (eml, maildir_file):
        [item] = _items(path)
        assert read_one(str(path)) == item
    [from_walk] = [i for i in _items(tmp_path / "Maildir")]
    assert read_one(from_walk.source, from_walk.locator) == from_walk
    eml.write_bytes(b"")
    assert read_one(str(eml)) is None
    assert read_one(str(tmp_path / "gone.eml")) is None
