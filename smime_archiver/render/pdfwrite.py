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

from reportlab.pdfbase import pdfdoc

_CODEC_GAP = re.compile("[\x18-\x1f]")  # ASCII that ``extpdfdoc`` cannot encode (errors)
_MAX_REMEMBERED = 20_000

_lock = threading.Lock()
_installed = False
_original_format = pdfdoc.format
_original_encode = pdfdoc.pdfdocEnc
_original_name = pdfdoc.PDFName
_names: dict[str, str] = {}
_fp_str = pdfdoc.fp_str
_PDFObject = pdfdoc.PDFObject


def pdfdoc_encode(value):
    """``pdfdoc.pdfdocEnc``: text as PDFDocEncoding bytes; bytes unchanged."""
    if type(value) is str and value.isascii() and not _CODEC_GAP.search(value):
        return value.encode("ascii")
    return _original_encode(value)


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


def install() -> None:
    """Put the faster paths in place (idempotent, thread-safe)."""
    global _installed
    with _lock:
        if _installed:
            return
        pdfdoc.format = format_value
        pdfdoc.pdfdocEnc = pdfdoc_encode
        pdfdoc.PDFName = pdf_name
        _installed = True


def uninstall() -> None:
    """ReportLab's own paths again (for the tests that compare the two)."""
    global _installed
    with _lock:
        pdfdoc.format = _original_format
        pdfdoc.pdfdocEnc = _original_encode
        pdfdoc.PDFName = _original_name
        _installed = False
