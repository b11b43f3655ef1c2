"""PDF/A-3b finishing with ReportLab's own objects, added just before the file is written.

What ISO 19005-3 level B needs beyond what ReportLab writes anyway (embedded subset
TrueType fonts with ToUnicode maps, a file ID, a binary header comment):

- an XMP metadata stream (``pdfaid:part=3``, ``conformance=B``) that agrees with the
  Info dictionary (title, author, subject, keywords, creator tool, producer, dates);
- an sRGB output intent (``resources/icc/sRGB.icc``, zlib licence);
- embedded files as *associated files*: each a file specification with ``/F``, ``/UF``,
  ``/AFRelationship``, ``/Desc``, an ``/EmbeddedFile`` stream with its MIME type as
  ``/Subtype`` and ``/Params`` (size, dates, MD5), listed in the ``/EmbeddedFiles`` name
  tree and in the catalogue's ``/AF`` array;
- link annotations with the Print flag; no empty page ``/Trans`` dictionaries.

Why here and not with pikepdf afterwards: measured in ``bench/render_speed.py``, adding
these objects while ReportLab writes costs well under a millisecond per message, while
re-opening and re-writing every PDF with pikepdf costs more than the whole page layout of
a short message (see the numbers in ``docs/rendering.md``); the tests check every PDF
produced with pikepdf's PDF/A validator, so the hand-built objects stay honest.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFStream,
    PDFString,
    PDFText,
)

from smime_archiver.render.packing import pack
from smime_archiver.resources import resource_path

SRGB_IDENTIFIER = "sRGB IEC61966-2.1"
# Data that rarely shrinks: stored as is, which keeps big attachments fast to embed.
_COMPRESSED_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/zip",
                     "application/gzip", "application/x-7z-compressed", "application/x-rar",
                     "video/", "audio/", "application/vnd.openxmlformats",
                     "application/vnd.oasis.opendocument", "application/x-zip")

_icc_lock = threading.Lock()
_icc: bytes | None = None


@dataclass(frozen=True)
class EmbeddedFile:
    """One file carried inside the PDF as an associated file (PDF/A-3)."""

    name: str  # the exact name shown to the user (any Unicode)
    data: bytes
    mime_type: str  # e.g. "message/rfc822", "application/pdf"
    relationship: str  # "Source" (the message itself) or "Data" (an attachment)
    description: str
    modified: dt.datetime | None = None


@dataclass(frozen=True)
class DocumentMetadata:
    """What goes into both the Info dictionary and the XMP packet."""

    title: str
    author: str
    subject: str
    keywords: str
    creator: str  # the tool that made the content (xmp:CreatorTool)
    message_date: dt.datetime | None = None  # dc:date: when the mail was written


def srgb_profile() -> bytes:
    global _icc
    with _icc_lock:
        if _icc is None:
            _icc = resource_path("icc", "sRGB.icc").read_bytes()
        return _icc


def apply_info(doc: pdfdoc.PDFDocument, meta: DocumentMetadata) -> None:
    """Fill ReportLab's Info dictionary with the same values the XMP packet states."""
    info = doc.info
    info.title = meta.title
    info.author = meta.author
    info.subject = meta.subject
    info.keywords = meta.keywords
    info.creator = meta.creator


def finish_pdfa(doc: pdfdoc.PDFDocument, meta: DocumentMetadata,
                files: Sequence[EmbeddedFile]) -> None:
    """Add metadata, output intent and associated files to ``doc`` before it is written."""
    meta = replace(meta, title=_clean(meta.title), author=_clean(meta.author),
                   subject=_clean(meta.subject), keywords=_clean(meta.keywords),
                   creator=_clean(meta.creator))
    apply_info(doc, meta)
    doc._pdfVersion = max(doc._pdfVersion, (1, 7))
    catalog = doc.Catalog
    extra = ("OutputIntents", "AF", "Names")
    # ReportLab writes only the catalogue keys named in __NoDefault__ (all as references).
    keys = list(pdfdoc.PDFCatalog.__NoDefault__)
    keys += [k for k in extra if k not in keys]
    catalog.__NoDefault__ = keys
    catalog.__Refs__ = keys
    catalog.Metadata = _xmp_stream(doc, meta)
    catalog.OutputIntents = PDFArray([_output_intent(doc)])
    if files:
        specs = [_file_spec(doc, f, i) for i, f in enumerate(files)]
        names: list = []
        for i, (f, ref) in enumerate(zip(files, specs, strict=True)):
            names += [PDFString(f"{i + 1:04d} {f.name}"), ref]
        catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({
            "Names": PDFArray(names)})})
        catalog.AF = PDFArray(specs)
    for page in doc.Pages.pages:
        if isinstance(page.Trans, PDFDictionary) and not page.Trans.dict:
            page.Trans = None


@functools.cache
def _packed_profile() -> bytes:
    return zlib.compress(srgb_profile())


