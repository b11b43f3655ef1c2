"""The account of a job (:class:`~smime_archiver.outcome.JobSummary`), one outcome at a time.

Memory stays flat however many messages a job has: only counters are kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from smime_archiver.model import RecipientRef, Status
from smime_archiver.outcome import HiddenItems, JobSummary, KeyUse, MessageOutcome, MissingKey


class SummaryBuilder:
    """Counts outcomes as they are committed; :meth:`summary` is the account so far."""

    def __init__(self, key_files: Iterable[dict] = ()) -> None:
        self.total = 0
        self.archived = 0
        self.duplicates = 0
        self.by_status: Counter[Status] = Counter()
        self.per_source: dict[str, Counter[Status]] = {}
        self.per_mailbox: dict[str, Counter[Status]] = {}
        # key file -> [subject, messages], in the order the key files were given
        self.keys_used: dict[str, list] = {}
        for desc in key_files:
            source = desc.get("source")
            if source and source not in self.keys_used:
                self.keys_used[source] = [desc.get("subject"), 0]
        self.missing: dict[tuple, list] = {}  # recipient identity -> [first ref, messages]
        self.kinds: Counter[str] = Counter()  # items that are not mail, by kind
        self.skipped = 0  # hidden Outlook system items (free/busy, views, rules)
        self.skipped_per_source: Counter[str] = Counter()
        self.skipped_classes: Counter[str] = Counter()

    def skip(self, source: str, what: str) -> None:
        """Count a hidden item that is no message (it has no outcome)."""
        self.skipped += 1
        self.skipped_per_source[source] += 1
        self.skipped_classes[what or "?"] += 1

    def add(self, r: MessageOutcome) -> None:
        self.total += 1
        self.archived += r.archived
        self.by_status[r.status] += 1
        self.per_source.setdefault(r.source, Counter())[r.status] += 1
        self.per_mailbox.setdefault(r.mailbox or r.source, Counter())[r.status] += 1
        if r.kind and r.kind != "mail":
            self.kinds[r.kind] += 1
        if r.duplicate_of:
            self.duplicates += 1
        elif r.encryption and r.status is Status.DECRYPTED:
            first = r.encryption[0]
            self.keys_used.setdefault(first.key_source or "", [first.key_subject, 0])[1] += 1
        if r.status is Status.NO_KEY and not r.duplicate_of:
            for ref in r.recipients:
                self.missing.setdefault(_identity(ref), [ref, 0])[1] += 1

    def summary(self) -> JobSummary:
        return JobSummary(
            total=self.total,
            archived=self.archived,
            by_status=dict(self.by_status),
            per_source={src: dict(c) for src, c in self.per_source.items()},
            per_mailbox={box: dict(c) for box, c in self.per_mailbox.items()},
            keys_used=tuple(KeyUse(key_file, subject, n)
                            for key_file, (subject, n) in self.keys_used.items()),
            missing_keys=tuple(MissingKey(ref, n) for ref, n in self.missing.values()),
            duplicates=self.duplicates,
            kinds=dict(self.kinds),
            hidden_items_skipped=HiddenItems(self.skipped, dict(self.skipped_per_source),
                                             dict(self.skipped_classes)),
        )


def _identity(ref: RecipientRef) -> tuple:
    """Which certificate a recipient names (how it was encrypted to it does not count)."""
    return (ref.kind, ref.issuer, ref.serial, ref.ski)


def summarize(outcomes: Iterable[MessageOutcome]) -> JobSummary:
    builder = SummaryBuilder()
    for outcome in outcomes:
        builder.add(outcome)
    return builder.summary()
