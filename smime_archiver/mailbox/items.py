"""What an Outlook item is, and the message an item that is not mail becomes.

A ``.pst``/``.ost`` holds calendars, contacts, tasks and notes beside the mail, and
hidden system data (free/busy, folder views, rules).  Each is handled as what it is:

- mail (``IPM.Note`` and anything unknown): rebuilt by :mod:`.mapi`, as before;
- appointments and meeting messages, contacts, distribution lists, tasks, journal
  entries and notes: a message whose first part is a card of what the item holds
  (:mod:`.calendar`, :mod:`.contacts`), then the item's own notes and attachments, and an
  ``.ics``/``.vcf`` copy, so the whole pipeline (PDF, report, ``--eml``) treats it like mail;
  the report says what it was (``kind``);
- hidden system data: not a message at all; the readers skip it and the report counts it.

``.msg`` files hold the same properties and get the same treatment.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import email.utils
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from smime_archiver.i18n import _
from smime_archiver.mailbox import calendar, contacts, mapi
from smime_archiver.mailbox.card import Card, format_day
from smime_archiver.mailbox.mapi import MapiMessage
from smime_archiver.mailbox.namedprops import PSETID_LOG, PSETID_TASK

MAIL, APPOINTMENT, MEETING, CONTACT = "mail", "appointment", "meeting", "contact"
DISTRIBUTION_LIST, TASK, NOTE, JOURNAL = "distribution_list", "task", "note", "journal"
HIDDEN = "hidden"
CARD_KINDS = frozenset({APPOINTMENT, MEETING, CONTACT, DISTRIBUTION_LIST, TASK, NOTE, JOURNAL})

_CLASSES = (("ipm.appointment", APPOINTMENT), ("ipm.schedule.meeting", MEETING),
            ("ipm.contact", CONTACT), ("ipm.distlist", DISTRIBUTION_LIST),
            ("ipm.task", TASK), ("ipm.taskrequest", TASK), ("ipm.stickynote", NOTE),
            ("ipm.activity", JOURNAL))
# Outlook's and Exchange's own data, kept as items but never shown as messages: free/busy
# (IPM.Microsoft.ScheduleData.FreeBusy), folder views, navigation links, settings and
# category lists (IPM.Configuration.*), rules and their templates, sharing indexes.
_HIDDEN = ("ipm.microsoft.", "ipm.configuration.", "ipm.extendedrule.", "ipm.rule.",
           "ipm.ruleorganizer", "ipm.note.rules.", "ipm.sharing.index", "ipm.aggregation",
           "ipc.")

PR_CREATION_TIME, PR_LAST_MODIFICATION_TIME = 0x3007, 0x3008
PR_HASATTACH = 0x0E1B


def item_kind(message_class: str) -> str:
    """``mail``, ``hidden`` or what else the item of this class is (see the module)."""
    c = message_class.strip().lower()
    if c.startswith(_HIDDEN):
        return HIDDEN
    for prefix, kind in _CLASSES:
        if c == prefix or c.startswith(prefix + "."):
            return kind
    return MAIL


def kind_note(kind: str) -> str:
    """What the report and the PDF say about an item that is not mail."""
    return {
        APPOINTMENT: _("This is an Outlook calendar item (an appointment), not an e-mail; "
                       "it is also attached as an .ics file."),
        MEETING: _("This is an Outlook meeting request or reply: an e-mail about a calendar "
                   "item, also attached as an .ics file."),
        CONTACT: _("This is an Outlook contact, not an e-mail; it is also attached as a .vcf "
                   "file."),
        DISTRIBUTION_LIST: _("This is an Outlook distribution list (contact group), not an "
                             "e-mail."),
        TASK: _("This is an Outlook task, not an e-mail."),
        NOTE: _("This is an Outlook note, not an e-mail."),
        JOURNAL: _("This is an Outlook journal entry, not an e-mail."),
    }.get(kind, "")


def kind_label(kind: str) -> str:
    """A heading for a count of items of ``kind`` ("Contacts: 19")."""
    return {
        APPOINTMENT: _("Appointments"), MEETING: _("Meeting requests and replies"),
        CONTACT: _("Contacts"), DISTRIBUTION_LIST: _("Distribution lists"), TASK: _("Tasks"),
        NOTE: _("Notes"), JOURNAL: _("Journal entries"),
    }.get(kind, kind)


@dataclass(frozen=True)
class Converted:
    """An item as a message: its bytes, what it was ("" for mail) and the reader's note."""

    data: bytes
    kind: str
    note: str


