"""Output folders that mirror the input, and deterministic, collision-free names."""

from __future__ import annotations

import os

from smime_archiver.archive.layout import NameReserver, OutputLayout, stem_of
from smime_archiver.model import RawMail, SourceProblem


def raw(source, locator="", index=None) -> RawMail:
    return RawMail(str(source), b"x", index=index, locator=locator)


def test_folder_input_keeps_its_structure(tmp_path):
    share = tmp_path / "Kunder"
    (share / "anna" / "Inbox.sbd").mkdir(parents=True)
    (share / "bo" / "Mail" / "cur").mkdir(parents=True)
    (share / "bo" / "Mail" / "new").mkdir()
    (share / "løse").mkdir()
    layout = OutputLayout([str(share)])
    assert layout.folder_for(raw(share / "anna" / "Inbox", "#0@0", 0)) == "Kunder/anna/Inbox"
    assert layout.folder_for(raw(share / "anna" / "Inbox.sbd" / "Sendt", "#1@9", 1)) == \
        "Kunder/anna/Inbox/Sendt"
    assert layout.folder_for(raw(share / "bo" / "Mail" / "cur" / "1:2,S")) == "Kunder/bo/Mail"
    assert layout.folder_for(raw(share / "løse" / "a.eml")) == "Kunder/løse"
    assert layout.folder_for(raw(share / "top.eml")) == "Kunder"


def test_file_inputs(tmp_path):
    box = tmp_path / "Indbakke.mbox"
    box.write_bytes(b"")
    eml = tmp_path / "besked.eml"
    eml.write_bytes(b"")
    pst = tmp_path / "Outlook.pst"
    pst.write_bytes(b"")
    layout = OutputLayout([str(box), str(eml), str(pst)])
    assert layout.folder_for(raw(box, "#3@100", 3)) == "Indbakke"
    assert layout.folder_for(raw(eml)) == ""
    assert layout.folder_for(raw(pst, "Top/Indbakke/Æbler#4", 9)) == "Outlook/Top/Indbakke/Æbler"
    assert layout.folder_for(SourceProblem(str(box), "bad", "#4@200", 4)) == "Indbakke"


def test_unsafe_folder_names_are_made_safe(tmp_path):
    share = tmp_path / "s"
    for name in ("CON", ".Sendt", "a:b", "x" * 200):
        (share / name).mkdir(parents=True)
    layout = OutputLayout([str(share)])
    folders = [layout.folder_for(raw(share / name / "m.eml"))
               for name in ("CON", ".Sendt", "a:b", "x" * 200)]
    assert folders[:3] == ["s/_CON", "s/Sendt", "s/a_b"]
    assert len(folders[3].split("/")[1].encode()) <= 60


def test_message_outside_every_input_goes_to_its_own_folder(tmp_path):
    layout = OutputLayout([str(tmp_path / "profile")])
    elsewhere = tmp_path / "other" / "Accounts" / "Inbox"
    assert layout.folder_for(raw(elsewhere, "#0@0", 0)) == "Inbox"


def test_names_collide_deterministically_and_case_insensitively(tmp_path):
    names = NameReserver(tmp_path)
    assert [names.reserve("a", "x"), names.reserve("a", "x"), names.reserve("a", "X"),
            names.reserve("b", "x")] == ["x", "x_2", "X_3", "x"]
    assert NameReserver.key("a", "Æble") == NameReserver.key("A", "æble")


def test_existing_files_are_not_overwritten_unless_the_journal_owns_them(tmp_path):
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "x.pdf").write_bytes(b"theirs")
    (tmp_path / "f" / "y_attachments").mkdir()
    names = NameReserver(tmp_path)
    assert names.reserve("f", "x") == "x_2"
    assert names.reserve("f", "y") == "y_2"
    owned = NameReserver(tmp_path, owned={NameReserver.key("f", "x")})
    assert owned.reserve("f", "x") == "x_2"  # owned by a message not seen yet
    assert owned.reserve("f", "x", prefer="x") == "x"  # its own earlier name
    assert owned.reserve("f", "z", prefer="x") == "z"  # taken in this run: not reused


def test_stem_of():
    assert stem_of("a/b/2013_x.pdf") == ("a/b", "2013_x")
    assert stem_of("top.pdf") == ("", "top")


def test_roots_match_whole_components(tmp_path):
    (tmp_path / "mail").mkdir()
    (tmp_path / "mailbox").mkdir()
    layout = OutputLayout([str(tmp_path / "mail"), str(tmp_path / "mailbox")])
    assert layout.folder_for(raw(tmp_path / "mailbox" / "a.eml")) == "mailbox"
    assert layout.folder_for(raw(str(tmp_path / "mail") + os.sep + "a.eml")) == "mail"


def test_a_folder_made_by_the_job_is_not_probed_file_by_file(tmp_path, monkeypatch):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x.pdf").write_bytes(b"theirs")
    names = NameReserver(tmp_path)
    probed: list[str] = []
    real = os.path.lexists
    monkeypatch.setattr(os.path, "lexists", lambda p: probed.append(str(p)) or real(p))
    assert [names.reserve("new", "x") for _ in range(3)] == ["x", "x_2", "x_3"]
    assert set(probed) == {str(tmp_path / "new")}  # only whether the folder existed
    before = len(probed)
    (tmp_path / "new").mkdir()  # the job makes it when it renames the first files
    (tmp_path / "new" / "x.pdf").write_bytes(b"ours")
    assert names.reserve("new", "y") == "y"
    assert len(probed) == before
    # a folder that was there before is still checked file by file
    assert names.reserve("old", "x") == "x_2"
