"""One row of the message table: what the scan learned about a message (no Qt here).

Rows keep the message's raw bytes while the kept total stays under a budget, so a
preview does not have to read the mailbox again; past it, a preview reads the
message back from its source by its locator.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from smime_archiver.job import OpenedMessage
from smime_archiver.model import RawMail, RecipientRef, SignatureInfo, SourceProblem, Status

RAW_BUDGET = 512 * 1024 * 1024  # bytes of raw mail kept in memory for previews


@dataclass(eq=False, slots=True)
class MessageRow:
    number: int  # position in the scan, from 0
    source: str
    index: int | None
    locator: str
    date: dt.datetime | None
    date_text: str
    sender: str
    subject: str
    status: Status
    detail: str  # the core's translated reason
    key_sources: tuple[str, ...] = ()  # key files that opened it
    recipients: tuple[RecipientRef, ...] = ()  # for no_key: who it was encrypted to
    signatures: tuple[SignatureInfo, ...] = ()
    attachments: int = 0
    raw: RawMail | None = None  # None when over the budget or not a message
    search_text: str = ""  # lower-case sender, subject and date, for the search box

    def date_key(self) -> float:
        if self.date is None:
            return float("-inf")
        value = self.date if self.date.tzinfo else self.date.replace(tzinfo=dt.timezone.utc)
        return value.timestamp()


def row_from_opened(number: int, opened: OpenedMessage, keep_raw: bool) -> MessageRow:
    raw, result, view = opened.raw, opened.result, opened.view
    row = MessageRow(
        number=number,
        source=raw.source,
        index=raw.index,
        locator=raw.locator,
        date=view.date if view else None,
        date_text=view.date_text if view else "",
        sender=view.sender if view else "",
        subject=view.subject if view else "",
        status=result.status,
        detail=result.detail,
        key_sources=tuple(dict.fromkeys(e.key_source for e in result.encryption)),
        recipients=tuple(result.recipients),
        signatures=result.signatures,
        attachments=len([a for a in view.attachments if not a.inline]) if view else 0,
        raw=raw if keep_raw else None,
    )
    row.search_text = _search_text(row)
    return row


def row_from_problem(number: int, problem: SourceProblem) -> MessageRow:
    row = MessageRow(
        number=number,
        source=problem.source,
        index=problem.index,
        locator=problem.locator,
        date=None,
        date_text="",
        sender="",
        subject=os.path.basename(problem.source) or problem.source,
        status=Status.CORRUPT,
        detail=problem.detail,
    )
    row.search_text = _search_text(row)
    return row


def _search_text(row: MessageRow) -> str:
    date = row.date.strftime("%Y-%m-%d") if row.date else row.date_text
    return " ".join((row.sender, row.subject, date, os.path.basename(row.source))).casefold()


def matches(row: MessageRow, words: list[str]) -> bool:
    """Every search word occurs in the row's sender, subject, date or file name."""
    return all(word in row.search_text for word in words)
