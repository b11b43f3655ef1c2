"""Outlook contacts and distribution lists as a card (:mod:`.card`); a contact also as a
``.vcf`` (vCard 3.0, which Outlook, Apple Contacts and Google import).

Properties (MS-OXOCNTC): names, company and phones are tagged properties; the e-mail
addresses, the composed postal addresses and a list's members are named properties of
``PSETID_Address``.  A list names each member by an entry id; the one-off entry ids
(``PidLidDistributionListOneOffMembers``) carry the name and address in clear.
"""

from __future__ import annotations

import datetime as dt
import struct
from typing import Any

from smime_archiver.i18n import _
from smime_archiver.mailbox.card import Card, content_line, escape_text, person, smtp_only
from smime_archiver.mailbox.mapi import PR_BODY, PR_DISPLAY_NAME, MapiMessage
from smime_archiver.mailbox.namedprops import PS_PUBLIC_STRINGS, PSETID_ADDRESS

PR_GIVEN_NAME, PR_MIDDLE_NAME, PR_SURNAME = 0x3A06, 0x3A44, 0x3A11
PR_PREFIX, PR_GENERATION, PR_NICKNAME = 0x3A45, 0x3A05, 0x3A4F
PR_COMPANY, PR_DEPARTMENT, PR_TITLE = 0x3A16, 0x3A18, 0x3A17
PR_BIRTHDAY = 0x3A42
PR_BUSINESS_HOME_PAGE, PR_PERSONAL_HOME_PAGE = 0x3A51, 0x3A50

# (e-mail address, address type, original display name) for E-mail 1, 2 and 3
_EMAILS = ((0x8083, 0x8082, 0x8084), (0x8093, 0x8092, 0x8094), (0x80A3, 0x80A2, 0x80A4))
LID_IM, LID_WEB = 0x8062, 0x802B
LID_LIST_NAME, LID_ONE_OFF_MEMBERS, LID_MEMBERS = 0x8053, 0x8054, 0x8055
LID_LIST_STREAM = 0x8064  # newer Outlook keeps large lists here, in a form not read here
ONE_OFF_PROVIDER = bytes.fromhex("812B1FA4BEA310199D6E00DD010F5402")


def _phones() -> tuple[tuple[int, str, str], ...]:
    """(property, label, vCard type) for every telephone number a contact can have."""
    return (
        (0x3A1C, _("Mobile"), "CELL,VOICE"), (0x3A08, _("Business phone"), "WORK,VOICE"),
        (0x3A1B, _("Business phone 2"), "WORK,VOICE"), (0x3A09, _("Home phone"), "HOME,VOICE"),
        (0x3A2F, _("Home phone 2"), "HOME,VOICE"), (0x3A1A, _("Primary phone"), "PREF,VOICE"),
        (0x3A57, _("Company main phone"), "WORK,VOICE"), (0x3A1F, _("Other phone"), "VOICE"),
        (0x3A1E, _("Car phone"), "CAR,VOICE"), (0x3A2E, _("Assistant"), "VOICE"),
        (0x3A21, _("Pager"), "PAGER"), (0x3A24, _("Business fax"), "WORK,FAX"),
        (0x3A25, _("Home fax"), "HOME,FAX"), (0x3A23, _("Other fax"), "FAX"),
        (0x3A02, _("Callback"), "VOICE"), (0x3A2D, _("ISDN"), "ISDN"),
    )


def _addresses() -> tuple[tuple[str, str, int, tuple[int, ...]], ...]:
    """(label, vCard type, composed address (named), (street, city, state, postal code,
    country) tagged properties) for the work, home and other address."""
    return (
        (_("Work address"), "WORK", 0x801B, (0x3A29, 0x3A27, 0x3A28, 0x3A2A, 0x3A26)),
        (_("Home address"), "HOME", 0x801A, (0x3A5D, 0x3A59, 0x3A5C, 0x3A5B, 0x3A5A)),
        (_("Other address"), "", 0x801C, (0x3A63, 0x3A5F, 0x3A62, 0x3A61, 0x3A60)),
    )


