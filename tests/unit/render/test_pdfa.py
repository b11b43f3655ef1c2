"""Every PDF is PDF/A-3b (pikepdf's validator), with metadata that matches the message."""

from __future__ import annotations

import subprocess

import pikepdf
import pytest

from smime_archiver.model import RawMail, Status, UnwrapResult
from tests.unit.render import samples


@pytest.mark.parametrize("name", sorted(samples.SAMPLES))
def test_samples_are_valid_pdfa_3b(render, name):
    data = samples.SAMPLES[name]()
    # render() validates with pikepdf.pdfa.validate_written(path, "3b")
    rendered = render(data, samples.decrypted_result(data))
    assert rendered.pdf.startswith(b"%PDF-1.7\n%")


def test_metadata_title_author_dates_and_output_intent(render):
    data = samples.plain_letter()
    rendered = render(data)
    with pikepdf.open(rendered.path) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == "Årsopgørelse 2012 – svar på din henvendelse"
        assert meta["dc:creator"] == ["Skattestyrelsen <post@skat.example.dk>"]
        assert str(pdf.docinfo["/Title"]) == "Årsopgørelse 2012 – svar på din henvendelse"
        assert str(pdf.docinfo["/Author"]) == "Skattestyrelsen <post@skat.example.dk>"
        assert "2013-03-04T10:15:00+01:00" in str(pdf.Root.Metadata.read_bytes(), "utf-8")
        assert meta["xmp:CreateDate"].startswith(str(pdf.docinfo["/CreationDate"])[2:6])
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1"
        assert str(intent.OutputConditionIdentifier) == "sRGB IEC61966-2.1"
        profile = intent.DestOutputProfile.read_bytes()
        assert profile[36:40] == b"acsp" and profile[16:20] == b"RGB "


def test_every_font_is_embedded(render):
    rendered = render(samples.scripts())
    out = subprocess.run(["pdffonts", str(rendered.path)], capture_output=True, check=True,
                         text=True).stdout.splitlines()[2:]
    assert out, "no fonts listed"
    for line in out:
        name, emb = line.split()[0], line.split()[-5]
        assert emb == "yes", line
        assert "Helvetica" not in name


def test_links_are_printable_annotations(render):
    rendered = render(samples.newsletter())
    with pikepdf.open(rendered.path) as pdf:
        annots = [a for page in pdf.pages for a in page.get("/Annots", [])]
        assert annots
        for annot in annots:
            assert int(annot.F) & 4
            assert annot.A.S == "/URI"


def test_control_characters_in_subject_keep_info_and_xmp_equal(render):
    raw = (b"From: a@example.dk\r\nSubject: bell\x07 and <xml> & \"quotes\"\r\n"
           b"Content-Type: text/plain\r\n\r\nx")
    rendered = render(raw, UnwrapResult(message=raw, status=Status.PLAIN, detail=""),
                      RawMail(source="x.eml", data=raw))
    with pikepdf.open(rendered.path) as pdf:
        assert str(pdf.docinfo["/Title"]) == 'bell and <xml> & "quotes"'
        assert pdf.open_metadata()["dc:title"] == 'bell and <xml> & "quotes"'
