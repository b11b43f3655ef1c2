"""Batch export end to end: layout, order whatever the workers, eml/attachments, CSV, dedupe,
failures (disk full, vanishing input), resume, inspect, progress and logs."""

from __future__ import annotations

import csv
import email
import errno
import json
import os
import re
from email import policy
from pathlib import Path

import pytest

from smime_archiver import cli, work
from tests.cli.conftest import PASSWORD, pdf_text


def export(monkeypatch, *argv: str, password: str | None = PASSWORD) -> int:
    if password is None:
        monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    else:
        monkeypatch.setenv(cli.PASSWORD_ENV, password)
    return cli.main(["export", *argv])


def report(out: Path) -> dict:
    return json.loads((out / "report.json").read_text("utf-8"))


def normalized(out: Path) -> dict:
    """The report without the run's times (which differ from run to run)."""
    data = report(out)
    for name in ("started", "finished"):
        data.pop(name)
    return data


def files(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if p.is_file() and ".smime-archiver" not in p.parts)


def by_subject(data: dict) -> dict[str, dict]:
    """Messages by subject (the first one with that subject)."""
    found: dict[str, dict] = {}
    for m in data["messages"]:
        found.setdefault(m["subject"], m)
    return found


def test_layout_mirrors_the_share_and_names_are_deterministic(share, tmp_path, monkeypatch):
    out = tmp_path / "out"
    code = export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--jobs", "2",
                  str(share["share"]))
    assert code == cli.EXIT_INCOMPLETE  # one message for someone else, one cut off
    data = report(out)
    assert data["schema_version"] == 2
    msgs = by_subject(data)
    pdf = {s: m["pdf"] for s, m in msgs.items()}
    assert pdf["Årsopgørelse 2012"] == "share/anna/Inbox/2013-03-04_1001_Skat_Årsopgørelse 2012.pdf"
    # Thunderbird's Inbox.sbd/Arkiv nests inside Inbox; Maildir and loose files keep their place
    assert pdf["Arkiveret 0"].startswith("share/anna/Inbox/Arkiv/2013-03-05_1000_Skat_")
    assert pdf["Maildir 2"].startswith("share/bo/Maildir/2013-03-06_1002_Skat_")
    assert pdf["Løs besked"].startswith("share/løse/2013-03-07_1015_")
    # the same base name twice: _2 for the later one, in report order
    same = [m for m in data["messages"] if m["subject"] == "Samme emne"]
    assert [m["pdf"].rsplit("/", 1)[1] for m in same] == [
        "2013-03-04_1009_Skat_Samme emne.pdf", "2013-03-04_1009_Skat_Samme emne_2.pdf"]
    assert "Første af to" in pdf_text(out / same[0]["pdf"])
    assert "Anden af to" in pdf_text(out / same[1]["pdf"])
    # every archived message has its PDF, nothing else is in the folder tree
    archived = [m for m in data["messages"] if m["pdf"]]
    assert files(out) == sorted([m["pdf"] for m in archived] + ["report.csv", "report.json"])
    statuses = {s: m["status"] for s, m in msgs.items()}
    assert statuses["GCM"] == "decrypted" and statuses["Til Jens"] == "no_key"
    assert statuses["Underskrevet"] == "signed" and statuses["Almindelig"] == "plain"
    s = data["summary"]
    assert s["total"] == len(data["messages"]) == 19
    assert s["no_key"] == 1 and s["corrupt"] == 1 and s["archived"] == 17
    assert s["per_mailbox"][str(share["inbox"])] == {
        "decrypted": 6, "signed": 1, "plain": 2, "no_key": 1, "corrupt": 1}
    assert s["keys_used"] == [{"key_file": str(share["p12"]),
                               "key_subject": s["keys_used"][0]["key_subject"],
                               "messages": 14}]
    assert "Søren Ærø Åberg" in s["keys_used"][0]["key_subject"]
    assert s["missing_keys"][0]["recipient"]["serial"] == str(share["other"].serial)


