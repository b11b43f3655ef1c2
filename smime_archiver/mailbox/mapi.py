"""Outlook's MAPI properties -> an RFC 5322 message; shared by the .msg and .pst readers.

Rules (the issue's):

- ``IPM.Note.SMIME*``: the single attachment (``smime.p7m``) *is* the message.
  For ``IPM.Note.SMIME.MultipartSigned`` it holds the whole multipart/signed
  entity (headers and body) and is used byte for byte, so the signature
  verifies.  Otherwise it holds the CMS blob, often tagged
  ``application/octet-stream``; it becomes ``Content-Type:
  application/pkcs7-mime; smime-type=<from the CMS content type>;
  name=smime.p7m`` with a base64 body.
- Headers: the transport headers Outlook kept (``PR_TRANSPORT_MESSAGE_HEADERS``)
  when present, minus their ``Content-*``/``MIME-Version`` fields (the body is
  rebuilt); else From/To/Cc/Subject/Date/Message-ID rebuilt from properties.
- Body of ordinary mail: plain text and HTML (``multipart/alternative``); an
  RTF-only body is decompressed and de-encapsulated to the HTML or text it was
  made from, or reduced to text with the ``.rtf`` kept as an attachment;
  attachments by value, and embedded messages as ``message/rfc822``.
- Items that are not mail (appointments, contacts, distribution lists, tasks...):
  :mod:`smime_archiver.mailbox.items` decides what an item is and builds its message.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import email.utils
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.header import Header
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from smime_archiver.crypto.cms.sniff import content_type_name, is_cms_der
from smime_archiver.mailbox import rtf
from smime_archiver.mailbox.namedprops import NamedKey
from smime_archiver.mailbox.sniff import looks_like_header
from smime_archiver.mime.charsets import codepage_name

log = logging.getLogger(__name__)

# Property ids (MS-OXPROPS)
PR_MESSAGE_CLASS = 0x001A
PR_SUBJECT = 0x0037
PR_CLIENT_SUBMIT_TIME = 0x0039
PR_SENT_REPRESENTING_NAME = 0x0042
PR_SENT_REPRESENTING_EMAIL = 0x0065
PR_TRANSPORT_MESSAGE_HEADERS = 0x007D
PR_SENDER_NAME = 0x0C1A
PR_SENDER_EMAIL = 0x0C1F
PR_RECIPIENT_TYPE = 0x0C15
PR_DISPLAY_CC = 0x0E03
PR_DISPLAY_TO = 0x0E04
PR_MESSAGE_DELIVERY_TIME = 0x0E06
PR_BODY = 0x1000
PR_RTF_COMPRESSED = 0x1009
PR_HTML = 0x1013
PR_INTERNET_MESSAGE_ID = 0x1035
PR_IN_REPLY_TO_ID = 0x1042
PR_INTERNET_REFERENCES = 0x1039
PR_DISPLAY_NAME = 0x3001
PR_ADDRTYPE = 0x3002
PR_EMAIL_ADDRESS = 0x3003
PR_ATTACH_DATA = 0x3701
PR_ATTACH_FILENAME = 0x3704
PR_ATTACH_METHOD = 0x3705
PR_ATTACH_LONG_FILENAME = 0x3707
PR_ATTACH_MIME_TAG = 0x370E
PR_ATTACH_CONTENT_ID = 0x3712
PR_SMTP_ADDRESS = 0x39FE
PR_INTERNET_CPID = 0x3FDE
PR_MESSAGE_CODEPAGE = 0x3FFD
PR_SENDER_SMTP_ADDRESS = 0x5D01
PR_SENT_REPRESENTING_SMTP = 0x5D02

ATTACH_EMBEDDED_MSG = 5

_DROP_HEADERS = re.compile(rb"(?i)content-[a-z-]*|mime-version")
# smime-type (RFC 8551) of the CMS content types (asn1crypto's names) an S/MIME note holds
_SMIME_TYPES = {
    "enveloped_data": "enveloped-data",
    "signed_data": "signed-data",
    "authenticated_enveloped_data": "authEnveloped-data",
    "compressed_data": "compressed-data",
}


@dataclass
class MapiAttachment:
    props: dict[int, Any]
    data: bytes | None = None
    embedded: MapiMessage | None = None

    def filename(self, position: int) -> str:
        for tag in (PR_ATTACH_LONG_FILENAME, PR_ATTACH_FILENAME, PR_DISPLAY_NAME):
            value = self.props.get(tag)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return f"attachment-{position}"


@dataclass
class MapiMessage:
    """One message's properties (id -> str/bytes/int/datetime), recipients, attachments."""

    props: dict[int, Any]
    recipients: list[dict[int, Any]] = field(default_factory=list)
    attachments: list[MapiAttachment] = field(default_factory=list)
    # named properties (calendar, contact and task data) by (property set, number or name)
    named: dict[NamedKey, Any] = field(default_factory=dict)
    # the reader's remarks for the report, e.g. parts its library could not hand over
    notes: list[str] = field(default_factory=list)

    def text(self, tag: int) -> str:
        value = self.props.get(tag)
        if isinstance(value, bytes):
            return value.decode(self.codepage(), errors="replace").rstrip("\x00")
        return value if isinstance(value, str) else ""

    def named_value(self, guid: str, key: int | str) -> Any:
        return self.named.get((guid, key))

    def named_text(self, guid: str, key: int | str) -> str:
        value = self.named.get((guid, key))
        if isinstance(value, bytes):
            return value.decode(self.codepage(), errors="replace").rstrip("\x00")
        return value.strip("\x00") if isinstance(value, str) else ""

    @property
    def subject(self) -> str:
        """``PR_SUBJECT`` without the prefix marker .pst files may put in front of it
        (``"\\x01"`` and one character that counts the ``RE: ``-like prefix)."""
        subject = self.text(PR_SUBJECT)
        return subject[2:] if subject.startswith("\x01") else subject

    def codepage(self) -> str:
        for tag in (PR_INTERNET_CPID, PR_MESSAGE_CODEPAGE):
            cp = self.props.get(tag)
            if isinstance(cp, int) and cp > 0:
                return codepage_name(cp)
        return "cp1252"

    @property
    def message_class(self) -> str:
        return self.text(PR_MESSAGE_CLASS) or "IPM.Note"


