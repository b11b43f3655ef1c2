"""scripts/ts2qm.py, the wheel's .ts -> .qm compiler, writes what Qt's lrelease writes.

Compared byte for byte with ``pyside6-lrelease`` (from the PySide6 the tests run on) on the
real catalogue and on one made of every kind of entry a .ts can hold, and loaded into a
real QTranslator.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.ts2qm import CatalogError, compile_ts, elf_hash
from smime_archiver.resources import resource_path

EDGE_TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="da_DK">
<context>
    <name>Zeta</name>
    <message>
        <source>Open</source>
        <comment>menu</comment>
        <translation>Åbn (menu)</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Åbn</translation>
    </message>
    <message>
        <source>Close</source>
        <comment>a comment nothing else needs</comment>
        <translation>Luk</translation>
    </message>
    <message>
        <source>Unfinished but translated &amp; &lt;b&gt;</source>
        <translation type="unfinished">Ufærdig &quot;men&quot; oversat</translation>
    </message>
    <message>
        <source>Unfinished empty</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gone</source>
        <translation type="obsolete">Væk</translation>
    </message>
    <message>
        <source>Vanished</source>
        <translation type="vanished">Forsvundet</translation>
    </message>
</context>
<context>
    <name>Alpha</name>
    <message numerus="yes">
        <source>%n message(s)</source>
        <translation>
            <numerusform>%n besked</numerusform>
            <numerusform>%n beskeder</numerusform>
        </translation>
    </message>
    <message>
        <source>Tab<byte value="x9"/>and bell<byte value="7"/> \U0001F600 emoji</source>
        <translation>Tab<byte value="x9"/>og klokke \U0001F600</translation>
    </message>
    <message>
        <source>Empty finished</source>
        <translation></translation>
    </message>
    <message>
        <source>No translation element</source>
    </message>
    <message>
        <source>Multi
line  source</source>
        <translation>Flere
linjer</translation>
    </message>
    <message>
        <source>Variants</source>
        <translation variants="yes">
            <lengthvariant>Lang variant</lengthvariant>
            <lengthvariant>Kort</lengthvariant>
        </translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Åbn alfa</translation>
    </message>
</context>
<context>
    <name></name>
    <message>
        <source>No context</source>
        <comment>with comment</comment>
        <translation>Ingen kontekst</translation>
    </message>
</context>
</TS>
"""


def lrelease(ts: Path, qm: Path) -> bytes:
    tool = shutil.which("pyside6-lrelease") or str(Path(sys.executable).with_name(
        "pyside6-lrelease"))
    subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True, timeout=60)
    return qm.read_bytes()


@pytest.fixture
def edge_ts(tmp_path) -> Path:
    path = tmp_path / "edge_da.ts"
    path.write_text(EDGE_TS, encoding="utf-8")
    return path


def test_real_catalogue_same_bytes_as_lrelease(tmp_path):
    ts = resource_path("translations", "gui_da.ts")
    compile_ts(ts, tmp_path / "ours.qm")
    assert (tmp_path / "ours.qm").read_bytes() == lrelease(ts, tmp_path / "qt.qm")


def test_every_kind_of_entry_same_bytes_as_lrelease(edge_ts, tmp_path):
    compile_ts(edge_ts, tmp_path / "ours.qm")
    assert (tmp_path / "ours.qm").read_bytes() == lrelease(edge_ts, tmp_path / "qt.qm")
    empty = tmp_path / "empty_da.ts"
    empty.write_text('<?xml version="1.0" encoding="utf-8"?>\n<TS version="2.1" '
                     'language="da"></TS>\n', encoding="utf-8")
    compile_ts(empty, tmp_path / "empty.qm")
    assert (tmp_path / "empty.qm").read_bytes() == lrelease(empty, tmp_path / "empty-qt.qm")


def test_qtranslator_reads_it(qapp, edge_ts, tmp_path):
    from PySide6.QtCore import QTranslator

    compile_ts(edge_ts, tmp_path / "edge_da.qm")
    tr = QTranslator()
    assert tr.load(str(tmp_path / "edge_da.qm"))
    assert tr.language() == "da_DK"
    assert tr.translate("Zeta", "Open", "menu") == "Åbn (menu)"
    assert tr.translate("Zeta", "Open") == "Åbn"
    assert tr.translate("Alpha", "Open") == "Åbn alfa"
    assert tr.translate("Zeta", "Close", "a comment nothing else needs") == "Luk"
    assert tr.translate("Alpha", "%n message(s)", None, 1) == "%n besked"
    assert tr.translate("Alpha", "%n message(s)", None, 5) == "%n beskeder"
    assert (tr.translate("Alpha", "Tab\tand bell\x07 \U0001F600 emoji")
            == "Tab\tog klokke \U0001F600")
    assert tr.translate("Zeta", "Gone") == ""  # obsolete: not in the catalogue
    assert tr.translate("Zeta", "Unfinished but translated & <b>") == 'Ufærdig "men" oversat'


def test_elf_hash_known_values():
    assert elf_hash(b"") == 1  # never 0
    assert elf_hash(b"a") == 0x61
    assert elf_hash(b"ab\x00cd") == elf_hash(b"ab")  # stops at NUL, as Qt's does


def test_unknown_language_is_refused(tmp_path):
    ts = tmp_path / "x.ts"
    ts.write_text('<?xml version="1.0"?><TS version="2.1" language="pl_PL"></TS>',
                  encoding="utf-8")
    with pytest.raises(CatalogError, match="no plural rules known for language 'pl_PL'"):
        compile_ts(ts, tmp_path / "x.qm")
    assert not (tmp_path / "x.qm").exists()
    ts.write_text("<TS><context>", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"not a readable \.ts file"):
        compile_ts(ts, tmp_path / "x.qm")