def convert(msg: MapiMessage) -> Converted:
    """The message for an item that is not hidden (:func:`item_kind` says which are)."""
    kind = item_kind(msg.message_class)
    data = build_mime(msg)
    note = " ".join(n for n in (kind_note(kind), *msg.notes) if n)
    return Converted(data, "" if kind == MAIL else kind, note)


def unread_attachments_note(msg: MapiMessage) -> str:
    """Said when the reader's library hands over an item's properties but not its
    attachments (an item type it does not know)."""
    if msg.props.get(PR_HASATTACH) is not True:
        return ""
    return _("This Outlook item is of a type ({type}) the .pst reader only partly knows: "
             "its text and details were read, its attachments could not be.").format(
                 type=msg.message_class)


def build_mime(msg: MapiMessage) -> bytes:
    """The RFC 5322 message for ``msg``: a card for the :data:`CARD_KINDS`, else mail."""
    if item_kind(msg.message_class) in CARD_KINDS:
        return build_item(msg)
    return mapi.build_note(msg, build=build_mime)


def build_item(msg: MapiMessage) -> bytes:
    """The RFC 5322 message for an item of one of the :data:`CARD_KINDS`."""
    kind = item_kind(msg.message_class)
    files: list[tuple[str, str, bytes]] = []
    card: Card | None = None
    date = _time(msg.props.get(PR_LAST_MODIFICATION_TIME)) \
        or _time(msg.props.get(PR_CREATION_TIME))
    sender: tuple[str, str] | None = None  # (name, address) for From, else the item's sender
    with_sender = True
    subject = msg.subject
    if kind in (APPOINTMENT, MEETING):
        app = calendar.appointment_of(msg)
        card = calendar.card_of(app, msg.message_class)
        msg.attachments = calendar.without_exceptions(msg)
        if app.organizer is not None:
            sender = (app.organizer.name, app.organizer.address)
        if app.start is not None:
            files.append(("appointment.ics", "text/calendar", calendar.ics_of(app)))
            date = calendar.header_date(app)
    elif kind == CONTACT:
        card = contacts.contact_card(msg)
        files.append(("contact.vcf", "text/vcard", contacts.vcard_of(msg)))
        subject, with_sender = subject or contacts.display_name(msg), False
    elif kind == DISTRIBUTION_LIST:
        card = contacts.list_card(msg)
        subject, with_sender = subject or contacts.display_name(msg), False
    elif kind == TASK:
        card = task_card(msg)
    elif kind == JOURNAL:
        card, start = journal_card(msg)
        date = start or date
    headers = mapi.header_block(msg) if kind == MEETING else \
        _headers(msg, subject, date, sender=sender if with_sender else ("", ""))
    return headers + card_entity(msg, card, files)


def _headers(msg: MapiMessage, subject: str, date: dt.datetime | None, *,
             sender: tuple[str, str] | None) -> bytes:
    """From (``sender``, else the item's own), Subject, Date and Message-ID."""
    lines = []
    if sender is None:
        sender = (msg.text(mapi.PR_SENT_REPRESENTING_NAME) or msg.text(mapi.PR_SENDER_NAME),
                  msg.text(mapi.PR_SENT_REPRESENTING_SMTP)
                  or msg.text(mapi.PR_SENDER_SMTP_ADDRESS)
                  or mapi.smtp_only(msg.text(mapi.PR_SENT_REPRESENTING_EMAIL))
                  or mapi.smtp_only(msg.text(mapi.PR_SENDER_EMAIL)))
    if any(sender):
        who = mapi.address_header(*sender)
        if who:
            lines.append(f"From: {who}")
    if subject:
        lines.append(f"Subject: {mapi.encode_header(subject)}")
    if date is not None:
        lines.append(f"Date: {email.utils.format_datetime(date)}")
    message_id = msg.text(mapi.PR_INTERNET_MESSAGE_ID).strip()
    if message_id and message_id.isascii():
        lines.append(f"Message-ID: {message_id}")
    return "".join(line + "\r\n" for line in lines).encode("ascii", errors="replace")


