"""The Danish catalogue is complete and consistent with the code."""

from __future__ import annotations

import re

from scripts.i18n import extract
from smime_archiver import i18n
from smime_archiver.i18n import _, load_po, po_path

_FIELDS = re.compile(r"\{(\w*)\}|%\(\w+\)[rsd]|%[sdr]")


def test_every_core_string_is_translated_to_danish():
    catalog = load_po(po_path("da"))
    missing = [m for m in extract() if not catalog.get(m)]
    assert missing == [], f"{len(missing)} untranslated, e.g. {missing[:5]}"


def test_translations_keep_every_placeholder():
    catalog = load_po(po_path("da"))
    wrong = [
        (msgid, msgstr)
        for msgid, msgstr in catalog.items()
        if sorted(_FIELDS.findall(msgid)) != sorted(_FIELDS.findall(msgstr))
    ]
    assert wrong == []


def test_switching_language():
    assert i18n.set_language("da") == "da"
    assert _("Decrypted") == "Dekrypteret"
    assert i18n.set_language("en") == "en"
    assert _("Decrypted") == "Decrypted"
    assert i18n.set_language("xx") == "en"


def test_language_detection(monkeypatch):
    for var in ("SMIME_ARCHIVER_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "da_DK.UTF-8")
    assert i18n.detect_language() == "da"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert i18n.detect_language() == "en"
    monkeypatch.setenv("LANGUAGE", "nb:en")
    assert i18n.detect_language() == "da"


def test_po_reader_handles_multiline_escapes_and_fuzzy(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr "Language: da\\n"\n\n'
        'msgid "one {x}"\nmsgstr ""\n"en \\"{x}\\"\\n"\n"to"\n\n'
        '#, fuzzy\nmsgid "fuzzy"\nmsgstr "uklar"\n\n'
        'msgid "empty"\nmsgstr ""\n',
        encoding="utf-8",
    )
    assert load_po(po) == {"one {x}": 'en "{x}"\nto'}
