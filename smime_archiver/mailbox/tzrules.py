"""The time zone an Outlook appointment was made in, from the rules it carries.

Outlook stores an appointment's start and end in UTC and the zone beside them as
Windows rules: a bias and the days daylight saving time starts and ends.  The newer
form (``PidLidAppointmentTimeZoneDefinitionStartDisplay``, MS-OXOCAL 2.2.1.41: a
TZDEFINITION with one rule per year it changed) names the zone too; the older one
(``PidLidTimeZoneStruct``, 2.2.1.39) holds one rule.  :func:`local_time` turns a UTC
time into the wall-clock time the organiser saw, with its UTC offset, using only
those rules: no time zone database is needed, and nothing is guessed when the
appointment carries no rule.
"""

from __future__ import annotations

import calendar
import datetime as dt
import struct
from dataclasses import dataclass

_SYSTEMTIME = struct.Struct("<8H")


@dataclass(frozen=True)
class Transition:
    """A yearly change: the ``week``-th (5: last) ``weekday`` (0 Sunday) of ``month``."""

    month: int
    weekday: int
    week: int
    hour: int
    minute: int

    def moment(self, year: int) -> dt.datetime:
        """When it happens in ``year``, in the local time it is given in (naive)."""
        first = dt.date(year, self.month, 1)
        # Python: Monday 0 .. Sunday 6; Windows: Sunday 0 .. Saturday 6
        shift = (self.weekday - (first.weekday() + 1) % 7) % 7
        day = 1 + shift + 7 * (min(self.week, 5) - 1)
        last = calendar.monthrange(year, self.month)[1]
        while day > last:
            day -= 7
        return dt.datetime(year, self.month, day, min(self.hour, 23), min(self.minute, 59))


@dataclass(frozen=True)
class Rule:
    """UTC = local + ``bias`` (+ ``standard_bias`` or ``daylight_bias``), in minutes."""

    year: int  # first year the rule applies to (0: every year)
    bias: int
    standard_bias: int
    daylight_bias: int
    standard: Transition | None  # back to standard time
    daylight: Transition | None  # into daylight saving time; None: no DST

    def offset(self, when: dt.datetime) -> dt.timedelta:
        """The zone's UTC offset at the aware moment ``when``."""
        standard = -(self.bias + self.standard_bias)
        if self.daylight is None or self.standard is None:
            return dt.timedelta(minutes=standard)
        daylight = -(self.bias + self.daylight_bias)
        year = when.astimezone(dt.timezone.utc).year
        # DST starts at its local standard time and ends at its local daylight time
        start = self.daylight.moment(year) - dt.timedelta(minutes=standard)
        end = self.standard.moment(year) - dt.timedelta(minutes=daylight)
        utc = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
        in_dst = start <= utc < end if start < end else (utc >= start or utc < end)
        return dt.timedelta(minutes=daylight if in_dst else standard)


@dataclass(frozen=True)
class Zone:
    name: str  # the Windows key name ("Romance Standard Time"), "" when not stored
    rules: tuple[Rule, ...]

    def rule_for(self, year: int) -> Rule:
        chosen = self.rules[0]
        for rule in self.rules:
            if rule.year <= year:
                chosen = rule
        return chosen

    def local_time(self, when: dt.datetime) -> dt.datetime:
        """``when`` (aware) as the zone's wall-clock time, with its UTC offset."""
        offset = self.rule_for(when.astimezone(dt.timezone.utc).year).offset(when)
        return when.astimezone(dt.timezone(offset))


def _transition(raw: bytes) -> Transition | None:
    _year, month, weekday, day, hour, minute, _s, _ms = _SYSTEMTIME.unpack(raw)
    if not 1 <= month <= 12:
        return None
    return Transition(month, weekday % 7, max(day, 1), hour, minute)


def _rule(year: int, biases: bytes, standard: bytes, daylight: bytes) -> Rule:
    bias, std_bias, dst_bias = struct.unpack("<3i", biases)
    to_std, to_dst = _transition(standard), _transition(daylight)
    if to_std is None or to_dst is None:
        to_std = to_dst = None
    return Rule(year, bias, std_bias, dst_bias, to_std, to_dst)


def parse_definition(data: bytes) -> Zone | None:
    """A TZDEFINITION (``PidLidAppointmentTimeZoneDefinition*``); ``None`` if unreadable."""
    try:
        _major, _minor, header, _reserved, chars = struct.unpack_from("<BBHHH", data)
        name = data[8 : 8 + 2 * chars].decode("utf-16-le", errors="replace")
        # cbHeader counts wReserved, cchKeyName, the name and cRules: the rules follow it
        (count,) = struct.unpack_from("<H", data, 4 + header - 2)
        pos = 4 + header
        rules = []
        for _n in range(min(count, 1024)):
            (year,) = struct.unpack_from("<H", data, pos + 6)
            body = data[pos + 22 : pos + 66]
            if len(body) < 44:
                break
            rules.append(_rule(year, body[:12], body[12:28], body[28:44]))
            pos += 66
    except (struct.error, ValueError):
        return None
    if not rules:
        return None
    return Zone(name.strip("\x00 "), tuple(sorted(rules, key=lambda r: r.year)))


def parse_struct(data: bytes) -> Zone | None:
    """A TZSTRUCT (``PidLidTimeZoneStruct``); ``None`` if unreadable."""
    if len(data) < 48:
        return None
    standard, daylight = data[14:30], data[32:48]
    return Zone("", (_rule(0, data[:12], standard, daylight),))


def format_offset(offset: dt.timedelta | None) -> str:
    """``UTC+02:00``, ``UTC-07:00``, ``UTC`` (for zero)."""
    if offset is None or not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