class NotAMessage(Exception):
    """The properties describe no mail we can rebuild (e.g. an S/MIME note without its blob)."""


# How the message embedded in an attachment is built: :func:`.items.build_mime`, which
# knows calendar items and contacts as well as mail (and builds on this module).
Build = Callable[[MapiMessage], bytes]


def build_note(msg: MapiMessage, *, build: Build) -> bytes:
    """The RFC 5322 message for the mail ``msg`` (rules in the module docstring)."""
    headers = header_block(msg)
    if msg.message_class.lower().startswith("ipm.note.smime"):
        entity = smime_entity(msg)
        if entity is not None:
            return headers + entity
        log.info("S/MIME note without a usable smime.p7m attachment; rebuilding its body")
    return headers + body_entity(msg, build=build)


def smime_entity(msg: MapiMessage) -> bytes | None:
    """The S/MIME MIME entity (headers + body) an ``IPM.Note.SMIME*`` message stands for."""
    blobs = [a for a in msg.attachments if a.data]
    if not blobs:
        return None
    chosen = next((a for a in blobs if a.filename(0).lower().endswith((".p7m", ".p7s"))),
                  blobs[0])
    data = chosen.data or b""
    if looks_like_header(data):
        return data  # a whole MIME entity, e.g. the multipart/signed of .MultipartSigned
    if not is_cms_der(data):
        text = re.sub(rb"\s+", b"", data)
        try:
            decoded = base64.b64decode(text, validate=True)
        except ValueError:
            return None
        if not is_cms_der(decoded):
            return None
        data = decoded
    smime_type = smime_type_of(data)
    lines = [
        b"Content-Type: application/pkcs7-mime; smime-type=" + smime_type.encode()
        + b"; name=smime.p7m",
        b"Content-Transfer-Encoding: base64",
        b"Content-Disposition: attachment; filename=smime.p7m",
        b"",
        *base64.encodebytes(data).splitlines(),
        b"",
    ]
    return b"\r\n".join(lines)


