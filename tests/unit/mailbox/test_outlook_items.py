"""Outlook items that are not mail, as generated .msg files (MS-OXMSG, with a real
named-property map) and as pypff-shaped items (no PST writer exists): appointments and
meetings become a page with what/when/where/who and an .ics, contacts and distribution
lists a card (contacts with a .vcf), tasks a card; hidden system data is skipped and
counted; an item the .pst library hands over without message methods is read, never
called damaged."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import struct

import pytest

from smime_archiver.mailbox import items, iter_messages, mapi
from smime_archiver.mailbox.pst import iter_pst
from smime_archiver.model import RawMail, SkippedItem, SourceProblem
from tests.support.mailbox import (
    PS_PUBLIC_STRINGS,
    Att,
    FakeAttachment,
    FakeFolder,
    FakeItem,
    FakeMessage,
    FakePst,
    Msg,
    NameMap,
    write_msg,
)
from tests.unit.mailbox.test_calendar_rules import ROMANCE

UTC = dt.timezone.utc
APPT = "00062002-0000-0000-C000-000000000046"
TASK = "00062003-0000-0000-C000-000000000046"
ADDRESS = "00062004-0000-0000-C000-000000000046"
COMMON = "00062008-0000-0000-C000-000000000046"
ONE_OFF = bytes.fromhex("812B1FA4BEA310199D6E00DD010F5402")


def names() -> NameMap:
    # names a file used before these items: the ids of the ones below are not the first
    return NameMap((PS_PUBLIC_STRINGS, "Keywords"), (COMMON, 0x8580), (COMMON, 0x8581))


def read_msg(tmp_path, msg: Msg, name: str = "item.msg", *, skipped: bool = False):
    path = tmp_path / name
    path.write_bytes(write_msg(msg))
    return list(iter_messages([path], skipped=skipped))


def parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


def card_text(message) -> str:
    """The card's plain-text alternative (the first part)."""
    first = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return first.get_content().replace("\r\n", "\n")


def attachment(message, name: str) -> bytes:
    for part in message.iter_attachments():
        if part.get_filename() == name:
            return part.get_payload(decode=True)
    raise AssertionError(f"no attachment {name}")


def unfolded_lines(data: bytes) -> list[str]:
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")


# --- appointments and meetings ------------------------------------------------------------


def appointment(start: dt.datetime, minutes: int = 90) -> Msg:
    n = names()
    props = {
        0x001A: "IPM.Appointment", 0x0037: "Styregruppemøde om nøglefiler",
        0x1000: "Dagsorden:\r\n1. Nøglefiler fra 2012\r\n2. Eventuelt",
        0x0042: "Åse Ørsted", 0x5D02: "aase@example.dk",
        n.id(APPT, 0x820D): start, n.id(APPT, 0x820E): start + dt.timedelta(minutes=minutes),
        n.id(APPT, 0x8208): "Mødelokale 3, Islands Brygge",
        n.id(APPT, 0x825E): ROMANCE,
        n.id(APPT, 0x8234): "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris",
        n.id(APPT, 0x8217): 1,  # a meeting
    }
    people = [
        {0x0C15: 1, 0x3001: "Åse Ørsted", 0x39FE: "aase@example.dk", 0x5FFD: 3},
        {0x0C15: 1, 0x3001: "Bo Bæk", 0x39FE: "bo@example.dk", 0x5FFD: 1, 0x5FFF: 3},
        {0x0C15: 2, 0x3001: "Carl Holm", 0x3003: "carl@example.dk", 0x3002: "SMTP",
         0x5FFD: 1, 0x5FFF: 4},
        {0x0C15: 3, 0x3001: "Projektor 2", 0x39FE: "projektor2@example.dk", 0x5FFD: 1},
        {0x0C15: 1, 0x3001: "Exchange Person",
         0x3003: "/O=FIRMA/OU=EXCHANGE/CN=RECIPIENTS/CN=PERSON"},
    ]
    agenda = Att({0x3707: "dagsorden.pdf", 0x370E: "application/pdf"}, data=b"%PDF-1.4 agenda")
    return Msg(props, people, [agenda], names=n)


