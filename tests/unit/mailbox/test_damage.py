"""Damaged input of every kind gives messages or problems, never an exception."""

from __future__ import annotations

import random

import pytest

from smime_archiver.mailbox import iter_messages
from smime_archiver.model import RawMail, SourceProblem
from tests.support.mailbox import Att, Msg, message, write_emlx, write_mbox, write_msg

SAMPLES = {
    "box.mbox": write_mbox([message("a", "From x\n>From y\n"), message("b")], "mboxcl"),
    "mail.emlx": write_emlx(message("c")),
    "mail.msg": write_msg(Msg({0x001A: "IPM.Note.SMIME", 0x0037: "s", 0x1000: "x" * 5000},
                              attachments=[Att({0x3707: "smime.p7m"}, data=b"\x30\x80" * 50)])),
    "mail.eml": message("d"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_mutated_files_never_raise(tmp_path, name, caplog):
    rng = random.Random(name)
    original = SAMPLES[name]
    for case in range(60):
        data = bytearray(original)
        action = case % 3
        if action == 0:
            for _i in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif action == 1:
            data = data[: rng.randrange(len(data))]
        else:
            start = rng.randrange(len(data))
            data[start:start] = bytes(rng.randrange(256) for _i in range(rng.randint(1, 200)))
        path = tmp_path / f"{case}-{name}"
        path.write_bytes(bytes(data))
        items = list(iter_messages([path]))
        assert all(isinstance(i, RawMail | SourceProblem) for i in items)
        for item in items:
            assert item.source == str(path)
            if isinstance(item, SourceProblem):
                assert str(path) in item.detail or item.locator
    assert "unexpected error" not in caplog.text  # every failure had a specific reason
