"""Small frozen dataclasses passed between the pipeline's stages.

mailbox readers -> RawMail -> crypto.layers.unwrap_message -> UnwrapResult
-> mime.parse_message -> render -> archive.  Nothing here holds key material
except :class:`PrivateKeyEntry`, which never leaves memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Status(str, Enum):
    """Outcome of one message, as written to the report."""

    DECRYPTED = "decrypted"  # at least one encryption layer opened
    PLAIN = "plain"  # neither encrypted nor signed
    SIGNED = "signed"  # signed, not encrypted
    NO_KEY = "no_key"  # encrypted to recipients none of our keys opens
    CORRUPT = "corrupt"  # damaged, truncated or garbled
    UNSUPPORTED = "unsupported"  # an algorithm we do not implement (names the OID)
    ERROR = "error"  # anything else (rendering failed, ...)

    def __str__(self) -> str:
        return self.value


ARCHIVED_STATUSES = frozenset({Status.DECRYPTED, Status.PLAIN, Status.SIGNED})


@dataclass(frozen=True)
class RawMail:
    """One message as found in a container, before any decoding.

    ``source``: the file the message came from (a path string as the user gave it
    or as found while walking a folder).  ``index``: 0-based position inside a
    multi-message container (mbox), ``None`` for one-message files.  ``locator``:
    a stable, human-readable name for the message inside ``source`` (e.g.
    ``"mbox#12@4096"``, ``"cur/1699.M1P2.host:2,S"``); equal to ``""`` for a
    one-message file.  ``offset``: byte offset inside ``source`` when meaningful.
    """

    source: str
    data: bytes
    index: int | None = None
    locator: str = ""
    offset: int | None = None
    # A reader's remark for the report, e.g. that the mailbox ends inside this message
    # (it may be incomplete) or that Apple Mail kept its attachments apart; "" if none.
    note: str = ""
    # What the item is when it is not an e-mail: an Outlook calendar item or contact
    # rebuilt as a message ("appointment", "meeting", "contact", "distribution_list",
    # "task", "note", "journal"); "" for mail.
    kind: str = ""
    # The mailbox the message belongs to, set by the reader: the mbox or .pst file, the
    # Maildir, the Apple Mail .mbox folder, or the folder holding an .eml/.msg ("" when
    # the item was not made by a reader; mailbox.container_of then derives it).
    container: str = ""


@dataclass(frozen=True)
class SourceProblem:
    """A container or file that yielded no message (not a mailbox, unreadable...)."""

    source: str
    detail: str
    locator: str = ""
    index: int | None = None
    container: str = ""  # as RawMail.container (the unreadable file or folder itself)


@dataclass(frozen=True)
class SkippedItem:
    """Hidden mailbox data that is no message (Outlook free/busy data, folder views, rules):
    not archived, counted in the report's summary.  ``what``: e.g. the Outlook message
    class ``"IPM.Microsoft.ScheduleData.FreeBusy"``."""

    source: str
    locator: str
    what: str
    index: int | None = None


@dataclass(frozen=True)
class RecipientRef:
    """How a CMS recipient names the certificate it was encrypted to.

    ``kind``: ``"ktri"`` (key transport), ``"kari"`` (key agreement),
    ``"kekri"``, ``"pwri"`` or ``"other"``.  Exactly one of (``issuer`` and
    ``serial``) or ``ski`` is set for ktri/kari.  ``issuer`` is a readable
    RFC 4514-like string with non-ASCII letters intact; ``serial`` is the
    decimal serial number; ``ski`` is lower-case hex.
    """

    kind: str
    issuer: str | None = None
    serial: int | None = None
    ski: str | None = None
    key_algorithm: str | None = None  # e.g. "rsaes_pkcs1v15", "rsaes_oaep", "ecdh"

    def describe(self) -> str:
        """Readable and translated: which certificate this recipient names."""
        from smime_archiver.i18n import _

        if self.issuer is not None and self.serial is not None:
            return _("issuer {issuer}, serial number {serial} (hex {hex})").format(
                issuer=self.issuer, serial=self.serial, hex=f"{self.serial:x}"
            )
        if self.ski:
            return _("key identifier {ski}").format(ski=self.ski)
        return self.kind

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "issuer": self.issuer,
            "serial": str(self.serial) if self.serial is not None else None,
            "serial_hex": f"{self.serial:x}" if self.serial is not None else None,
            "subject_key_identifier": self.ski,
            "key_algorithm": self.key_algorithm,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RecipientRef:
        """The recipient :meth:`to_json` wrote."""
        serial = data.get("serial")
        return cls(kind=data.get("kind") or "other", issuer=data.get("issuer"),
                   serial=int(serial) if serial is not None else None,
                   ski=data.get("subject_key_identifier"),
                   key_algorithm=data.get("key_algorithm"))


@dataclass(frozen=True)
class KeyDescription:
    """Everything the user may want to know about one loaded private key."""

    source: str  # key file path, or the folder of a Thunderbird/Firefox profile
    key_type: str  # "RSA", "EC", ...
    key_size: int  # bits (curve size for EC)
    subject: str | None = None  # None when no certificate pairs with the key
    issuer: str | None = None
    serial: int | None = None
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    ski: str | None = None  # hex, from the extension or computed from the public key
    email: str | None = None
    friendly_name: str | None = None
    # where the key was kept: "key_file", or "nss_profile" (the key database of a
    # Thunderbird/Firefox profile, ``source`` being the profile folder)
    origin: str = "key_file"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "origin": self.origin,
            "key_type": self.key_type,
            "key_size": self.key_size,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": str(self.serial) if self.serial is not None else None,
            "serial_hex": f"{self.serial:x}" if self.serial is not None else None,
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "subject_key_identifier": self.ski,
            "email": self.email,
            "friendly_name": self.friendly_name,
        }


@dataclass(frozen=True, eq=False)
class PrivateKeyEntry:
    """A usable private key with the certificate paired to it (if any).

    ``private_key`` is a ``cryptography`` private key object (RSA or EC).
    ``certificate`` is a ``cryptography.x509.Certificate`` or ``None``;
    ``chain`` the other certificates found in the same file(s).  Held in memory
    only: never pickled, logged or written.
    """

    private_key: Any
    certificate: Any | None
    description: KeyDescription
    chain: tuple[Any, ...] = ()

    def __repr__(self) -> str:  # never show key material
        return f"PrivateKeyEntry({self.description.subject or self.description.source!r})"

    def __reduce__(self):  # pragma: no cover - defensive
        raise TypeError("private keys are never pickled")


@dataclass(frozen=True)
class EncryptionInfo:
    """One opened encryption layer."""

    layer: str  # "enveloped" | "auth_enveloped"
    content_algorithm: str  # e.g. "aes256_cbc", "des_ede3_cbc", "rc2_cbc/40", "aes256_gcm"
    content_oid: str
    key_algorithm: str  # e.g. "rsaes_pkcs1v15", "rsaes_oaep(sha256, mgf1-sha256)",
    #                     "ecdh-stdDH-sha256kdf + aes256_wrap"
    recipient: RecipientRef  # the recipient entry that opened it
    key_source: str  # key file that held the private key
    key_subject: str | None  # subject of the key's certificate, if known
    recipients: tuple[RecipientRef, ...] = ()  # every recipient the layer names

    def to_json(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "content_algorithm": self.content_algorithm,
            "content_oid": self.content_oid,
            "key_algorithm": self.key_algorithm,
            "recipient": self.recipient.to_json(),
            "key_file": self.key_source,
            "key_subject": self.key_subject,
            "recipients": [r.to_json() for r in self.recipients],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EncryptionInfo:
        """The layer :meth:`to_json` wrote."""
        return cls(layer=data.get("layer", "enveloped"),
                   content_algorithm=data.get("content_algorithm", ""),
                   content_oid=data.get("content_oid", ""),
                   key_algorithm=data.get("key_algorithm", ""),
                   recipient=RecipientRef.from_json(data.get("recipient") or {}),
                   key_source=data.get("key_file", ""),
                   key_subject=data.get("key_subject"),
                   recipients=tuple(RecipientRef.from_json(r)
                                    for r in data.get("recipients") or ()))


@dataclass(frozen=True)
class SignatureInfo:
    """One SignerInfo of one SignedData layer, verified over the exact signed bytes."""

    valid: bool  # the signature verifies over the content (and signed attributes)
    detail: str  # human-readable verdict ("valid", or why not)
    signer: str | None = None  # certificate subject, when the certificate is present
    signer_email: str | None = None
    issuer: str | None = None
    serial: int | None = None
    signing_time: dt.datetime | None = None  # from the signed attributes
    digest_algorithm: str = ""
    signature_algorithm: str = ""
    cert_not_before: dt.datetime | None = None
    cert_not_after: dt.datetime | None = None
    # certificate valid at signing time (or now when no signing time): None if unknown
    cert_valid_at_signing: bool | None = None
    detached: bool = False  # multipart/signed (True) or opaque SignedData (False)

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "detail": self.detail,
            "signer": self.signer,
            "signer_email": self.signer_email,
            "issuer": self.issuer,
            "serial": str(self.serial) if self.serial is not None else None,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "digest_algorithm": self.digest_algorithm,
            "signature_algorithm": self.signature_algorithm,
            "certificate_not_before": self.cert_not_before.isoformat()
            if self.cert_not_before
            else None,
            "certificate_not_after": self.cert_not_after.isoformat()
            if self.cert_not_after
            else None,
            "certificate_valid_at_signing": self.cert_valid_at_signing,
            "form": "detached" if self.detached else "opaque",
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignatureInfo:
        """The signature :meth:`to_json` wrote."""
        serial = data.get("serial")
        return cls(valid=bool(data.get("valid")), detail=data.get("detail", ""),
                   signer=data.get("signer"), signer_email=data.get("signer_email"),
                   issuer=data.get("issuer"),
                   serial=int(serial) if serial is not None else None,
                   signing_time=_time(data.get("signing_time")),
                   digest_algorithm=data.get("digest_algorithm", ""),
                   signature_algorithm=data.get("signature_algorithm", ""),
                   cert_not_before=_time(data.get("certificate_not_before")),
                   cert_not_after=_time(data.get("certificate_not_after")),
                   cert_valid_at_signing=data.get("certificate_valid_at_signing"),
                   detached=data.get("form") == "detached")


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Layer:
    """One S/MIME layer taken off a message, outermost first.

    ``kind``: ``"enveloped"``, ``"auth_enveloped"``, ``"signed"`` or
    ``"compressed"``.  ``part``: ``None`` for a layer of the whole message, else
    the MIME path of a nested part (``"2"``, ``"1.3"``) that was unwrapped in place.
    """

    kind: str
    encryption: EncryptionInfo | None = None
    signatures: tuple[SignatureInfo, ...] = ()
    part: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "part": self.part,
            "encryption": self.encryption.to_json() if self.encryption else None,
            "signatures": [s.to_json() for s in self.signatures],
        }


@dataclass(frozen=True)
class PartProblem:
    """A nested encrypted/signed part that could not be opened; the rest was kept."""

    part: str  # MIME path
    status: Status
    detail: str
    recipients: tuple[RecipientRef, ...] = ()
    oid: str | None = None


@dataclass(frozen=True)
class UnwrapResult:
    """Everything ``crypto.layers.unwrap_message`` learned about one message.

    ``message``: the readable RFC 5322 message after taking off every layer (the
    outer headers such as From/To/Subject/Date merged with the innermost entity),
    or the original bytes when nothing could be opened.  ``status`` and
    ``detail`` are the message's outcome.  ``recipients``/``oid`` explain
    ``no_key``/``unsupported``.
    """

    message: bytes
    status: Status
    detail: str
    layers: tuple[Layer, ...] = ()
    problems: tuple[PartProblem, ...] = ()
    recipients: tuple[RecipientRef, ...] = ()
    oid: str | None = None
    # what the reader should know that is no damage (a closing MIME boundary missing)
    notes: tuple[str, ...] = ()

    @property
    def signatures(self) -> tuple[SignatureInfo, ...]:
        return tuple(s for layer in self.layers for s in layer.signatures)

    @property
    def encryption(self) -> tuple[EncryptionInfo, ...]:
        return tuple(layer.encryption for layer in self.layers if layer.encryption)


@dataclass(frozen=True)
class Attachment:
    filename: str  # exact name as the mail gives it (decoded), or a generated one
    content_type: str
    size: int
    data: bytes = field(repr=False)
    inline: bool = False
    content_id: str | None = None
    part: str = ""
    # the part's Content-Location (HTML may name related parts by it), if any
    content_location: str | None = None
    # True when the mail gave no name and ``filename`` was made up ("part 2.pdf")
    generated_name: bool = False


@dataclass(frozen=True)
class BodyPart:
    """One block of a message body, in reading order, for the renderer.

    ``kind``: ``"text"`` (``text``: decoded plain text, format=flowed already joined),
    ``"html"`` (``text``: the HTML source, unsanitized), ``"image"`` (an inline image part,
    also listed in the attachments) or ``"message"`` (a forwarded message/rfc822,
    ``message`` holds its own view).  ``part`` is the MIME path ("1.2").
    ``encrypted_part``: the MIME path of the part that was encrypted on its own (apart from
    the rest of the message) this block comes from, None when it was not.
    """

    kind: str
    part: str = ""
    text: str = field(default="", repr=False)
    attachment: Attachment | None = None
    message: MessageView | None = None
    encrypted_part: str | None = None


@dataclass(frozen=True)
class MessageView:
    """The message model the renderer draws: decoded headers, body, attachments."""

    subject: str
    sender: str
    to: str
    cc: str
    date: dt.datetime | None
    date_text: str
    message_id: str
    body_text: str  # decoded text (HTML reduced to text until the PDF issue)
    body_html: str | None
    attachments: tuple[Attachment, ...]
    headers: tuple[tuple[str, str], ...]  # every header, decoded, in order
    notes: tuple[str, ...] = ()  # e.g. "part 2 was encrypted and has been decrypted"
    parts: tuple[BodyPart, ...] = ()  # the body in reading order (text, HTML, images, mail)
    # limits hit while reading the message (too many parts, a huge header, ...): what they
    # left out is named here; the rest of the view is complete
    problems: tuple[PartProblem, ...] = ()
