"""The pieces an Outlook calendar item is read with: Windows time zone rules
(TZDEFINITION/TZSTRUCT, written here byte by byte after MS-OXOCAL), recurrence patterns
(PidLidAppointmentRecur) as RRULE, and iCalendar/vCard content lines."""

from __future__ import annotations

import datetime as dt
import struct

import pytest

from smime_archiver.mailbox import recurrence, tzrules
from smime_archiver.mailbox.card import content_line, escape_text

UTC = dt.timezone.utc


def systemtime(month: int, weekday: int, week: int, hour: int) -> bytes:
    """A SYSTEMTIME in the 'week-th weekday of month' form (wYear 0)."""
    return struct.pack("<8H", 0, month, weekday, week, hour, 0, 0, 0)


def tzrule(year: int, bias: int, std_bias: int, dst_bias: int, std: bytes, dst: bytes) -> bytes:
    """A TZRULE (MS-OXOCAL 2.2.1.41.1): 66 bytes."""
    rule = (struct.pack("<BBHHH", 2, 1, 0x3E, 0x0002, year) + b"\x00" * 14
            + struct.pack("<3i", bias, std_bias, dst_bias) + std + dst)
    assert len(rule) == 66
    return rule


def tzdefinition(name: str, rules: list[bytes]) -> bytes:
    """A TZDEFINITION (2.2.1.41): cbHeader counts wReserved, cchKeyName, KeyName, cRules."""
    header = struct.pack("<HH", 2, len(name)) + name.encode("utf-16-le") + \
        struct.pack("<H", len(rules))
    return struct.pack("<BBH", 2, 1, len(header)) + header + b"".join(rules)


ROMANCE = tzdefinition("Romance Standard Time", [
    tzrule(0, -60, 0, -60, systemtime(10, 0, 5, 3), systemtime(3, 0, 5, 2))])
SYDNEY = tzdefinition("AUS Eastern Standard Time", [
    tzrule(0, -600, 0, -60, systemtime(4, 0, 1, 3), systemtime(10, 0, 1, 2))])
# US Pacific before and after the Energy Policy Act: April/October until 2006,
# March/November from 2007
PACIFIC = tzdefinition("Pacific Standard Time", [
    tzrule(2006, 480, 0, -60, systemtime(10, 0, 5, 2), systemtime(4, 0, 1, 2)),
    tzrule(2007, 480, 0, -60, systemtime(11, 0, 1, 2), systemtime(3, 0, 2, 2))])


def offset_hours(zone: tzrules.Zone, when: dt.datetime) -> float:
    off = zone.local_time(when).utcoffset()
    assert off is not None
    return off.total_seconds() / 3600


def test_copenhagen_changes_at_one_utc_on_the_last_sundays():
    zone = tzrules.parse_definition(ROMANCE)
    assert zone is not None and zone.name == "Romance Standard Time"
    assert offset_hours(zone, dt.datetime(2024, 1, 15, 9, 0, tzinfo=UTC)) == 1
    assert offset_hours(zone, dt.datetime(2024, 6, 10, 8, 0, tzinfo=UTC)) == 2
    # 2024-03-31 and 2024-10-27 are the last Sundays of March and October
    assert offset_hours(zone, dt.datetime(2024, 3, 31, 0, 59, tzinfo=UTC)) == 1
    assert offset_hours(zone, dt.datetime(2024, 3, 31, 1, 0, tzinfo=UTC)) == 2
    assert offset_hours(zone, dt.datetime(2024, 10, 27, 0, 59, tzinfo=UTC)) == 2
    assert offset_hours(zone, dt.datetime(2024, 10, 27, 1, 0, tzinfo=UTC)) == 1
    local = zone.local_time(dt.datetime(2024, 6, 10, 8, 0, tzinfo=UTC))
    assert (local.hour, local.minute) == (10, 0)


def test_southern_summer_is_at_the_turn_of_the_year():
    zone = tzrules.parse_definition(SYDNEY)
    assert zone is not None
    assert offset_hours(zone, dt.datetime(2024, 1, 10, 0, 0, tzinfo=UTC)) == 11
    assert offset_hours(zone, dt.datetime(2024, 7, 10, 0, 0, tzinfo=UTC)) == 10
    assert offset_hours(zone, dt.datetime(2024, 12, 10, 0, 0, tzinfo=UTC)) == 11