def display_name(msg: MapiMessage) -> str:
    name = msg.text(PR_DISPLAY_NAME)
    if not name:
        parts = (msg.text(t) for t in (PR_PREFIX, PR_GIVEN_NAME, PR_MIDDLE_NAME, PR_SURNAME,
                                       PR_GENERATION))
        name = " ".join(p for p in parts if p)
    return " ".join(name.split()) or msg.subject


def emails(msg: MapiMessage) -> list[str]:
    found: list[str] = []
    for address_lid, type_lid, original_lid in _EMAILS:
        address = smtp_only(msg.named_text(PSETID_ADDRESS, address_lid))
        if not address and msg.named_text(PSETID_ADDRESS, type_lid).upper() == "EX":
            address = smtp_only(msg.named_text(PSETID_ADDRESS, original_lid))
        if address and address.casefold() not in (f.casefold() for f in found):
            found.append(address)
    return found


def categories(msg: MapiMessage) -> list[str]:
    value = msg.named_value(PS_PUBLIC_STRINGS, "Keywords")
    if isinstance(value, str):
        value = [value]
    return [v.strip() for v in value if isinstance(v, str) and v.strip()] \
        if isinstance(value, list) else []


def _address_parts(msg: MapiMessage, composed: int, tags: tuple[int, ...]) -> tuple[str, list[str]]:
    """The address as one text (Outlook's composed form if kept) and its parts."""
    parts = [msg.text(t).strip() for t in tags]
    text = msg.named_text(PSETID_ADDRESS, composed).strip()
    if not text:
        street, city, state, postal, country = parts
        town = " ".join(p for p in (postal, city) if p)
        text = "\n".join(p for p in (street, town, state, country) if p)
    return text, parts


def contact_card(msg: MapiMessage) -> Card:
    card = Card(_("Contact"))
    card.add(_("Name"), display_name(msg))
    card.add(_("Nickname"), msg.text(PR_NICKNAME))
    card.add(_("Company"), ", ".join(p for p in (msg.text(PR_COMPANY), msg.text(PR_DEPARTMENT))
                                     if p.strip()))
    card.add(_("Job title"), msg.text(PR_TITLE))
    card.add(_("E-mail"), *emails(msg))
    for tag, label, _vcard in _phones():
        card.add(label, msg.text(tag))
    for label, _vcard, composed, tags in _addresses():
        card.add(label, _address_parts(msg, composed, tags)[0])
    card.add(_("Web page"), msg.text(PR_BUSINESS_HOME_PAGE) or msg.text(PR_PERSONAL_HOME_PAGE)
             or msg.named_text(PSETID_ADDRESS, LID_WEB))
    card.add(_("Instant messaging"), msg.named_text(PSETID_ADDRESS, LID_IM))
    birthday = _date(msg.props.get(PR_BIRTHDAY))
    card.add(_("Birthday"), f"{birthday:%Y-%m-%d}" if birthday else "")
    card.add(_("Categories"), ", ".join(categories(msg)))
    return card


def _date(value: Any) -> dt.date | None:
    """A date Outlook keeps as a local midnight in UTC: its nearest date."""
    if not isinstance(value, dt.datetime) or value.year >= 4500:
        return None
    return (value + dt.timedelta(hours=12)).date()


