"""Texts from input made safe to show: control characters escaped, never interpreted.

A file name, subject, sender or error detail can hold escape sequences (OSC 52 writes
the terminal's clipboard, CSI clears the screen, bidi overrides reverse what is read).
Everything the command line prints and every log line passes :func:`shown` at the
boundary (:class:`smime_archiver.cli.console.Console`, the progress lines, the log
formatter): C0 controls but our own line breaks and tabs, DEL, C1 controls (U+0080 to
U+009F, e.g. U+009B CSI), bidi controls, invisible separators and lone surrogates (bytes
of a file name that are not UTF-8) are shown as ``\\x1b``, ``\\u202e``, ``\\udc9b``.
:func:`field` also escapes line breaks and tabs: for a text from input set into a line
of ours, so it cannot start a line of its own.
"""

from __future__ import annotations

import logging
import os
from typing import Any

_BIDI_AND_INVISIBLE = (
    0x061C, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029,
    0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
)


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _table(keep: str) -> dict[int, str]:
    codes = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI_AND_INVISIBLE,
             *range(0xD800, 0xE000)]
    return {c: _escape(c) for c in codes if chr(c) not in keep}


_LINES = _table("\n\t")
_FIELD = _table("")
# json.dumps escapes C0 itself; the rest (only ever inside strings) as JSON's \uXXXX
_JSON = {c: f"\\u{c:04x}" for c in _FIELD if c >= 0x20 or chr(c) in "\n\t"} | {
    ord("\n"): "\n", ord("\t"): "\t"}


def shown(text: Any) -> str:
    """``text`` (any object, as ``str()``) with every control character escaped except
    line breaks and tabs."""
    return str(text).translate(_LINES)


def field(text: Any) -> str:
    """``text`` as one field of a line: line breaks and tabs escaped too."""
    return str(text).translate(_FIELD)


def json_shown(text: str) -> str:
    """JSON text (from ``json.dumps``) with C1, bidi and invisible controls as ``\\uXXXX``:
    still the same JSON data."""
    return text.translate(_JSON)


def has_controls(text: str) -> bool:
    """Whether :func:`field` would change ``text``."""
    return field(text) != text


class SafeFormatter(logging.Formatter):
    """A log formatter whose lines carry no control characters from input: each text or
    path argument as a :func:`field` (it cannot start a line of its own), and the whole line,
    traceback included, through :func:`shown`."""

    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(_safe_arg(a) for a in args)
        elif isinstance(args, dict) and args:
            record.args = {k: _safe_arg(v) for k, v in args.items()}
        try:
            return shown(super().format(record))
        finally:
            record.args = args


def _safe_arg(value: Any) -> Any:
    if isinstance(value, (str, os.PathLike, BaseException)):
        return field(value)
    return value
