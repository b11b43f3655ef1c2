"""Byte-exact MIME splitting: headers, boundaries, part paths, transfer encodings."""

from __future__ import annotations

import email
import email.policy

import pytest

from smime_archiver.errors import MalformedMessageError
from smime_archiver.mime import rawmime, structure
from tests.support.layers import multipart

MSG = (
    b"From: a@example.dk\r\n"
    b"Subject: a long\r\n  folded subject\r\n"
    b"Content-Type: multipart/mixed;\r\n\tboundary=\"outer\"\r\n"
    b"\r\n"
    b"preamble\r\n"
    b"--outer\r\n"
    b"Content-Type: text/plain\r\n\r\n"
    b"first\r\n"
    b"--outer  \r\n"
    b"Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
    b"--inner\r\n\r\nplain\r\n"
    b"--inner\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
    b"--inner--\r\n"
    b"\r\n"
    b"--outer\r\n"
    b"Content-Type: message/rfc822\r\n\r\n"
    b"Subject: inner\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
    b"--x\r\n\r\nA\r\n--x\r\n\r\nB\r\n--x--\r\n"
    b"--outer--\r\n"
    b"epilogue\r\n"
)


def test_headers_keep_their_exact_bytes_and_unfold_for_reading():
    e = rawmime.parse_entity(MSG)
    assert [h.name for h in e.headers] == ["From", "Subject", "Content-Type"]
    assert e.headers[1].raw == b"Subject: a long\r\n  folded subject\r\n"
    assert e.get("subject") == "a long  folded subject"
    assert e.content_type == "multipart/mixed"
    assert e.param("boundary") == "outer"
    assert e.to_bytes() == MSG
    assert e.eol == b"\r\n"
    assert MSG[e.body_offset:] == e.body


def test_entities_without_header_block_or_separator():
    bare = rawmime.parse_entity(b"\x30\x80\x06\x09just bytes")
    assert not bare.has_header_block and bare.body == b"\x30\x80\x06\x09just bytes"
    empty_headers = rawmime.parse_entity(b"\nbody\n")
    assert empty_headers.has_header_block and empty_headers.headers == []
    assert empty_headers.body == b"body\n" and empty_headers.eol == b"\n"
    no_blank = rawmime.parse_entity(b"Subject: x\nthis line is body\n")
    assert [h.name for h in no_blank.headers] == ["Subject"]
    assert no_blank.body == b"this line is body\n"
    only_headers = rawmime.parse_entity(b"Content-Type: text/plain\r\n")
    assert only_headers.body == b"" and only_headers.separator == b""


def test_parameters_filename_and_rfc2231():
    e = rawmime.parse_entity(
        b"Content-Type: application/octet-stream; name=\"smime.p7m\"\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''r%C3%A5d.pdf.p7m\r\n\r\n"
    )
    assert e.filename == "råd.pdf.p7m"
    e2 = rawmime.parse_entity(b"Content-Type: application/octet-stream; name=smime.p7m\r\n\r\n")
    assert e2.filename == "smime.p7m"
    assert rawmime.parse_entity(b"Subject: x\r\n\r\n").content_type == "text/plain"
    outlook = rawmime.parse_entity(
        b'Content-Type: application/octet-stream; name="=?utf-8?B?csOlZC5wN20=?="\r\n\r\n'
    )
    assert outlook.filename == "råd.p7m"


def test_split_multipart_spans_exclude_the_line_end_before_a_delimiter():
    body = b"pre\r\n--b\r\nA\r\n--b \t\r\nB\nB2\n--b--\r\nepi"
    mp = rawmime.split_multipart(body, "b")
    assert mp.closed
    assert [body[s:e] for s, e in mp.parts] == [b"A", b"B\nB2"]
    # a line that merely starts with the boundary is not a delimiter
    mp2 = rawmime.split_multipart(b"--b\r\nx\r\n--bc\r\ny\r\n--b--", "b")
    assert len(mp2.parts) == 1


def test_split_multipart_without_close_delimiter_runs_to_the_end():
    mp = rawmime.split_multipart(b"--b\r\nA\r\n--b\r\nB truncated", "b")
    assert not mp.closed
    assert mp.parts[-1][1] == len(b"--b\r\nA\r\n--b\r\nB truncated")


def _split_by_regex(body: bytes, boundary: str) -> tuple:
    """The delimiter rule of RFC 2046 as a regular expression: the reference."""
    import re

    token = b"--" + boundary.encode("utf-8", "replace")
    parts, start, closed = [], None, False
    for m in re.finditer(rb"^" + re.escape(token) + rb"(--)?[ \t]*(\r?\n|$)", body, re.M):
        if start is not None:
            end = m.start()
            if end > 0 and body[end - 1:end] == b"\n":
                end -= 2 if end > 1 and body[end - 2:end - 1] == b"\r" else 1
            parts.append((start, max(end, start)))
        if m.group(1):
            closed, start = True, None
            break
        start = m.end()
    if start is not None:
        parts.append((start, len(body)))
    return tuple(parts), closed


