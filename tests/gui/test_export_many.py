"""A GUI export at real size: 3,000 messages through the real window and its worker.

Every message costs the GUI a few Signal.emit() calls (worker progress, job progress,
the panel's progress); on PySide6 6.12.0 (Python < 3.12) each emit loses a reference
to True and the app aborts after a few thousand, with no report written.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter

import PySide6
import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import (
    PASSWORD_2012,
    add_key,
    headers,
    mbox,
    text_entity,
    true_refs_lost_per_emit,
    with_attachment,
)
from tests.support import tools

COUNT = 3000


@pytest.fixture(scope="module")
def many(world, pki, tmp_path_factory):
    """COUNT messages in one mbox and the status each must end with.

    Each kind of content is encrypted once (openssl) and repeated with its own headers:
    the archiver still decrypts and renders every message on its own.
    """
    me2012 = pki.identity("gui-me-2012")  # made by ``world``: the 2012 key file's identity
    texts = ["Årsopgørelse, 3DES.", "Brev med bilag, AES-256.", "AES-128, kort.",
             "Til Jens.", "Underskrevet.", "Almindelig post, æøå."]
    kinds = [  # (status, body), each body once
        ("decrypted", tools.cms_encrypt(text_entity(texts[0]), [me2012], "des3", smime=True)),
        ("decrypted", tools.cms_encrypt(with_attachment(texts[1], "bilag.txt", b"100 kr.\n"),
                                        [me2012], "aes256", smime=True)),
        ("decrypted", tools.cms_encrypt(text_entity(texts[2]), [me2012], "aes128", smime=True)),
        ("no_key", tools.cms_encrypt(text_entity(texts[3]), [world["other"]], "aes128",
                                     smime=True)),
        ("signed", tools.cms_sign(text_entity(texts[4]), world["me2014"], detached=True)),
        ("plain", b"Content-Type: text/plain; charset=utf-8\n\n" + texts[5].encode() + b"\n"),
    ]
    messages: list[bytes] = []
    expected: dict[str, str] = {}
    body_text: dict[str, str] = {}
    for i in range(COUNT):
        status, body = kinds[i % len(kinds)]
        subject = f"Brev {i:04d} ({status})"
        day, minute = 1 + i % 28, i % 60
        date = f"{day} Mar 2013 10:{minute:02d}:00 +0100"
        messages.append(headers(subject, date) + body)
        expected[subject] = status
        body_text[subject] = texts[i % len(kinds)]
    box = tmp_path_factory.mktemp("gui-many") / "Tre tusind.mbox"
    box.write_bytes(mbox(messages))
    return box, expected, body_text


@pytest.mark.slow
def test_export_3000_messages(qtbot, window, world, many, tmp_path):
    lost = true_refs_lost_per_emit()
    assert lost == 0, (f"PySide6 {PySide6.__version__} loses {lost} reference(s) to True per "
                       "Signal.emit(): this export would abort the interpreter (SIGABRT)")
    box, expected, body_text = many
    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    with qtbot.waitSignal(window.scan_finished, timeout=300_000):
        window.sources.add_sources([str(box)])
    assert window.model.rowCount() == COUNT
    seen: list[int] = []
    window.export_panel.progress_changed.connect(seen.append)
    out = tmp_path / "Arkiv"
    window.export_panel.folder_edit.setText(str(out))
    with qtbot.waitSignal(window.summary_shown, timeout=540_000) as shown:
        qtbot.mouseClick(window.export_panel.export_button, Qt.MouseButton.LeftButton)
    summary = shown.args[0]
    archived = sum(1 for s in expected.values() if s in ("decrypted", "signed", "plain"))
    assert f"Done. {archived} of {COUNT} messages were saved as PDF" \
        in summary.headline.text()
    assert len(seen) == COUNT and seen[-1] == COUNT  # every message's progress reached the UI

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    records = report["messages"]
    assert len(records) == COUNT
    assert {r["subject"]: r["status"] for r in records} == expected
    assert report["summary"]["total"] == COUNT
    assert report["summary"]["archived"] == archived
    pdfs = set()
    for r in records:
        if r["status"] == "no_key":
            assert r["pdf"] is None and r["detail"]
            continue
        pdf = out / r["pdf"]
        assert pdf.read_bytes()[:5] == b"%PDF-", r["subject"]
        pdfs.add(pdf)
    assert len(pdfs) == archived
    assert set(out.rglob("*.pdf")) == pdfs
    by_subject = {r["subject"]: r for r in records}
    for subject in list(expected)[:6]:  # the first message of each kind: its text is drawn
        r = by_subject[subject]
        if expected[subject] == "no_key":
            continue  # no PDF (asserted above)
        text = subprocess.run(["pdftotext", str(out / r["pdf"]), "-"], capture_output=True,
                              check=True).stdout.decode()
        assert body_text[subject] in " ".join(text.split()), subject
    counts = Counter(expected.values())
    assert counts == {"decrypted": 1500, "no_key": 500, "signed": 500, "plain": 500}