def test_the_rule_of_the_year_applies():
    zone = tzrules.parse_definition(PACIFIC)
    assert zone is not None and [r.year for r in zone.rules] == [2006, 2007]
    # 20 March: standard time under the 2006 rule, daylight time under the 2007 one
    assert offset_hours(zone, dt.datetime(2006, 3, 20, 20, 0, tzinfo=UTC)) == -8
    assert offset_hours(zone, dt.datetime(2007, 3, 20, 20, 0, tzinfo=UTC)) == -7
    # an older year uses the oldest rule
    assert offset_hours(zone, dt.datetime(1999, 7, 1, 20, 0, tzinfo=UTC)) == -7


def test_tzstruct_and_a_zone_without_daylight_saving_time():
    # PidLidTimeZoneStruct: biases, wStandardYear, stStandardDate, wDaylightYear, stDaylightDate
    blob = (struct.pack("<3i", -60, 0, -60) + b"\x00\x00" + systemtime(10, 0, 5, 3)
            + b"\x00\x00" + systemtime(3, 0, 5, 2))
    zone = tzrules.parse_struct(blob)
    assert zone is not None
    assert offset_hours(zone, dt.datetime(2010, 7, 1, tzinfo=UTC)) == 2
    iceland = tzrules.parse_struct(struct.pack("<3i", 0, 0, 0) + b"\x00" * 36)
    assert iceland is not None
    assert offset_hours(iceland, dt.datetime(2010, 7, 1, tzinfo=UTC)) == 0
    assert tzrules.parse_struct(b"\x00" * 20) is None


def test_damaged_definitions_give_no_zone():
    assert tzrules.parse_definition(b"") is None
    assert tzrules.parse_definition(ROMANCE[:30]) is None
    assert tzrules.parse_definition(tzdefinition("Empty", [])) is None


def test_offsets_are_written_like_outlook_writes_them():
    assert tzrules.format_offset(dt.timedelta(hours=2)) == "UTC+02:00"
    assert tzrules.format_offset(dt.timedelta(hours=-9, minutes=-30)) == "UTC-09:30"
    assert tzrules.format_offset(dt.timedelta(0)) == "UTC"


# --- recurrence -----------------------------------------------------------------------


