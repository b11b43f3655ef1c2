"""Outlook appointments and meeting messages: what, when (in the organiser's time zone),
where, organiser and attendees, as a card (:mod:`.card`) and an ``.ics`` copy.

Properties (MS-OXOCAL): start and end in UTC (``PidLidAppointmentStartWhole``/``EndWhole``,
else ``PR_START_DATE``/``PR_END_DATE``), the zone's rules (:mod:`.tzrules`) and name, the
location, the all-day flag, the recurrence text Outlook wrote ("every Tuesday from 8:00
AM to 8:30 AM") and its pattern (:mod:`.recurrence`), and the recipient table: required
(type 1), optional (2) and resources (3), the organiser flagged in ``PR_RECIPIENT_FLAGS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from smime_archiver.i18n import _
from smime_archiver.mailbox import mapi, recurrence, tzrules
from smime_archiver.mailbox.card import (
    Card,
    content_line,
    escape_text,
    format_day,
    param,
    person,
    smtp_only,
)
from smime_archiver.mailbox.mapi import MapiMessage
from smime_archiver.mailbox.namedprops import PSETID_APPOINTMENT, PSETID_COMMON, PSETID_MEETING

PR_START_DATE, PR_END_DATE = 0x0060, 0x0061
PR_SEARCH_KEY, PR_LAST_MODIFICATION_TIME = 0x300B, 0x3008
PR_RECIPIENT_FLAGS, PR_RECIPIENT_TRACKSTATUS = 0x5FFD, 0x5FFF
PR_EXCEPTION_START, PR_EXCEPTION_END, PR_ATTACHMENT_FLAGS = 0x7FFB, 0x7FFC, 0x7FFD
AF_EXCEPTION = 0x0002  # the attachment is a changed occurrence of a recurring appointment
RECIP_ORGANIZER = 0x0002
ASF_MEETING = 0x0001  # PidLidAppointmentStateFlags: a meeting, not a lone appointment

LID_START, LID_END, LID_LOCATION, LID_ALL_DAY = 0x820D, 0x820E, 0x8208, 0x8215
LID_STATE, LID_RECURRING, LID_RECURRENCE, LID_PATTERN_TEXT = 0x8217, 0x8223, 0x8216, 0x8232
LID_TZ_STRUCT, LID_TZ_NAME, LID_TZ_START, LID_TZ_END = 0x8233, 0x8234, 0x825E, 0x825F
LID_TO, LID_CC = 0x823B, 0x823C
LID_COMMON_START, LID_COMMON_END = 0x8516, 0x8517
LID_GLOBAL_ID = 0x0003

_RESPONSES = {1: "", 2: "tentative", 3: "accepted", 4: "declined"}


@dataclass(frozen=True)
class Attendee:
    name: str
    address: str
    response: str = ""  # "accepted", "tentative", "declined" or ""

    def label(self) -> str:
        shown = person(self.name, self.address)
        said = {"accepted": _("accepted"), "tentative": _("tentatively accepted"),
                "declined": _("declined")}.get(self.response)
        return f"{shown} ({said})" if said else shown


@dataclass
class Appointment:
    subject: str
    start: dt.datetime | None  # aware, UTC
    end: dt.datetime | None
    all_day: bool = False
    zone: tzrules.Zone | None = None
    zone_name: str = ""  # Outlook's description, "(UTC+01:00) Brussels, Copenhagen, ..."
    location: str = ""
    repeats: str = ""  # Outlook's own words for the pattern
    pattern: recurrence.Pattern | None = None
    meeting: bool = False
    organizer: Attendee | None = None
    required: list[Attendee] = field(default_factory=list)
    optional: list[Attendee] = field(default_factory=list)
    resources: list[Attendee] = field(default_factory=list)
    uid: str = ""
    stamp: dt.datetime | None = None
    notes: str = ""
    changed: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)

    def local(self, when: dt.datetime) -> dt.datetime:
        return self.zone.local_time(when) if self.zone is not None else when


def appointment_of(msg: MapiMessage) -> Appointment:
    """What the properties of ``msg`` (an appointment or a meeting message) say."""
    start = _time(msg.named_value(PSETID_APPOINTMENT, LID_START)) \
        or _time(msg.props.get(PR_START_DATE)) \
        or _time(msg.named_value(PSETID_COMMON, LID_COMMON_START))
    end = _time(msg.named_value(PSETID_APPOINTMENT, LID_END)) \
        or _time(msg.props.get(PR_END_DATE)) \
        or _time(msg.named_value(PSETID_COMMON, LID_COMMON_END))
    state = msg.named_value(PSETID_APPOINTMENT, LID_STATE)
    app = Appointment(
        subject=msg.subject, start=start, end=end,
        all_day=msg.named_value(PSETID_APPOINTMENT, LID_ALL_DAY) is True,
        zone=_zone(msg), zone_name=msg.named_text(PSETID_APPOINTMENT, LID_TZ_NAME),
        location=msg.named_text(PSETID_APPOINTMENT, LID_LOCATION),
        repeats=msg.named_text(PSETID_APPOINTMENT, LID_PATTERN_TEXT),
        meeting=(isinstance(state, int) and bool(state & ASF_MEETING))
        or msg.message_class.lower().startswith("ipm.schedule.meeting"),
        uid=_uid(msg), stamp=_time(msg.props.get(PR_LAST_MODIFICATION_TIME)),
        notes=msg.text(mapi.PR_BODY).strip())
    blob = msg.named_value(PSETID_APPOINTMENT, LID_RECURRENCE)
    if msg.named_value(PSETID_APPOINTMENT, LID_RECURRING) is True or isinstance(blob, bytes):
        app.pattern = recurrence.parse(blob) if isinstance(blob, bytes) else None
        if not app.repeats:
            app.repeats = _("yes (a recurring appointment)")
    _people(msg, app)
    for att in msg.attachments:
        flags, when = att.props.get(PR_ATTACHMENT_FLAGS), _time(att.props.get(PR_EXCEPTION_START))
        if isinstance(flags, int) and flags & AF_EXCEPTION and when is not None:
            app.changed.append((when, _time(att.props.get(PR_EXCEPTION_END))))
    return app


def without_exceptions(msg: MapiMessage) -> list[mapi.MapiAttachment]:
    """The attachments that are attachments, not the changed occurrences Outlook keeps as
    hidden embedded messages (shown on the card instead)."""
    return [a for a in msg.attachments
            if not (isinstance(f := a.props.get(PR_ATTACHMENT_FLAGS), int) and f & AF_EXCEPTION)]


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime) or value.year >= 4500:  # 4501-01-01: "none"
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _zone(msg: MapiMessage) -> tzrules.Zone | None:
    for lid in (LID_TZ_START, LID_TZ_END):
        blob = msg.named_value(PSETID_APPOINTMENT, lid)
        zone = tzrules.parse_definition(blob) if isinstance(blob, bytes) else None
        if zone is not None:
            return zone
    blob = msg.named_value(PSETID_APPOINTMENT, LID_TZ_STRUCT)
    return tzrules.parse_struct(blob) if isinstance(blob, bytes) else None


def _uid(msg: MapiMessage) -> str:
    for value in (msg.named_value(PSETID_MEETING, LID_GLOBAL_ID), msg.props.get(PR_SEARCH_KEY)):
        if isinstance(value, bytes) and value:
            return value.hex().upper()
    seed = f"{msg.subject}\0{msg.named_value(PSETID_APPOINTMENT, LID_START)}"
    return hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:32].upper()


def _people(msg: MapiMessage, app: Appointment) -> None:
    for r in msg.recipients:
        name = _text(r.get(mapi.PR_DISPLAY_NAME))
        address = smtp_only(_text(r.get(mapi.PR_SMTP_ADDRESS))) \
            or smtp_only(_text(r.get(mapi.PR_EMAIL_ADDRESS)))
        if not (name or address):
            continue
        flags, track = r.get(PR_RECIPIENT_FLAGS), r.get(PR_RECIPIENT_TRACKSTATUS)
        who = Attendee(name, address, _RESPONSES.get(track, "") if isinstance(track, int) else "")
        if isinstance(flags, int) and flags & RECIP_ORGANIZER:
            app.organizer = Attendee(name, address)
            continue
        kind = r.get(mapi.PR_RECIPIENT_TYPE)
        (app.optional if kind == 2 else app.resources if kind == 3 else app.required).append(who)
    if not msg.recipients:  # only the display strings were kept
        for text, into in ((msg.named_text(PSETID_APPOINTMENT, LID_TO)
                            or msg.text(mapi.PR_DISPLAY_TO), app.required),
                           (msg.named_text(PSETID_APPOINTMENT, LID_CC)
                            or msg.text(mapi.PR_DISPLAY_CC), app.optional)):
            into += [Attendee(n.strip(), "") for n in text.split(";") if n.strip()]
    if app.organizer is None and app.meeting and not \
            msg.message_class.lower().startswith("ipm.schedule.meeting.resp"):
        name = msg.text(mapi.PR_SENT_REPRESENTING_NAME) or msg.text(mapi.PR_SENDER_NAME)
        address = smtp_only(msg.text(mapi.PR_SENT_REPRESENTING_SMTP)) \
            or smtp_only(msg.text(mapi.PR_SENDER_SMTP_ADDRESS)) \
            or smtp_only(msg.text(mapi.PR_SENT_REPRESENTING_EMAIL)) \
            or smtp_only(msg.text(mapi.PR_SENDER_EMAIL))
        if name or address:
            app.organizer = Attendee(name, address)


def _text(value: Any) -> str:
    return value.strip("\x00 ") if isinstance(value, str) else ""


# --- the card --------------------------------------------------------------------------


def meeting_state(message_class: str) -> str:
    """What a meeting message is, from its class (``IPM.Schedule.Meeting.Resp.Pos`` ...)."""
    c = message_class.lower()
    for suffix, text in ((".request", _("Meeting request")),
                         (".canceled", _("Meeting cancelled")),
                         (".resp.pos", _("Accepted")), (".resp.tent", _("Tentatively accepted")),
                         (".resp.neg", _("Declined"))):
        if c.startswith("ipm.schedule.meeting" + suffix):
            return text
    return ""


def card_of(app: Appointment, message_class: str) -> Card:
    card = Card(_("Meeting") if app.meeting else _("Appointment"))
    card.add(_("What"), app.subject or _("(no subject)"))
    card.add(_("Type"), meeting_state(message_class))
    card.add(_("When"), *when_lines(app))
    card.add(_("Where"), app.location)
    card.add(_("Repeats"), app.repeats)
    # Outlook keeps a changed occurrence's times as the wall clock showed them
    card.add(_("Changed occurrences"), *(_span(start.replace(tzinfo=None),
                                               end.replace(tzinfo=None) if end else None)
                                         for start, end in sorted(app.changed)))
    if app.organizer is not None:
        card.add(_("Organizer"), app.organizer.label())
    card.add(_("Required attendees"), *(a.label() for a in app.required))
    card.add(_("Optional attendees"), *(a.label() for a in app.optional))
    card.add(_("Resources"), *(a.label() for a in app.resources))
    return card


def when_lines(app: Appointment) -> list[str]:
    """The time in the organiser's zone with its UTC offset; the zone; the time in UTC."""
    if app.start is None:
        return [_("(the item holds no start time)")]
    start, end = app.local(app.start), app.local(app.end) if app.end else None
    if app.all_day:
        first, after = when_days(app)
        last = after - dt.timedelta(days=1)
        span = format_day(first) if last == first else f"{format_day(first)} – {format_day(last)}"
        lines = [_("{days} (all day)").format(days=span)]
    else:
        zone = tzrules.format_offset(start.utcoffset()) if app.zone else "UTC"
        lines = [f"{_span(start, end)} ({zone})"]
    if app.zone is not None:
        name = app.zone_name or app.zone.name
        if name:
            lines.append(_("Time zone: {zone}").format(zone=name))
        if not app.all_day and start.utcoffset():
            utc_end = app.end.astimezone(dt.timezone.utc) if app.end else None
            lines.append(_("In UTC: {time}").format(
                time=_span(app.start.astimezone(dt.timezone.utc), utc_end)))
    elif app.zone_name:
        lines.append(_("Time zone: {zone} (the item holds no rules for it, so the time above "
                       "is in UTC)").format(zone=app.zone_name))
    return lines