@pytest.mark.parametrize(("jobs", "method"), [("3", "fork"), ("2", "spawn")])
def test_same_report_and_names_whatever_the_workers(share, tmp_path, monkeypatch, jobs,
                                                     method):
    one, many = tmp_path / "one", tmp_path / "many"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(one), "--jobs", "1",
           str(share["share"]))
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(many), "--jobs", jobs,
           "--start-method", method, str(share["share"]))
    assert normalized(one) == normalized(many)
    assert files(one) == files(many)
    assert (one / "report.csv").read_bytes() == (many / "report.csv").read_bytes()
    for m in report(many)["messages"]:
        if m["status"] == "decrypted":
            assert m["encryption"]["key_file"] == str(share["p12"])
    # the password reached the spawned workers through their pipe, and is written nowhere
    for path in many.rglob("*"):
        if path.is_file() and path.suffix != ".pdf":
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_spawned_workers_report_in_the_users_language(share, tmp_path, monkeypatch):
    da_inline, da_spawn = tmp_path / "a", tmp_path / "b"
    for out, extra in ((da_inline, ["--jobs", "1"]),
                       (da_spawn, ["--jobs", "2", "--start-method", "spawn"])):
        monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)
        cli.main(["--lang", "da", "export", "-k", str(share["p12"]), "-o", str(out), *extra,
                  str(share["inbox"])])
    english = tmp_path / "en"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(english), str(share["inbox"]))
    da = by_subject(report(da_spawn))["Til Jens"]
    assert da["status"] == "no_key"  # statuses stay machine-readable
    assert da["detail"] == by_subject(report(da_inline))["Til Jens"]["detail"]
    assert da["detail"] != by_subject(report(english))["Til Jens"]["detail"]


def test_eml_and_attachments(share, tmp_path, monkeypatch):
    out = tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--eml", "--attachments",
           str(share["inbox"]))
    msgs = by_subject(report(out))
    m = msgs["Bilag"]
    assert m["eml"] == m["pdf"][:-4] + ".eml"
    parsed = email.message_from_bytes((out / m["eml"]).read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Bilag"
    assert "Se vedhæftede" in parsed.get_body(("plain",)).get_content()
    folder = m["pdf"][:-4] + "_attachments"
    assert m["attachments"] == [f"{folder}/Årsopgørelse 2012.pdf", f"{folder}/passwd",
                                f"{folder}/_CON.txt"]
    assert (out / m["attachments"][0]).read_bytes() == share["attachment"]
    assert (out / m["attachments"][1]).read_bytes() == b"root:x:0:0\n"
    # a plain message gets its .eml too; a message that could not be opened gets nothing
    assert (out / msgs["Almindelig"]["eml"]).read_bytes().endswith(b"Helt almindelig.\n")
    assert msgs["Til Jens"]["eml"] is None and msgs["Til Jens"]["pdf"] is None
    assert not list(out.rglob("passwd")) == []  # inside the message's folder only
    assert [p.parent.name for p in out.rglob("passwd")] == [Path(folder).name]


def test_csv_report_for_spreadsheets(share, tmp_path, monkeypatch):
    out = tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), str(share["inbox"]))
    raw = (out / "report.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    data = report(out)
    assert [r["status"] for r in rows] == [m["status"] for m in data["messages"]]
    assert [r["pdf"] for r in rows] == [m["pdf"] or "" for m in data["messages"]]
    first = rows[0]
    assert first["subject"] == "Årsopgørelse 2012" and first["encryption"] == "des_ede3_cbc"
    assert first["key_file"] == str(share["p12"])
    formula = next(r for r in rows if "HYPERLINK" in r["subject"])
    assert formula["subject"].startswith("'=")  # never run as a formula
    jens = next(r for r in rows if r["status"] == "no_key")
    assert str(share["other"].serial) in jens["missing_recipients"]


def test_dedupe_archives_a_message_found_twice_once(share, tmp_path, monkeypatch):
    plain, dedup = tmp_path / "plain", tmp_path / "dedup"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(plain), str(share["share"]))
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(dedup), "--dedupe",
           str(share["share"]))
    both = [m for m in report(plain)["messages"] if m["subject"] == "Årsopgørelse 2012"]
    assert len(both) == 2 and both[0]["pdf"] != both[1]["pdf"]  # archived per occurrence
    first, copy = (m for m in report(dedup)["messages"] if m["subject"] == "Årsopgørelse 2012")
    assert first["duplicate_of"] is None
    assert copy["duplicate_of"] == {"source": first["source"], "locator": first["locator"]}
    assert copy["pdf"] == first["pdf"] and copy["status"] == "decrypted"
    assert copy["source"].endswith("Arkiv") and first["source"].endswith("Inbox")
    assert report(dedup)["summary"]["duplicates"] == 1
    assert len(files(dedup)) == len(files(plain)) - 1


