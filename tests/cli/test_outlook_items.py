"""An export of a real Outlook data file through ``cli.main``: the summary names the
Outlook items that are not mail and the hidden system items it skipped, and the run is
complete (exit 0): a free/busy item is neither an error nor damage."""

from __future__ import annotations

import json

from smime_archiver import cli
from tests.unit.mailbox.test_outlook_real import REAL

KEYS = REAL.parent / "outlook-hmailserver" / "certs"


def test_export_of_a_pst_with_calendar_contacts_and_free_busy(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(cli.PASSWORD_ENV, "smime1")
    out = tmp_path / "out"
    code = cli.main(["export", "--key", str(KEYS / "smime-1-secret.pfx"), "--out", str(out),
                     str(REAL / "java-libpst-dist-list.pst")])
    printed = capsys.readouterr().out
    assert code == cli.EXIT_OK, printed
    assert "Archived 3 of 3 messages" in printed
    assert "Outlook items that are not e-mail, each archived as a page of its details:" in printed
    for line in ("  Appointments: 1", "  Contacts: 1", "  Distribution lists: 1"):
        assert line in printed.splitlines()
    assert ("1 hidden Outlook system item skipped (free/busy data, views, rules or settings: "
            "not a message).") in printed
    report = json.loads((out / "report.json").read_text("utf-8"))
    assert sorted(m["kind"] for m in report["messages"]) == ["appointment", "contact",
                                                            "distribution_list"]

    # resumed: nothing is redone (the rebuilt items are the same bytes), the kinds stay
    code = cli.main(["export", "--key", str(KEYS / "smime-1-secret.pfx"), "--out", str(out),
                     "--resume", str(REAL / "java-libpst-dist-list.pst")])
    printed = capsys.readouterr().out
    assert code == cli.EXIT_OK
    assert "3 of them were already archived by an earlier run." in printed
    again = json.loads((out / "report.json").read_text("utf-8"))
    assert [(m["kind"], m["pdf"]) for m in again["messages"]] == \
        [(m["kind"], m["pdf"]) for m in report["messages"]]
