"""Helpers for the renderer's tests: render real messages, read PDFs back with real tools."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest

from smime_archiver.mime.message import parse_message
from smime_archiver.model import MessageView, RawMail, UnwrapResult
from smime_archiver.render.pdf import render_pdf
from tests.unit.render import samples


@dataclass
class Rendered:
    pdf: bytes
    path: Path
    view: MessageView
    result: UnwrapResult

    def text(self, layout: bool = False) -> str:
        args = ["pdftotext", *(["-layout"] if layout else []), str(self.path), "-"]
        return subprocess.run(args, capture_output=True, check=True).stdout.decode("utf-8")

    def embedded(self) -> dict[str, dict]:
        """Embedded files by their exact name (/UF): bytes, MIME type, relationship."""
        out: dict[str, dict] = {}
        with pikepdf.open(self.path) as pdf:
            for spec in pdf.Root.AF:
                stream = spec.EF.F
                out[str(spec.UF)] = {
                    "data": stream.read_bytes(),
                    "mime": str(stream.Subtype)[1:].replace("#2F", "/"),
                    "relationship": str(spec.AFRelationship)[1:],
                    "F": str(spec.F),
                }
            names = pdf.Root.Names.EmbeddedFiles.Names
            assert len(names) == 2 * len(out)
        return out


@pytest.fixture
def render(tmp_path):
    """Render message bytes to a PDF file, check it is valid PDF/A-3b, return it."""
    counter = iter(range(10_000))

    def _render(data: bytes, result: UnwrapResult | None = None,
                raw: RawMail | None = None) -> Rendered:
        result = result or samples.plain_result(data)
        raw = raw or RawMail(source="/home/soren/Mail/Indbakke", data=data, index=3,
                             locator="mbox#3@40960")
        view = parse_message(result.message)
        pdf = render_pdf(view, result, raw)
        path = tmp_path / f"m{next(counter)}.pdf"
        path.write_bytes(pdf)
        assert_pdfa(path)
        return Rendered(pdf, path, view, result)

    return _render


def assert_pdfa(path: Path) -> None:
    report = pikepdf.pdfa.validate_written(path, "3b")
    assert report.passed, "\n".join(str(f) for f in report.findings)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