def test_disk_full_is_fatal_and_resume_finishes_the_job(share, tmp_path, monkeypatch, capsys):
    reference, out = tmp_path / "reference", tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(reference), str(share["share"]))
    real = work.write_temp
    calls = {"n": 0}

    def full_after_five(tmp_dir: str, data: bytes, **kw) -> str:
        calls["n"] += 1
        if calls["n"] > 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(tmp_dir, data, **kw)

    monkeypatch.setattr(work, "write_temp", full_after_five)
    code = export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--jobs", "1",
                  str(share["share"]))
    err = capsys.readouterr().err
    assert code == cli.EXIT_FATAL
    assert os.strerror(errno.ENOSPC) in err and "--resume" in err
    assert len(list(out.rglob("*.pdf"))) == 5
    assert not (out / "report.json").exists()
    monkeypatch.setattr(work, "write_temp", real)
    code = export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--resume",
                  str(share["share"]))
    assert code == cli.EXIT_INCOMPLETE
    assert normalized(out) == normalized(reference)
    assert files(out) == files(reference)
    assert "5 of them were already archived" in capsys.readouterr().out


def test_files_reach_the_disk_in_one_sync_per_batch_before_the_journal(share, tmp_path,
                                                                       monkeypatch):
    """Workers write without fsync; the job syncs the file system once per batch, then the
    journal, then renames: a journal entry never names a file that is not on the disk."""
    from smime_archiver.archive import journal, writer
    from smime_archiver.archive.durable import batch_sync_available

    assert batch_sync_available()  # Linux: syncfs through libc
    events: list[str] = []
    real_sync, real_journal = writer.sync_filesystem, journal.Journal.sync
    real_replace = os.replace
    real_fsync = os.fsync

    def sync_filesystem(path: str) -> None:
        events.append("S")
        real_sync(path)

    def journal_sync(self) -> None:
        events.append("J")
        real_journal(self)

    def replace(src, dst, **kw) -> None:  # kw: dst_dir_fd (issue 15)
        if str(dst).endswith(".pdf"):
            events.append("R")
        real_replace(src, dst, **kw)

    def fsync(fd: int) -> None:
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith("w-"):
            events.append("F")  # a worker's temporary file synced on its own
        real_fsync(fd)

    monkeypatch.setattr(writer, "sync_filesystem", sync_filesystem)
    monkeypatch.setattr(journal.Journal, "sync", journal_sync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    out = tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--jobs", "1",
           str(share["share"]))
    pdfs = len(list(out.rglob("*.pdf")))
    assert pdfs > 5 and events.count("R") == pdfs and "F" not in events
    assert re.fullmatch(r"(SJR+|J)+", "".join(events)), events


