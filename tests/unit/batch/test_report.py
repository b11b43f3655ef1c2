"""Summary, CSV cells and progress texts."""

from __future__ import annotations

import datetime as dt
import io
import json

from smime_archiver.archive.report import write_reports
from smime_archiver.archive.report_csv import cell
from smime_archiver.archive.summary import SummaryBuilder, summarize
from smime_archiver.job import JobProgress
from smime_archiver.model import EncryptionInfo, RecipientRef, Status
from smime_archiver.outcome import MessageOutcome, MessageRef
from smime_archiver.progress import Progress, eta_seconds, format_duration, plain_line


def test_cells_never_run_as_formulas():
    assert [cell(x) for x in ("=1+1", "+45 1234", "-x", "@SUM(A1)", "\tx", "ok", None, True,
                              3)] == ["'=1+1", "'+45 1234", "'-x", "'@SUM(A1)", "'\tx", "ok",
                                      "", "true", "3"]


def test_summary_counts_keys_mailboxes_and_missing_certificates():
    key = {"source": "k.p12", "subject": "CN=Åse"}
    b = SummaryBuilder([key, {"source": "unused.p12", "subject": None}])
    ref = RecipientRef("ktri", "CN=CA", 77)
    enc = (EncryptionInfo("enveloped", "aes256_cbc", "2.16.840.1.101.3.4.1.42",
                          "rsaes_pkcs1v15", ref, "k.p12", "CN=Åse"),)
    b.add(MessageOutcome("a", 0, "#0@0", Status.DECRYPTED, "", pdf="x.pdf", encryption=enc,
                         mailbox="A"))
    b.add(MessageOutcome("a", 1, "#1@9", Status.NO_KEY, "", recipients=(ref,), mailbox="A"))
    b.add(MessageOutcome("b", 0, "#0@0", Status.DECRYPTED, "", pdf="x.pdf", encryption=enc,
                         mailbox="B", duplicate_of=MessageRef("a", "#0@0")))
    summary = b.summary()
    assert summary.count(Status.DECRYPTED) == 2 and summary.keys_used[0].messages == 1
    assert summary.missing_keys[0].recipient == ref
    s = summary.to_json()
    assert (s["total"], s["archived"], s["decrypted"], s["no_key"]) == (3, 2, 2, 1)
    assert s["per_mailbox"] == {"A": {"decrypted": 1, "no_key": 1}, "B": {"decrypted": 1}}
    assert s["keys_used"] == [{"key_file": "k.p12", "key_subject": "CN=Åse", "messages": 1},
                              {"key_file": "unused.p12", "key_subject": None, "messages": 0}]
    assert s["missing_keys"] == [{"recipient": ref.to_json(), "messages": 1}]
    assert s["duplicates"] == 1


def test_streamed_report_is_valid_json(tmp_path):
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    for records in ([], [MessageOutcome("a", 0, "", Status.PLAIN, "æ", pdf="a.pdf")] * 3):
        write_reports(tmp_path, iter(records), summarize(records), key_files=[],
                      started=now, finished=now)
        data = json.loads((tmp_path / "report.json").read_text("utf-8"))
        assert len(data["messages"]) == len(records) and data["schema_version"] == 2
        assert (tmp_path / "report.csv").read_text("utf-8-sig").count("\n") == \
            len(records) + 1
    assert not list(tmp_path.glob(".partial*"))


def progress(**kw) -> JobProgress:
    values = dict(done=50, archived=45, problems=5, resumed=0, bytes_done=250,
                  bytes_total=1000, elapsed=10.0)
    values.update(kw)
    return JobProgress(**values)


def test_eta_and_plain_lines():
    assert eta_seconds(progress()) == 30.0
    assert eta_seconds(progress(bytes_total=None)) is None
    assert format_duration(30) == "0:30" and format_duration(3725) == "1:02:05"
    line = plain_line(progress())
    assert "50 messages done" in line and "5.0 messages/s" in line
    assert "25% of the input read" in line and "about 0:30 left" in line


def test_plain_progress_lines_are_periodic():
    stream = io.StringIO()
    shown = Progress(stream=stream, tty=False, interval=0.0)
    shown.update(progress())
    shown.update(progress(done=60))
    shown.close()
    assert stream.getvalue().count("messages done") == 3
    quiet = io.StringIO()
    hidden = Progress(stream=quiet, tty=False, quiet=True, interval=0.0)
    hidden.update(progress())
    hidden.close()
    assert quiet.getvalue() == ""


def test_terminal_progress_bar():
    stream = io.StringIO()
    bar = Progress(stream=stream, tty=True)
    bar.update(progress())
    bar.update(progress(done=100, bytes_done=1000))
    bar.close()
    text = stream.getvalue()
    assert "100 messages" in text and "100%" in text
