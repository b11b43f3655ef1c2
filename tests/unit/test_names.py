"""The one strict file-name sanitizer, for every name the program writes.

PDF/.eml stems (``pdf_basename``), folders (``OutputLayout``) and attachments
(``safe_attachment_name``) all go through ``safe_name``: each rule is checked on each
way in, since the sender and subject are chosen by whoever wrote the mail.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import unicodedata
from pathlib import Path

import pytest

from smime_archiver.archive.layout import NameReserver, OutputLayout
from smime_archiver.archive.names import (
    NAME_MAX_BYTES,
    is_reserved,
    pdf_basename,
    safe_attachment_name,
    safe_component,
    safe_name,
)
from smime_archiver.model import RawMail

BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # embeddings, overrides, pop
        "\u2066", "\u2067", "\u2068", "\u2069",  # isolates
        "\u200e", "\u200f", "\u061c"]  # marks
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"]
WHEN = dt.datetime(2013, 3, 4, 9, 15)


def every_way(text: str) -> list[str]:
    """``text`` as a PDF stem's subject and sender, a folder name and an attachment name."""
    root = Path(tempfile.gettempdir())  # a folder given as input: its mailboxes' folders
    layout = OutputLayout([str(root)])
    folder = layout.folder_for(RawMail(f"{root}/{text}.mbox", b"x", index=0, locator="#0@0"))
    return [safe_component(text), safe_attachment_name(text),
            pdf_basename(WHEN, "a@b.dk", text).removeprefix("2013-03-04_0915_a@b.dk_"),
            pdf_basename(WHEN, f'"{text}" <a@b.dk>', "s").removeprefix("2013-03-04_0915_")
            .removesuffix("_s"),
            folder.removeprefix(f"{root.name}/")]


@pytest.mark.parametrize("char", BIDI + ZERO_WIDTH)
def test_bidi_controls_and_zero_width_characters_are_dropped_everywhere(char):
    for name in every_way(f"invoice{char}fdp.exe"):
        assert name == "invoicefdp.exe", (repr(char), name)


def test_a_right_to_left_override_cannot_disguise_a_pdf_name():
    name = pdf_basename(WHEN, '"Bank\u202e" <x@bank.dk>', "faktura\u202efdp.exe")
    assert name == "2013-03-04_0915_Bank_fakturafdp.exe"
    assert not any(unicodedata.category(c) == "Cf" for c in name)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\t", "\n", "\x1b", "\x7f", "\x85", "\x9b"])
def test_control_characters_become_underscores(char):
    for name in every_way(f"a{char}b"):
        assert name == "a_b", (repr(char), name)


@pytest.mark.parametrize("name", [
    "CON", "con", "PRN", "aux", "NUL", "nul.txt", "NUL.tar.gz", "con .txt", "Con  . txt",
    "COM0", "COM1", "com9.log", "LPT1", "lpt9", "COM¹", "com².txt", "LPT³", "lpt¹.pdf",
    "CONIN$", "conin$", "CONOUT$", "conout$.log",
])
def test_windows_device_names_get_a_leading_underscore_everywhere(name):
    assert is_reserved(name)
    for safe in every_way(name)[:2] + every_way(name)[-1:]:
        assert safe.startswith("_") and not is_reserved(safe), (name, safe)


@pytest.mark.parametrize("name", ["CONSOLE", "COM10", "conin", "LPT", "NULL.txt", "xCON",
                                  "COM⁴", "AUX_"])
def test_names_that_only_look_like_devices_are_kept(name):
    assert not is_reserved(name)
    assert safe_component(name) == name


@pytest.mark.parametrize(("text", "expected"), [
    ("report. . .", "report"), ("report...  ", "report"), ("  .hidden", "hidden"),
    ("x.", "x"), ("x ", "x"),
])
def test_leading_and_trailing_dots_and_spaces_go(text, expected):
    assert safe_component(text) == expected
    assert safe_attachment_name(text) == expected


def test_an_attachment_stem_loses_its_trailing_dots_and_spaces_before_the_extension():
    assert safe_attachment_name("faktura .pdf") == "faktura.pdf"
    assert safe_attachment_name("faktura. .pdf") == "faktura.pdf"


def test_no_name_is_longer_than_255_bytes_and_none_is_cut_inside_a_character():
    for text in ("ø" * 400, "合" * 400, "😀" * 400, "a" * 1000):
        name = safe_name(text, max_bytes=10_000)
        assert len(name.encode("utf-8")) <= NAME_MAX_BYTES
        assert text.startswith(name)  # whole characters only
        assert len(name.encode("utf-8")) > NAME_MAX_BYTES - 4  # and no more cut than needed
    long = safe_attachment_name("合" * 400 + ".pdf", max_bytes=10_000)
    assert long.endswith(".pdf") and len(long.encode("utf-8")) <= NAME_MAX_BYTES


def test_a_letter_and_its_combining_accent_are_not_parted():
    # q with an acute accent has no precomposed form: three bytes that belong together
    text = "q\u0301" * 10
    name = safe_name(text, max_bytes=10)
    assert name == "q\u0301" * 3  # 9 bytes, not "q\u0301q\u0301q\u0301q" (10 bytes)


def test_a_lone_surrogate_cannot_break_the_encoding():
    name = safe_component("a\udcffb")
    assert name == "a_b" and name.encode("utf-8")


def test_nfc_and_nfd_twins_map_to_one_name_and_the_layout_tells_them_apart(tmp_path):
    nfc = unicodedata.normalize("NFC", "Årsopgørelse")
    nfd = unicodedata.normalize("NFD", "Årsopgørelse")
    assert nfc != nfd
    assert set(every_way(nfc)) == set(every_way(nfd)) == {nfc}
    names = NameReserver(tmp_path)
    first = names.reserve("", pdf_basename(WHEN, "a@b.dk", nfc))
    second = names.reserve("", pdf_basename(WHEN, "a@b.dk", nfd))
    assert (first, second) == (f"2013-03-04_0915_a@b.dk_{nfc}",
                               f"2013-03-04_0915_a@b.dk_{nfc}_2")


def test_long_nfd_twins_are_cut_after_the_same_letters():
    subject = "Årsopgørelse for ændringer i året " * 4  # longer than the 80 letters kept
    sender = '"Søren Ærø Åberg Østergård Ødegård Ærtebølle" <s@x.dk>'  # over 40
    nfc = pdf_basename(WHEN, unicodedata.normalize("NFC", sender),
                       unicodedata.normalize("NFC", subject))
    nfd = pdf_basename(WHEN, unicodedata.normalize("NFD", sender),
                       unicodedata.normalize("NFD", subject))
    assert nfd == nfc


def test_a_dropped_character_between_a_letter_and_its_accent_still_gives_nfc():
    assert safe_component("A\u200b\u030arhus") == "Århus"


def test_letters_of_every_script_are_kept():
    for text in ("Årsopgørelse", "Σύμβαση", "合同", "שלום", "договор"):
        assert every_way(text) == [text] * 5