def _output_intent(doc: pdfdoc.PDFDocument) -> PDFDictionary:
    # compressed once per process (ReportLab applies no filter to a stream that names one)
    profile = PDFStream(PDFDictionary({"N": 3, "Filter": PDFName("FlateDecode")}),
                        _packed_profile(), filters=[])
    return PDFDictionary({
        "Type": PDFName("OutputIntent"),
        "S": PDFName("GTS_PDFA1"),
        "OutputConditionIdentifier": PDFString(SRGB_IDENTIFIER),
        "Info": PDFString(SRGB_IDENTIFIER),
        "RegistryName": PDFString("http://www.color.org"),
        "DestOutputProfile": doc.Reference(profile),
    })


def _file_spec(doc: pdfdoc.PDFDocument, f: EmbeddedFile, index: int):
    params = {"Size": len(f.data), "CheckSum": PDFText(hashlib.md5(  # PDF names MD5 for /CheckSum
        f.data, usedforsecurity=False).digest(), enc="raw")}
    if f.modified is not None:
        params["ModDate"] = PDFString(pdf_date(f.modified))
    stream_dict = PDFDictionary({
        "Type": PDFName("EmbeddedFile"),
        "Subtype": _mime_name(f.mime_type),
        "Params": PDFDictionary(params),
    })
    packed = None if f.mime_type.startswith(_COMPRESSED_TYPES) else pack(f.data)
    if packed is not None:
        stream_dict["Filter"] = PDFName("FlateDecode")
    stream = PDFStream(stream_dict, f.data if packed is None else packed, filters=[])
    ref = doc.Reference(stream)
    spec = PDFDictionary({
        "Type": PDFName("Filespec"),
        "F": PDFString(_ascii_name(f.name, index)),
        "UF": PDFString(f.name),
        "Desc": PDFString(f.description),
        "AFRelationship": PDFName(f.relationship),
        "EF": PDFDictionary({"F": ref, "UF": ref}),
    })
    return doc.Reference(spec)


def _mime_name(mime_type: str) -> str:
    """A MIME type as a PDF name: ``application/pdf`` -> ``/application#2Fpdf``."""
    clean = "".join(c for c in mime_type.lower() if c.isascii() and (c.isalnum() or c in "/.+-_"))
    if clean.count("/") != 1 or clean.startswith("/") or clean.endswith("/"):
        clean = "application/octet-stream"
    return "/" + PDFName(clean)[1:].replace("/", "#2F")


def _ascii_name(name: str, index: int) -> str:
    """``/F`` is read by old viewers as a file-system name: printable ASCII only."""
    text = "".join(c if 32 < ord(c) < 127 and c not in '/\\:*?"<>|' else "_" for c in name)
    return text.strip("_. ") or f"attachment-{index + 1}"


def pdf_date(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    offset = value.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return value.strftime("D:%Y%m%d%H%M%S") + f"{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def _xmp_date_from_stamp(doc: pdfdoc.PDFDocument) -> str:
    ts = doc._timeStamp
    y, mo, d, h, mi, s = ts.YMDhms
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}{ts.dhh:+03d}:{ts.dmm:02d}"


def _xmp_date(value: dt.datetime) -> str:
    if value.tzinfo is None:
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return value.isoformat(timespec="seconds")


def _clean(text: str) -> str:
    """One line of text that both XML 1.0 and PDF strings carry unchanged."""
    kept = "".join(c for c in text if (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd")
                   or c > "\uffff" or c in "\t\n\r")
    return " ".join(kept.split())


def _x(text: str) -> str:
    return escape(text)


def xmp_packet(meta: DocumentMetadata, producer: str, created: str) -> bytes:
    date = ""
    if meta.message_date is not None:
        date = (f"<dc:date><rdf:Seq><rdf:li>{_xmp_date(meta.message_date)}</rdf:li>"
                "</rdf:Seq></dc:date>")
    text = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_x(meta.title)}</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{_x(meta.author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{_x(meta.subject)}</rdf:li></rdf:Alt>\
</dc:description>{date}
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreateDate>{created}</xmp:CreateDate><xmp:ModifyDate>{created}</xmp:ModifyDate>
<xmp:MetadataDate>{created}</xmp:MetadataDate>
<xmp:CreatorTool>{_x(meta.creator)}</xmp:CreatorTool>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>{_x(producer)}</pdf:Producer><pdf:Keywords>{_x(meta.keywords)}</pdf:Keywords>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    return text.encode("utf-8")


def _xmp_stream(doc: pdfdoc.PDFDocument, meta: DocumentMetadata) -> PDFStream:
    packet = xmp_packet(meta, doc.info.producer, _xmp_date_from_stamp(doc))
    # Uncompressed, so archive tools that scan for XMP packets find it.
    return PDFStream(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
                     packet, filters=[])
