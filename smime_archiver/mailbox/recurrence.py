"""A recurring Outlook appointment's pattern (``PidLidAppointmentRecur``, MS-OXOCAL
2.2.1.44) as an iCalendar ``RRULE`` for the ``.ics`` copy.

Only what maps exactly is turned into a rule: daily, weekly, monthly (a day of the month,
the n-th weekday, the last day) and yearly patterns of the Gregorian calendar, ending
after a count, on a date or never.  Anything else (Hijri calendars, damaged blobs) gives
no rule; the page still shows Outlook's own description of the pattern.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

_FREQ = {0x200A: "DAILY", 0x200B: "WEEKLY", 0x200C: "MONTHLY", 0x200D: "YEARLY"}
_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # bit 0 is Sunday
END_DATE, END_COUNT = 0x2021, 0x2022
_1601 = dt.datetime(1601, 1, 1)


@dataclass(frozen=True)
class Pattern:
    frequency: str  # DAILY, WEEKLY, MONTHLY, YEARLY
    pattern_type: int  # 0 day, 1 week, 2 month (a day), 3 month end, 4 n-th weekday
    period: int  # minutes (daily) or weeks or months
    days: int = 0  # weekday bits (weekly, n-th weekday)
    day_of_month: int = 0
    nth: int = 0  # 1..4, 5: the last
    end_type: int = 0
    count: int = 0
    first_day_of_week: int = 0
    start: dt.date | None = None  # the first occurrence's local date
    end: dt.date | None = None  # the last occurrence's local date (end type END_DATE)
    start_minutes: int | None = None  # the local time of day an occurrence starts, minutes


def parse(blob: bytes) -> Pattern | None:
    """The pattern in ``blob``, or ``None`` when it is not one we can state exactly."""
    try:
        _reader, _writer, freq, ptype, calendar_type, _first, period, _sliding = \
            struct.unpack_from("<HHHHHIII", blob)
        pos = 22
        days = day_of_month = nth = 0
        if ptype == 1:
            (days,) = struct.unpack_from("<I", blob, pos)
            pos += 4
        elif ptype in (2, 3):
            (day_of_month,) = struct.unpack_from("<I", blob, pos)
            pos += 4
        elif ptype == 4:
            days, nth = struct.unpack_from("<II", blob, pos)
            pos += 8
        elif ptype != 0:
            return None
        end_type, count, first_dow, deleted = struct.unpack_from("<IIII", blob, pos)
        pos += 16 + 4 * deleted
        (modified,) = struct.unpack_from("<I", blob, pos)
        pos += 4 + 4 * modified
        start, end = struct.unpack_from("<II", blob, pos)
        pos += 8
        start_minutes = None
        if len(blob) >= pos + 12:  # the appointment part: StartTimeOffset after 2 versions
            (start_minutes,) = struct.unpack_from("<I", blob, pos + 8)
    except struct.error:
        return None
    if calendar_type not in (0, 1) or freq not in _FREQ or period <= 0:
        return None
    return Pattern(_FREQ[freq], ptype, period, days, day_of_month, nth, end_type, count,
                   first_dow, _day(start), _day(end), start_minutes)


def _day(minutes: int) -> dt.date | None:
    try:
        return (_1601 + dt.timedelta(minutes=minutes)).date()
    except OverflowError:
        return None


def rrule(p: Pattern, first_start: dt.datetime) -> str:
    """The RRULE value for ``p``; ``first_start``: the first occurrence (aware, any zone)."""
    parts = [f"FREQ={p.frequency}"]
    interval = {"DAILY": p.period // 1440, "YEARLY": p.period // 12}.get(p.frequency,
                                                                         p.period)
    if interval < 1 or (p.frequency == "DAILY" and p.period % 1440):
        return ""
    if interval > 1:
        parts.append(f"INTERVAL={interval}")
    byday = ",".join(d for i, d in enumerate(_DAYS) if p.days & (1 << i))
    if p.pattern_type == 1:
        if not byday:
            return ""
        parts.append(f"BYDAY={byday}")
        parts.append(f"WKST={_DAYS[p.first_day_of_week % 7]}")
    elif p.pattern_type in (2, 3, 4):
        if p.frequency == "YEARLY" and p.start is not None:
            parts.append(f"BYMONTH={p.start.month}")
        if p.pattern_type == 2 and 1 <= p.day_of_month <= 31:
            parts.append(f"BYMONTHDAY={p.day_of_month}")
        elif p.pattern_type == 3:
            parts.append("BYMONTHDAY=-1")
        elif p.pattern_type == 4 and byday and 1 <= p.nth <= 5:
            parts.append(f"BYDAY={byday};BYSETPOS={-1 if p.nth == 5 else p.nth}")
        else:
            return ""
    if p.end_type == END_COUNT and p.count > 0:
        parts.append(f"COUNT={p.count}")
    elif p.end_type == END_DATE and p.end is not None and p.start_minutes is not None:
        parts.append("UNTIL=" + _until(p, p.start_minutes, first_start))
    elif p.end_type == END_DATE and p.count > 0:  # Outlook counts those occurrences too
        parts.append(f"COUNT={p.count}")
    elif p.end_type == END_DATE:
        return ""
    return ";".join(parts)


def _until(p: Pattern, start_minutes: int, first_start: dt.datetime) -> str:
    """The last occurrence's start in UTC, with two hours to spare for a change of daylight
    saving time in between (the next occurrence is at least a day later)."""
    assert p.end is not None
    utc = first_start.astimezone(dt.timezone.utc)
    # the zone's offset at the first occurrence: its local time of day minus its UTC one
    offset = (start_minutes - (utc.hour * 60 + utc.minute)) % 1440
    if offset > 14 * 60:
        offset -= 1440
    last = dt.datetime.combine(p.end, dt.time()) + dt.timedelta(
        minutes=start_minutes - offset + 120)
    return last.strftime("%Y%m%dT%H%M%SZ")
