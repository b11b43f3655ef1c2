"""Keyring backends for tests: a secure-looking in-memory one and deliberately insecure ones."""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """Holds passwords in a dict; priority 5 like an OS keyring."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise PasswordDeleteError("not found")
        del self.store[(service, username)]


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's plain-text file backend; must be refused."""

    priority = 5  # type: ignore[assignment]


class LowPriorityKeyring(MemoryKeyring):
    """keyring's mark of an unsuitable backend: priority below 1."""

    priority = 0.5  # type: ignore[assignment]


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError("locked")
