"""The MIME model: decoded headers, body text and attachments from real message bytes."""

from __future__ import annotations

import base64

from smime_archiver.mime.charsets import decode_bytes
from smime_archiver.mime.htmltext import html_to_text
from smime_archiver.mime.message import parse_message


def test_encoded_words_and_latin1_body():
    raw = (
        b"From: =?iso-8859-1?q?S=F8ren_=C6r=F8?= <soren@example.dk>\r\n"
        b"To: =?utf-8?b?w4VzYSDDmHN0ZXI=?= <aasa@example.dk>, bo@example.dk\r\n"
        b"Subject: =?utf-8?q?Bekr=C3=A6ftelse_af_=C3=A6ndring?=\r\n"
        b"Date: Mon, 4 Mar 2013 10:15:00 +0100\r\n"
        b"Message-ID: <abc@example.dk>\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"K=E6re Karen, v=E6r s=E5 venlig.\r\n"
    )
    view = parse_message(raw)
    assert view.sender == "Søren Ærø <soren@example.dk>"
    assert view.to == "Åsa Øster <aasa@example.dk>, bo@example.dk"
    assert view.subject == "Bekræftelse af ændring"
    assert view.date is not None and view.date.isoformat() == "2013-03-04T10:15:00+01:00"
    assert view.message_id == "<abc@example.dk>"
    assert view.body_text.strip() == "Kære Karen, vær så venlig."
    assert view.attachments == ()


def test_wrongly_declared_charset_is_tolerated():
    # Declared ASCII, actually UTF-8 (common in old mail): decoded as UTF-8.
    assert decode_bytes("blåbærgrød".encode(), "us-ascii") == "blåbærgrød"
    # Declared UTF-8, actually cp1252: falls back instead of failing.
    assert decode_bytes("blåbærgrød".encode("cp1252"), "utf-8") == "blåbærgrød"
    # Unknown charset name.
    assert decode_bytes(b"abc", "x-no-such-charset") == "abc"


def test_attachment_with_8bit_bytes_and_a_charset_name_holding_nul():
    """The standard library decodes such a payload with the declared charset, and a NUL
    in the name raised ValueError there (found by the accounting fuzz run)."""
    msg = (b"From: a@example.dk\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nHej\r\n--B\r\n"
           b'Content-Type: application/octet-stream; charset="x\x00y"\r\n'
           b"Content-Disposition: attachment; filename=data.bin\r\n\r\n"
           b"\xe6\xf8\xe5 bytes\r\n--B--\r\n")
    view = parse_message(msg)
    [att] = view.attachments
    assert (att.filename, att.data, att.size) == ("data.bin", b"\xe6\xf8\xe5 bytes", 9)
    assert "Hej" in view.parts[0].text


def test_alternative_prefers_plain_and_lists_attachments_with_rfc2231_names():
    payload = b"%PDF-1.4 fake but exact bytes \x00\x01\x02"
    raw = (
        b"From: a@example.dk\r\nSubject: test\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B1"\r\n\r\n'
        b"--B1\r\n"
        b'Content-Type: multipart/alternative; boundary="B2"\r\n\r\n'
        b"--B2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej med dig\r\n"
        b"--B2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hej <b>med</b> dig</p>\r\n"
        b"--B2--\r\n"
        b"--B1\r\n"
        b"Content-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''%C3%A5rsopg%C3%B8relse.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(payload) +
        b"--B1--\r\n"
    )
    view = parse_message(raw)
    assert view.body_text.strip() == "Hej med dig"
    assert view.body_html is not None and "<b>med</b>" in view.body_html
    assert len(view.attachments) == 1
    att = view.attachments[0]
    assert att.filename == "årsopgørelse.pdf"
    assert att.content_type == "application/pdf"
    assert att.data == payload and att.size == len(payload)
    assert att.part == "2"


