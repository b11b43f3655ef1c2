"""Plain-text bodies: format=flowed, wrapping, quotes, monospace, charsets."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.policy import SMTP

import pikepdf
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
    from smime_archiver.mime.message import parse_message

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


# --- every character of the text is in the PDF ----------------------------------------------

FIDELITY_TEXT = """Hej Søren

>From the archive of 2012: the letter is enclosed.
Prices:
> 50 kr. is the limit
>> 100 kr. needs a signature
< 10 kr. is free, and 5 > 3 holds

Den 4. marts 2013 skrev Søren:
> Hej Skat, jeg mangler min årsopgørelse for 2012.
>
> Kan I sende den igen?
>> Tidligere citat
> > spaced nesting
>>>
>From inside a quote is part of the quote
>    indented code in a quote	with a tab
> a long quoted line that must wrap because it is far wider than the column of the page \
is, so the second half lands on a line of its own without its marks
=> arrow
->also >>> here
Med venlig hilsen
Birthe
"""


def _flat(text: str) -> str:
    return "".join(text.replace("↪", "").split())


def test_every_character_of_a_plain_text_body_is_in_the_pdf_text(render):
    rendered = render(_message(FIDELITY_TEXT.encode(), "text/plain; charset=utf-8"))
    text = rendered.text()
    assert _flat(FIDELITY_TEXT) in _flat(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for line in (">From the archive of 2012: the letter is enclosed.", "> 50 kr. is the limit",
                 ">> 100 kr. needs a signature", ">", ">>>", "> > spaced nesting",
                 ">From inside a quote is part of the quote"):
        assert line in lines, line


def test_quote_marks_stay_and_bars_are_drawn(render):
    """The bars are drawn as before (one per level), the marks are text beside them."""
    from smime_archiver.render.text import quote_depths

    lines = FIDELITY_TEXT.split("\n")
    depths = dict(zip(lines, quote_depths(lines), strict=True))
    assert depths[">From the archive of 2012: the letter is enclosed."] == 0  # mbox's escape
    assert depths[">From inside a quote is part of the quote"] == 1
    assert depths["> 50 kr. is the limit"] == 1 and depths[">> 100 kr. needs a signature"] == 2
    assert depths["> > spaced nesting"] == 2 and depths[">>>"] == 3
    assert depths["=> arrow"] == 0 and depths["< 10 kr. is free, and 5 > 3 holds"] == 0
    rendered = render(_message(FIDELITY_TEXT.encode(), "text/plain; charset=utf-8"))
    with pikepdf.open(rendered.path) as pdf:
        content = b"".join(page.obj.Contents.read_bytes() for page in pdf.pages)
    bars = re.findall(rb"\.603922 \.627451 \.65098 RG\n1\.2 w\n((?:n [-\d. ]+ m [-\d. ]+ l S\n)+)",
                      content)
    # one bar per level for each block of one level: 1, 2, then 1, 2, 3, 1 (the >From line
    # outside a quote has none)
    assert sorted(b.count(b" l S") for b in bars) == [1, 1, 1, 2, 2, 3]


def test_flowed_quotes_keep_their_marks(render):
    text = render(samples.flowed_latin1()).text()
    assert "> Citeret tekst som også er brudt op." in " ".join(text.split())
