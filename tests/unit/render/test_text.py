"""Plain-text bodies: format=flowed, wrapping, quotes, monospace, charsets."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP

import pytest

from tests.unit.render import samples


def _message(body: bytes, content_type: str) -> bytes:
    return (b"From: a@example.dk\r\nSubject: t\r\nMIME-Version: 1.0\r\nContent-Type: "
            + content_type.encode() + b"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body)


def test_format_flowed_is_joined_and_quotes_kept(render):
    rendered = render(samples.flowed_latin1())
    text = " ".join(rendered.text().split())
    assert "Dette er en lang linje der er brudt op af mailprogrammet men som hører sammen i et " \
           "afsnit." in text
    assert "Citeret tekst som også er brudt op." in text
    assert rendered.view.parts[0].text.startswith("Dette er en lang linje der er brudt op af "
                                                  "mailprogrammet men som hører sammen")


def test_long_lines_wrap_and_nothing_is_lost(render):
    word = "x" * 900
    sentence = " ".join(f"ord{i}" for i in range(400))
    rendered = render(_message(f"{word}\n{sentence}\n".encode(), "text/plain; charset=utf-8"))
    text = rendered.text()
    assert word in "".join(text.split())
    words = text.split()
    positions = [words.index(f"ord{i}") for i in range(400)]
    assert positions == sorted(positions)


def test_quoted_replies_and_aligned_blocks(render):
    rendered = render(samples.plain_letter())
    layout = rendered.text(layout=True)
    assert "Hej Skat, jeg mangler min årsopgørelse" in layout
    assert "Tidligere citat fra en ældre e-mail" in layout
    # the tab-aligned table is set in monospace with its columns kept apart
    assert "Renter" in layout and "234,50 kr." in layout
    with open(rendered.path, "rb") as fh:
        assert b"DejaVuSansMono" in fh.read()


@pytest.mark.parametrize(
    ("body", "charset"),
    [
        ("Blåbærgrød, Ærø og Øresund — “citat” €".encode(), "utf-8"),
        ("Blåbærgrød, Ærø og Øresund".encode("iso-8859-1"), "iso-8859-1"),
        ("Blåbærgrød, Ærø og Øresund — “citat” €".encode("windows-1252"), "windows-1252"),
        # wrongly declared: UTF-8 labelled Latin-1, cp1252 labelled UTF-8, unknown label
        ("Blåbærgrød, Ærø og Øresund — “citat” €".encode(), "iso-8859-1"),
        ("Blåbærgrød, Ærø og Øresund — “citat” €".encode("windows-1252"), "utf-8"),
        ("Blåbærgrød, Ærø og Øresund".encode(), "x-no-such-charset"),
    ],
)
def test_charsets(render, body, charset):
    text = render(_message(body + b"\r\n", f"text/plain; charset={charset}")).text()
    assert "Blåbærgrød, Ærø og Øresund" in text
    if "€" in body.decode("utf-8", "ignore") or charset == "windows-1252":
        assert "“citat” €" in text


def test_html_only_mail_gets_a_text_body_for_the_gui():
    from smime_archiver.mime import parse_message

    msg = EmailMessage()
    msg["Subject"] = "x"
    msg.set_content("<p>Hej <b>med</b> dig</p>", subtype="html")
    view = parse_message(msg.as_bytes(policy=SMTP))
    assert view.body_text == "Hej med dig"
    assert [p.kind for p in view.parts] == ["html"]


def test_giant_bodies_and_headers_stay_linear_and_complete(render):
    # thousands of recipients continue on the next page instead of failing the layout
    to = ", ".join(f"p{i}@example.dk" for i in range(1500))
    raw = f"Subject: mange\r\nTo: {to}\r\n\r\nkort tekst".encode()
    flat = " ".join(render(raw).text().split())
    assert "p0@example.dk" in flat and "p1499@example.dk" in flat and "kort tekst" in flat
    # one line of 100 000 characters without a space, and an aligned block of 40 000
    raw = (b"Subject: lang\r\nContent-Type: text/plain\r\n\r\n" + b"a" * 100_000 + b"\r\n\r\n"
           + b"x\t" * 5000 + b"\r\n")
    text = render(raw).text()
    body = [line for line in text.splitlines()
            if "Source:" not in line and not line.startswith("page ")]
    squeezed = "".join("".join(body).split())
    assert "a" * 100_000 in squeezed
    assert squeezed.count("x") >= 5000