def test_html_only_body_becomes_readable_text():
    raw = (b"Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<html><head><style>p{color:red}</style></head><body><h1>Overskrift</h1>"
           b"<p>F\xc3\xb8rste <a href='https://example.dk/x'>link</a></p><ul><li>et</li>"
           b"<li>to</li></ul><script>alert(1)</script></body></html>")
    view = parse_message(raw)
    assert "Overskrift" in view.body_text
    assert "Første link <https://example.dk/x>" in view.body_text
    assert "• et" in view.body_text and "• to" in view.body_text
    assert "alert" not in view.body_text and "color" not in view.body_text


def test_broken_headers_and_missing_body_do_not_raise():
    raw = (b"From: <<<broken@@\r\nDate: not a date\r\nSubject: =?bogus?q?x?=\r\n"
           b"Content-Type: multipart/mixed\r\n\r\nno boundary at all")
    view = parse_message(raw)
    assert view.date is None
    assert view.date_text == "not a date"
    assert "broken" in view.sender
    assert view.body_text.strip() == "no boundary at all"
    assert view.notes


def test_html_to_text_keeps_paragraphs():
    assert html_to_text("<p>a</p><p>b</p>") == "a\n\nb"


def test_raw_8bit_headers_in_utf8_and_cp1252():
    raw = ("From: Søren Ærø <s@example.dk>\r\nSubject: Årsopgørelse\r\n\r\nx").encode()
    view = parse_message(raw)
    assert view.sender == "Søren Ærø <s@example.dk>"
    assert view.subject == "Årsopgørelse"
    raw = ("From: Søren <s@example.dk>\r\nSubject: Æble\r\n\r\nx").encode("cp1252")
    view = parse_message(raw)
    assert view.sender == "Søren <s@example.dk>"
    assert view.subject == "Æble"
    assert dict(view.headers)["Subject"] == "Æble"


# --- body parts in reading order -------------------------------------------------------------
from tests.unit.render import samples  # noqa: E402


def test_parts_of_a_mixed_message_in_reading_order():
    view = parse_message(samples.with_attachments())
    assert [p.kind for p in view.parts] == ["text"]
    names = [a.filename for a in view.attachments]
    assert names == ["årsopgørelse 2012.pdf", "møde.jpg", "gennemsigtig.png", "cmyk.jpg",
                     "../../evil/../tal.csv", "ødelagt.png"]
    assert [a.part for a in view.attachments] == ["2", "3", "4", "5", "6", "7"]


def test_related_html_root_and_cid_resources():
    view = parse_message(samples.newsletter())
    assert [p.kind for p in view.parts] == ["html"]
    (logo,) = view.attachments
    assert logo.content_id == "logo@example.dk"
    assert logo.filename == "logo.png" and logo.data.startswith(b"\x89PNG")
    assert view.body_html is not None and "cid:logo@example.dk" in view.body_html


def test_related_start_parameter_picks_the_root():
    raw = (b"Subject: r\r\nMIME-Version: 1.0\r\n"
           b'Content-Type: multipart/related; boundary="R"; start="<root@x>"\r\n\r\n'
           b"--R\r\nContent-Type: image/gif\r\nContent-ID: <img@x>\r\n\r\nGIF89a\r\n"
           b"--R\r\nContent-Type: text/html\r\nContent-ID: <root@x>\r\n\r\n<p>rod</p>\r\n"
           b"--R--\r\n")
    view = parse_message(raw)
    assert [(p.kind, p.part) for p in view.parts] == [("html", "2")]
    assert [a.content_id for a in view.attachments] == ["img@x"]
    assert view.attachments[0].generated_name and view.attachments[0].filename == "part 1.gif"


def test_forwarded_message_becomes_a_nested_view():
    view = parse_message(samples.forwarded())
    kinds = [p.kind for p in view.parts]
    assert kinds == ["text", "message"]
    nested = view.parts[1].message
    assert nested is not None
    assert nested.subject == "Oprindelig besked om boligstøtte"
    assert nested.sender == "Kommunen <post@kommune.example.dk>"
    assert "boligstøtte er modtaget" in nested.parts[0].text
    assert [a.filename for a in nested.attachments] == ["kvittering.bin"]
    assert nested.attachments[0].part == "2.2"
    assert view.attachments[0].content_type == "message/rfc822"


