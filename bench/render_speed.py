"""Benchmark: how fast messages become archival PDFs, and what PDF/A finishing costs.

Renders a fixed set of messages (plain Danish letter, HTML newsletter, mail with
attachments and pictures, CJK/emoji, a forwarded message, a long letter) in one process
(one core) and prints milliseconds per message and pages per second for each, then the
PDF/A finishing measured two ways:

- ``native``: the objects added with ReportLab while it writes (what render_pdf does);
- ``none``: the same PDF without finishing (not PDF/A), the baseline;
- ``pikepdf``: the baseline PDF re-opened with pikepdf, the same files, XMP and output
  intent added there, and saved again (the alternative we did not pick).

Every variant's output is checked once with pikepdf's PDF/A-3b validator.  Times are the
best of ``--rounds`` interleaved runs (the least disturbed by other work on the machine).

    python bench/render_speed.py            # about half a minute
    python bench/render_speed.py --rounds 50
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pikepdf  # noqa: E402
import pikepdf.pdfa  # noqa: E402

from smime_archiver.mime.message import parse_message  # noqa: E402
from smime_archiver.model import RawMail  # noqa: E402
from smime_archiver.render import pdf as pdf_module  # noqa: E402
from smime_archiver.render.embedded import embedded_files  # noqa: E402
from smime_archiver.render.fonts import register_fonts  # noqa: E402
from smime_archiver.render.pdf import render_pdf  # noqa: E402
from tests.unit.render import samples  # noqa: E402

MESSAGES = {
    "plain letter": samples.plain_letter,
    "html newsletter": samples.newsletter,
    "attachments+pictures": samples.with_attachments,
    "cjk/emoji": samples.scripts,
    "forwarded": samples.forwarded,
    "long (120 paragraphs)": samples.long_letter,
}


def _pages(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def _finish_with_pikepdf(pdf: bytes, view, result) -> bytes:
    """The alternative: add the PDF/A parts to a finished ReportLab PDF with pikepdf."""
    doc = pikepdf.open(io.BytesIO(pdf))
    for i, f in enumerate(embedded_files(view, result)):
        spec = pikepdf.AttachedFileSpec(doc, f.data, description=f.description,
                                        filename=f.name, mime_type=f.mime_type,
                                        relationship=pikepdf.Name("/" + f.relationship))
        doc.attachments[f"{i + 1:04d} {f.name}"] = spec
    with doc.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["pdfaid:part"] = "3"
        meta["pdfaid:conformance"] = "B"
        meta["dc:title"] = view.subject
        meta["dc:creator"] = [view.sender]
    for page in doc.pages:
        if "/Trans" in page.obj:
            del page.obj["/Trans"]
    pikepdf.pdfa.prepare(doc, "3b", output_intent="sRGB")
    out = io.BytesIO()
    doc.save(out, **pikepdf.pdfa.resolve_save_kwargs("3b"))
    return out.getvalue()


def _valid(pdf: bytes) -> bool:
    return pikepdf.pdfa.validate_written(io.BytesIO(pdf), "3b").passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="renders per message and variant")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    register_fonts()
    print(f"font registration (once per process): {(time.perf_counter() - started) * 1000:.0f} ms")
    real_finish = pdf_module.finish_pdfa
    rows = []
    for name, make in MESSAGES.items():
        data = make()
        result = samples.decrypted_result(data)
        raw = RawMail(source="bench.mbox", data=data, index=0, locator="mbox#0@0")
        view = parse_message(result.message)

        def native(view=view, result=result, raw=raw) -> bytes:
            return render_pdf(view, result, raw)

        def bare(view=view, result=result, raw=raw) -> bytes:
            pdf_module.finish_pdfa = lambda *a, **k: None  # type: ignore[assignment]
            try:
                return render_pdf(view, result, raw)
            finally:
                pdf_module.finish_pdfa = real_finish

        def pike(view=view, result=result, raw=raw) -> bytes:
            return _finish_with_pikepdf(bare(view, result, raw), view, result)

        variants = (("native", native), ("none", bare), ("pikepdf", pike))
        checks = {name: _valid(fn()) for name, fn in variants}  # warm-up and check
        runs: dict[str, list[float]] = {name: [] for name, _fn in variants}
        for _round in range(args.rounds):  # interleaved, so load changes hit all alike
            for variant, fn in variants:
                t0 = time.perf_counter()
                fn()
                runs[variant].append((time.perf_counter() - t0) * 1000)
        timings = {name: min(values) for name, values in runs.items()}
        pages = _pages(native())
        parse_ms = min(_time(lambda d=data: parse_message(d), args.rounds))
        rows.append((name, pages, parse_ms, timings, checks))

    print(f"\n{'message':24} {'pages':>5} {'parse':>7} {'render+PDF/A':>13} {'msg/s':>7} "
          f"{'pages/s':>8} {'no PDF/A':>9} {'native +':>9} {'pikepdf +':>10}  PDF/A-3b valid")
    for name, pages, parse_ms, t, checks in rows:
        total = parse_ms + t["native"]
        print(f"{name:24} {pages:5d} {parse_ms:6.1f}ms {t['native']:11.1f}ms {1000 / total:7.1f} "
              f"{pages * 1000 / total:8.1f} {t['none']:7.1f}ms {t['native'] - t['none']:+7.1f}ms "
              f"{t['pikepdf'] - t['none']:+8.1f}ms  native={checks['native']} "
              f"none={checks['none']} pikepdf={checks['pikepdf']}")
    typical = [r for r in rows if r[1] == 1]
    mean_ms = statistics.mean(r[2] + r[3]["native"] for r in typical)
    print(f"\none-page messages: {mean_ms:.1f} ms each on average = {1000 / mean_ms:.0f} "
          "messages/s per core, parse + render + PDF/A finishing")
    return 0


def _time(fn, rounds: int) -> list[float]:
    out = []
    for _round in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