def _span(start: dt.datetime, end: dt.datetime | None) -> str:
    text = f"{format_day(start.date())}, {start:%H:%M}"
    if end is None or end == start:
        return text
    if end.date() == start.date():
        return f"{text}–{end:%H:%M}"
    return f"{text} – {format_day(end.date())}, {end:%H:%M}"


def header_date(app: Appointment) -> dt.datetime | None:
    """The appointment's start, as the organiser's wall clock showed it."""
    return app.local(app.start) if app.start is not None else None


# --- the .ics copy ---------------------------------------------------------------------


def ics_of(app: Appointment) -> bytes:
    """One VEVENT (RFC 5545) in a VCALENDAR, times in UTC."""
    lines = [content_line("BEGIN", "VCALENDAR"), content_line("VERSION", "2.0"),
             content_line("PRODID", "-//smime-archiver//Outlook item//EN"),
             content_line("METHOD", "PUBLISH"), content_line("BEGIN", "VEVENT"),
             content_line("UID", app.uid),
             content_line("DTSTAMP", _ics_time(app.stamp or app.start or _EPOCH))]
    if app.start is not None:
        if app.all_day:
            days = when_days(app)
            lines.append(content_line("DTSTART;VALUE=DATE", f"{days[0]:%Y%m%d}"))
            lines.append(content_line("DTEND;VALUE=DATE", f"{days[1]:%Y%m%d}"))
        else:
            lines.append(content_line("DTSTART", _ics_time(app.start)))
            if app.end is not None:
                lines.append(content_line("DTEND", _ics_time(app.end)))
    if app.pattern is not None and app.start is not None:
        rule = recurrence.rrule(app.pattern, app.start)
        if rule:
            lines.append(content_line("RRULE", rule))
    lines.append(content_line("SUMMARY", escape_text(app.subject)))
    if app.location:
        lines.append(content_line("LOCATION", escape_text(app.location)))
    if app.notes:
        lines.append(content_line("DESCRIPTION", escape_text(app.notes)))
    if app.organizer is not None:
        lines.append(_cal_address("ORGANIZER", app.organizer, ""))
    for group, role in ((app.required, "REQ-PARTICIPANT"), (app.optional, "OPT-PARTICIPANT"),
                        (app.resources, "NON-PARTICIPANT")):
        lines += [_cal_address("ATTENDEE", a, role) for a in group]
    lines += [content_line("END", "VEVENT"), content_line("END", "VCALENDAR")]
    return b"".join(lines)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def when_days(app: Appointment) -> tuple[dt.date, dt.date]:
    """An all-day appointment's first day and the day after its last (iCalendar's DTEND).

    It runs from one local midnight to another.  Without the zone's rules the local date
    is the UTC time's nearest date (right for every offset from -12 to +12 hours).
    """
    assert app.start is not None
    first = (app.local(app.start) if app.zone else app.start + dt.timedelta(hours=12)).date()
    if app.end is None:
        return first, first + dt.timedelta(days=1)
    end = (app.local(app.end) if app.zone else app.end + dt.timedelta(hours=12)).date()
    return first, max(end, first + dt.timedelta(days=1))


def _ics_time(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _cal_address(name: str, who: Attendee, role: str) -> bytes:
    params = f";CN={param(who.name)}" if who.name else ""
    if role:
        params += f";ROLE={role}" + (";CUTYPE=RESOURCE" if role == "NON-PARTICIPANT" else "")
    state = {"accepted": "ACCEPTED", "tentative": "TENTATIVE", "declined": "DECLINED"}
    if who.response in state:
        params += f";PARTSTAT={state[who.response]}"
    # RFC 5545 wants a URI; Outlook writes this one for people without an address
    return content_line(name + params, f"mailto:{who.address}" if who.address
                        else "invalid:nomail")
