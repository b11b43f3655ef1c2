"""The core's scan (``inspect`` and the GUI's message list): same records in or out of
worker processes, in input order, with the opened view in this process, cancellable."""

from __future__ import annotations

import threading

import pytest

from smime_archiver.crypto.keys.keyring import load_key_ring
from smime_archiver.model import RawMail, SourceProblem, Status
from smime_archiver.scan import ScanObserver, read_message, scan_inputs, scan_messages
from tests.cli.test_export import headers, inner, mbox
from tests.support import tools

PASSWORD = "Skanning-æøå"


@pytest.fixture(scope="module")
def mail(pki, tmp_path_factory):
    d = tmp_path_factory.mktemp("scan")
    me = pki.identity("scan-me", cn="Åse Skanning")
    other = pki.identity("scan-other", cn="Jens Åkjær")
    p12 = tools.p12_export(me, d / "nøgle.p12", PASSWORD, legacy=True)
    box = d / "Indbakke.mbox"
    messages = [headers("Almindelig") + b"Content-Type: text/plain\n\nHej.\n"]
    for i in range(5):
        messages.append(headers(f"Krypteret {i}") + tools.cms_encrypt(
            inner(f"Besked {i}"), [me], "aes128", smime=True))
    messages.append(headers("Til Jens") + tools.cms_encrypt(inner("?"), [other], "aes128",
                                                            smime=True))
    box.write_bytes(mbox(messages))
    broken = d / "link.eml"
    broken.symlink_to(d / "gone.eml")
    ring, errors = load_key_ring([p12], lambda _f: iter([PASSWORD]))
    assert not errors
    return {"box": box, "broken": broken, "ring": ring}


def _summary(scanned):
    return [(s.number, s.record.subject, s.record.status, s.record.mailbox) for s in scanned]


def test_the_scan_is_the_same_in_workers_and_in_this_process(mail):
    inputs = [str(mail["box"]), str(mail["broken"])]
    here = list(scan_messages(inputs, mail["ring"]))
    workers = list(scan_messages(inputs, mail["ring"], jobs=2, start_method="spawn"))
    assert _summary(here) == _summary(workers)
    statuses = [s.record.status for s in here]
    assert statuses[:7] == [Status.PLAIN, *[Status.DECRYPTED] * 5, Status.NO_KEY]
    assert statuses[7] in (Status.CORRUPT, Status.ERROR)  # the link to nothing: not archived
    assert all(s.opened is not None for s in here[:7]) and all(s.opened is None
                                                                for s in workers)
    assert here[1].opened.view.subject == "Krypteret 0"
    assert isinstance(here[-1].found, SourceProblem) and here[-1].opened is None
    assert here[0].record.mailbox == str(mail["box"])


def test_observer_and_cancel(mail):
    cancel = threading.Event()
    seen = []

    class Stop(ScanObserver):
        def message_scanned(self, scanned):
            seen.append(scanned.record.subject)
            if len(seen) == 2:
                cancel.set()

    result = scan_inputs([str(mail["box"])], mail["ring"], Stop(), cancel)
    assert result.cancelled and result.count == 2 == len(seen)


def test_a_message_read_again_by_its_locator(mail):
    third = list(scan_messages([str(mail["box"])], mail["ring"]))[2]
    assert isinstance(third.found, RawMail)
    again = read_message(third.found.source, third.found.locator, third.found.index)
    assert again is not None and again.data == third.found.data
    # an mbox message is read from its byte offset: one where no message starts (the file
    # changed since the scan) or past the end gives nothing, not a wrong message
    offset = third.found.offset
    assert read_message(str(mail["box"]), f"#2@{offset + 1}", 2) is None
    assert read_message(str(mail["box"]), "#99@99999999", 99) is None
