"""PasswordVault: secure backends only, never a plain-text fallback, remember/recall/forget."""

from __future__ import annotations

import pytest
from keyring.backends import chainer, fail, null

from smime_archiver.secrets import (
    PasswordVault,
    SecretStoreError,
    VaultState,
    is_secure_backend,
    key_file_account,
    secure_backend,
)
from tests.support.memory_keyring import (
    BrokenKeyring,
    LowPriorityKeyring,
    MemoryKeyring,
    PlaintextKeyring,
)


def test_remember_recall_forget(tmp_path):
    backend = MemoryKeyring()
    vault = PasswordVault(backend)
    key = tmp_path / "nøglefil.p12"
    assert vault.usable and vault.info.state is VaultState.USABLE
    assert vault.recall(key) is None
    vault.remember(key, "Blåbær-2011")
    assert vault.recall(key) == "Blåbær-2011"
    assert list(backend.store.values()) == ["Blåbær-2011"]
    assert [user for _service, user in backend.store] == [key_file_account(key)]
    assert vault.forget(key) is True
    assert vault.recall(key) is None and backend.store == {}
    assert vault.forget(key) is False


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), PlaintextKeyring(),
                                     LowPriorityKeyring()])
def test_insecure_backends_are_refused(backend, tmp_path):
    vault = PasswordVault(backend)
    assert not vault.usable
    assert vault.info.state in (VaultState.NO_BACKEND, VaultState.INSECURE)
    assert vault.recall(tmp_path / "k.p12") is None
    assert vault.forget(tmp_path / "k.p12") is False
    with pytest.raises(SecretStoreError):
        vault.remember(tmp_path / "k.p12", "secret")
    assert getattr(backend, "store", {}) == {}


def test_fail_backend_means_no_keyring():
    assert PasswordVault(fail.Keyring()).info.state is VaultState.NO_BACKEND
    assert PasswordVault(PlaintextKeyring()).info.state is VaultState.INSECURE


def test_chain_uses_only_its_secure_member(monkeypatch, tmp_path):
    plain, secure = PlaintextKeyring(), MemoryKeyring()
    plain.priority = 9  # type: ignore[misc]  # even a plaintext store ranked first is skipped
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plain, secure])
    chain = chainer.ChainerBackend()
    assert not is_secure_backend(chain)
    assert secure_backend(chain) is secure
    vault = PasswordVault(chain)
    vault.remember(tmp_path / "k.p12", "pw")
    assert plain.store == {} and list(secure.store.values()) == ["pw"]


def test_chain_without_secure_member_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [PlaintextKeyring()])
    vault = PasswordVault(chainer.ChainerBackend())
    assert vault.info.state is VaultState.INSECURE
    with pytest.raises(SecretStoreError):
        vault.remember(tmp_path / "k.p12", "pw")


def test_backend_failure_is_an_error_with_cause(tmp_path):
    vault = PasswordVault(BrokenKeyring())
    with pytest.raises(SecretStoreError) as info:
        vault.remember(tmp_path / "nøgle.p12", "pw")
    assert "nøgle.p12" in info.value.message
    assert "pw" not in info.value.message
    assert isinstance(info.value.__cause__, RuntimeError)