def test_deeply_nested_multiparts_do_not_recurse_forever():
    depth = 200
    raw = b"Subject: deep\r\nMIME-Version: 1.0\r\n"
    for i in range(depth):
        raw += f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode()
    raw += b"Content-Type: text/plain\r\n\r\ninderst\r\n"
    for i in reversed(range(depth)):
        raw += f"--b{i}--\r\n".encode()
    view = parse_message(raw)
    # the part at the limit is kept, raw, as an attachment; the view names it as a problem
    [problem] = view.problems
    assert "nested more than 40 levels deep" in problem.detail
    assert [a.filename for a in view.attachments] == [f"part {problem.part}.eml"]
    assert b"inderst" in view.attachments[0].data


def test_unflow_rfc3676():
    from smime_archiver.mime.parts import unflow

    text = "Et langt \nafsnit.\n>> Dybt \n>> citat\n>Lavt\n Stuffet\n-- \nSig"
    assert unflow(text, delsp=False).split("\n") == [
        "Et langt afsnit.", ">> Dybt citat", "> Lavt", "Stuffet", "-- ", "Sig"]
    assert unflow("del\xadsp \nlinje", delsp=True) == "del\xadsplinje"


def test_charset_supersets_and_utf8_labelled_single_byte():
    assert decode_bytes("你好".encode("gb18030"), "gb2312") == "你好"
    assert decode_bytes("①".encode("cp932"), "shift_jis") == "①"
    assert decode_bytes("한국어".encode("cp949"), "ks_c_5601-1987") == "한국어"
    assert decode_bytes("Ærø — “x”".encode(), "windows-1252") == "Ærø — “x”"
    assert decode_bytes("Ærø".encode("cp1252"), "windows-1252") == "Ærø"
    assert decode_bytes("Привет".encode("koi8-r"), "koi8-r") == "Привет"


def test_html_meta_charset_when_mime_has_none():
    raw = (b"Subject: m\r\nContent-Type: text/html\r\n\r\n"
           b'<html><head><meta charset="windows-1252"></head><body>\x80 \xe6\xf8\xe5</body>')
    view = parse_message(raw)
    assert "€ æøå" in view.parts[0].text


def test_parsed_headers_are_reused_and_views_unchanged(monkeypatch):
    import email.headerregistry
    import email.policy

    from smime_archiver.mime import headers
    from tests.unit.render import samples

    messages = [samples.plain_letter(), samples.newsletter(), samples.with_attachments(),
                samples.scripts(), samples.forwarded(), samples.flowed_latin1()]
    cached = [parse_message(m) for m in messages]
    # the same value under the same name is parsed once for every look
    key = ("Content-Type", 'text/plain; charset="utf-8"')
    first = headers.POLICY.header_fetch_parse(*key)
    assert headers.POLICY.header_fetch_parse(*key) is first
    long_value = "text/plain; name=" + "x" * 2000
    assert headers.POLICY.header_fetch_parse("Content-Type", long_value) is not \
        headers.POLICY.header_fetch_parse("Content-Type", long_value)
    # the header class for a name is made once (the stdlib makes one at every call)
    registry = headers.POLICY.header_factory
    assert registry["Content-Type"] is registry["content-type"]
    assert issubclass(registry["Content-Type"], email.headerregistry.ContentTypeHeader)
    assert issubclass(registry["X-Whatever"], email.headerregistry.UnstructuredHeader)
    # and every view is what the standard library's own policy gives
    monkeypatch.setattr(headers, "POLICY", email.policy.default.clone(max_line_length=None))
    assert [parse_message(m) for m in messages] == cached
