"""Shared, session-scoped fixtures: a test PKI and the external tools that wrap it."""

from __future__ import annotations

import os

import pytest

from tests.support.pki import PKI

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests assert English texts unless they switch language themselves.
os.environ["SMIME_ARCHIVER_LANG"] = "en"


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> PKI:
    """One CA and any number of identities, generated once per test session."""
    return PKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture(autouse=True)
def _english():
    from smime_archiver import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")
