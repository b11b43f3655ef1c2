"""Identities and messages shared by the CMS tests (session scoped: keys are slow to make)."""

from __future__ import annotations

import pytest

from tests.support.keys import keystore_for

# A MIME entity as S/MIME clients encrypt it (Danish letters in UTF-8).
MIME = (
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Hej Søren,\r\n\r\nhermed årsopgørelsen. Venlig hilsen, Ærø Kommune\r\n"
).encode()


@pytest.fixture(scope="session")
def alice(pki):
    """The user: an RSA NemID-like identity whose key files we hold."""
    return pki.identity("cms-alice", "Søren Ærø Åberg")


@pytest.fixture(scope="session")
def bob(pki):
    return pki.identity("cms-bob", "Bent Ørsted")


@pytest.fixture(scope="session")
def carol(pki):
    return pki.identity("cms-carol", "Carla Ålund")


@pytest.fixture(scope="session")
def ec256(pki):
    return pki.identity("cms-ec256", "Eva Ækvator", key="ec:prime256v1")


@pytest.fixture(scope="session")
def ec256_other(pki):
    return pki.identity("cms-ec256-other", "Emil Øster", key="ec:prime256v1")


@pytest.fixture(scope="session")
def ec384(pki):
    return pki.identity("cms-ec384", "Erik Å", key="ec:secp384r1")


@pytest.fixture(scope="session")
def ec521(pki):
    return pki.identity("cms-ec521", "Else Ø", key="ec:secp521r1")


@pytest.fixture(scope="session")
def alice_store(alice):
    return keystore_for(alice)
