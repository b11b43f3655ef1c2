"""Every name the program writes, made safe: one strict sanitizer.

PDF and ``.eml`` stems (:func:`pdf_basename`), folder names (:mod:`.layout`) and extracted
attachments (:func:`safe_attachment_name`) all come from text whoever wrote the mail
chose: sender, subject, attachment name, mailbox folder.  :func:`safe_name` is the one set
of rules they all go through:

- NFC normalisation (an NFD twin of a name becomes the same name; telling them apart
  is the layout's job, as for names that differ only in case);
- invisible format characters are dropped: bidirectional overrides, embeddings, isolates
  and marks (U+202A-202E, U+2066-2069, U+200E/F, U+061C), which could disguise an
  extension (``invoice\\u202efdp.exe``), zero-width characters (U+200B-200D, U+2060,
  U+FEFF) and every other Unicode format character;
- control characters (C0, DEL, C1) and the characters Windows refuses (``<>:"/\\|?*``)
  become ``_``; runs of white space become one space;
- leading and trailing dots and spaces are removed (Windows drops trailing ones itself,
  and a leading dot hides a file);
- Windows device names, with or without an extension and in any case (``CON``,
  ``nul.txt``, ``COM1``, ``LPT²``, ``CONIN$``, ``CONOUT$``), get a leading ``_``;
- at most ``max_bytes`` (never more than 255) bytes of UTF-8, cut between characters and
  never between a letter and its combining accent; an extension is kept when asked.

Letters such as æøå, Greek, Hebrew or CJK are kept.  Inside the PDF an attachment keeps
its exact name; only the file system sees the safe one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

from smime_archiver.model import Attachment

WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{p}{i}" for p in ("COM", "LPT") for i in (*"0123456789", "¹", "²", "³")}
)
NAME_MAX_BYTES = 255  # what every common file system allows in one name
MAX_NAME_BYTES = 150  # leaves room for folders on Windows' 260-character paths
_MAX_EXT_BYTES = 24
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')


def _drop_or_replace(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cf":  # bidi controls, zero-width characters, soft hyphen, tags ...
        return ""
    if category in ("Cc", "Cs"):  # control characters; lone surrogates (not encodable)
        return "_"
    return char


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = "".join(c if c.isprintable() else _drop_or_replace(c) for c in text)
    # again: a dropped character may have stood between a letter and its accent
    text = _WINDOWS_FORBIDDEN.sub("_", unicodedata.normalize("NFC", text))
    return re.sub(r"\s+", " ", text).strip(" .")


def is_reserved(name: str) -> bool:
    """Whether Windows takes ``name`` for a device (``CON``, ``com1.txt``, ``LPT¹ .log``)."""
    return name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED


def _cut(text: str, max_bytes: int) -> str:
    """``text`` shortened to ``max_bytes`` of UTF-8, between characters, keeping a letter
    and the combining marks that follow it together."""
    if len(text.encode("utf-8")) <= max_bytes:
        return text
    end = len(text)
    while end and len(text[:end].encode("utf-8")) > max_bytes:
        end -= 1
    while 0 < end < len(text) and unicodedata.combining(text[end]):
        end -= 1  # the next character belongs to this one
    return text[:end]


def safe_name(text: str, *, max_bytes: int = MAX_NAME_BYTES, fallback: str = "_",
              keep_extension: bool = False, squeeze: bool = False) -> str:
    """``text`` as one file-name component every OS accepts (the rules: module docstring).

    ``keep_extension``: a name cut to length keeps its ``.ext`` (attachments).
    ``squeeze``: runs of dots and of ``_`` become one ``_`` (names made from headers).
    ``fallback`` is used when nothing usable is left.
    """
    max_bytes = min(max_bytes, NAME_MAX_BYTES)
    text = _clean(text or "")
    if squeeze:
        text = re.sub(r"_{2,}", "_", re.sub(r"\.{2,}", "_", text))
    if not text or set(text) <= {".", "_", " "}:
        text = fallback
    stem, dot, ext = text.rpartition(".")
    if (not keep_extension or not dot or not stem or len(ext.encode("utf-8")) > _MAX_EXT_BYTES
            or " " in ext):
        stem, ext = text, ""
    suffix = f".{ext}" if ext else ""
    budget = max(1, max_bytes - len(suffix.encode("utf-8")))
    if is_reserved(stem + suffix):
        stem = "_" + stem
    stem = _cut(stem, budget).rstrip(" .") or "_"
    if is_reserved(stem + suffix):  # cut down to a device name
        stem = _cut("_" + stem, budget)
    return stem + suffix


def safe_component(text: str, *, max_bytes: int = MAX_NAME_BYTES, fallback: str = "_") -> str:
    """A file or folder name made from message headers or mailbox names (``squeeze``d)."""
    return safe_name(text, max_bytes=max_bytes, fallback=fallback, squeeze=True)


def pdf_basename(date: dt.datetime | None, sender: str, subject: str) -> str:
    """``YYYY-MM-DD_HHMM_<sender>_<subject>`` without extension (PDF, .eml, attachments)."""
    stamp = date.strftime("%Y-%m-%d_%H%M") if date else "undated"
    # NFC before the cuts below, so that an NFD twin is cut after the same letters
    sender, subject = unicodedata.normalize("NFC", sender), unicodedata.normalize("NFC", subject)
    who = sender.split("<")[0].strip().strip('"') or sender.strip("<>")
    return safe_component(f"{stamp}_{who[:40]}_{subject[:80]}").rstrip("_ .")


def safe_attachment_name(name: str, *, fallback: str = "attachment",
                         max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name for an attachment's ``name`` that cannot leave its folder.

    Only the last path component is kept (an attacker's ``../../x`` becomes ``x``, and
    ``C:file.txt`` becomes ``file.txt``), then :func:`safe_name` with the extension kept.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    # The last component by either separator: "C:\\x\\y.pdf", "/etc/passwd", "a/../b".
    text = re.split(r"[/\\]", text)[-1]
    if re.match(r"^[A-Za-z]:", text):  # "C:file.txt" (drive-relative) keeps "file.txt"
        text = text[2:]
    return safe_name(text, max_bytes=max_bytes, fallback=fallback, keep_extension=True)


def attachment_names(attachments: Sequence[Attachment]) -> list[str]:
    """Safe, distinct file names for a message's attachments, in order."""
    names: list[str] = []
    taken: set[str] = set()
    for number, part in enumerate(attachments, start=1):
        name = safe_attachment_name(part.filename, fallback=f"attachment-{number}")
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        candidate, n = name, 2
        while candidate.casefold() in taken:
            candidate = f"{stem}_{n}" + (f".{ext}" if ext else "")
            n += 1
        taken.add(candidate.casefold())
        names.append(candidate)
    return names
