"""The streaming mbox reader: variants, quoting, framing, offsets, damage, memory."""

from __future__ import annotations

import threading
import tracemalloc

import pytest

from smime_archiver.mailbox import describe_locator, iter_messages
from smime_archiver.mailbox.mbox import Quoting, detect_quoting, iter_mbox
from smime_archiver.model import RawMail, SourceProblem
from tests.support import tools
from tests.support.mailbox import TB_ENVELOPE, message, write_mbox

FROM_BODY = ("Hej,\nFrom now on the key is new.\n>From a quoted mbox\n>>From twice quoted\n"
             "From here\n\nFrom the start Mon Jan 13 10:00:00 2014\n")


def _read(path) -> list[RawMail | SourceProblem]:
    return list(iter_messages([path]))


def _mails(items) -> list[RawMail]:
    assert all(isinstance(i, RawMail) for i in items), items
    return items


@pytest.mark.parametrize("crlf", [False, True])
def test_mboxrd_round_trip_keeps_every_from_line(tmp_path, crlf):
    originals = [message("one", FROM_BODY, crlf=crlf), message("two", crlf=crlf),
                 message("three", ">From only\n", crlf=crlf)]
    path = tmp_path / "Inbox.mbox"
    path.write_bytes(write_mbox(originals, "mboxrd", crlf=crlf))
    assert detect_quoting(str(path)) is Quoting.MBOXRD
    mails = _mails(_read(path))
    assert [m.data for m in mails] == originals
    assert [m.index for m in mails] == [0, 1, 2]


def test_offsets_and_locators_point_at_the_from_lines(tmp_path):
    originals = [message(f"m{i}", "x\n" * i) for i in range(5)]
    blob = write_mbox(originals, "mboxrd")
    path = tmp_path / "box"
    path.write_bytes(blob)
    mails = _mails(_read(path))
    for i, m in enumerate(mails):
        assert blob[m.offset : m.offset + 5] == b"From "
        assert m.locator == f"#{i}@{m.offset}"
        assert m.source == str(path)
        assert describe_locator(m) == f"message {i + 1} (byte {m.offset})"
    assert mails[0].offset == 0


def test_mboxo_file_without_evidence_unquotes_single_quote(tmp_path):
    originals = [message("a", "From the desk of Søren\nline\n"), message("b")]
    path = tmp_path / "mboxo"
    path.write_bytes(write_mbox(originals, "mboxo"))
    assert b">From the desk" in path.read_bytes()
    assert detect_quoting(str(path)) is Quoting.MBOXO
    assert [m.data for m in _mails(_read(path))] == originals


def test_unquoting_writer_detected_from_raw_from_line(tmp_path):
    # Thunderbird-style: "From - " envelopes, X-Mozilla headers, nothing quoted, so a body
    # line ">From " is original text and must stay.
    tb = "X-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\n"
    originals = [message("a", "From here on\n>From stays quoted\n", extra_headers=tb),
                 message("b", extra_headers=tb)]
    path = tmp_path / "Inbox"
    path.write_bytes(write_mbox(originals, "none", envelope=TB_ENVELOPE))
    assert detect_quoting(str(path)) is Quoting.NONE
    assert [m.data for m in _mails(_read(path))] == originals


def test_mboxcl2_content_length_frames_envelope_like_body_lines(tmp_path):
    body = "Forwarded:\n\nFrom someone Mon Jan 13 10:00:00 2014\nSubject: inner\n\ntext\n"
    originals = [message("a", body), message("b")]
    path = tmp_path / "cl2.mbox"
    path.write_bytes(write_mbox(originals, "mboxcl2"))
    mails = _mails(_read(path))

    def with_length(msg: bytes) -> bytes:
        head, _sep, rest = msg.partition(b"\n\n")
        return head + b"\nContent-Length: " + str(len(rest)).encode() + b"\n\n" + rest

    assert [m.data for m in mails] == [with_length(o) for o in originals]
    assert mails[0].data.endswith(body.encode())


def test_wrong_content_length_falls_back_to_envelopes(tmp_path):
    blob = write_mbox([message("a", "short\n"), message("b")], "mboxcl2")
    blob = blob.replace(b"Content-Length: 6", b"Content-Length: 2", 1)
    path = tmp_path / "bad-cl"
    path.write_bytes(blob)
    mails = _mails(_read(path))
    assert len(mails) == 2
    assert mails[0].data.endswith(b"short\n")


def test_mboxcl_quoted_with_content_length(tmp_path):
    originals = [message("a", "From my desk\n"), message("b")]
    path = tmp_path / "mutt"
    path.write_bytes(write_mbox(originals, "mboxcl"))
    data = [m.data for m in _mails(_read(path))]
    assert data[0].endswith(b"\n\nFrom my desk\n")


