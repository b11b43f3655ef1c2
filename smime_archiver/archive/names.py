"""Attachment names made safe for any file system.

Inside the PDF an attachment keeps its exact name; wherever a name touches the file
system (``--attachments`` extraction, temporary files) it goes through
:func:`safe_attachment_name` first: no folders (``../``, ``C:\\``, ``/etc``), no
characters Windows refuses, no reserved device names, a bounded length with the
extension kept, and letters such as æøå, Greek or CJK left alone.
"""

from __future__ import annotations

import re
import unicodedata

WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{p}{i}" for p in ("COM", "LPT") for i in (*"123456789", "¹", "²", "³")}
)
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069]')
_MAX_BYTES = 150  # leaves room for the folders on Windows' 260-character paths
_MAX_EXT_BYTES = 24


def safe_attachment_name(name: str, *, fallback: str = "attachment",
                         max_bytes: int = _MAX_BYTES) -> str:
    """A file name for ``name`` that cannot leave its folder and every OS accepts.

    Only the last path component is kept (an attacker's ``../../x`` becomes ``x``);
    characters Windows forbids become ``_``; bidirectional controls that could disguise
    an extension (``invoice\\u202efdp.exe``) are dropped; ``CON.txt`` becomes ``_CON.txt``;
    the result is at most ``max_bytes`` UTF-8 bytes with the extension kept.  ``fallback``
    is used when nothing usable is left.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = re.sub(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069]", "", text)
    # The last component by either separator: "C:\\x\\y.pdf", "/etc/passwd", "a/../b".
    text = re.split(r"[/\\]", text)[-1]
    if re.match(r"^[A-Za-z]:", text):  # "C:file.txt" (drive-relative) keeps "file.txt"
        text = text[2:]
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    if not text or set(text) <= {".", "_", " "}:
        text = fallback
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or len(ext.encode("utf-8")) > _MAX_EXT_BYTES or " " in ext:
        stem, ext = text, ""
    if stem.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    budget = max(1, max_bytes - len(suffix.encode("utf-8")))
    while len(stem.encode("utf-8")) > budget:
        stem = stem[:-1]
    stem = stem.rstrip(" .") or "_"
    return stem + suffix
