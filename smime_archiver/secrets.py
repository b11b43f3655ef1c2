"""Key-file passwords in the operating system's keyring, only when the user asks for it.

One small door to :mod:`keyring`.  It refuses every backend that would not keep a
password safe: ``keyring``'s own ``fail`` and ``null`` backends, the file-based
backends of ``keyrings.alt`` (plain text, or "encrypted" with a password typed on a
terminal), anything with a priority below 1 (``keyring``'s own mark of an unsuitable
backend) and a chain of backends in which none is secure.  From a chain only a secure
member is ever used, so a password can never end up in a plain-text file.

Nothing here is a global: the GUI makes one :class:`PasswordVault` and hands it on;
tests give it an in-memory backend.  Passwords are never logged.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from enum import Enum
from typing import Any

from smime_archiver.errors import ArchiverError
from smime_archiver.i18n import _

log = logging.getLogger(__name__)

SERVICE = "smime-archiver key file"

# Backends that store secrets in files or nowhere, whatever their priority says.
_INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")
_INSECURE_WORDS = ("plaintext", "uncrypted", "null", "fail")


class VaultState(str, Enum):
    """Whether passwords can be remembered, and if not, why (the faces word it)."""

    USABLE = "usable"
    NO_BACKEND = "no_backend"  # keyring is not installed or found no backend at all
    INSECURE = "insecure"  # only backends that would not keep the password safe


class SecretStoreError(ArchiverError):
    """The keyring refused to store, read or delete a password."""


@dataclass(frozen=True)
class VaultInfo:
    state: VaultState
    backend: str  # the backend's class name, for the explanation ("" when none)

    @property
    def usable(self) -> bool:
        return self.state is VaultState.USABLE


def backend_name(backend: Any) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def is_secure_backend(backend: Any) -> bool:
    """True for a backend that keeps secrets in an OS store (never a chain, see below)."""
    name = backend_name(backend)
    lowered = name.lower()
    if lowered.startswith(_INSECURE_MODULES) or any(w in lowered for w in _INSECURE_WORDS):
        return False
    if _is_chainer(backend):
        return False  # a chain is judged by its members: see secure_backend()
    try:
        priority = float(backend.priority)
    except Exception as e:  # a backend whose priority cannot be read is not trusted
        log.info("keyring backend %s has no usable priority (%s)", name, type(e).__name__)
        return False
    return priority >= 1


def _is_chainer(backend: Any) -> bool:
    try:
        from keyring.backends.chainer import ChainerBackend
    except ImportError:
        return False
    return isinstance(backend, ChainerBackend)


def secure_backend(backend: Any) -> Any | None:
    """The backend to use for ``backend``: itself, its best secure chain member, or None."""
    if backend is None:
        return None
    if _is_chainer(backend):
        members = [b for b in getattr(backend, "backends", []) if is_secure_backend(b)]
        return members[0] if members else None  # the chain lists them best first
    return backend if is_secure_backend(backend) else None


def _default_backend() -> Any | None:
    try:
        import keyring
    except ImportError:
        return None
    return keyring.get_keyring()


def key_file_account(path: str | os.PathLike[str]) -> str:
    """The keyring account name for a key file: its absolute, normalised path."""
    return os.path.normcase(os.path.abspath(os.fspath(path)))


class PasswordVault:
    """Remembers key-file passwords in a secure OS keyring, or refuses to.

    ``backend``: a ``keyring`` backend to use (tests pass an in-memory one); by
    default the one ``keyring`` chooses for this system, looked up on first use.
    """

    def __init__(self, backend: Any | None = None, *, service: str = SERVICE):
        self._given = backend
        self._resolved = False
        self._backend: Any | None = None
        self._info = VaultInfo(VaultState.NO_BACKEND, "")
        self.service = service

    def _resolve(self) -> None:
        if self._resolved:
            return
        self._resolved = True
        candidate = self._given if self._given is not None else _default_backend()
        if candidate is None:
            self._info = VaultInfo(VaultState.NO_BACKEND, "")
            return
        chosen = secure_backend(candidate)
        if chosen is None:
            state = VaultState.NO_BACKEND if _is_fail_or_null(candidate) else VaultState.INSECURE
            self._info = VaultInfo(state, backend_name(candidate))
            log.info("keyring backend %s refused for passwords", backend_name(candidate))
            return
        self._backend = chosen
        self._info = VaultInfo(VaultState.USABLE, backend_name(chosen))

    @property
    def info(self) -> VaultInfo:
        self._resolve()
        return self._info

    @property
    def usable(self) -> bool:
        return self.info.usable

    def _require(self) -> Any:
        self._resolve()
        if self._backend is None:
            raise SecretStoreError(_(
                "Passwords cannot be remembered on this computer: there is no secure "
                "keyring. Type the password each time instead."))
        return self._backend

    def remember(self, key_file: str | os.PathLike[str], password: str) -> None:
        """Store ``password`` for ``key_file``; raises SecretStoreError if that fails."""
        backend = self._require()
        try:
            backend.set_password(self.service, key_file_account(key_file), password)
        except Exception as e:
            raise SecretStoreError(_(
                "The password for {file} could not be saved in the keyring ({error}). "
                "It is kept only until you close the program.").format(
                    file=os.path.basename(os.fspath(key_file)), error=type(e).__name__)) from e

    def recall(self, key_file: str | os.PathLike[str]) -> str | None:
        """The remembered password, ``None`` if there is none or no usable keyring."""
        if not self.usable:
            return None
        backend = self._require()
        try:
            value = backend.get_password(self.service, key_file_account(key_file))
        except Exception as e:
            raise SecretStoreError(_(
                "The keyring could not be read ({error}). Type the password instead."
            ).format(error=type(e).__name__)) from e
        return value if isinstance(value, str) else None

    def has_password(self, key_file: str | os.PathLike[str]) -> bool:
        return self.recall(key_file) is not None

    def forget(self, key_file: str | os.PathLike[str]) -> bool:
        """Delete the remembered password; True if one was there."""
        if not self.usable:
            return False
        backend = self._require()
        account = key_file_account(key_file)
        try:
            if backend.get_password(self.service, account) is None:
                return False
            backend.delete_password(self.service, account)
        except Exception as e:
            raise SecretStoreError(_(
                "The saved password for {file} could not be deleted from the keyring "
                "({error}).").format(file=os.path.basename(os.fspath(key_file)),
                                     error=type(e).__name__)) from e
        return True


def _is_fail_or_null(backend: Any) -> bool:
    name = backend_name(backend).lower()
    if name.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return True
    return _is_chainer(backend) and not getattr(backend, "backends", [])