def _minutes(day: dt.date) -> int:
    return int((dt.datetime.combine(day, dt.time()) - dt.datetime(1601, 1, 1))
               .total_seconds() // 60)


def pattern_blob(freq: int, ptype: int, period: int, specific: bytes, *, end_type: int,
                 count: int = 0, first_dow: int = 0, start: dt.date, end: dt.date,
                 deleted: tuple[dt.date, ...] = (), start_minutes: int = 600,
                 calendar_type: int = 0) -> bytes:
    """An AppointmentRecurrencePattern (MS-OXOCAL 2.2.1.44.1 and .44.5) without exceptions."""
    out = struct.pack("<HHHHHIII", 0x3004, 0x3004, freq, ptype, calendar_type, 0, period, 0)
    out += specific + struct.pack("<IIII", end_type, count, first_dow, len(deleted))
    out += b"".join(struct.pack("<I", _minutes(d)) for d in deleted)
    out += struct.pack("<I", len(deleted)) + b"".join(struct.pack("<I", _minutes(d))
                                                      for d in deleted)
    out += struct.pack("<II", _minutes(start), _minutes(end))
    out += struct.pack("<IIIIH", 0x3006, 0x3008, start_minutes, start_minutes + 30, 0)
    return out


NEVER = 0x2023
FIRST = dt.datetime(2024, 6, 10, 8, 0, tzinfo=UTC)  # 10:00 in Copenhagen
JUNE_10 = dt.date(2024, 6, 10)
NO_END = dt.date(4500, 8, 31)


def rule_of(blob: bytes) -> str:
    p = recurrence.parse(blob)
    assert p is not None
    return recurrence.rrule(p, FIRST)


def test_weekly_every_other_week_on_two_days_ten_times():
    blob = pattern_blob(0x200B, 1, 2, struct.pack("<I", 0b0001010), end_type=0x2022, count=10,
                        first_dow=1, start=JUNE_10, end=dt.date(2024, 7, 31))
    assert rule_of(blob) == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;WKST=MO;COUNT=10"


def test_monthly_second_tuesday_and_last_friday():
    second_tuesday = pattern_blob(0x200C, 4, 1, struct.pack("<II", 0b0000100, 2),
                                  end_type=NEVER, start=JUNE_10, end=NO_END)
    assert rule_of(second_tuesday) == "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"
    last_friday = pattern_blob(0x200C, 4, 3, struct.pack("<II", 0b0100000, 5),
                               end_type=NEVER, start=JUNE_10, end=NO_END)
    assert rule_of(last_friday) == "FREQ=MONTHLY;INTERVAL=3;BYDAY=FR;BYSETPOS=-1"
    month_end = pattern_blob(0x200C, 3, 1, struct.pack("<I", 31), end_type=NEVER,
                             start=JUNE_10, end=NO_END)
    assert rule_of(month_end) == "FREQ=MONTHLY;BYMONTHDAY=-1"


def test_yearly_on_christmas_eve():
    blob = pattern_blob(0x200D, 2, 12, struct.pack("<I", 24), end_type=NEVER,
                        start=dt.date(2024, 12, 24), end=NO_END)
    assert rule_of(blob) == "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24"


def test_daily_until_a_date_ends_after_the_last_occurrence_in_utc():
    # every third day at 10:00 Copenhagen summer time (08:00 UTC), the last on 30 June
    blob = pattern_blob(0x200A, 0, 3 * 1440, b"", end_type=0x2021, start=JUNE_10,
                        end=dt.date(2024, 6, 30), start_minutes=600)
    assert rule_of(blob) == "FREQ=DAILY;INTERVAL=3;UNTIL=20240630T100000Z"


def test_a_pattern_without_its_appointment_part_ends_by_its_count():
    blob = pattern_blob(0x200A, 0, 1440, b"", end_type=0x2021, count=7, start=JUNE_10,
                        end=dt.date(2024, 6, 16))
    task_like = blob[:-18]  # no ReaderVersion2 ... StartTimeOffset
    assert recurrence.parse(task_like) is not None
    assert rule_of(task_like) == "FREQ=DAILY;COUNT=7"


def test_patterns_that_cannot_be_stated_exactly_give_no_rule():
    hijri = pattern_blob(0x200C, 2, 1, struct.pack("<I", 1), end_type=NEVER, start=JUNE_10,
                         end=NO_END, calendar_type=6)
    assert recurrence.parse(hijri) is None
    weekly = pattern_blob(0x200B, 1, 1, struct.pack("<I", 2), end_type=NEVER, start=JUNE_10,
                          end=NO_END)
    assert recurrence.parse(weekly[:30]) is None
    no_days = pattern_blob(0x200B, 1, 1, struct.pack("<I", 0), end_type=NEVER, start=JUNE_10,
                           end=NO_END)
    assert rule_of(no_days) == ""


# --- content lines ----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Mødelokale 3, Islands Brygge; 2. sal\nNøgle i receptionen",
                                  "æ" * 200, "x" * 74, "x" * 75, "€" * 60 + "x"])
def test_content_lines_fold_at_75_octets_and_never_inside_a_letter(text):
    line = content_line("LOCATION", escape_text(text))
    physical = line.split(b"\r\n")[:-1]
    assert all(len(p) <= 75 for p in physical)
    assert all(p.startswith(b" ") for p in physical[1:])
    for p in physical:
        p.decode("utf-8")  # every physical line is whole UTF-8
    unfolded = line.replace(b"\r\n ", b"").decode("utf-8")
    assert unfolded == "LOCATION:" + escape_text(text) + "\r\n"


def test_text_values_are_escaped():
    assert escape_text("a,b;c\\d\r\ne") == "a\\,b\\;c\\\\d\\ne"
