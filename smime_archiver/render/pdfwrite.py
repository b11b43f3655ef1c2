"""Faster paths through ReportLab's PDF object writer, with the same output byte for byte.

ReportLab writes each PDF object by calling ``pdfdoc.format`` on every key and value:
a chain of ``isinstance`` tests, then the ``extpdfdoc`` codec (a charmap written in
Python) for each name, key and number.  A one-page message has some 340 of those calls,
and their cost was larger than the page's layout.  :func:`install` puts in front of them:

- plain strings, bytes and numbers are formatted without the chain of tests;
- ASCII text (all names, keys, numbers and references) is encoded with the C ``ascii``
  codec, which gives the same bytes as ``extpdfdoc`` for those characters; other text
  still goes through ``extpdfdoc``;
- PDF names (``/Type``, ``/Font``, ...) are escaped once and remembered.

Everything else is left to ReportLab.  ``tests/unit/render/test_pdfwrite.py`` checks that
documents written with and without these paths are identical.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc

_CODEC_GAP = re.compile("[\x18-\x1f]")  # ASCII that ``extpdfdoc`` cannot encode (errors)
_MAX_REMEMBERED = 20_000

_lock = threading.Lock()
_installed = False
_original_format = pdfdoc.format
_original_encode = pdfdoc.pdfdocEnc
_original_name = pdfdoc.PDFName
_names: dict[str, str] = {}
_encoded: dict[str, bytes] = {}
_SHORT = 40
_fp_str = pdfdoc.fp_str


def pdfdoc_encode(value):
    """``pdfdoc.pdfdocEnc``: text as PDFDocEncoding bytes; bytes unchanged.  Short texts
    (names, numbers, references: most of a document's) are remembered."""
    if type(value) is not str:
        return _original_encode(value)
    data = _encoded.get(value)
    if data is not None:
        return data
    if value.isascii() and not _CODEC_GAP.search(value):
        data = value.encode("ascii")
    else:
        data = _original_encode(value)
    if len(value) <= _SHORT and len(_encoded) < _MAX_REMEMBERED:
        _encoded[value] = data
    return data


def pdf_name(data: str, *args) -> str:
    """``pdfdoc.PDFName`` (``/Name`` with ``#xx`` escapes), remembered per name."""
    if args:
        return _original_name(data, *args)
    name = _names.get(data)
    if name is None:
        name = _original_name(data)
        if len(_names) < _MAX_REMEMBERED:
            _names[data] = name
    return name


def format_value(element, document, toplevel=0):
    """``pdfdoc.format`` with plain values taken first (none of them is a PDFObject)."""
    kind = type(element)
    if kind is str:
        return pdfdoc_encode(element)
    if kind is bytes:
        return element
    if kind is int or kind is float:
        return _fp_str(element).encode("ascii")
    return _original_format(element, document, toplevel)


def dictionary_format(self, document, IND=b"\n "):
    """``PDFDictionary.format`` with the keys and plain values written directly."""
    entries = self.dict
    keys = list(entries.keys())
    if not isinstance(entries, OrderedDict):
        keys.sort()
    lines = [pdfdoc_encode(pdf_name(k)) + b" " + format_value(entries[k], document)
             for k in keys]
    return b"<<\n" + _joined(self, lines, IND, every=6) + b"\n>>"


def array_format(self, document, IND=b"\n "):
    """``PDFArray.format`` with plain values written directly."""
    items = [format_value(e, document) for e in self.sequence]
    return b"[ " + _joined(self, items, IND, every=10) + b" ]"


def _joined(obj, parts: list[bytes], indent: bytes, *, every: int) -> bytes:
    """The parts one per line (multi-line objects), or on lines of ``every`` parts."""
    if (obj.multiline and rl_config.pdfMultiLine) or obj.multiline == "forced":
        return indent.join(parts)
    for i in reversed(range(every, len(parts), every)):
        parts.insert(i, b"\n ")
    return b" ".join(parts)


_REPLACED = (
    (pdfdoc, "format", format_value),
    (pdfdoc, "pdfdocEnc", pdfdoc_encode),
    (pdfdoc, "PDFName", pdf_name),
    (pdfdoc.PDFDictionary, "format", dictionary_format),
    (pdfdoc.PDFArray, "format", array_format),
)
_ORIGINALS = tuple((owner, name, getattr(owner, name)) for owner, name, _new in _REPLACED)


def install() -> None:
    """Put the faster paths in place (idempotent, thread-safe)."""
    global _installed
    with _lock:
        if _installed:
            return
        for owner, name, new in _REPLACED:
            setattr(owner, name, new)
        _installed = True


def uninstall() -> None:
    """ReportLab's own paths again (for the tests that compare the two)."""
    global _installed
    with _lock:
        for owner, name, original in _ORIGINALS:
            setattr(owner, name, original)
        _installed = False
