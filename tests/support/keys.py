"""Build key stores straight from test identities (bypassing key-file loading)."""

from __future__ import annotations

from smime_archiver.crypto.keys.describe import make_entry
from smime_archiver.crypto.keys.keystore import KeyStore

from .pki import Identity


def keystore_for(*identities: Identity, without_cert: bool = False) -> KeyStore:
    """A KeyStore holding each identity's key, with its certificate unless ``without_cert``."""
    return KeyStore(
        make_entry(i.key, None if without_cert else i.cert, str(i.key_pem))
        for i in identities
    )