def test_without_syncfs_every_file_is_synced_before_the_journal(share, tmp_path, monkeypatch):
    """Where the file system cannot be synced at once (macOS, Windows), each file is
    fsynced as it is written, still before the journal names it."""
    from smime_archiver.archive import journal, writer

    monkeypatch.setattr(writer, "batch_sync_available", lambda: False)
    events: list[str] = []
    real_journal, real_fsync = journal.Journal.sync, os.fsync

    def no_syncfs(path: str) -> None:
        raise AssertionError("syncfs used although it is not available")

    def journal_sync(self) -> None:
        events.append("J")
        real_journal(self)

    def fsync(fd: int) -> None:
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith("w-"):
            events.append("F")
        real_fsync(fd)

    monkeypatch.setattr(writer, "sync_filesystem", no_syncfs)
    monkeypatch.setattr(journal.Journal, "sync", journal_sync)
    monkeypatch.setattr(os, "fsync", fsync)
    out = tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--jobs", "1",
           str(share["share"]))
    pdfs = len(list(out.rglob("*.pdf")))
    assert pdfs > 5 and events.count("F") == pdfs and events[-1] == "J"


def test_a_file_system_that_refuses_syncfs_gets_each_file_synced(share, tmp_path,
                                                                  monkeypatch):
    from smime_archiver import job
    from smime_archiver.archive import writer

    reference, out = tmp_path / "reference", tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(reference), str(share["share"]))
    refused: list[str] = []
    synced: list[str] = []
    real_fsync = os.fsync

    def no_syncfs(path: str) -> None:
        refused.append(path)
        raise OSError(errno.ENOSYS, os.strerror(errno.ENOSYS), path)

    def fsync(fd: int) -> None:
        if os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith("w-"):
            synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(writer, "sync_filesystem", no_syncfs)
    monkeypatch.setattr(job, "BATCH", 2)  # several batches
    monkeypatch.setattr(os, "fsync", fsync)
    code = export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--jobs", "1",
                  str(share["share"]))
    assert code == cli.EXIT_INCOMPLETE
    assert len(refused) == 1  # asked once, then each file of every batch
    assert len(list(out.rglob("*.pdf"))) > 4
    assert len(synced) == len(set(synced)) == len(list(out.rglob("*.pdf")))
    assert normalized(out) == normalized(reference)
    assert files(out) == files(reference)


def test_failed_batch_sync_is_fatal_and_resume_finishes_the_job(share, tmp_path, monkeypatch,
                                                                 capsys):
    from smime_archiver.archive import writer

    reference, out = tmp_path / "reference", tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(reference), str(share["share"]))

    def broken_disk(path: str) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO), path)

    monkeypatch.setattr(writer, "sync_filesystem", broken_disk)
    code = export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), str(share["share"]))
    err = capsys.readouterr().err
    assert code == cli.EXIT_FATAL
    assert os.strerror(errno.EIO) in err and "--resume" in err
    assert list(out.rglob("*.pdf")) == [] and list(out.rglob("w-*.tmp")) == []
    monkeypatch.undo()
    code = export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--resume",
                  str(share["share"]))
    assert code == cli.EXIT_INCOMPLETE
    assert normalized(out) == normalized(reference)
    assert files(out) == files(reference)


def test_input_file_vanishing_mid_run(share, tmp_path, monkeypatch):
    from smime_archiver.crypto.keys.keyfiles import load_key_files
    from smime_archiver.job import JobObserver, JobSpec, run_job

    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    names = sorted(p.name for p in (share["maildir"] / "cur").iterdir())
    for name in names:
        (box / "cur" / name).write_bytes((share["maildir"] / "cur" / name).read_bytes())
    keystore, _ = load_key_files([share["p12"]], [PASSWORD])

    class DeleteTheLast(JobObserver):
        def message_done(self, record, done):
            if done == 1:
                (box / "cur" / names[-1]).unlink()

    result = run_job(JobSpec((str(box),), tmp_path / "out"), keystore, DeleteTheLast())
    statuses = [r.status.value for r in result.records]
    assert statuses == ["decrypted", "decrypted", "error"]
    assert names[-1] in result.records[-1].detail
    assert not result.complete


