"""Output naming, atomic writes and the report."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from smime_archiver.archive.durable import atomic_file
from smime_archiver.archive.layout import NameReserver
from smime_archiver.archive.names import pdf_basename, safe_component
from smime_archiver.archive.report import write_reports
from smime_archiver.archive.summary import summarize
from smime_archiver.archive.writer import ArchiveWriter, check_writable
from smime_archiver.errors import OutputError
from smime_archiver.model import RecipientRef, Status
from smime_archiver.outcome import MessageOutcome


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Årsopgørelse 2012", "Årsopgørelse 2012"),
        ("../../etc/passwd", "_etc_passwd"),
        ("C:\\Windows\\system32", "C_Windows_system32"),
        ("CON", "_CON"),
        ("lpt1.txt", "_lpt1.txt"),
        ("   ...   ", "_"),
        ("a\x00b\x1fc", "a_b_c"),
        ('what? "quoted" <x>|y*', "what_ _quoted_ _x_y_"),
    ],
)
def test_safe_component(text, expected):
    assert safe_component(text) == expected


def test_safe_component_limits_bytes_not_characters():
    name = safe_component("ø" * 400)
    assert len(name.encode("utf-8")) <= 150
    assert set(name) == {"ø"}


def test_nfd_names_are_normalised_to_nfc():
    assert safe_component("A\u030arhus") == "Århus"


def test_pdf_basename():
    when = dt.datetime(2013, 3, 4, 9, 15)
    name = pdf_basename(when, '"Søren Ærø" <soren@example.dk>', "Re: Møde/aftale?")
    assert name == "2013-03-04_0915_Søren Ærø_Re_ Møde_aftale"
    assert pdf_basename(None, "", "") == "undated"


def test_collisions_are_resolved_deterministically(tmp_path):
    names = NameReserver(tmp_path)
    assert names.reserve("", "x") == "x"
    assert names.reserve("", "x") == "x_2"
    assert names.reserve("", "X") == "X_3"  # case-insensitive file systems


def test_existing_files_are_not_overwritten(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"old")
    assert NameReserver(tmp_path).reserve("", "x") == "x_2"
    assert (tmp_path / "x.pdf").read_bytes() == b"old"


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    with atomic_file(tmp_path / "sub" / "a.pdf") as fh:
        fh.write(b"%PDF-1.4 data")
    assert (tmp_path / "sub" / "a.pdf").read_bytes() == b"%PDF-1.4 data"
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["a.pdf"]


def test_output_below_a_file_is_an_output_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError) as info:
        check_writable(blocker / "out")
    assert str(blocker) in info.value.message
    with pytest.raises(OutputError):
        ArchiveWriter(blocker / "out")


def test_report_schema(tmp_path):
    ref = RecipientRef(kind="ktri", issuer="CN=TRUST2408 OCES CA II, O=TRUST2408, C=DK",
                       serial=1234)
    records = [
        MessageOutcome("box.mbox", 0, "#0@0", Status.DECRYPTED, "ok", offset=0, pdf="a.pdf",
                       subject="Årsopgørelse", sender="a@example.dk", message_id="<1@x>"),
        MessageOutcome("box.mbox", 1, "#1@900", Status.NO_KEY, "needs key", offset=900,
                       recipients=(ref,)),
        MessageOutcome("other.eml", None, "", Status.PLAIN, "ok", pdf="b.pdf"),
    ]
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    path = write_reports(tmp_path, records, summarize(records), key_files=[], started=now,
                         finished=now)
    report = json.loads(path.read_text(encoding="utf-8"))
    s = report["summary"]
    assert (s["total"], s["archived"], s["decrypted"], s["no_key"], s["plain"]) == (3, 2, 1, 1, 1)
    assert s["per_source"] == {"box.mbox": {"decrypted": 1, "no_key": 1},
                               "other.eml": {"plain": 1}}
    assert s["missing_keys"][0]["recipient"]["serial"] == "1234"
    assert s["missing_keys"][0]["messages"] == 1
    m = report["messages"]
    assert [x["index"] for x in m] == [0, 1, None]
    assert m[0]["subject"] == "Årsopgørelse" and m[0]["from"] == "a@example.dk"
    assert m[1]["pdf"] is None and m[1]["recipients"][0]["serial_hex"] == "4d2"
    assert summarize([]).to_json()["total"] == 0
