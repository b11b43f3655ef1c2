"""Bytes of mail text -> str: the declared charset, its common supersets, and damage.

Mail software often labelled text with one charset and used another (UTF-8 or
Windows-1252 labelled US-ASCII or ISO-8859-1, Windows-1252 labelled UTF-8), so a label is
a strong hint, not the last word.  But a part that is in its declared charset except for
a byte or two (a bad byte in UTF-8 from a broken gateway, a cut shift sequence in UTF-7)
is decoded in that charset with only the bad bytes replaced (U+FFFD): one bad byte
never turns a whole Russian letter into Windows-1252 mojibake.

:func:`decode_bytes` is for text with a label (a part's charset parameter, an HTML meta
tag); :func:`decode_unlabelled` for raw 8-bit text that came without one (header bytes,
decrypted content without MIME headers).
"""

from __future__ import annotations

import codecs
import re

REPLACEMENT = "\ufffd"
_UTF8_REPLACEMENT = REPLACEMENT.encode("utf-8")
# Mail software labelled text with a charset and used its superset: decode with the superset.
_SUPERSETS = {
    "us-ascii": "utf-8", "ascii": "utf-8", "iso-8859-1": "windows-1252",
    "latin-1": "windows-1252", "latin1": "windows-1252", "iso-8859-9": "windows-1254",
    "gb2312": "gb18030", "gbk": "gb18030", "euc-cn": "gb18030", "x-gbk": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "big5": "big5hkscs",
    "tis-620": "cp874", "iso-8859-11": "cp874", "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8", "iso-8859-6-i": "iso-8859-6", "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7", "x-unknown": "utf-8", "unknown-8bit": "utf-8",
}
# Labels that say little: old clients put them on UTF-8 and Windows-1252 text alike.
_LOOSE = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "x-unknown",
                    "unknown-8bit"})
_SINGLE_BYTE = re.compile(r"^(iso-?8859-\d+|windows-125\d|cp125\d|koi8-[ru]|latin-?\d)$")
# Names Microsoft software gave UTF-7 (.NET, Outlook) that Python does not know.
_UTF7_ALIASES = frozenset({"x_unicode_2_0_utf_7", "unicode_2_0_utf_7", "x_unicode_1_1_utf_7",
                           "csunicode11utf7"})


def _utf7_alias(name: str) -> codecs.CodecInfo | None:
    if name.replace("-", "_").lower() in _UTF7_ALIASES:
        return codecs.lookup("utf-7")
    return None


codecs.register(_utf7_alias)  # the email package then reads such headers too


def decode_bytes(data: bytes, declared: str | None) -> str:
    """``data`` labelled ``declared`` as text, newlines as ``\\n``; never raises.

    The label's superset first (Windows-1252 for ISO-8859-1 ...), UTF-8 where a label is
    often wrong about it; when no candidate reads every byte, the declared charset with the
    bytes it cannot read replaced, unless that leaves more damage than text (then the label
    was wrong, and Windows-1252 reads it as the old clients meant).
    """
    label = (declared or "").strip().strip("\"'").lower() or None
    return _normalise_newlines(_decode(data, label))


def decode_unlabelled(data: bytes) -> str:
    """Raw 8-bit text without a label: UTF-8 (bad bytes replaced when the rest is UTF-8),
    else Windows-1252, the charset old Danish and Western clients wrote."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "replace")
    return text if _mostly_text(text, data, "utf-8") else _legacy(data)


def mostly_utf8(data: bytes) -> bool:
    """Whether ``data`` is UTF-8, perhaps with a few damaged bytes: more well-formed
    non-ASCII characters than malformed bytes (text in another charset, and random bytes,
    are almost all malformed as UTF-8)."""
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return _mostly_text(data.decode("utf-8", "replace"), data, "utf-8")


def unlabelled_charset(data: bytes) -> str:
    """The charset :func:`decode_unlabelled` reads ``data`` in: ``utf-8`` or
    ``windows-1252`` (to label content that came without headers)."""
    return "utf-8" if mostly_utf8(data) else "windows-1252"


def _decode(data: bytes, label: str | None) -> str:
    codec = _codec(_SUPERSETS.get(label, label)) if label else None
    if label is None or codec is None or label in _LOOSE:  # none, unknown, or often wrong
        return decode_unlabelled(data)
    candidates = [codec]
    declared = _codec(label)
    if declared and declared != codec:
        candidates.append(declared)
    seven_bit = codec in ("utf-7", "hz") or codec.startswith("iso2022")
    if codec != "utf-8" and not (seven_bit and data.isascii()):
        # Valid UTF-8 with non-ASCII letters is practically never meant as another
        # charset: a client labelled UTF-8 text with its old default.  (Text in UTF-7 or
        # ISO-2022 is ASCII, so ASCII that they cannot read is damaged, not UTF-8.)
        if _SINGLE_BYTE.match(label):
            candidates.insert(0, "utf-8")
        else:
            candidates.append("utf-8")
    for charset in candidates:
        try:
            return data.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
        if charset == "utf-8" and candidates[0] == "utf-8" and codec != "utf-8":
            # UTF-8 with a damaged byte under a single-byte label: a mislabel as well (a
            # single-byte text decoded as UTF-8 is almost all damage)
            text = data.decode("utf-8", "replace")
            if _mostly_text(text, data, "utf-8"):
                return text
    # No candidate reads every byte: the declared charset, the bytes it cannot read replaced
    text = data.decode(codec, "replace")
    return text if _mostly_text(text, data, codec) else _legacy(data)


def _codec(name: str) -> str | None:
    """The codec's canonical name (``utf-8``, ``cp1252``), None when Python has none."""
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError, TypeError):  # unknown, or a name with a NUL
        return None


def _mostly_text(text: str, data: bytes, codec: str) -> bool:
    """Whether ``text`` (``data`` decoded with replacement) holds more well-decoded
    non-ASCII characters than replaced bytes: then the charset is right and a few bytes
    are damaged; else the charset is wrong."""
    bad = text.count(REPLACEMENT)
    if codec == "utf-8":
        bad -= data.count(_UTF8_REPLACEMENT)  # U+FFFD the sender wrote is text
    if bad <= 0:
        return True
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return non_ascii - bad > bad


def _legacy(data: bytes) -> str:
    try:
        return data.decode("windows-1252")
    except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
        return data.decode("windows-1252", "replace")


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Windows code pages whose Python codec is not named cpNNNN (65000 is UTF-7)
_CODEPAGES = {65001: "utf-8", 65000: "utf-7", 20127: "ascii", 1200: "utf-16-le",
              1201: "utf-16-be", 20866: "koi8-r", 21866: "koi8-u", 50220: "iso-2022-jp",
              50221: "iso-2022-jp", 50222: "iso-2022-jp", 51932: "euc-jp", 20932: "euc-jp",
              51949: "euc-kr", 54936: "gb18030", 52936: "hz", 10000: "mac-roman"}


def codepage_name(cp: int) -> str:
    """Python codec name for a Windows code page number (utf-8 for 65001)."""
    name = _CODEPAGES.get(cp) or (f"iso-8859-{cp - 28590}" if 28591 <= cp <= 28605
                                  else f"cp{cp}")
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name
