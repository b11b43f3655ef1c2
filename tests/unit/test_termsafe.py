"""termsafe: every control character from input escaped, our own line structure kept."""

from __future__ import annotations

import io
import json
import logging

import pytest

from smime_archiver.termsafe import SafeFormatter, field, json_shown, shown

HOSTILE = ["\x1b]52;c;ZXZpbA==\x07", "\x1b[2J", "\x9b31m", "\u202eevil", "\x00\x7f",
           "a\u200bb", "\udc9b", "\u2066x\u2069", "\r overwrite"]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_control_character_is_left(text):
    for out in (shown(text), field(text)):
        assert all(c.isprintable() or c in "\n\t" for c in out), repr(out)
        assert "\\" in out


def test_line_structure_kept_by_shown_escaped_by_field():
    assert shown("a\nb\tc") == "a\nb\tc"
    assert field("a\nb\tc") == "a\\x0ab\\x09c"
    assert shown("Søren Ærø – æøå, 日本, emoji 🙂") == "Søren Ærø – æøå, 日本, emoji 🙂"


def test_json_stays_the_same_data():
    data = {"name": "".join(HOSTILE[:-2]) + "\n\\x1b"}
    text = json_shown(json.dumps(data, ensure_ascii=False))
    assert json.loads(text) == data
    assert "\x9b" not in text and "\u202e" not in text


def test_log_lines_carry_no_control_characters_from_arguments():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(SafeFormatter("%(message)s"))
    log = logging.getLogger("termsafe-test")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("file %s: %s", "\x1b]0;title\x07x.eml", "line1\nFAKE: line2")
        try:
            raise ValueError("\x1b[2J boom")
        except ValueError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "\x1b" not in text and "\x07" not in text
    assert "line1\\x0aFAKE: line2" in text  # an argument cannot start a line of its own
    assert "Traceback" in text  # the traceback's own lines stay lines


def test_gui_names_are_escaped_too():
    from smime_archiver.ui.safe_text import shown_name

    assert shown_name("\u202egpj.exe") == "\\u202egpj.exe"


def test_a_signal_inside_a_deferred_block_is_handled_after_it():
    import os
    import signal

    from smime_archiver.interrupts import deferred

    seen: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda *_a: seen.append("handled"))
    try:
        with deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # bytecodes run: a handler would run here
                pass
            seen.append("block done")
        assert seen == ["block done", "handled"]
    finally:
        signal.signal(signal.SIGTERM, previous)
