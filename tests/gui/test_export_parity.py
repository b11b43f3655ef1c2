"""The window exports through the core exactly as the CLI does: same report, same PDF names.

The same generated mailbox and key file go once through the window (key typed into the
password dialog, "Save all as PDF") and once through ``cli.main(["export", ...])``; both
runs must archive the same messages with the same statuses under the same file names,
and the window's job must use every CPU with the key ring the panel built.
"""

from __future__ import annotations

import json
from pathlib import Path

from smime_archiver import cli
from smime_archiver.crypto.keys.keyring import KeyRing
from smime_archiver.parallel import default_jobs
from tests.gui.conftest import PASSWORD_2012, add_key, load_mail


def _messages(out: Path) -> list[tuple]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return [(m["subject"], m["status"], m["pdf"], m["locator"]) for m in report["messages"]]


def _pdfs(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf"))


def test_gui_export_matches_the_cli_export(qtbot, window, world, tmp_path, monkeypatch):
    add_key(qtbot, window, world["key2012"], PASSWORD_2012)
    load_mail(qtbot, window, world["box"])
    started = []
    from smime_archiver.ui import worker

    real_run_job = worker.run_job

    def spy(spec, keys, *args, **kwargs):
        started.append((spec, keys))
        return real_run_job(spec, keys, *args, **kwargs)

    monkeypatch.setattr(worker, "run_job", spy)
    gui_out = tmp_path / "fra-vinduet"
    window.export_panel.folder_edit.setText(str(gui_out))
    with qtbot.waitSignal(window.export_finished, timeout=120000) as finished:
        window.start_export()
    assert finished.args[0] is not None and not finished.args[0].cancelled

    (spec, keys), = started
    assert spec.jobs == default_jobs()
    assert spec.start_method == "spawn"  # never fork from the GUI's threads
    assert isinstance(keys, KeyRing) and len(keys) == 1
    # spawned workers (Windows, macOS) can reopen it: the file, and the password typed
    assert keys.reload.files == (str(world["key2012"]),)
    assert list(keys.reload.source(str(world["key2012"]))) == [PASSWORD_2012]

    cli_out = tmp_path / "fra-kommandolinjen"
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD_2012)
    code = cli.main(["export", "-q", "--key", str(world["key2012"]), "--out", str(cli_out),
                     str(world["box"])])
    assert code == cli.EXIT_INCOMPLETE  # the mailbox holds mail for other keys, as planned

    gui, via_cli = _messages(gui_out), _messages(cli_out)
    assert len(gui) == 7 and gui == via_cli
    assert {status for _s, status, _p, _l in gui} >= {"decrypted", "signed", "no_key"}
    assert _pdfs(gui_out) == _pdfs(cli_out) and len(_pdfs(gui_out)) == 4
