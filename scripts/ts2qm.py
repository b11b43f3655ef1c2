"""Compile a Qt Linguist ``.ts`` catalogue into the ``.qm`` file QTranslator loads.

    python scripts/ts2qm.py resources/translations/gui_da.ts [-o gui_da.qm]

The wheel's build hook (``setup.py``) uses this, so building the package needs neither Qt
nor ``pyside6-lrelease``.  The output is the same, byte for byte, as ``lrelease`` writes by
default (Qt 6; ``tests/packaging/test_wheel.py`` compares the two): every message finished
or unfinished-but-translated, obsolete and vanished ones left out, each stored with its
context, source text and comment.

The ``.qm`` format (all numbers big-endian): a 16-byte magic, then sections of
``tag (1 byte), length (4 bytes), data``: the language code, a table of
``(hash, offset)`` pairs sorted by hash, the messages, and the plural rules.  A message is a
list of tagged fields: each translation (UTF-16), then comment, source text and context
(UTF-8), then an end tag.  The hash is the ELF hash of the UTF-8 source text and comment.
"""

from __future__ import annotations

import argparse
import struct
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

MAGIC = bytes.fromhex("3cb86418caef9c95cd211cbf60a1bddd")

# section tags
_HASHES, _MESSAGES, _NUMERUS_RULES, _LANGUAGE = 0x42, 0x69, 0x88, 0xA7
# message field tags
_END, _TRANSLATION, _SOURCE_TEXT, _CONTEXT, _COMMENT = 1, 3, 6, 7, 8

# Plural rules QTranslator evaluates for tr(..., n): "n == 1" is one form, all else the
# other (Qt's "English style", which Danish shares).  A new language must be added here
# with Qt's rules for it; compiling fails until then rather than guess.
_EQ = 0x01
NUMERUS_RULES = {"da": bytes([_EQ, 1]), "en": bytes([_EQ, 1])}

# Qt joins a translation's length variants with U+2762 in the .ts and with U+009C in a .qm
_TS_VARIANT_SEPARATOR, _QM_VARIANT_SEPARATOR = "\u2762", "\u009c"


class CatalogError(ValueError):
    """The .ts file cannot be compiled (names the file and the reason)."""


@dataclass(frozen=True)
class Message:
    context: str
    source: str
    comment: str
    translations: tuple[str, ...]
    kind: str  # "finished", "unfinished", "obsolete" or "vanished"


def elf_hash(data: bytes) -> int:
    """The ELF hash Qt uses for message look-up (up to the first NUL byte; never 0)."""
    h = 0
    for byte in data:
        if byte == 0:
            break
        h = ((h << 4) + byte) & 0xFFFFFFFF
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g & 0xFFFFFFFF
    return h or 1


def _text(element: ET.Element | None) -> str:
    """An element's text, with Qt's ``<byte value="x1b"/>`` escapes for control characters."""
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "byte":
            value = child.get("value", "")
            code = int(value[1:], 16) if value[:1] in ("x", "X") else int(value)
            parts.append(chr(code))
        parts.append(child.tail or "")
    return "".join(parts)


def _translation_text(element: ET.Element) -> str:
    variants = element.findall("lengthvariant")
    if variants:
        return _TS_VARIANT_SEPARATOR.join(_text(v) for v in variants)
    return _text(element)