def vcard_of(msg: MapiMessage) -> bytes:
    def text(tag: int) -> str:
        return escape_text(msg.text(tag).strip())

    lines = [content_line("BEGIN", "VCARD"), content_line("VERSION", "3.0"),
             content_line("PRODID", "-//smime-archiver//Outlook item//EN"),
             content_line("N", ";".join(text(t) for t in (PR_SURNAME, PR_GIVEN_NAME,
                                                          PR_MIDDLE_NAME, PR_PREFIX,
                                                          PR_GENERATION))),
             content_line("FN", escape_text(display_name(msg)))]
    if msg.text(PR_NICKNAME):
        lines.append(content_line("NICKNAME", text(PR_NICKNAME)))
    if msg.text(PR_COMPANY) or msg.text(PR_DEPARTMENT):
        lines.append(content_line("ORG", f"{text(PR_COMPANY)};{text(PR_DEPARTMENT)}"))
    if msg.text(PR_TITLE):
        lines.append(content_line("TITLE", text(PR_TITLE)))
    lines += [content_line("EMAIL;TYPE=INTERNET", escape_text(e)) for e in emails(msg)]
    for tag, _label, kind in _phones():
        if msg.text(tag).strip():
            lines.append(content_line(f"TEL;TYPE={kind}", text(tag)))
    for _label, kind, composed, tags in _addresses():
        whole, parts = _address_parts(msg, composed, tags)
        if not whole:
            continue
        if not any(parts):  # only the composed text was kept: it goes in the street field
            parts = [whole, "", "", "", ""]
        typed = f";TYPE={kind}" if kind else ""
        lines.append(content_line("ADR" + typed, ";;" + ";".join(escape_text(p)
                                                                   for p in parts)))
    web = msg.text(PR_BUSINESS_HOME_PAGE) or msg.text(PR_PERSONAL_HOME_PAGE)
    if web.strip():
        lines.append(content_line("URL", escape_text(web.strip())))
    birthday = _date(msg.props.get(PR_BIRTHDAY))
    if birthday:
        lines.append(content_line("BDAY", f"{birthday:%Y-%m-%d}"))
    if categories(msg):
        lines.append(content_line("CATEGORIES", ",".join(escape_text(c)
                                                          for c in categories(msg))))
    if msg.text(PR_BODY).strip():
        lines.append(content_line("NOTE", text(PR_BODY)))
    lines.append(content_line("END", "VCARD"))
    return b"".join(lines)


# --- distribution lists ----------------------------------------------------------------


def members(msg: MapiMessage) -> list[str]:
    """Each member as ``Name <address>``; one the list names only by an entry id into the
    mailbox (no name in clear) is said to be so."""
    one_offs = msg.named_value(PSETID_ADDRESS, LID_ONE_OFF_MEMBERS)
    ids = msg.named_value(PSETID_ADDRESS, LID_MEMBERS)
    entries = one_offs if isinstance(one_offs, list) and one_offs else ids
    if not isinstance(entries, list):
        return []
    out = []
    for entry in entries:
        parsed = parse_one_off(entry) if isinstance(entry, bytes) else None
        out.append(person(*parsed) if parsed else _("(a contact kept elsewhere in the mailbox)"))
    return out


def parse_one_off(entry: bytes) -> tuple[str, str] | None:
    """(display name, address) of a one-off entry id (MS-OXCDATA 2.2.5.1), else ``None``."""
    if len(entry) < 24 or entry[4:20] != ONE_OFF_PROVIDER:
        return None
    (flags,) = struct.unpack_from("<H", entry, 22)
    rest = entry[24:]
    if flags & 0x8000:  # Unicode strings
        text = rest[: len(rest) // 2 * 2].decode("utf-16-le", errors="replace").split("\x00")
    else:
        text = rest.decode("cp1252", errors="replace").split("\x00")
    if len(text) < 3:
        return None
    name, kind, address = (t.strip() for t in text[:3])
    return name, address if kind.upper() in ("SMTP", "") else smtp_only(address)


def list_card(msg: MapiMessage) -> Card:
    card = Card(_("Distribution list"))
    card.add(_("Name"), msg.named_text(PSETID_ADDRESS, LID_LIST_NAME) or display_name(msg))
    if members(msg):
        card.add(_("Members"), *members(msg))
    elif isinstance(msg.named_value(PSETID_ADDRESS, LID_LIST_STREAM), bytes):
        card.add(_("Members"), _("(stored in a form this program cannot read yet: open the "
                                 "list in Outlook to see them)"))
    else:
        card.add(_("Members"), _("(none stored)"))
    card.add(_("Categories"), ", ".join(categories(msg)))
    return card