def smime_type_of(der: bytes) -> str:
    """``smime-type`` for a CMS ContentInfo (``enveloped-data`` when unsure)."""
    return _SMIME_TYPES.get(content_type_name(der) or "", "enveloped-data")


def header_block(msg: MapiMessage) -> bytes:
    """The message's header lines (CRLF), ending before the MIME headers of the body."""
    transport = msg.text(PR_TRANSPORT_MESSAGE_HEADERS).strip("\r\n\x00 ")
    if transport and looks_like_header(transport.encode("utf-8", errors="replace") + b"\n\n"):
        return _filtered_transport(transport)
    return _rebuilt_headers(msg)


def _filtered_transport(transport: str) -> bytes:
    raw = transport.encode("utf-8", errors="replace").replace(b"\r\n", b"\n")
    out: list[bytes] = []
    keep = True
    for line in raw.split(b"\n"):
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if keep:
                out.append(line)
            continue
        name = line.split(b":", 1)[0].strip()
        keep = _DROP_HEADERS.fullmatch(name) is None
        if keep:
            out.append(line)
    return b"".join(line + b"\r\n" for line in out)


def _rebuilt_headers(msg: MapiMessage) -> bytes:
    lines: list[str] = []
    sender = address_header(msg.text(PR_SENT_REPRESENTING_NAME) or msg.text(PR_SENDER_NAME),
                      msg.text(PR_SENT_REPRESENTING_SMTP) or msg.text(PR_SENDER_SMTP_ADDRESS)
                      or smtp_only(msg.text(PR_SENT_REPRESENTING_EMAIL))
                      or smtp_only(msg.text(PR_SENDER_EMAIL)))
    if sender:
        lines.append(f"From: {sender}")
    for kind, name, display_tag in ((1, "To", PR_DISPLAY_TO), (2, "Cc", PR_DISPLAY_CC)):
        addresses = [_recipient(r) for r in msg.recipients if r.get(PR_RECIPIENT_TYPE) == kind]
        addresses = [a for a in addresses if a]
        if not addresses and msg.text(display_tag):
            addresses = [encode_header(part.strip()) for part in msg.text(display_tag).split(";")
                         if part.strip()]
        if addresses:
            lines.append(f"{name}: " + ",\r\n ".join(addresses))
    subject = msg.subject
    if subject:
        lines.append(f"Subject: {encode_header(subject)}")
    when = msg.props.get(PR_CLIENT_SUBMIT_TIME) or msg.props.get(PR_MESSAGE_DELIVERY_TIME)
    if isinstance(when, dt.datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        lines.append(f"Date: {email.utils.format_datetime(when)}")
    for tag, name in ((PR_INTERNET_MESSAGE_ID, "Message-ID"), (PR_IN_REPLY_TO_ID, "In-Reply-To"),
                      (PR_INTERNET_REFERENCES, "References")):
        value = msg.text(tag).strip()
        if value and value.isascii():
            lines.append(f"{name}: {value}")
    return "".join(line + "\r\n" for line in lines).encode("ascii", errors="replace")


def smtp_only(address: str) -> str:
    return address if "@" in address and not address.startswith("/") else ""


def _recipient(props: dict[int, Any]) -> str:
    def text(tag: int) -> str:
        v = props.get(tag)
        return v if isinstance(v, str) else ""

    smtp = text(PR_SMTP_ADDRESS) or smtp_only(text(PR_EMAIL_ADDRESS))
    return address_header(text(PR_DISPLAY_NAME), smtp)


def address_header(name: str, addr: str) -> str:
    name, addr = name.strip().strip("\x00"), "".join(addr.split()).strip("\x00")
    if name == addr:
        name = ""
    if addr and not addr.isascii():
        # an internationalised (or damaged) address cannot be written as an addr-spec in
        # an ASCII header: keep it readable as an encoded word instead of losing the file
        return encode_header(f"{name} <{addr}>" if name else addr)
    if addr:
        return email.utils.formataddr((name, addr), charset="utf-8")
    return encode_header(name) if name else ""


def encode_header(text: str) -> str:
    text = " ".join(text.split())
    if text.isascii():
        return text
    return Header(text, "utf-8").encode()


def body_entity(msg: MapiMessage, *, build: Build) -> bytes:
    """The MIME entity (its Content-* headers and body) for an ordinary message."""
    root = body_message(msg)
    attach_all(root, msg, build=build)
    stable_boundaries(root)
    return root.as_bytes(policy=email.policy.SMTP)


def stable_boundaries(root: EmailMessage) -> None:
    """Multipart boundaries made from the content instead of at random, so the same item
    gives the same bytes on every run (the resume journal knows a message by its bytes)."""
    parts = list(root.walk())
    digest = hashlib.sha256()
    for part in parts:
        if not part.is_multipart():  # the encoded body as stored: no second serialisation
            payload = part.get_payload()
            if isinstance(payload, str):
                digest.update(payload.encode("utf-8", "surrogateescape"))
            elif isinstance(payload, bytes):
                digest.update(payload)
    tag = digest.hexdigest()[:32]
    multiparts = (p for p in parts if p.get_content_maintype() == "multipart")
    for number, part in enumerate(multiparts):
        part.set_boundary(f"=_{tag}_{number}")


def has_body(msg: MapiMessage) -> bool:
    return bool(msg.text(PR_BODY).strip() or _html(msg).strip()
                or isinstance(msg.props.get(PR_RTF_COMPRESSED), bytes))


def attach_all(root: EmailMessage, msg: MapiMessage, *, build: Build) -> None:
    """Every attachment of ``msg`` into ``root`` (by value; embedded messages as mail,
    made by ``build``)."""
    for position, att in enumerate(msg.attachments, start=1):
        _attach(root, att, position, build)


def body_message(msg: MapiMessage) -> EmailMessage:
    """The body alone: text and/or HTML (alternatives), an RTF body's text and ``.rtf``."""
    root = EmailMessage(policy=email.policy.SMTP)
    text = msg.text(PR_BODY)
    html = _html(msg)
    rtf_extra: bytes | None = None
    if not text and not html and isinstance(msg.props.get(PR_RTF_COMPRESSED), bytes):
        try:
            body = rtf.body_from_compressed(msg.props[PR_RTF_COMPRESSED])
        except rtf.RtfError as e:
            log.info("RTF body not readable: %s", e)
        else:
            if body.html is not None:
                html = body.html
            else:
                text = body.text
                rtf_extra = body.rtf
    if text or not html:
        root.set_content(text)
    if html:
        if text:
            root.add_alternative(html, subtype="html")
        else:
            root.set_content(html, subtype="html")
    if rtf_extra is not None:
        root.add_attachment(rtf_extra, maintype="application", subtype="rtf",
                            filename="message.rtf")
    return root


def _html(msg: MapiMessage) -> str:
    value = msg.props.get(PR_HTML)
    if isinstance(value, bytes):
        return value.decode(msg.codepage(), errors="replace").rstrip("\x00")
    return value.rstrip("\x00") if isinstance(value, str) else ""


def _attach(root: EmailMessage, att: MapiAttachment, position: int, build: Build) -> None:
    # a header parameter cannot hold line breaks or other control characters
    name = " ".join("".join(c if c.isprintable() else " " for c in att.filename(position))
                    .split()) or f"attachment-{position + 1}"
    if att.embedded is not None:
        inner = BytesParser(policy=email.policy.SMTP).parsebytes(build(att.embedded))
        root.add_attachment(inner)
        return
    if att.data is None:
        log.info("attachment %d has no data (method %s); left out", position,
                 att.props.get(PR_ATTACH_METHOD))
        return
    tag = att.props.get(PR_ATTACH_MIME_TAG)
    mime = tag.strip().lower() if isinstance(tag, str) and "/" in tag else ""
    maintype, _slash, subtype = (mime or "application/octet-stream").partition("/")
    if maintype in ("multipart", "message"):
        maintype, subtype = "application", "octet-stream"
    cid = att.props.get(PR_ATTACH_CONTENT_ID)
    root.add_attachment(att.data, maintype=maintype, subtype=subtype.split(";")[0].strip(),
                        filename=name,
                        cid=f"<{cid.strip('<>')}>" if isinstance(cid, str) and cid else None)