def test_signature_over_from_line_survives_round_trip(tmp_path, pki):
    signer = pki.identity("mbox-signer", cn="Søren Signer")
    content = (b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
               b"From the bank: your key expires.\r\n>From quoted\r\n")
    signed = tools.cms_sign(content, signer, detached=True)
    signed = signed.replace(b"\r\n", b"\n") if b"\r\n" not in content else signed
    original = (b"From: bank@example.dk\nTo: s@example.dk\nSubject: signed\n" + signed)
    path = tmp_path / "signed.mbox"
    path.write_bytes(write_mbox([original, message("after")], "mboxrd"))
    mails = _mails(_read(path))
    assert mails[0].data == original
    tools.openssl("cms", "-verify", "-noverify", "-in", "/dev/stdin", "-inform", "SMIME",
                  input=mails[0].data)


def test_last_message_cut_in_headers_is_a_problem_after_the_others(tmp_path):
    blob = write_mbox([message("a"), message("b")], "mboxrd")
    blob += b"From x@y Mon Jan 13 10:00:00 2014\nFrom: x@y\nSubject: cut"
    path = tmp_path / "cut"
    path.write_bytes(blob)
    items = _read(path)
    assert [type(i) for i in items] == [RawMail, RawMail, SourceProblem]
    problem = items[2]
    assert problem.index == 2 and problem.locator.startswith("#2@")
    assert "headers of message 3" in problem.detail


def test_last_message_cut_in_body_is_kept_with_a_note(tmp_path):
    blob = write_mbox([message("a")], "mboxrd") + write_mbox(
        [message("b", "Line one\nLine two is cu")], "mboxrd").rstrip(b"\n")
    path = tmp_path / "cut-body"
    path.write_bytes(blob)
    mails = _mails(_read(path))
    assert mails[0].note == ""
    assert mails[1].data.endswith(b"Line two is cu")
    assert "may be incomplete" in mails[1].note


def test_last_multipart_without_closing_boundary_gets_a_note(tmp_path):
    body = ("--b1\nContent-Type: text/plain\n\nfirst part\n--b1\nContent-Type: "
            "application/pdf\n\nJVBER\n")
    msg = message("mp", body).replace(b"Content-Type: text/plain; charset=utf-8",
                                      b'Content-Type: multipart/mixed;\n boundary="b1"')
    path = tmp_path / "mp"
    path.write_bytes(write_mbox([msg], "mboxrd"))
    [mail] = _mails(_read(path))
    assert "never closed" in mail.note


def test_empty_message_between_others(tmp_path):
    blob = (write_mbox([message("a")]) + b"From x Mon Jan 13 10:00:00 2014\n\n"
            + write_mbox([message("c")]))
    path = tmp_path / "holes"
    path.write_bytes(blob)
    items = _read(path)
    assert [type(i) for i in items] == [RawMail, SourceProblem, RawMail]
    assert items[1].index == 1 and "empty" in items[1].detail
    assert items[2].index == 2


def test_headers_followed_directly_by_envelope(tmp_path):
    blob = (b"From a Mon Jan 13 10:00:00 2014\nFrom: a@b\nSubject: no body\n"
            b"From b Mon Jan 13 10:00:01 2014\nFrom: b@c\nSubject: two\n\nbody\n")
    path = tmp_path / "nobody"
    path.write_bytes(blob)
    mails = _mails(_read(path))
    assert [m.data for m in mails] == [b"From: a@b\nSubject: no body\n",
                                       b"From: b@c\nSubject: two\n\nbody\n"]


def test_cancel_stops_between_messages(tmp_path):
    path = tmp_path / "many"
    path.write_bytes(write_mbox([message(f"m{i}") for i in range(20)]))
    cancel = threading.Event()
    seen = []
    for item in iter_mbox(str(path), cancel=cancel):
        seen.append(item)
        if len(seen) == 3:
            cancel.set()
    assert len(seen) == 3


def test_memory_stays_flat_while_streaming(tmp_path):
    path = tmp_path / "big.mbox"
    one = message("x", "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n" * 40)
    with open(path, "wb") as f:
        for _i in range(12):
            f.write(write_mbox([one] * 1000))  # ~30 MB in all
    size = path.stat().st_size
    assert size > 25_000_000
    tracemalloc.start()
    count = 0
    try:
        for item in iter_mbox(str(path)):
            assert isinstance(item, RawMail)
            count += 1
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 12_000
    assert peak < 6_000_000, peak  # a few buffers, never the file
