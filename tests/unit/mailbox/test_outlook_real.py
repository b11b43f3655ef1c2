"""Real Outlook data files (../shared/realmail/pst: java-libpst and go-pst test data read
with the real pypff) and whole jobs over Outlook items: every item accounted for, none
damaged, calendar items and contacts as pages with their details, free/busy counted."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import subprocess
from pathlib import Path

import pytest

from smime_archiver import i18n
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.job import JobSpec, run_job
from smime_archiver.mailbox import iter_messages
from smime_archiver.model import RawMail, SkippedItem, Status
from tests.support.mailbox import Msg, write_msg
from tests.unit.mailbox.test_outlook_items import appointment, card_text, names, one_off

REAL = Path(__file__).resolve().parents[3].parent / "shared" / "realmail" / "pst"
ADDRESS = "00062004-0000-0000-C000-000000000046"
PACIFIC_DST = dt.timezone(dt.timedelta(hours=-7))


def real(name: str) -> Path:
    path = REAL / name
    assert path.is_file(), f"the shared real mail is missing: {path}"
    return path


def read(name: str) -> list:
    return list(iter_messages([real(name)], skipped=True))


def parse(item: RawMail):
    return email.message_from_bytes(item.data, policy=email.policy.default)


def test_java_libpst_calendar_contacts_list_and_free_busy():
    found = read("java-libpst-dist-list.pst")
    kinds = [(f.locator, f.kind if isinstance(f, RawMail) else type(f).__name__)
             for f in found]
    assert kinds == [("Top of Personal Folders/Calendar#0", "appointment"),
                     ("Top of Personal Folders/Contacts#0", "distribution_list"),
                     ("Top of Personal Folders/Contacts#1", "contact"),
                     ("Freebusy Data#0", "SkippedItem")]
    appt, dist, contact, freebusy = found
    assert isinstance(freebusy, SkippedItem)
    assert freebusy.what == "IPM.Microsoft.ScheduleData.FreeBusy"

    m = parse(appt)
    assert m["Subject"] == "Test appointment"
    assert m["Date"].datetime == dt.datetime(2016, 8, 2, 8, 0, tzinfo=PACIFIC_DST)
    card = card_text(m)
    assert "When: Tuesday 2016-08-02, 08:00–08:30 (UTC-07:00)" in card
    assert "Time zone: (UTC-08:00) Pacific Time (US & Canada)" in card
    assert "In UTC: Tuesday 2016-08-02, 15:00–15:30" in card
    assert "Repeats: every Tuesday from 8:00 AM to 8:30 AM" in card
    assert "Changed occurrences: Tuesday 2016-08-23, 09:00–09:30\n" \
           "    Tuesday 2016-08-30, 10:00–10:30" in card
    ics = next(p for p in m.iter_attachments() if p.get_filename() == "appointment.ics")
    lines = ics.get_payload(decode=True).replace(b"\r\n ", b"").decode().split("\r\n")
    assert {"DTSTART:20160802T150000Z", "DTEND:20160802T153000Z",
            "RRULE:FREQ=WEEKLY;BYDAY=TU;WKST=SU", "SUMMARY:Test appointment"} <= set(lines)
    assert [p.get_filename() for p in m.iter_attachments()] == ["appointment.ics"]

    assert "Members: contact name 1 <contact1@rjohnson.id.au>\n" \
           "    dist name 1 <dist1@rjohnson.id.au>\n" \
           "    dist name 2 <dist2@rjohnson.id.au>" in card_text(parse(dist))
    assert "E-mail: contact1@rjohnson.id.au" in card_text(parse(contact))
    assert parse(contact)["Subject"] == "contact name 1"


def test_the_passworded_pst_reads_the_same_way():
    found = read("java-libpst-passworded.pst")
    assert [f.kind if isinstance(f, RawMail) else f.what for f in found] == [
        "distribution_list", "contact", "IPM.Microsoft.ScheduleData.FreeBusy"]


def test_old_ansi_pst_meeting_with_organizer_and_attendees():
    [meeting] = read("go-pst-32-bit.pst")
    assert isinstance(meeting, RawMail) and meeting.kind == "appointment"
    m = parse(meeting)
    assert m["From"].addresses[0].addr_spec == "Cyndy.Foulkrod@stellent.com"
    card = card_text(m)
    assert card.startswith("Meeting\n")
    # no zone rules in this item: the time is shown in UTC and said to be
    assert "When: Thursday 2004-08-19, 18:30–19:30 (UTC)" in card
    assert "(GMT-06:00) Central Time (US & Canada) (the item holds no rules" in card
    assert "Organizer: Cyndy Foulkrod <Cyndy.Foulkrod@stellent.com>" in card
    assert ("Required attendees: Patty Fukasawa <Patty.Fukasawa@stellent.com>\n"
            "    Barb Tentinger <Barb.Tentinger@stellent.com>\n"
            "    Zeeshan Farooq <Zeeshan.Farooq@stellent.com>") in card
    assert "Optional attendees: John Harrison <John.Harrison@stellent.com>" in card
    assert "log onto WebEx" in m.as_string()


def test_offline_store_contacts():
    found = read("go-pst-test-from-aspose.ost")
    assert len(found) == 18 and all(isinstance(f, RawMail) and f.kind == "contact"
                                    for f in found)
    assert "E-mail: SebastianWright@dayrep.com" in card_text(parse(found[0]))


def test_reading_twice_gives_the_same_bytes():
    first = [f.data for f in read("java-libpst-dist-list.pst") if isinstance(f, RawMail)]
    again = [f.data for f in read("java-libpst-dist-list.pst") if isinstance(f, RawMail)]
    assert first == again


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True).stdout.decode()


@pytest.mark.slow
def test_a_job_over_the_real_files_archives_every_item_and_counts_free_busy(tmp_path):
    inputs = tuple(str(real(n)) for n in ("go-pst-32-bit.pst", "java-libpst-dist-list.pst",
                                          "java-libpst-passworded.pst",
                                          "go-pst-test-from-aspose.ost"))
    result = run_job(JobSpec(inputs=inputs, out_dir=tmp_path / "out"), KeyStore())
    assert result.complete and result.total == 24
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    assert all(m["status"] == "plain" for m in report["messages"])
    summary = report["summary"]
    assert summary["kinds"] == {"appointment": 2, "distribution_list": 2, "contact": 20}
    assert summary["hidden_items_skipped"] == {
        "total": 2, "classes": {"IPM.Microsoft.ScheduleData.FreeBusy": 2},
        "per_source": {inputs[1]: 1, inputs[2]: 1}}
    appt = next(m for m in report["messages"] if m["subject"] == "Test appointment")
    assert appt["kind"] == "appointment" and "calendar item" in appt["note"]
    text = " ".join(pdf_text(tmp_path / "out" / appt["pdf"]).split())
    for phrase in ("What Test appointment", "Tuesday 2016-08-02, 08:00–08:30 (UTC-07:00)",
                   "every Tuesday from 8:00 AM to 8:30 AM", "This is a complete test",
                   "appointment.ics"):
        assert phrase in text, phrase
    csv = (tmp_path / "out" / "report.csv").read_text("utf-8-sig").splitlines()
    assert csv[0].split(";")[-1] == "kind" and csv[1].split(";")[-1] == "appointment"


@pytest.mark.slow
def test_a_job_in_danish_over_generated_outlook_items(tmp_path):
    i18n.set_language("da")
    box = tmp_path / "outlook"
    box.mkdir()
    (box / "møde.msg").write_bytes(write_msg(appointment(
        dt.datetime(2024, 6, 10, 8, 0, tzinfo=dt.timezone.utc))))
    n = names()
    (box / "liste.msg").write_bytes(write_msg(Msg(
        {0x001A: "IPM.DistList", 0x0037: "Bestyrelsen",
         n.id(ADDRESS, 0x8055): [one_off("Åse Ørsted", "aase@example.dk")]}, names=n)))
    (box / "ledig.msg").write_bytes(write_msg(Msg(
        {0x001A: "IPM.Microsoft.ScheduleData.FreeBusy", 0x0037: "LocalFreebusy"})))
    result = run_job(JobSpec(inputs=(str(box),), out_dir=tmp_path / "out"), KeyStore())
    assert result.complete and result.total == 2
    assert result.count(Status.PLAIN) == 2
    assert result.summary.hidden_items_skipped.total == 1
    report = json.loads((tmp_path / "out" / "report.json").read_text("utf-8"))
    by_kind = {m["kind"]: m for m in report["messages"]}
    meeting = " ".join(pdf_text(tmp_path / "out" / by_kind["appointment"]["pdf"]).split())
    for phrase in ("Hvornår mandag 2024-06-10, 10:00–11:30 (UTC+02:00)",
                   "Hvor Mødelokale 3, Islands Brygge", "Mødearrangør Åse Ørsted",
                   "Obligatoriske deltagere Bo Bæk <bo@example.dk> (accepteret)",
                   "Valgfrie deltagere Carl Holm <carl@example.dk> (afvist)",
                   "Ressourcer Projektor 2", "Noter", "1. Nøglefiler fra 2012",
                   "dagsorden.pdf", "Outlook-kalenderen"):
        assert phrase in meeting, phrase
    listing = " ".join(pdf_text(tmp_path / "out" / by_kind["distribution_list"]["pdf"]).split())
    assert "Medlemmer Åse Ørsted <aase@example.dk>" in listing