def test_split_multipart_agrees_with_the_delimiter_rule_on_random_bodies():
    import random

    rng = random.Random(2046)
    pieces = [b"--b", b"--b--", b"--bc", b"-", b"b", b"x", b" ", b"\t", b"\r", b"\n",
              b"\r\n", b"--", b"text", b"\n--b\n", b"\r\n--b--\r\n"]
    for _ in range(5000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        mp = rawmime.split_multipart(body, "b")
        assert (mp.parts, mp.closed) == _split_by_regex(body, "b"), body


def test_walk_paths_follow_imap_numbering():
    refs = {r.path: r for r in rawmime.walk(MSG) if not r.encapsulated}
    enc = [r for r in rawmime.walk(MSG) if r.encapsulated]
    assert sorted(refs) == ["", "1", "2", "2.1", "2.2", "3", "3.1", "3.2"]
    assert MSG[refs["1"].start:refs["1"].end] == b"Content-Type: text/plain\r\n\r\nfirst"
    assert MSG[refs["2.2"].start:refs["2.2"].end].endswith(b"<p>html</p>")
    assert len(enc) == 1 and enc[0].path == "3"
    assert MSG[enc[0].start:enc[0].end].startswith(b"Subject: inner")
    assert MSG[refs["3.2"].start:refs["3.2"].end] == b"\r\nB"


def test_replace_span_rebuilds_byte_exactly():
    ref = next(r for r in rawmime.walk(MSG) if r.path == "2.1")
    out = rawmime.replace_span(MSG, ref.start, ref.end, b"Content-Type: text/plain\r\n\r\nnew")
    assert out.replace(b"\r\n\r\nnew", b"\r\n\r\nplain") == MSG.replace(
        b"--inner\r\n\r\nplain", b"--inner\r\nContent-Type: text/plain\r\n\r\nplain"
    )
    parsed = email.message_from_bytes(out, policy=email.policy.default)
    assert [p.get_content().strip() for p in parsed.walk() if not p.is_multipart()][:2] == [
        "first", "new"
    ]


def test_decode_body_transfer_encodings():
    def ent(cte: str, body: bytes):
        return rawmime.parse_entity(f"Content-Transfer-Encoding: {cte}\r\n\r\n".encode() + body)

    assert rawmime.decode_body(ent("base64", b"aGVq\r\nIG1l\r\nZA==\r\n")) == b"hej med"
    assert rawmime.decode_body(ent("quoted-printable", b"a=3D=C3=A6=\r\nb")) == b"a=\xc3\xa6b"
    assert rawmime.decode_body(ent("binary", b"\x00\r\n\x01")) == b"\x00\r\n\x01"
    with pytest.raises(MalformedMessageError, match="base64"):
        rawmime.decode_body(ent("base64", b"aGVqIG1lZ"))
    with pytest.raises(MalformedMessageError, match="x-foo"):
        rawmime.decode_body(ent("x-foo", b"abc"))


def test_line_endings_are_converted_except_inside_binary_bodies():
    binary = b"Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: binary\r\n\r\n"
    payload = b"\x30\x0a\r\n\x0a\x00"
    data = multipart("mixed", [b"Content-Type: text/plain\r\n\r\nline1\r\nline2", binary + payload])
    lf = rawmime.to_line_ending(data, b"\n")
    assert b"\r\n" not in lf.replace(payload, b"")
    assert payload in lf
    assert rawmime.to_line_ending(lf, b"\r\n") == data
    assert rawmime.to_line_ending(data, b"\r\n") is data  # already consistent: untouched
    assert rawmime.canonicalize_crlf(b"a\nb\r\nc\n") == b"a\r\nb\r\nc\r\n"


def test_nesting_limit_stops_descending_and_is_reported():
    data = b"Content-Type: text/plain\r\n\r\nx"
    for n in range(rawmime.MAX_NESTING + 2):
        data = multipart("mixed", [data], boundary=f"b{n}")
    refs = list(rawmime.walk(data))
    assert len(refs) == rawmime.MAX_NESTING + 1  # not descended past the limit
    deep = [r for r in refs if r.too_deep]
    assert [len(r.path.split(".")) for r in deep] == [rawmime.MAX_NESTING]
    [(path, text)] = structure.structure_defects(data)
    assert path == deep[0].path and "nested more than 40 levels deep" in text


def test_line_endings_and_base64_cleaning_agree_with_their_regular_expressions():
    import random
    import re

    rng = random.Random(5751)
    pieces = [b"\r", b"\n", b"\r\n", b"a", b" ", b"\t", b"=", b"+/", b"\xff", b"QUJD"]
    for _ in range(3000):
        data = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert rawmime.canonicalize_crlf(data) == re.sub(rb"\r?\n", b"\r\n", data), data
        assert rawmime._with_line_ending(data, b"\n") == re.sub(rb"\r?\n", b"\n", data), data
        assert data.translate(None, rawmime.NOT_BASE64) == re.sub(
            rb"[^A-Za-z0-9+/=]", b"", data), data
