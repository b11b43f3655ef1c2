"""A missing key named by the certificate it belongs to: "your certificate from 2014".

The user has the key file of 2012; mail of 2015 was encrypted to the certificate of 2014,
which the mailbox knows because the user signed sent mail with it.  The report's
``summary.missing_keys`` entry and the CLI's summary say which certificate (and which
year's key file) is needed; a recipient nobody knows gets no such words.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from smime_archiver import cli
from tests.cli.test_export import headers, inner, mbox
from tests.support import tools

PASSWORD = "Blåbærgrød-2012"
UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def years(pki, tmp_path_factory):
    d = tmp_path_factory.mktemp("years")
    me2012 = pki.identity("mk-me-2012", cn="Karen Ærø Østergård",
                          not_before=dt.datetime(2012, 3, 1, tzinfo=UTC),
                          not_after=dt.datetime(2014, 3, 1, tzinfo=UTC))
    me2014 = pki.identity("mk-me-2014", cn="Karen Ærø Østergård",
                          not_before=dt.datetime(2014, 3, 1, tzinfo=UTC),
                          not_after=dt.datetime(2016, 3, 1, tzinfo=UTC))
    jens = pki.identity("mk-jens", cn="Jens Åkjær")
    stranger = pki.identity("mk-stranger", cn="Ukendt Person")
    p12 = tools.p12_export(me2012, d / "nøglefil-2012.p12", PASSWORD, legacy=True)
    box = d / "Indbakke.mbox"
    box.write_bytes(mbox([
        headers("Krypteret 2013") + tools.cms_encrypt(inner("Fra 2013"), [me2012], "aes128",
                                                      smime=True),
        headers("Sendt af mig") + tools.cms_sign(inner("Tak."), me2014, detached=True),
        headers("Krypteret 2015") + tools.cms_encrypt(inner("Fra 2015"), [me2014], "aes128",
                                                      smime=True),
        headers("Fra Jens") + tools.cms_sign(inner("Hilsen Jens"), jens, detached=True),
        headers("Til Jens") + tools.cms_encrypt(inner("Til Jens"), [jens], "aes128",
                                                smime=True),
        headers("Til en fremmed") + tools.cms_encrypt(inner("?"), [stranger], "aes128",
                                                      smime=True),
    ]))
    return {"p12": p12, "box": box, "me2014": me2014, "jens": jens, "stranger": stranger}


def _export(years, out, monkeypatch, *extra):
    monkeypatch.setenv(cli.PASSWORD_ENV, PASSWORD)
    code = cli.main([*extra, "export", "--key", str(years["p12"]), "--out", str(out),
                     str(years["box"])])
    assert code == cli.EXIT_INCOMPLETE
    summary = json.loads((out / "report.json").read_text("utf-8"))["summary"]
    return {int(e["recipient"]["serial"]): e for e in summary["missing_keys"]}


def test_the_report_and_the_console_name_the_certificate_of_a_missing_key(
        years, tmp_path, monkeypatch, capsys):
    missing = _export(years, tmp_path / "out", monkeypatch)
    printed = capsys.readouterr().out
    me2014, jens, stranger = years["me2014"], years["jens"], years["stranger"]
    assert set(missing) == {me2014.serial, jens.serial, stranger.serial}

    mine = missing[me2014.serial]
    assert mine["messages"] == 1
    assert mine["certificate"]["serial"] == me2014.serial
    assert "CN=Karen Ærø Østergård" in mine["certificate"]["subject"]
    assert mine["certificate"]["not_before"].startswith("2014-03-01")
    assert mine["certificate"]["from_key_file"] is False  # known from the signed sent mail
    assert mine["explanation"] == (
        f"This mail was encrypted to your certificate from 2014 (serial {me2014.serial}, "
        "valid 2014-03-01 to 2016-03-01). Add the key file from that time.")

    theirs = missing[jens.serial]
    assert theirs["explanation"].startswith(
        "This mail was encrypted to the certificate of Jens Åkjær from ")

    unknown = missing[stranger.serial]  # nobody's certificate we know: the entry as before
    assert set(unknown) == {"recipient", "messages"}

    assert mine["explanation"] in printed and theirs["explanation"] in printed


def test_the_explanation_follows_the_language(years, tmp_path, monkeypatch, capsys):
    missing = _export(years, tmp_path / "ud", monkeypatch, "--lang", "da")
    text = missing[years["me2014"].serial]["explanation"]
    assert text.startswith("Denne besked blev krypteret til dit certifikat fra 2014")
    assert text in capsys.readouterr().out
