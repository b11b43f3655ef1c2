"""Outlook .pst/.ost: the folder walk and MAPI mapping (over an object model shaped like
pypff's, since no PST writer exists to make a real fixture), real pypff on a damaged file,
and the install hint when the extra is missing."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import sys

from smime_archiver.mailbox import describe_locator, iter_messages
from smime_archiver.mailbox.pst import iter_pst
from smime_archiver.model import SourceProblem
from tests.support import tools
from tests.support.mailbox import FakeAttachment, FakeFolder, FakeMessage, FakePst

UTC = dt.timezone.utc


def _plain(subject: str) -> FakeMessage:
    return FakeMessage({0x001A: "IPM.Note", 0x0037: subject, 0x1000: f"tekst {subject}",
                        0x0C1A: "Søren", 0x0C1F: "soren@example.dk",
                        0x0039: dt.datetime(2010, 3, 1, 8, 0, tzinfo=UTC)},
                       recipients=[{0x0C15: 1, 0x3001: "Åse", 0x39FE: "aase@example.dk"}])


def _store(pki) -> tuple[FakePst, bytes]:
    ident = pki.identity("pst-recipient")
    der = tools.cms_encrypt(b"Content-Type: text/plain\r\n\r\nfra pst\r\n", [ident])
    smime = FakeMessage(
        {0x001A: "IPM.Note.SMIME", 0x0037: "krypteret"},
        transport="From: bank@example.dk\r\nTo: aase@example.dk\r\nSubject: krypteret\r\n"
                  "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n",
        attachments=[FakeAttachment({0x3707: "smime.p7m", 0x370E: "application/octet-stream"},
                                    data=der)])
    embedded = FakeAttachment({0x3705: 5, 0x3001: "indre"}, embedded=_plain("indre"))
    with_att = FakeMessage({0x001A: "IPM.Note", 0x0037: "bilag", 0x1000: "se bilag"},
                           attachments=[FakeAttachment({0x3707: "a.txt", 0x370E: "text/plain"},
                                                       data=b"vedh\xe6ftet"), embedded])
    broken = FakeMessage({0x001A: "IPM.Note"}, broken=True)
    root = FakeFolder("", folders=[
        FakeFolder("Top of Personal Folders", folders=[
            FakeFolder("Indbakke", [_plain("første"), smime, broken],
                       folders=[FakeFolder("Skat", [with_att])]),
            FakeFolder("Sendt post", [_plain("sendt")]),
        ])])
    return FakePst(root), der


def test_walks_every_folder_in_order_with_stable_locators(tmp_path, pki):
    pst, der = _store(pki)
    path = tmp_path / "outlook.pst"
    path.write_bytes(b"!BDN")
    items = list(iter_pst(str(path), opener=lambda p: pst))
    assert pst.closed
    locators = [i.locator for i in items]
    top = "Top of Personal Folders"
    assert locators == [f"{top}/Indbakke#0", f"{top}/Indbakke#1", f"{top}/Indbakke#2",
                        f"{top}/Indbakke/Skat#0", f"{top}/Sendt post#0"]
    assert [i.index for i in items] == [0, 1, 2, 3, 4]
    assert all(i.source == str(path) for i in items)
    assert isinstance(items[2], SourceProblem) and "damaged" in items[2].detail
    assert describe_locator(items[1]) == "message 2 in folder Top of Personal Folders/Indbakke"

    first = email.message_from_bytes(items[0].data, policy=email.policy.default)
    assert first["Subject"] == "første"
    assert first["To"].addresses[0].addr_spec == "aase@example.dk"
    assert first["Date"].datetime == dt.datetime(2010, 3, 1, 8, 0, tzinfo=UTC)

    smime = email.message_from_bytes(items[1].data, policy=email.policy.default)
    assert smime.get_content_type() == "application/pkcs7-mime"
    assert smime.get_param("smime-type") == "enveloped-data"
    assert smime.get_payload(decode=True) == der
    assert smime["From"] == "bank@example.dk"

    skat = email.message_from_bytes(items[3].data, policy=email.policy.default)
    atts = list(skat.iter_attachments())
    assert atts[0].get_filename() == "a.txt"
    assert atts[0].get_payload(decode=True) == b"vedh\xe6ftet"
    assert atts[1].get_content()["Subject"] == "indre"


def test_cancel_stops_the_walk(tmp_path, pki):
    import threading

    pst, _der = _store(pki)
    cancel = threading.Event()
    seen = []
    for item in iter_pst(str(tmp_path / "x.pst"), cancel=cancel, opener=lambda p: pst):
        seen.append(item)
        cancel.set()
    assert len(seen) == 1


def test_real_pypff_reports_a_damaged_pst(tmp_path):
    path = tmp_path / "damaged.pst"
    path.write_bytes(b"!BDN" + b"\x00" * 600)
    [problem] = list(iter_messages([path]))
    assert isinstance(problem, SourceProblem)
    assert "cannot be opened" in problem.detail and "scanpst" in problem.detail


def test_a_broken_install_without_pypff_says_how_to_repair(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pypff", None)  # import pypff -> ImportError
    path = tmp_path / "archive.pst"
    path.write_bytes(b"!BDN" + b"\x00" * 600)
    [problem] = list(iter_messages([path]))
    assert isinstance(problem, SourceProblem)
    assert "pip install libpff-python" in problem.detail


def test_open_failure_of_other_kinds_is_reported(tmp_path):
    def opener(path):
        raise OSError("libpff_file_open: unable to open file")

    items = list(iter_pst(str(tmp_path / "y.ost"), opener=opener))
    assert isinstance(items[0], SourceProblem) and "y.ost" in items[0].detail
    assert len(items) == 1