def test_an_appointment_becomes_a_page_of_what_when_where_and_who(tmp_path):
    [item] = read_msg(tmp_path, appointment(dt.datetime(2024, 6, 10, 8, 0, tzinfo=UTC)))
    assert isinstance(item, RawMail)
    assert item.kind == "appointment" and ".ics" in item.note
    m = parse(item.data)
    assert m["Subject"] == "Styregruppemøde om nøglefiler"
    assert m["From"].addresses[0].addr_spec == "aase@example.dk"
    # the date is the start, as the organiser's clock in Copenhagen showed it (summer time)
    assert m["Date"].datetime == dt.datetime(2024, 6, 10, 10, 0,
                                             tzinfo=dt.timezone(dt.timedelta(hours=2)))
    card = card_text(m)
    assert card.startswith("Meeting\n")
    assert "What: Styregruppemøde om nøglefiler" in card
    assert "When: Monday 2024-06-10, 10:00–11:30 (UTC+02:00)" in card
    assert "    Time zone: (UTC+01:00) Brussels, Copenhagen, Madrid, Paris" in card
    assert "    In UTC: Monday 2024-06-10, 08:00–09:30" in card
    assert "Where: Mødelokale 3, Islands Brygge" in card
    assert "Organizer: Åse Ørsted <aase@example.dk>" in card
    assert "Required attendees: Bo Bæk <bo@example.dk> (accepted)\n    Exchange Person\n" in card
    assert "Optional attendees: Carl Holm <carl@example.dk> (declined)" in card
    assert "Resources: Projektor 2 <projektor2@example.dk>" in card
    html = next(p for p in m.walk() if p.get_content_type() == "text/html").get_content()
    assert "<b>Where</b>" in html and "Mødelokale 3, Islands Brygge" in html
    # then the item's own notes, then the .ics and its attachment
    texts = [p.get_content() for p in m.walk() if p.get_content_type() == "text/plain"]
    assert "1. Nøglefiler fra 2012" in texts[1]
    assert [p.get_filename() for p in m.iter_attachments()] == ["appointment.ics",
                                                               "dagsorden.pdf"]
    assert attachment(m, "dagsorden.pdf") == b"%PDF-1.4 agenda"
    ics = unfolded_lines(attachment(m, "appointment.ics"))
    assert ics[0] == "BEGIN:VCALENDAR" and ics[-2] == "END:VCALENDAR"
    for line in ("DTSTART:20240610T080000Z", "DTEND:20240610T093000Z",
                 "SUMMARY:Styregruppemøde om nøglefiler",
                 "LOCATION:Mødelokale 3\\, Islands Brygge",
                 "DESCRIPTION:Dagsorden:\\n1. Nøglefiler fra 2012\\n2. Eventuelt",
                 "ORGANIZER;CN=Åse Ørsted:mailto:aase@example.dk",
                 "ATTENDEE;CN=Bo Bæk;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:bo@example.dk",
                 "ATTENDEE;CN=Projektor 2;ROLE=NON-PARTICIPANT;CUTYPE=RESOURCE:"
                 "mailto:projektor2@example.dk",
                 "ATTENDEE;CN=Exchange Person;ROLE=REQ-PARTICIPANT:invalid:nomail"):
        assert line in ics, line


def test_winter_time_and_the_same_bytes_on_every_read(tmp_path):
    msg = appointment(dt.datetime(2024, 1, 15, 9, 0, tzinfo=UTC), minutes=30)
    [first] = read_msg(tmp_path, msg)
    [again] = read_msg(tmp_path, msg, "again.msg")
    assert isinstance(first, RawMail) and isinstance(again, RawMail)
    assert first.data == again.data  # the resume journal knows a message by its bytes
    assert "When: Monday 2024-01-15, 10:00–10:30 (UTC+01:00)" in card_text(parse(first.data))


def test_all_day_appointment_without_time_zone_rules(tmp_path):
    n = names()
    # 2024-05-09 00:00 to 2024-05-11 00:00 in Copenhagen (UTC+2): two whole days
    start = dt.datetime(2024, 5, 8, 22, 0, tzinfo=UTC)
    msg = Msg({0x001A: "IPM.Appointment", 0x0037: "Kristi himmelfart",
               n.id(APPT, 0x820D): start, n.id(APPT, 0x820E): start + dt.timedelta(days=2),
               n.id(APPT, 0x8215): True,
               n.id(APPT, 0x8234): "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris"},
              names=n)
    [item] = read_msg(tmp_path, msg)
    m = parse(item.data)
    card = card_text(m)
    assert "When: Thursday 2024-05-09 – Friday 2024-05-10 (all day)" in card
    assert "the item holds no rules for it" in card
    ics = unfolded_lines(attachment(m, "appointment.ics"))
    assert "DTSTART;VALUE=DATE:20240509" in ics and "DTEND;VALUE=DATE:20240511" in ics