def card_entity(msg: MapiMessage, card: Card | None, files: list[tuple[str, str, bytes]]
                ) -> bytes:
    """Card (text and HTML), the item's own notes, the copies in ``files``, attachments."""
    notes = mapi.body_message(msg) if mapi.has_body(msg) else None
    if card is None:
        root = mapi.body_message(msg)
    else:
        root = EmailMessage(policy=email.policy.SMTP)
        root.set_content(card.plain())
        root.add_alternative(card.html(notes_follow=notes is not None), subtype="html")
        root.make_mixed()
        if notes is not None:
            root.attach(notes)
    for name, ctype, data in files:
        maintype, _slash, subtype = ctype.partition("/")
        root.add_attachment(data, maintype=maintype, subtype=subtype, filename=name,
                            params={"charset": "utf-8"})
    mapi.attach_all(root, msg, build=build_mime)
    mapi.stable_boundaries(root)
    return root.as_bytes(policy=email.policy.SMTP)


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime) or value.year >= 4500:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


# --- tasks and journal entries ---------------------------------------------------------

LID_TASK_STATUS, LID_TASK_PERCENT, LID_TASK_START, LID_TASK_DUE = 0x8101, 0x8102, 0x8104, 0x8105
LID_TASK_DONE_DATE, LID_TASK_OWNER = 0x810F, 0x811F
LID_LOG_TYPE, LID_LOG_START, LID_LOG_DURATION = 0x8700, 0x8706, 0x8707


def task_card(msg: MapiMessage) -> Card:
    card = Card(_("Task"))
    card.add(_("What"), msg.subject or _("(no subject)"))
    status = msg.named_value(PSETID_TASK, LID_TASK_STATUS)
    card.add(_("Status"), {0: _("Not started"), 1: _("In progress"), 2: _("Completed"),
                           3: _("Waiting on someone else"), 4: _("Deferred")}.get(status, "")
             if isinstance(status, int) else "")
    percent = msg.named_value(PSETID_TASK, LID_TASK_PERCENT)
    if isinstance(percent, float) and 0 <= percent <= 1:
        card.add(_("Complete"), f"{percent * 100:.0f} %")
    for lid, label in ((LID_TASK_START, _("Start date")), (LID_TASK_DUE, _("Due date")),
                       (LID_TASK_DONE_DATE, _("Date completed"))):
        when = _time(msg.named_value(PSETID_TASK, lid))
        # task dates are local calendar days kept as midnight: the date alone is meant
        card.add(label, format_day(when.date()) if when else "")
    card.add(_("Owner"), msg.named_text(PSETID_TASK, LID_TASK_OWNER))
    return card


def journal_card(msg: MapiMessage) -> tuple[Card, dt.datetime | None]:
    card = Card(_("Journal entry"))
    card.add(_("What"), msg.subject or _("(no subject)"))
    card.add(_("Type"), msg.named_text(PSETID_LOG, LID_LOG_TYPE))
    start = _time(msg.named_value(PSETID_LOG, LID_LOG_START))
    if start is not None:
        card.add(_("Start"), f"{format_day(start.date())}, {start:%H:%M} UTC")
    minutes = msg.named_value(PSETID_LOG, LID_LOG_DURATION)
    if isinstance(minutes, int) and minutes > 0:
        card.add(_("Duration"), _("{n} minutes").format(n=minutes))
    return card, start
