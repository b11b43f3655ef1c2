"""A short card of labelled values (an appointment's what/when/where, a contact's
addresses and phones), written as the first part of the message an Outlook item that is
not mail becomes; and the content lines of the ``.ics``/``.vcf`` copy beside it.

The card is plain text and HTML (``multipart/alternative``), so the PDF shows a table,
the text is searchable, and a mail program opening the ``.eml`` shows it too.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field

from smime_archiver.i18n import _


@dataclass
class Card:
    heading: str  # what the item is: "Appointment", "Contact", ...
    rows: list[tuple[str, list[str]]] = field(default_factory=list)

    def add(self, label: str, *values: str) -> None:
        """A row; empty values are left out, and a row without any is not added."""
        lines = [line for v in values for line in _lines(v)]
        if lines:
            self.rows.append((label, lines))

    def plain(self) -> str:
        out = [self.heading, ""]
        for label, lines in self.rows:
            out.append(f"{label}: {lines[0]}")
            out += [f"    {line}" for line in lines[1:]]
        return "\n".join(out) + "\n"

    def html(self, *, notes_follow: bool) -> str:
        rows = "".join(
            f'<tr><td valign="top" width="27%"><b>{html.escape(label)}</b></td>'
            f'<td valign="top">{"<br>".join(html.escape(line) for line in lines)}</td></tr>'
            for label, lines in self.rows)
        notes = f"<p><b>{html.escape(_('Notes'))}</b></p>" if notes_follow else ""
        return ('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                f"<p><b>{html.escape(self.heading)}</b></p>"
                f'<table width="100%" cellpadding="3" cellspacing="0">{rows}</table>{notes}'
                "</body></html>")


def _lines(value: str) -> list[str]:
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return [" ".join(line.split()) for line in value.split("\n") if line.strip()]


def person(name: str, address: str) -> str:
    """``Name <address>``, or whichever of the two there is."""
    name, address = " ".join(name.split()), "".join(address.split())
    if name and address and name.casefold() != address.casefold():
        return f"{name} <{address}>"
    return name or address


def smtp_only(address: str) -> str:
    """``address`` if it looks like an Internet address (not an Exchange DN), else ``""``."""
    address = address.strip().strip("\x00")
    return address if "@" in address and not address.startswith("/") else ""


def weekday(day: dt.date) -> str:
    names = (_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
             _("Saturday"), _("Sunday"))
    return names[day.weekday()]


def format_day(day: dt.date) -> str:
    """``Tuesday 2016-08-02`` (the weekday in the user's language, the date in ISO form)."""
    return f"{weekday(day)} {day:%Y-%m-%d}"


# --- iCalendar (RFC 5545) and vCard (RFC 6350) content lines ---------------------------


def escape_text(value: str) -> str:
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def param(value: str) -> str:
    """A parameter value: quoted when it holds ``:;,``; double quotes cannot appear."""
    value = " ".join(value.replace('"', "'").split())
    return f'"{value}"' if any(c in value for c in ":;,") else value


def content_line(name: str, value: str) -> bytes:
    """``name:value`` folded at 75 octets (never inside a UTF-8 sequence), CRLF ended."""
    data = f"{name}:{value}".encode()
    out = bytearray()
    limit = 75
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # a continuation byte
            cut -= 1
        out += data[:cut] + b"\r\n "
        data = data[cut:]
        limit = 74  # the leading space of a continuation line counts
    out += data + b"\r\n"
    return bytes(out)