def test_a_meeting_request_keeps_its_mail_headers_and_says_what_it_is(tmp_path):
    n = names()
    transport = ("From: =?utf-8?q?=C3=85se?= <aase@example.dk>\r\nTo: bo@example.dk\r\n"
                 "Subject: Invitation: Nøglemøde\r\nDate: Tue, 04 Jun 2024 09:00:00 +0200\r\n"
                 "Message-ID: <inv-1@example.dk>\r\nContent-Type: text/plain\r\n")
    msg = Msg({0x001A: "IPM.Schedule.Meeting.Request", 0x0037: "Invitation: Nøglemøde",
               0x007D: transport, 0x1000: "Kom gerne.", 0x0042: "Åse Ørsted",
               0x5D02: "aase@example.dk",
               n.id(APPT, 0x820D): dt.datetime(2024, 6, 10, 8, 0, tzinfo=UTC),
               n.id(APPT, 0x820E): dt.datetime(2024, 6, 10, 9, 0, tzinfo=UTC),
               n.id(APPT, 0x825E): ROMANCE}, names=n)
    [item] = read_msg(tmp_path, msg)
    assert item.kind == "meeting"
    m = parse(item.data)
    assert m["Message-ID"] == "<inv-1@example.dk>"
    assert m["Date"].datetime == dt.datetime(2024, 6, 4, 9, 0,
                                             tzinfo=dt.timezone(dt.timedelta(hours=2)))
    card = card_text(m)
    assert "Type: Meeting request" in card
    assert "When: Monday 2024-06-10, 10:00–11:00 (UTC+02:00)" in card
    # no recipient is flagged as the organiser: a request's sender is
    assert "Organizer: Åse Ørsted <aase@example.dk>" in card
    assert "Kom gerne." in m.as_string()


# --- contacts and distribution lists ------------------------------------------------------


def test_a_contact_becomes_a_card_and_a_vcard(tmp_path):
    n = names()
    msg = Msg({0x001A: "IPM.Contact", 0x0037: "Ørsted, Åse", 0x3001: "Åse Ørsted",
               0x3A06: "Åse", 0x3A11: "Ørsted", 0x3A16: "Skattestyrelsen",
               0x3A18: "Inddrivelse", 0x3A17: "Fuldmægtig",
               0x3A1C: "+45 20 30 40 50", 0x3A08: "+45 72 22 18 18", 0x3A24: "+45 72 22 18 19",
               0x3A29: "Østbanegade 123", 0x3A27: "København Ø", 0x3A2A: "2100",
               0x3A26: "Danmark", 0x3A51: "https://skat.dk",
               0x3A42: dt.datetime(1971, 3, 4, 23, 0, tzinfo=UTC),  # 5 March, Danish midnight
               0x1000: "Ring før kl. 12.",
               n.id(ADDRESS, 0x8083): "aase@example.dk", n.id(ADDRESS, 0x8082): "SMTP",
               n.id(ADDRESS, 0x8093): "/O=SKAT/OU=EXCHANGE/CN=RECIPIENTS/CN=AOE",
               n.id(ADDRESS, 0x8092): "EX", n.id(ADDRESS, 0x8094): "aase.orsted@skat.dk",
               n.id(PS_PUBLIC_STRINGS, "Keywords"): ["Arbejde", "NemID"]}, names=n)
    [item] = read_msg(tmp_path, msg)
    assert item.kind == "contact" and ".vcf" in item.note
    m = parse(item.data)
    assert m["Subject"] == "Ørsted, Åse" and m["From"] is None
    card = card_text(m)
    for line in ("Name: Åse Ørsted", "Company: Skattestyrelsen, Inddrivelse",
                 "Job title: Fuldmægtig", "E-mail: aase@example.dk\n    aase.orsted@skat.dk",
                 "Mobile: +45 20 30 40 50", "Business phone: +45 72 22 18 18",
                 "Business fax: +45 72 22 18 19",
                 "Work address: Østbanegade 123\n    2100 København Ø\n    Danmark",
                 "Web page: https://skat.dk", "Birthday: 1971-03-05",
                 "Categories: Arbejde, NemID"):
        assert line in card, line
    vcf = unfolded_lines(attachment(m, "contact.vcf"))
    for line in ("BEGIN:VCARD", "VERSION:3.0", "N:Ørsted;Åse;;;", "FN:Åse Ørsted",
                 "ORG:Skattestyrelsen;Inddrivelse", "TITLE:Fuldmægtig",
                 "EMAIL;TYPE=INTERNET:aase@example.dk",
                 "EMAIL;TYPE=INTERNET:aase.orsted@skat.dk",
                 "TEL;TYPE=CELL,VOICE:+45 20 30 40 50", "TEL;TYPE=WORK,FAX:+45 72 22 18 19",
                 "ADR;TYPE=WORK:;;Østbanegade 123;København Ø;;2100;Danmark",
                 "URL:https://skat.dk", "BDAY:1971-03-05", "CATEGORIES:Arbejde,NemID",
                 "NOTE:Ring før kl. 12.", "END:VCARD"):
        assert line in vcf, line


