"""Hardware tokens (USB keys, smart cards) through their PKCS#11 module.

The private key never leaves the token: decryption and key agreement run on
it, through python-pkcs11.  Qt-free; a PIN is never logged, pickled or written.

* :func:`find_modules`: known token software installed here.
* :func:`open_module` / :func:`list_slots`: a module, its slots and tokens.
* :func:`login`: a session with the PINs a :data:`PinSource` gives, each tried once.
* :func:`open_token_keys`: every key of every token of a module, as key-store entries.
* :func:`reopen_entries`: the same keys in a worker process, from picklable
  :class:`TokenKeyRef` descriptions and the PINs passed apart.
"""

from smime_archiver.crypto.keys.pkcs11.discover import KNOWN_MODULES, FoundModule, find_modules
from smime_archiver.crypto.keys.pkcs11.inventory import (
    open_token_keys,
    reopen_entries,
    token_entries,
)
from smime_archiver.crypto.keys.pkcs11.keys import (
    TokenECPrivateKey,
    TokenKeyRef,
    TokenRSAPrivateKey,
    is_token_key,
)
from smime_archiver.crypto.keys.pkcs11.module import (
    Module,
    SlotInfo,
    TokenInfo,
    TokenRef,
    list_slots,
    open_module,
)
from smime_archiver.crypto.keys.pkcs11.session import (
    PinRequest,
    PinSource,
    TokenSession,
    close_module,
    fixed_pins,
    login,
    reopen,
)

__all__ = [
    "KNOWN_MODULES",
    "FoundModule",
    "Module",
    "PinRequest",
    "PinSource",
    "SlotInfo",
    "TokenECPrivateKey",
    "TokenInfo",
    "TokenKeyRef",
    "TokenRSAPrivateKey",
    "TokenRef",
    "TokenSession",
    "close_module",
    "find_modules",
    "fixed_pins",
    "is_token_key",
    "list_slots",
    "login",
    "open_module",
    "open_token_keys",
    "reopen",
    "reopen_entries",
    "token_entries",
]
