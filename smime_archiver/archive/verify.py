"""Fixity: re-check an archive years later (``smime-archiver verify OUT``).

:func:`verify_archive` reads ``report.json`` and checks, for every message the report
gives a PDF: the PDF is there, opens as PDF (``%PDF-`` header, ``%%EOF`` at the end), looks
like PDF/A-3b (an XMP packet with ``pdfaid:part`` 3 and conformance B, an embedded file),
and the embedded original (the file specification with ``/AFRelationship /Source``) has
the SHA-256 the report recorded (``embedded_sha256``; reports written before it was
recorded are checked for the rest and said to be so).  The writer is ours, so only what
it writes is parsed, from the bytes: no PDF library is needed, and a damaged file is a
finding, never a traceback.  The embedded stream is inflated piece by piece into the hash
(memory stays small however large the message).
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from smime_archiver.i18n import _

REPORT_NAME = "report.json"
_TAIL = 2048  # %%EOF must be within the file's last bytes
_PIECE = 1 << 20


@dataclass(frozen=True)
class Finding:
    """One thing wrong: the file (relative to the archive) and what."""

    file: str
    problem: str


@dataclass
class VerifyResult:
    checked: int = 0  # PDFs looked at
    findings: list[Finding] | None = None
    unrecorded: int = 0  # PDFs whose report has no embedded_sha256 to compare with

    @property
    def ok(self) -> bool:
        return not self.findings


class _Damaged(Exception):
    pass


def verify_archive(out_dir: Path) -> VerifyResult:
    """Check the archive in ``out_dir``; a missing or unreadable report is a finding."""
    result = VerifyResult(findings=[])
    assert result.findings is not None
    try:
        report = json.loads((out_dir / REPORT_NAME).read_text(encoding="utf-8"))
        messages = report["messages"]
        if not isinstance(messages, list):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError) as e:
        result.findings.append(Finding(REPORT_NAME, _(
            "The report cannot be read ({reason}), so the archive cannot be checked.").format(
                reason=getattr(e, "strerror", None) or type(e).__name__)))
        return result
    for message in messages:
        if not isinstance(message, dict) or not message.get("pdf") or message.get(
                "duplicate_of"):
            continue
        rel = str(message["pdf"])
        result.checked += 1
        expected = str(message.get("embedded_sha256") or "")
        if not expected:
            result.unrecorded += 1
        problem = check_pdf(out_dir, rel, expected)
        if problem:
            result.findings.append(Finding(rel, problem))
    return result


def check_pdf(out_dir: Path, rel: str, expected_sha256: str) -> str | None:
    """What is wrong with the PDF at ``rel`` (``None``: nothing)."""
    path = out_dir / rel
    if ".." in Path(rel).parts or Path(rel).is_absolute():
        return _("The report names a file outside the archive.")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _("The PDF is missing.")
    except OSError as e:
        return _("The PDF cannot be read: {reason}.").format(reason=e.strerror or e)
    try:
        return _check_bytes(data, expected_sha256)
    except _Damaged as e:
        return str(e)


def _check_bytes(data: bytes, expected: str) -> str | None:
    if not data.startswith(b"%PDF-"):
        return _("The file is not a PDF (no PDF header).")
    if b"%%EOF" not in data[-_TAIL:]:
        return _("The PDF is truncated or damaged (no end-of-file marker).")
    if not (re.search(rb"pdfaid:part(>|=\")\s*3", data)
            and re.search(rb"pdfaid:conformance(>|=\")\s*B", data)):
        return _("The PDF does not say it is PDF/A-3b (no pdfaid part 3, conformance B).")
    if b"/EmbeddedFile" not in data:
        return _("The PDF carries no embedded file (the original message is missing).")
    digest = hashlib.sha256()
    for piece in _source_stream(data):
        digest.update(piece)
    if expected and digest.hexdigest() != expected.lower():
        return _("The embedded original message has changed: its SHA-256 differs from the "
                 "one the report recorded.")
    return None


def _source_stream(data: bytes) -> Iterator[bytes]:
    """The bytes of the embedded file whose file specification is ``/AFRelationship
    /Source`` (the original message), inflated."""
    # the key that opens the object's dictionary (not the same words in a text string)
    spec = re.search(rb"(?<![0-9])\d+\s+\d+\s+obj\s*<<\s*/AFRelationship\s*/Source\b", data)
    if spec is None:
        raise _Damaged(_("The PDF has no embedded original message (no Source file)."))
    end = data.find(b"endobj", spec.end())
    ref = re.search(rb"/EF\s*<<\s*/F\s+(\d+)\s+(\d+)\s+R",
                    data[spec.end():end if end > 0 else None])
    if ref is None:
        raise _Damaged(_("The PDF's embedded original message cannot be found."))
    body, filtered = _stream(data, int(ref.group(1)), int(ref.group(2)))
    if not filtered:
        yield body
        return
    inflate = zlib.decompressobj()
    try:
        view = memoryview(body)
        for i in range(0, len(view), _PIECE):
            chunk: bytes | memoryview = view[i:i + _PIECE]
            while chunk:
                piece = inflate.decompress(chunk, _PIECE)
                if piece:
                    yield piece
                chunk = inflate.unconsumed_tail
        yield inflate.flush()
        if not inflate.eof:
            raise _Damaged(_("The PDF's embedded original message is cut short."))
    except zlib.error as e:
        raise _Damaged(_("The PDF's embedded original message is damaged ({reason}).").format(
            reason=e)) from e


def _stream(data: bytes, num: int, gen: int) -> tuple[bytes, bool]:
    """Object ``num gen``'s stream bytes and whether they are Flate-compressed."""
    head = re.search(rb"(?<![0-9])%d\s+%d\s+obj" % (num, gen), data)
    if head is None:
        raise _Damaged(_("The PDF's embedded original message cannot be found."))
    begin = re.compile(rb">>\s*stream\r?\n").search(data, head.end())
    if begin is None:
        raise _Damaged(_("The PDF's embedded original message cannot be found."))
    header = data[head.end():begin.start()]
    length = re.search(rb"/Length\s+(\d+)(\s+\d+\s+R)?", header)
    if length is None or length.group(2):
        end = data.find(b"endstream", begin.end())
        size = (end if end >= 0 else len(data)) - begin.end()
    else:
        size = int(length.group(1))
    body = data[begin.end():begin.end() + size]
    if len(body) < size or not data[begin.end() + size:begin.end() + size + 12].lstrip(
            b"\r\n").startswith(b"endstream"):
        raise _Damaged(_("The PDF's embedded original message is cut short."))
    return body, b"/FlateDecode" in header