def one_off(name: str, address: str, *, unicode: bool = True) -> bytes:
    """A one-off entry id (MS-OXCDATA 2.2.5.1): display name, address type, address."""
    flags = 0x8001 if unicode else 0x0001
    text = "\x00".join((name, "SMTP", address)) + "\x00"
    body = text.encode("utf-16-le") if unicode else text.encode("cp1252")
    return b"\x00" * 4 + ONE_OFF + struct.pack("<HH", 0, flags) + body


def test_a_distribution_list_names_its_members(tmp_path):
    n = names()
    wrapped = b"\x00" * 4 + bytes.fromhex("C091ADD3519DCF11A4A900AA0047FAA4") + b"\xc3" + \
        b"\x00" * 24  # a member kept as a contact elsewhere in the mailbox
    msg = Msg({0x001A: "IPM.DistList", 0x0037: "Bestyrelsen", 0x3001: "Bestyrelsen",
               n.id(ADDRESS, 0x8053): "Bestyrelsen",
               n.id(ADDRESS, 0x8055): [one_off("Åse Ørsted", "aase@example.dk"),
                                       one_off("Bo Bæk", "bo@example.dk", unicode=False),
                                       wrapped]}, names=n)
    [item] = read_msg(tmp_path, msg)
    assert item.kind == "distribution_list"
    card = card_text(parse(item.data))
    assert ("Members: Åse Ørsted <aase@example.dk>\n    Bo Bæk <bo@example.dk>\n"
            "    (a contact kept elsewhere in the mailbox)") in card
    assert "Name: Bestyrelsen" in card


def test_a_list_kept_only_in_the_newer_stream_says_so(tmp_path):
    n = names()
    msg = Msg({0x001A: "IPM.DistList", 0x0037: "Stor liste",
               n.id(ADDRESS, 0x8064): b"\x01\x00\x00\x00" + b"\x00" * 60}, names=n)
    [item] = read_msg(tmp_path, msg)
    assert "Members: (stored in a form this program cannot read yet" in card_text(
        parse(item.data))
    [empty] = read_msg(tmp_path, Msg({0x001A: "IPM.DistList", 0x0037: "Tom"}), "tom.msg")
    assert "Members: (none stored)" in card_text(parse(empty.data))


def test_a_task_becomes_a_card(tmp_path):
    n = names()
    msg = Msg({0x001A: "IPM.Task", 0x0037: "Forny nøglefil",
               n.id(TASK, 0x8101): 1, n.id(TASK, 0x8102): 0.25,
               n.id(TASK, 0x8105): dt.datetime(2013, 10, 31, 0, 0, tzinfo=UTC),
               n.id(TASK, 0x811F): "Åse Ørsted"}, names=n)
    [item] = read_msg(tmp_path, msg)
    assert item.kind == "task"
    card = card_text(parse(item.data))
    for line in ("What: Forny nøglefil", "Status: In progress", "Complete: 25 %",
                 "Due date: Thursday 2013-10-31", "Owner: Åse Ørsted"):
        assert line in card, line


# --- hidden system data -----------------------------------------------------------------


@pytest.mark.parametrize("message_class", ["IPM.Microsoft.ScheduleData.FreeBusy",
                                           "IPM.Configuration.WorkHours",
                                           "IPM.Microsoft.FolderDesign.NamedView",
                                           "IPM.ExtendedRule.Message", "IPC.MS.Outlook.Sync"])
def test_hidden_system_data_is_skipped_not_archived(tmp_path, message_class):
    msg = Msg({0x001A: message_class, 0x0037: "LocalFreebusy", 0x1000: "x"})
    assert read_msg(tmp_path, msg) == []  # not a message
    [skipped] = read_msg(tmp_path, msg, skipped=True)
    assert isinstance(skipped, SkippedItem) and skipped.what == message_class


@pytest.mark.parametrize("message_class", ["IPM.Note", "IPM.Note.CustomForm", "IPM.Post",
                                           "REPORT.IPM.Note.NDR", "IPM.Document.Word"])
