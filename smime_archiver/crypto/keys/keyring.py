"""The keys a job may use, and how a worker process opens the same keys again.

A :class:`KeyRing` is a :class:`~smime_archiver.crypto.keys.keystore.KeyStore` (the
private keys with their certificates, in load order) that also carries its
:class:`KeyReload`: the key file paths and the passwords that were tried on each.  Both
faces make it with :func:`load_key_ring`, and hand the one object to the core
(:func:`smime_archiver.job.run_job`, :func:`smime_archiver.scan.scan_inputs`); the
process engine (:mod:`smime_archiver.parallel`) gives the workers the reload recipe when
they cannot inherit the keys (``spawn``/``forkserver``).

Passwords never leave memory: they reach a worker only through the process pipe that
carries its start-up arguments, never a file, the command line or the environment, and no
``repr`` shows them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from smime_archiver.crypto.keys.keyfiles import load_key_files
from smime_archiver.crypto.keys.keystore import KeyStore
from smime_archiver.crypto.keys.passwords import PasswordSource
from smime_archiver.errors import KeyFileError


@dataclass(frozen=True)
class KeyReload:
    """How a spawned worker loads the same keys: files in order and the passwords tried."""

    files: tuple[str, ...]
    passwords: dict[str, tuple[str, ...]] = field(repr=False, compare=False)

    def __repr__(self) -> str:  # never show passwords
        return f"KeyReload({len(self.files)} files)"

    def source(self, key_file: str) -> Iterator[str]:
        yield from self.passwords.get(key_file, ())


NO_RELOAD = KeyReload((), {})


class RecordingPasswords:
    """A password source that remembers, per key file, every password it handed out."""

    def __init__(self, source: PasswordSource):
        self._source = source
        self._given: dict[str, list[str]] = {}

    def __call__(self, key_file: str) -> Iterator[str]:
        given = self._given.setdefault(key_file, [])
        for password in self._source(key_file):
            given.append(password)
            yield password

    def __repr__(self) -> str:
        return "RecordingPasswords()"

    def reload(self, files: Iterable[str | os.PathLike]) -> KeyReload:
        names = tuple(os.fsdecode(f) for f in files)
        return KeyReload(names, {f: tuple(self._given.get(f, ())) for f in names})


class KeyRing(KeyStore):
    """A key store with the recipe to open the same keys again in a worker process."""

    def __init__(self, store: KeyStore | None = None, reload: KeyReload = NO_RELOAD):
        super().__init__()
        if store is not None:
            self.extend(store)
        self.reload = reload

    def __repr__(self) -> str:
        return f"KeyRing({len(self)} keys, {self.reload!r})"


def load_key_ring(
    files: Iterable[str | os.PathLike],
    passwords: PasswordSource,
    *,
    on_warning: Callable[[str], None] | None = None,
) -> tuple[KeyRing, list[KeyFileError]]:
    """Load the key files into one ring (keys pair across files); never raises for one file.

    The one way both faces load keys: the passwords handed out are recorded so that
    worker processes can open the same files again.
    """
    paths = list(files)
    recorder = RecordingPasswords(passwords)
    store, errors = load_key_files(paths, recorder, on_warning=on_warning)
    return KeyRing(store, recorder.reload(paths)), errors


def reload_keys(reload: KeyReload) -> KeyStore:
    """The keys of ``reload`` opened again (in a worker process); warnings are dropped."""
    store, _errors = load_key_files(reload.files, reload.source, on_warning=lambda _t: None)
    return store
