"""One row of the message table: what the scan learned about a message (no Qt here).

Rows keep the message's raw bytes while the kept total stays under a budget, so a
preview does not have to read the mailbox again; past it, a preview reads the
message back from its source by its locator.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from smime_archiver.model import RawMail, RecipientRef, SignatureInfo, SourceProblem, Status
from smime_archiver.outcome import MessageOutcome, problem_outcome
from smime_archiver.work import OpenedMessage, outcome_of

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
    """The row of a message the scan opened: the core's outcome, with the view's date."""
    view = opened.view
    return _row(number, outcome_of(opened), date=view.date if view else None,
                date_text=view.date_text if view else "",
                attachments=len([a for a in view.attachments if not a.inline]) if view else 0,
                raw=opened.raw if keep_raw else None)


def row_from_problem(number: int, problem: SourceProblem) -> MessageRow:
    """The row of a source that yielded no message (the same outcome as the export's)."""
    return _row(number, problem_outcome(problem), date=None, date_text="", attachments=0,
                raw=None, subject=os.path.basename(problem.source) or problem.source)


def _row(number: int, outcome: MessageOutcome, *, date: dt.datetime | None, date_text: str,
         attachments: int, raw: RawMail | None, subject: str | None = None) -> MessageRow:
    row = MessageRow(
        number=number,
        source=outcome.source,
        index=outcome.index,
        locator=outcome.locator,
        date=date,
        date_text=date_text,
        sender=outcome.sender,
        subject=outcome.subject if subject is None else subject,
        status=outcome.status,
        detail=outcome.detail,
        key_sources=tuple(dict.fromkeys(e.key_source for e in outcome.encryption)),
        recipients=outcome.recipients,
        signatures=outcome.signatures,
        attachments=attachments,
        raw=raw,
    )
    row.search_text = _search_text(row)
    return row


def _search_text(row: MessageRow) -> str:
    date = row.date.strftime("%Y-%m-%d") if row.date else row.date_text
    return " ".join((row.sender, row.subject, date, os.path.basename(row.source))).casefold()


def matches(row: MessageRow, words: list[str]) -> bool:
    """Every search word occurs in the row's sender, subject, date or file name."""
    return all(word in row.search_text for word in words)
