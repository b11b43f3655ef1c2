"""Identities and key stores shared by the layer tests (made once per session)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from tests.support.keys import keystore_for
from tests.support.pki import PKI, Identity

UTC = dt.timezone.utc


@dataclass
class People:
    alice: Identity  # RSA signer, certificate valid now
    bob: Identity  # RSA recipient whose key we hold
    carol: Identity  # RSA recipient whose key we do not hold
    expired: Identity  # NemID-era signer, certificate 2012-05-01 .. 2016-05-01
    ecdsa: Identity
    dsa: Identity


@pytest.fixture(scope="session")
def people(pki: PKI) -> People:
    return People(
        alice=pki.identity("layers-alice", cn="Søren Ærø Åberg"),
        bob=pki.identity("layers-bob", cn="Bo Bøgh"),
        carol=pki.identity("layers-carol", cn="Carol Ørsted"),
        expired=pki.identity(
            "layers-expired",
            cn="Jens Ågård",
            not_before=dt.datetime(2012, 5, 1, tzinfo=UTC),
            not_after=dt.datetime(2016, 5, 1, tzinfo=UTC),
        ),
        ecdsa=pki.identity("layers-ec", cn="Ea Ellipse", key="ec:prime256v1"),
        dsa=pki.identity("layers-dsa", cn="Dan Dsa", key="dsa:2048"),
    )


@pytest.fixture(scope="session")
def bob_keys(people: People):
    return keystore_for(people.bob)
