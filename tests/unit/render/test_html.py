"""HTML bodies: structure kept, nothing remote fetched, hostile markup survived."""

from __future__ import annotations

import re
import socket

import pikepdf
import pytest

from tests.unit.render import samples


def _html_message(html: str) -> bytes:
    return ("From: a@example.dk\r\nSubject: html\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/html; charset=utf-8\r\n\r\n" + html).encode()


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the renderer tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_newsletter_structure(render, no_network):
    rendered = render(samples.newsletter())
    text = rendered.text(layout=True)
    flat = " ".join(text.split())
    for expected in ("Nyhedsbrev fra Borgerservice", "Kære borger, her er månedens vigtigste",
                     "vores hjemmeside (https://borger.example.dk/nyt)",
                     "1. Selvangivelse: 1. maj", "2. Ejendomsskat: 1. juli",
                     "◦ første rate", "Ydelse", "627 kr.", "Fornyelse",
                     "Ordentlig service er vores mål.", "Ubalanceret markup fortsætter",
                     "usynlig hvid tekst", "post@example.dk"):
        assert expected in flat, expected
    # <pre> keeps its columns
    assert re.search(r"^ +01 +Ærø$", text, re.M)
    # scripts, styles, titles and frames are gone
    assert "alert" not in flat and "font-family" not in flat and "evil.example.com" not in flat


def test_remote_content_is_never_fetched_and_is_named(render, no_network):
    rendered = render(samples.newsletter())
    flat = " ".join(rendered.text().split())
    assert "Remote picture not loaded: Sommerbanner (cdn.example.com)" in flat
    assert "refers to 4 items on the internet" in flat
    assert "tracker.example.com" not in flat  # a 1x1 tracking pixel gets no placeholder


def test_cid_image_is_drawn_not_listed_again(render):
    rendered = render(samples.newsletter())
    with pikepdf.open(rendered.path) as pdf:
        images = [x for page in pdf.pages for x in page.get_images().values()]
    assert len(images) == 1
    assert images[0].ColorSpace == "/DeviceRGB"
    assert "Pictures" not in rendered.text()


def test_links_show_their_url_and_mailto_address(render):
    html = ('<p><a href="https://example.dk/a?x=1&amp;y=2">klik her</a> · '
            '<a href="https://example.dk/same">https://example.dk/same</a> · '
            '<a href="mailto:post@example.dk">skriv til os</a> · '
            '<a href="javascript:alert(1)">farlig</a></p>')
    flat = " ".join(render(_html_message(html)).text().split())
    assert "klik her (https://example.dk/a?x=1&y=2)" in flat
    assert "https://example.dk/same ·" in flat
    assert "skriv til os (post@example.dk)" in flat
    assert "farlig" in flat and "javascript" not in flat


def test_nested_tables_and_layout_tables(render):
    inner = "<table border=1><tr><td>indre A</td><td>indre B</td></tr></table>"
    html = ("<table><tr><td><table width=600><tr><td>venstre " + inner + "</td>"
            "<td>højre</td></tr></table></td></tr></table>")
    flat = " ".join(render(_html_message(html)).text().split())
    for expected in ("venstre", "indre A", "indre B", "højre"):
        assert expected in flat


def test_hostile_html_degrades_gracefully(render):
    deep = "<div>" * 5000 + "dybt nede" + "</div>" * 10
    rows = "".join(f"<tr><td>række {i}</td><td>{'x' * 50}</td></tr>" for i in range(1600))
    unclosed = "<table><tr><td><b><i><u>ulukket <p>afsnit <li>punkt <table><td>celle"
    huge_cell = "<table><tr><td>" + "lang celle " * 8000 + "</td><td>b</td></tr></table>"
    for html, expected in ((deep, "dybt nede"), ("<table>" + rows + "</table>", "række 1599"),
                           (unclosed, "celle"), (huge_cell, "lang celle")):
        flat = " ".join(render(_html_message(html)).text().split())
        assert expected in flat


def test_alternative_shows_html_and_keeps_plain_for_the_gui(render):
    rendered = render(samples.newsletter())
    assert [p.kind for p in rendered.view.parts] == ["html"]
    assert rendered.view.body_text.strip() == "Nyhedsbrev fra Borgerservice (tekstudgave)"
    assert "(tekstudgave)" not in rendered.text()


def test_rtl_html_paragraph(render):
    flat = render(_html_message('<p dir="rtl">שלום עולם</p><p>Hej</p>')).text()
    assert "שלום עולם" in flat and "Hej" in flat


def test_layout_failure_falls_back_to_simpler_layouts(render, monkeypatch):
    from smime_archiver.render import story

    real = story.html_flowables
    calls = []

    def failing(html, attachments, width, *, simple=False):
        calls.append(simple)
        if not simple:
            raise ValueError("cannot split this table")
        return real(html, attachments, width, simple=simple)

    monkeypatch.setattr(story, "html_flowables", failing)
    flat = " ".join(render(samples.newsletter()).text().split())
    assert calls == [False, True]
    assert "its tables are shown as plain lines" in flat
    assert "Nyhedsbrev fra Borgerservice" in flat and "627 kr." in flat

    def always_failing(html, attachments, width, *, simple=False):
        raise ValueError("nothing works")

    monkeypatch.setattr(story, "html_flowables", always_failing)
    flat = " ".join(render(samples.newsletter()).text().split())
    assert "shown as plain text" in flat and "Nyhedsbrev fra Borgerservice" in flat
