"""One outcome for a source that yields no message, whoever asks: export, inspect, the GUI."""

from __future__ import annotations

import os

from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.inspect import describe, inspect_inputs
from smime_archiver.job import JobSpec, run_job
from smime_archiver.mailbox import iter_messages
from smime_archiver.model import SourceProblem, Status
from smime_archiver.outcome import problem_outcome
from smime_archiver.ui.rows import row_from_problem


def test_a_damaged_file_is_corrupt_and_a_missing_one_an_error(tmp_path):
    damaged = tmp_path / "x.p7m"
    damaged.write_bytes(b"\x30\x80garbage")
    assert problem_outcome(SourceProblem(str(damaged), "bad")).status is Status.CORRUPT
    gone = problem_outcome(SourceProblem(str(tmp_path / "gone.mbox"), "gone", "#1@0", 1))
    assert (gone.status, gone.detail, gone.locator, gone.index) == (Status.ERROR, "gone",
                                                                   "#1@0", 1)


def test_export_inspect_and_the_message_table_agree_on_sources_without_messages(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "notes.mbox").write_bytes(b"\x00\x01 not a mailbox " * 50)
    os.symlink(share / "nowhere.mbox", share / "dangling.mbox")  # a link to nothing
    (share / "ok.eml").write_bytes(b"From: a@b.dk\nSubject: hej\n\nhej\n")
    problems = [f for f in iter_messages([str(share)]) if isinstance(f, SourceProblem)]
    assert len(problems) >= 1
    expected = {p.source: problem_outcome(p).status for p in problems}
    assert Status.ERROR in expected.values()  # the dangling link: nothing to read at all

    result = run_job(JobSpec(inputs=(str(share),), out_dir=tmp_path / "out"), KeyStore())
    exported = {r.source: r.status for r in result.records if r.source in expected}
    inspected = {r.source: r.status for r in inspect_inputs([str(share)], KeyStore())
                 if r.source in expected}
    table = {p.source: row_from_problem(0, p).status for p in problems}
    assert exported == inspected == table == expected
    described = [describe(r) for r in inspect_inputs([str(share)], KeyStore())]
    assert {d["status"] for d in described if d["source"] in expected} == \
        {s.value for s in expected.values()}
