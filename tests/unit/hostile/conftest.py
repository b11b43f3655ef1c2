"""A key file locked with a non-ASCII password, and mail encrypted to it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import tools
from tests.support.pki import Identity

PASSWORD = "Ærø-bølge-å-2009!"  # the key file's password: æøå on purpose
OTHER_PASSWORD = "forkert-æøå-kodeord"  # tried first, wrong: must not leak either


@dataclass
class KeyFile:
    identity: Identity
    path: Path


@pytest.fixture(scope="session")
def key_file(pki, tmp_path_factory) -> KeyFile:
    me = pki.identity("hostile-me", cn="Søren Ærø Åberg")
    folder = tmp_path_factory.mktemp("hostile-keys")
    return KeyFile(me, tools.p12_export(me, folder / "nøglefil.p12", PASSWORD, legacy=True))


def headers(subject: str, *, sender: str = "Skat <skat@example.dk>", minute: int = 15,
            mid: str = "") -> bytes:
    return (f"From: {sender}\nTo: soren@example.dk\nSubject: {subject}\n"
            f"Date: Mon, 4 Mar 2013 10:{minute:02d}:00 +0100\n"
            f"Message-ID: <{mid or abs(hash(subject))}@example.dk>\n").encode()


def encrypted(identity: Identity, entity: bytes) -> bytes:
    """An S/MIME enveloped-data entity (headers + base64 body) for ``identity``."""
    return tools.cms_encrypt(entity, [identity], "aes256", smime=True)