def read_ts(path: Path) -> tuple[str, list[Message]]:
    """``(language, messages)`` of a .ts file, in file order."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise CatalogError(f"{path}: not a readable .ts file: {e}") from e
    if root.tag != "TS":
        raise CatalogError(f"{path}: not a .ts file (root element <{root.tag}>)")
    if root.find("dependencies") is not None:
        raise CatalogError(f"{path}: catalogue dependencies are not supported")
    messages = []
    for context in root.iter("context"):
        name = _text(context.find("name"))
        for msg in context.findall("message"):
            if msg.get("id") is not None:
                raise CatalogError(f"{path}: id-based messages are not supported")
            element = msg.find("translation")
            kind = (element.get("type") if element is not None else None) or "finished"
            if element is None:
                translations: tuple[str, ...] = ("",)
            elif msg.get("numerus") == "yes":
                translations = tuple(_translation_text(f)
                                     for f in element.findall("numerusform")) or ("",)
            else:
                translations = (_translation_text(element),)
            messages.append(Message(name, _text(msg.find("source")),
                                    _text(msg.find("comment")), translations, kind))
    return root.get("language") or "", messages


def _utf16(text: str) -> bytes:
    if not text:
        return b"\xff\xff\xff\xff"  # as Qt writes a null string: the source text stays
    data = text.replace(_TS_VARIANT_SEPARATOR, _QM_VARIANT_SEPARATOR).encode("utf-16-be")
    return struct.pack(">I", len(data)) + data


def _utf8(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">I", len(data)) + data


def _section(tag: int, data: bytes) -> bytes:
    return struct.pack(">BI", tag, len(data)) + data


def compile_messages(language: str, messages: list[Message]) -> bytes:
    """The .qm bytes for ``messages`` (as ``lrelease`` without options)."""
    code = language.split("_")[0].lower()
    if not language:
        raise CatalogError("the catalogue names no language (<TS language=\"da_DK\">)")
    if code not in NUMERUS_RULES:
        raise CatalogError(f"no plural rules known for language {language!r}: add Qt's rules "
                           "for it to NUMERUS_RULES in scripts/ts2qm.py")
    everything = {(m.context, m.source, m.comment) for m in messages}
    # (context, source, comment) -> translations; bytes sort as Qt orders its QMap
    table: dict[tuple[bytes, bytes, bytes], tuple[str, ...]] = {}
    for m in messages:
        if m.kind in ("obsolete", "vanished"):
            continue
        if m.kind == "unfinished" and not any(m.translations):
            continue  # nothing to show: the source text stays
        key = (m.context.encode(), m.source.encode(), m.comment.encode())
        # lrelease drops a disambiguating comment that nothing needs to be told apart from
        keep_comment = (not m.comment or not m.context
                        or (m.context, m.source, "") in everything)
        if not keep_comment and (key[0], key[1], b"") not in table:
            key = (key[0], key[1], b"")
        table.setdefault(key, m.translations)
    body = bytearray()
    offsets = []
    for (context, source, comment), translations in sorted(table.items()):
        offsets.append((elf_hash(source + comment), len(body)))
        for text in translations:
            body += bytes([_TRANSLATION]) + _utf16(text)
        for tag, value in ((_COMMENT, comment), (_SOURCE_TEXT, source), (_CONTEXT, context)):
            body += bytes([tag]) + struct.pack(">I", len(value)) + value
        body.append(_END)
    out = bytearray(MAGIC)
    out += _section(_LANGUAGE, language.encode("utf-8"))
    if table:
        out += _section(_HASHES, b"".join(struct.pack(">II", h, o) for h, o in sorted(offsets)))
        out += _section(_MESSAGES, bytes(body))
    out += _section(_NUMERUS_RULES, NUMERUS_RULES[code])
    return bytes(out)


def compile_ts(ts: Path, qm: Path) -> None:
    """Compile ``ts`` into ``qm`` (written whole or not at all)."""
    language, messages = read_ts(ts)
    try:
        data = compile_messages(language, messages)
    except CatalogError as e:
        raise CatalogError(f"{ts}: {e}") from None
    partial = qm.with_name(qm.name + ".partial")
    partial.write_bytes(data)
    partial.replace(qm)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ts", type=Path)
    parser.add_argument("-o", "--qm", type=Path, help="output (default: beside the .ts)")
    args = parser.parse_args(argv)
    try:
        compile_ts(args.ts, args.qm or args.ts.with_suffix(".qm"))
    except CatalogError as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