def test_mail_and_unknown_classes_stay_mail(tmp_path, message_class):
    msg = Msg({0x001A: message_class, 0x0037: "Hej", 0x1000: "Tekst"})
    [item] = read_msg(tmp_path, msg)
    assert isinstance(item, RawMail) and item.kind == "" and item.note == ""
    assert parse(item.data).get_content().strip() == "Tekst"


def test_rebuilt_mail_is_the_same_bytes_every_time():
    msg = mapi.MapiMessage({0x001A: "IPM.Note", 0x0037: "x", 0x1000: "tekst",
                            0x1013: "<p>tekst</p>"})
    assert items.build_mime(msg) == items.build_mime(msg)
    assert b"multipart/alternative" in items.build_mime(msg)


# --- pypff items: the walk, the name map, items without message methods -------------------


def test_a_pst_walk_with_calendar_contacts_free_busy_and_an_unexpected_item(tmp_path):
    n = names()
    appt = FakeMessage({0x001A: "IPM.Appointment", 0x0037: "\x01\x01Tandlæge",
                        n.id(APPT, 0x820D): dt.datetime(2024, 1, 15, 9, 0, tzinfo=UTC),
                        n.id(APPT, 0x820E): dt.datetime(2024, 1, 15, 10, 0, tzinfo=UTC),
                        n.id(APPT, 0x825E): ROMANCE, n.id(APPT, 0x8208): "Amagerbrogade 1"},
                       attachments=[FakeAttachment({0x3705: 5, 0x7FFD: 2, 0x7FFE: True,
                                                    0x7FFB: dt.datetime(2024, 1, 22, 11, 0,
                                                                        tzinfo=UTC)},
                                                   data=b"\xec\xbc raw node")])
    # pypff's plain item: record sets only
    contact = FakeItem({0x001A: "IPM.Contact", 0x0037: "Bo Bæk", 0x3001: "Bo Bæk",
                        0x0E1B: True, n.id(ADDRESS, 0x8083): "bo@example.dk"})
    unknown = FakeItem({0x001A: "IPM.Note.Custom", 0x0037: "Formular", 0x1000: "indhold",
                        0x0C1A: "Åse"})
    freebusy = FakeItem({0x001A: "IPM.Microsoft.ScheduleData.FreeBusy",
                         0x0037: "LocalFreebusy"})
    root = FakeFolder("", folders=[
        FakeFolder("Top of Personal Folders", folders=[
            FakeFolder("Kalender", [appt]), FakeFolder("Kontakter", [contact, unknown])]),
        FakeFolder("Freebusy Data", [freebusy])])
    pst = FakePst(root, names=n)
    path = tmp_path / "outlook.pst"
    path.write_bytes(b"!BDN")
    found = list(iter_pst(str(path), opener=lambda p: pst))
    assert not any(isinstance(f, SourceProblem) for f in found)
    assert [type(f).__name__ for f in found] == ["RawMail", "RawMail", "RawMail", "SkippedItem"]
    assert [f.index for f in found] == [0, 1, 2, 3]
    appt_mail, contact_mail, unknown_mail, skipped = found
    assert isinstance(skipped, SkippedItem)
    assert skipped.locator == "Freebusy Data#0"
    assert skipped.what == "IPM.Microsoft.ScheduleData.FreeBusy"

    m = parse(appt_mail.data)
    assert m["Subject"] == "Tandlæge"  # the .pst subject marker is gone
    card = card_text(m)
    assert "When: Monday 2024-01-15, 10:00–11:00 (UTC+01:00)" in card
    assert "Where: Amagerbrogade 1" in card
    # a changed occurrence is a row, not an attachment of raw bytes
    assert "Changed occurrences: Monday 2024-01-22, 11:00" in card
    assert [p.get_filename() for p in m.iter_attachments()] == ["appointment.ics"]

    assert contact_mail.kind == "contact"
    assert "E-mail: bo@example.dk" in card_text(parse(contact_mail.data))
    assert "attachments could not be" in contact_mail.note and "IPM.Contact" in contact_mail.note
    assert unknown_mail.kind == "" and "indhold" in parse(unknown_mail.data).get_content()


def test_an_attachment_table_that_fails_is_still_damage():
    """A library error while reading an item is damage (said so); a missing method is not."""
    broken = FakeMessage({0x001A: "IPM.Appointment"}, broken=True)
    pst = FakePst(FakeFolder("", [broken]))
    [problem] = list(iter_pst("x.pst", opener=lambda p: pst))
    assert isinstance(problem, SourceProblem) and "damaged" in problem.detail
