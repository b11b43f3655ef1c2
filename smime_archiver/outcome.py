"""What became of each message, and of a job: the typed outcome every face and report reads.

:class:`MessageOutcome` is built once per message (:func:`smime_archiver.work.outcome_of`,
or :func:`problem_outcome` for a source that yielded no message) and then only copied
with more filled in (its final file names, its mailbox): the report (JSON and CSV), the
resume journal, ``inspect``, the CLI and the GUI read its attributes.  :meth:`to_json` is
the report's (and the journal's) form of it; :meth:`MessageOutcome.from_json` reads it
back.

:class:`JobSummary` is the account of a whole job (the report's ``summary``), built by
:class:`smime_archiver.archive.summary.SummaryBuilder`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from smime_archiver.model import (
    ARCHIVED_STATUSES,
    EncryptionInfo,
    RecipientRef,
    SignatureInfo,
    SourceProblem,
    Status,
)


@dataclass(frozen=True)
class MessageRef:
    """Where another message is: its source and locator (for ``duplicate_of``)."""

    source: str
    locator: str = ""

    def describe(self) -> str:
        return " ".join(x for x in (self.source, self.locator) if x)

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "locator": self.locator}


@dataclass(frozen=True)
class MessageOutcome:
    """One line of the report: where a message came from and what became of it."""

    source: str
    index: int | None
    locator: str
    status: Status
    detail: str  # in the user's language
    offset: int | None = None
    message_id: str = ""
    subject: str = ""
    date: str = ""  # ISO 8601 when the Date header could be read, else its text
    sender: str = ""
    pdf: str | None = None  # relative to the output folder, "/" separators
    signatures: tuple[SignatureInfo, ...] = ()
    encryption: tuple[EncryptionInfo, ...] = ()  # every opened encryption layer, outermost first
    recipients: tuple[RecipientRef, ...] = ()  # for no_key: who it was encrypted to
    oid: str | None = None  # for unsupported: the algorithm's OID
    mailbox: str = ""  # the mailbox (container) the message belongs to, for the summary
    eml: str | None = None  # the decrypted message as .eml (with --eml)
    attachments: tuple[str, ...] = ()  # extracted files (--attachments)
    sha256: str = ""  # of the message's bytes as found in the source
    duplicate_of: MessageRef | None = None  # the first copy (with --dedupe)
    note: str = ""  # the mailbox reader's remark, e.g. "the mailbox ends inside this message"
    # "mail", or what an Outlook item that is not mail was: "appointment", "meeting",
    # "contact", "distribution_list", "task", "note", "journal"
    kind: str = "mail"
    # SHA-256 of the decrypted message embedded in the PDF (message.eml), for ``verify``
    embedded_sha256: str = ""

    @property
    def archived(self) -> bool:
        return self.status in ARCHIVED_STATUSES and self.pdf is not None

    @property
    def opened_by(self) -> str | None:
        """The key file that opened the (outermost) encryption, if any did."""
        return self.encryption[0].key_source if self.encryption else None

    @property
    def content_algorithm(self) -> str | None:
        return self.encryption[0].content_algorithm if self.encryption else None

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    def every_recipient(self) -> tuple[RecipientRef, ...]:
        """Each certificate the message was encrypted to, once: those the opened layers
        name, then those of a layer that was not opened."""
        seen: list[RecipientRef] = []
        for layer in self.encryption:
            for ref in layer.recipients or (layer.recipient,):
                if ref not in seen:
                    seen.append(ref)
        for ref in self.recipients:
            if ref not in seen:
                seen.append(ref)
        return tuple(seen)

    def outputs(self) -> list[str]:
        """Every file this outcome names, relative to the output folder."""
        return [p for p in (self.pdf, self.eml, *self.attachments) if p]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "index": self.index,
            "locator": self.locator,
            "offset": self.offset,
            "message_id": self.message_id,
            "subject": self.subject,
            "date": self.date,
            "from": self.sender,
            "status": self.status.value,
            "pdf": self.pdf,
            "detail": self.detail,
            "signatures": [s.to_json() for s in self.signatures],
            "encryption": _encryption_json(self.encryption),
            "recipients": [r.to_json() for r in self.recipients],
            "oid": self.oid,
            "mailbox": self.mailbox,
            "eml": self.eml,
            "attachments": list(self.attachments),
            "sha256": self.sha256,
            "duplicate_of": self.duplicate_of.to_json() if self.duplicate_of else None,
            "note": self.note,
            "kind": self.kind,
            "embedded_sha256": self.embedded_sha256,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MessageOutcome:
        """The outcome :meth:`to_json` wrote (for the resume journal)."""
        dup = data.get("duplicate_of")
        return cls(
            source=data["source"],
            index=data.get("index"),
            locator=data.get("locator") or "",
            status=Status(data["status"]),
            detail=data.get("detail") or "",
            offset=data.get("offset"),
            message_id=data.get("message_id") or "",
            subject=data.get("subject") or "",
            date=data.get("date") or "",
            sender=data.get("from") or "",
            pdf=data.get("pdf"),
            signatures=tuple(SignatureInfo.from_json(s) for s in data.get("signatures") or ()),
            encryption=_encryption_from_json(data.get("encryption")),
            recipients=tuple(RecipientRef.from_json(r) for r in data.get("recipients") or ()),
            oid=data.get("oid"),
            mailbox=data.get("mailbox") or "",
            eml=data.get("eml"),
            attachments=tuple(data.get("attachments") or ()),
            sha256=data.get("sha256") or "",
            duplicate_of=MessageRef(dup.get("source") or "", dup.get("locator") or "")
            if dup else None,
            note=data.get("note") or "",
            kind=data.get("kind") or "mail",
            embedded_sha256=data.get("embedded_sha256") or "",
        )


def _encryption_json(layers: tuple[EncryptionInfo, ...]) -> dict[str, Any] | None:
    """The report's ``encryption`` object: the outermost layer's facts, and every layer."""
    if not layers:
        return None
    first = layers[0]
    return {
        "content_algorithm": first.content_algorithm,
        "key_algorithm": first.key_algorithm,
        "key_file": first.key_source,
        "key_subject": first.key_subject,
        "recipient": first.recipient.to_json(),
        "layers": [info.to_json() for info in layers],
    }


def _encryption_from_json(data: dict[str, Any] | None) -> tuple[EncryptionInfo, ...]:
    if not data:
        return ()
    layers = data.get("layers")
    if layers:
        return tuple(EncryptionInfo.from_json(layer) for layer in layers)
    return (EncryptionInfo.from_json(data),)  # pragma: no cover - every writer wrote layers


def problem_outcome(problem: SourceProblem) -> MessageOutcome:
    """The outcome of a source that yielded no message: ``corrupt`` when the file is there
    (it is damaged, or no mailbox), ``error`` when it cannot be found or opened at all."""
    status = Status.CORRUPT if os.path.exists(problem.source) else Status.ERROR
    return MessageOutcome(source=problem.source, index=problem.index,
                          locator=problem.locator, status=status, detail=problem.detail)


# --- the account of a job -------------------------------------------------------------------


@dataclass(frozen=True)
class KeyUse:
    """A key file given to the job and how many messages it opened."""

    key_file: str
    key_subject: str | None
    messages: int

    def to_json(self) -> dict[str, Any]:
        return {"key_file": self.key_file, "key_subject": self.key_subject,
                "messages": self.messages}


@dataclass(frozen=True)
class MissingKey:
    """A certificate messages were encrypted to that no given key file opens."""

    recipient: RecipientRef
    messages: int
    # the known certificate this recipient is (crypto.keys.certbook), and what to do
    certificate: Mapping[str, Any] | None = None
    explanation: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"recipient": self.recipient.to_json(), "messages": self.messages}
        if self.certificate is not None:
            out["certificate"] = dict(self.certificate)
        if self.explanation is not None:
            out["explanation"] = self.explanation
        return out


@dataclass(frozen=True)
class HiddenItems:
    """Hidden Outlook system data (free/busy, views, rules): counted, not archived."""

    total: int = 0
    per_source: Mapping[str, int] = field(default_factory=dict)
    classes: Mapping[str, int] = field(default_factory=dict)  # by Outlook message class

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "per_source": dict(self.per_source),
                "classes": dict(self.classes)}


@dataclass(frozen=True)
class JobSummary:
    """The report's ``summary``: counts per status, source and mailbox; keys; duplicates."""

    total: int = 0
    archived: int = 0
    by_status: Mapping[Status, int] = field(default_factory=dict)
    per_source: Mapping[str, Mapping[Status, int]] = field(default_factory=dict)
    per_mailbox: Mapping[str, Mapping[Status, int]] = field(default_factory=dict)
    keys_used: tuple[KeyUse, ...] = ()
    missing_keys: tuple[MissingKey, ...] = ()
    duplicates: int = 0
    kinds: Mapping[str, int] = field(default_factory=dict)  # items that are not mail
    hidden_items_skipped: HiddenItems = field(default_factory=HiddenItems)

    def count(self, status: Status) -> int:
        return self.by_status.get(status, 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "archived": self.archived,
            **{s.value: self.count(s) for s in Status},
            "per_source": _by_value(self.per_source),
            "per_mailbox": _by_value(self.per_mailbox),
            "keys_used": [k.to_json() for k in self.keys_used],
            "missing_keys": [m.to_json() for m in self.missing_keys],
            "duplicates": self.duplicates,
            "kinds": dict(self.kinds),
            "hidden_items_skipped": self.hidden_items_skipped.to_json(),
        }


def _by_value(table: Mapping[str, Mapping[Status, int]]) -> dict[str, dict[str, int]]:
    return {name: {s.value: n for s, n in counts.items()} for name, counts in table.items()}