def test_kill_between_journal_and_rename_redoes_the_message(share, tmp_path, monkeypatch):
    """A journal line whose PDF never got its final name: resume makes it, same name."""
    out = tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), str(share["inbox"]))
    before = normalized(out)
    victim = next(m for m in before["messages"] if m["subject"] == "Samme emne")
    (out / victim["pdf"]).unlink()
    (out / "report.json").unlink()
    code = export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--resume",
                  str(share["inbox"]))
    assert code == cli.EXIT_INCOMPLETE
    assert normalized(out) == before
    assert "Første af to" in pdf_text(out / victim["pdf"])


def test_resume_with_eml_redoes_messages_made_without_it(share, tmp_path, monkeypatch):
    out = tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), str(share["inbox"]))
    names = files(out)
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--resume", "--eml",
           str(share["inbox"]))
    data = report(out)
    assert all(m["eml"] for m in data["messages"] if m["pdf"])
    assert set(names) <= set(files(out))  # same PDF names, now with an .eml beside each
    assert not [n for n in files(out) if "_2.pdf" in n and "Samme emne" not in n]


def test_new_run_without_resume_never_overwrites(share, tmp_path, monkeypatch):
    out = tmp_path / "out"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), str(share["maildir"]))
    first = files(out)
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), str(share["maildir"]))
    second = [m["pdf"] for m in report(out)["messages"]]
    assert all(p.endswith("_2.pdf") for p in second)
    assert set(first) < set(files(out))


def test_inspect_lists_without_writing(share, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["inspect", "--json", "-k", str(share["p12"]), str(share["inbox"])]) == 0
    items = json.loads(capsys.readouterr().out)
    by = {i["subject"]: i for i in items}
    assert len(items) == 11
    assert by["GCM"]["status"] == "decrypted" and by["GCM"]["opened_by"] == str(share["p12"])
    assert by["GCM"]["content_algorithm"] == "aes256_gcm"
    assert by["GCM"]["recipients"][0]["serial"] == str(share["me"].serial)
    assert by["Til Jens"]["encrypted"] and by["Til Jens"]["opened_by"] is None
    assert by["Til Jens"]["recipients"][0]["serial"] == str(share["other"].serial)
    assert by["Underskrevet"]["signed"] and not by["Underskrevet"]["encrypted"]
    assert not by["Almindelig"]["signed"] and not by["Almindelig"]["encrypted"]
    assert list(tmp_path.iterdir()) == []  # nothing written
    # without a key: every encrypted message names its certificate
    assert cli.main(["inspect", str(share["inbox"])]) == 0
    text = capsys.readouterr().out
    assert text.count("None of the given key files opens it.") == 7  # the cut-off one: corrupt
    assert f"serial number {share['me'].serial}" in text


def test_quiet_verbose_and_log_file(share, tmp_path, monkeypatch, capsys):
    log = tmp_path / "run.log"
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(tmp_path / "q"), "--quiet",
           str(share["inbox"]))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    export(monkeypatch, "-k", str(share["p12"]), "-o", str(tmp_path / "v"), "--verbose",
           "--log", str(log), str(share["inbox"]))
    captured = capsys.readouterr()
    assert "-> share" not in captured.out and "Decrypted: " in captured.out  # every message
    assert "messages done" in captured.err  # plain progress line when not a terminal
    text = log.read_text("utf-8")
    assert text.count(str(share["inbox"])) >= 11
    assert PASSWORD not in text and "Hemmelig" not in text


def test_output_folder_inside_the_input_is_not_read_back(share, tmp_path, monkeypatch):
    import shutil

    box = tmp_path / "share"
    shutil.copytree(share["share"] / "løse", box)
    out = box / "arkiv"
    for _ in range(2):  # the second run finds the first one's .eml files in the input
        code = export(monkeypatch, "-k", str(share["p12"]), "-o", str(out), "--eml",
                      "--resume", str(box))
        assert code == cli.EXIT_OK
        assert [m["subject"] for m in report(out)["messages"]] == ["Løs besked"]
