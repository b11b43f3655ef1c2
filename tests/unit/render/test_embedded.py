"""The message (.eml, Source) and every attachment (Data) are inside the PDF, byte for byte."""

from __future__ import annotations

import email
import email.policy

from tests.unit.render import samples
from tests.unit.render.conftest import sha256


def _leaf_parts(data: bytes) -> dict[str, tuple[bytes, str]]:
    """Attachment parts as the standard library decodes them: name -> (bytes, type)."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    out = {}
    for part in msg.walk():
        name = part.get_filename()
        if name:
            out[name] = (part.get_payload(decode=True), part.get_content_type())
    return out


def test_message_and_attachments_round_trip_by_hash(render):
    data = samples.with_attachments()
    result = samples.decrypted_result(data)
    files = render(data, result).embedded()
    source = files.pop("message.eml")
    assert source["relationship"] == "Source"
    assert source["mime"] == "message/rfc822"
    assert sha256(source["data"]) == sha256(result.message)
    expected = _leaf_parts(data)
    assert set(files) == set(expected)
    for name, (payload, ctype) in expected.items():
        assert sha256(files[name]["data"]) == sha256(payload), name
        assert files[name]["mime"] == ctype
        assert files[name]["relationship"] == "Data"


def test_names_are_exact_inside_the_pdf(render):
    files = render(samples.with_attachments()).embedded()
    # the hostile name is kept exactly as the mail gives it (the PDF is no file system) ...
    assert "../../evil/../tal.csv" in files
    assert "årsopgørelse 2012.pdf" in files
    # ... and the ASCII /F fallback name carries no path separators
    assert "/" not in files["../../evil/../tal.csv"]["F"]
    assert files["årsopgørelse 2012.pdf"]["data"] == samples.ATTACHMENT_PDF


def test_forwarded_message_and_its_attachments_are_embedded(render):
    files = render(samples.forwarded()).embedded()
    assert "Oprindelig besked om boligstøtte.eml" in files
    inner = files["Oprindelig besked om boligstøtte.eml"]
    assert inner["mime"] == "message/rfc822"
    assert b"Din ans" in inner["data"]
    assert files["kvittering.bin"]["data"] == b"kvittering 42"


def test_inline_images_of_html_are_embedded_too(render):
    files = render(samples.newsletter()).embedded()
    assert files["logo.png"]["mime"] == "image/png"
    assert files["logo.png"]["data"].startswith(b"\x89PNG")
