"""A PKCS#11 module (the token's library) loaded in this process, and its slots.

:func:`open_module` loads a module once per process and path.  PKCS#11 state
does not survive ``fork``: a child process must call ``C_Initialize`` itself and
must never use the parent's sessions.  So every :class:`Module` remembers the
process that initialized it, and :attr:`Module.lib` initializes the module
afresh when asked from another process (see :func:`_initialize_in_child`).
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

import pkcs11
from pkcs11 import PKCS11Error, SlotFlag, TokenFlag

from smime_archiver.crypto.keys.pkcs11 import texts
from smime_archiver.errors import NoTokenError
from smime_archiver.i18n import _

log = logging.getLogger(__name__)

SETTLE_TRIES = 3
SETTLE_PAUSE = 0.3  # seconds

# Magic numbers of the shared-library formats: ELF, PE (MZ) and Mach-O (thin and fat).
_LIBRARY_MAGIC = (b"\x7fELF", b"MZ", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                  b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


@dataclass(frozen=True)
class TokenRef:
    """Names one token for later: its module and serial number (and label, for messages).

    Picklable, holds no secret: a worker process re-opens the token from it.
    """

    module: str
    serial: str
    label: str

    def describe(self) -> str:
        return texts.token_name(self.label, self.serial)


@dataclass(frozen=True)
class TokenInfo:
    """One token as its slot reports it (``C_GetTokenInfo``)."""

    module: str
    slot_id: int
    slot_description: str
    label: str
    serial: str
    manufacturer: str
    model: str
    flags: int

    @property
    def ref(self) -> TokenRef:
        return TokenRef(self.module, self.serial, self.label)

    def describe(self) -> str:
        return texts.token_name(self.label, self.serial)

    @property
    def initialized(self) -> bool:
        return bool(self.flags & TokenFlag.TOKEN_INITIALIZED)

    @property
    def login_required(self) -> bool:
        return bool(self.flags & TokenFlag.LOGIN_REQUIRED)

    @property
    def protected_authentication_path(self) -> bool:
        """The PIN is typed on the reader's own keypad, not given by the program."""
        return bool(self.flags & TokenFlag.PROTECTED_AUTHENTICATION_PATH)

    @property
    def pin_locked(self) -> bool:
        return bool(self.flags & TokenFlag.USER_PIN_LOCKED)

    @property
    def pin_final_try(self) -> bool:
        return bool(self.flags & TokenFlag.USER_PIN_FINAL_TRY)

    @property
    def pin_count_low(self) -> bool:
        return bool(self.flags & TokenFlag.USER_PIN_COUNT_LOW)


@dataclass(frozen=True)
class SlotInfo:
    """One slot (reader) of a module; ``token`` is None when no token is inserted."""

    module: str
    slot_id: int
    description: str
    manufacturer: str
    token: TokenInfo | None

    @property
    def present(self) -> bool:
        return self.token is not None

    def describe(self) -> str:
        """The token in the slot, or that none is inserted (for lists of readers)."""
        if self.token is None:
            return _("{slot}: no token inserted").format(slot=self.description or self.slot_id)
        return self.token.describe()


class Module:
    """One PKCS#11 module loaded in this process; use :func:`open_module`."""

    def __init__(self, path: str, lib: Any):
        self.path = path
        self._lib = lib
        self._pid = os.getpid()
        self._lock = threading.RLock()
        # bumped whenever the module is initialized again: every session before it is void
        self.epoch = 0

    def __repr__(self) -> str:
        return f"Module({self.path!r})"

    def __reduce__(self):  # a loaded library never crosses a process boundary
        raise TypeError("a loaded PKCS#11 module cannot be pickled; pickle a TokenRef")

    @property
    def lib(self) -> Any:
        """The python-pkcs11 ``lib``, initialized in *this* process."""
        with self._lock:
            if self._pid != os.getpid():
                self._lib = _initialize_in_child(self.path, self._lib)
                self._pid = os.getpid()
                self.epoch += 1
            return self._lib

    def reinitialize(self) -> None:
        """``C_Finalize`` and ``C_Initialize`` in this process: the module reads its tokens
        afresh; every session of this process on it is void (see :attr:`epoch`)."""
        with self._lock:
            lib = self.lib
            try:
                lib.reinitialize()
            except PKCS11Error as e:
                raise texts.module_failed(self.path, texts.ckr_name(e)) from e
            self.epoch += 1

    @property
    def forked(self) -> bool:
        """Whether this object was inherited from a parent process and not yet re-initialized."""
        return self._pid != os.getpid()

    def slots(self) -> list[SlotInfo]:
        """Every slot of the module, with the token in it (or None for an empty slot)."""
        try:
            slots = self.lib.get_slots(token_present=False)
        except PKCS11Error as e:
            raise texts.module_failed(self.path, texts.ckr_name(e)) from e
        out = []
        for slot in slots:
            token = None
            if slot.flags & SlotFlag.TOKEN_PRESENT:
                token = self._token_info(slot)
            out.append(SlotInfo(self.path, slot.slot_id, slot.slot_description.strip(),
                                slot.manufacturer_id.strip(), token))
        return out

    def _token_info(self, slot: Any) -> TokenInfo | None:
        try:
            token = slot.get_token()
        except (pkcs11.TokenNotPresent, pkcs11.TokenNotRecognised, pkcs11.DeviceRemoved):
            return None
        except PKCS11Error as e:
            log.info("slot %s of %s: no token info (%s)", slot.slot_id, self.path,
                     texts.ckr_name(e))
            return None
        return _info(self.path, slot, token)

    def tokens(self) -> list[TokenInfo]:
        """The initialized tokens present; :class:`NoTokenError` when there is none."""
        slots = self.slots()
        found = [s.token for s in slots if s.token is not None and s.token.initialized]
        if not found:
            raise texts.no_token(self.path)
        return found

    def token(self, ref: TokenRef, *, settle: bool = False) -> tuple[TokenInfo, Any]:
        """The token ``ref`` names (by serial number; by label when it has none) and its
        python-pkcs11 object.  :class:`NoTokenError` when it is not inserted.

        ``settle``: for a process that is just starting to use a token the parent found
        (a worker): when it is not seen, initialize the module again and look twice more.
        A module that another process is writing to may miss a token while it starts
        (SoftHSM's file store does), and a card may still be waking up.
        """
        for attempt in range(SETTLE_TRIES if settle else 1):
            if attempt:
                time.sleep(SETTLE_PAUSE)
                self.reinitialize()
            try:
                return self._find_token(ref)
            except NoTokenError:
                if attempt == (SETTLE_TRIES if settle else 1) - 1:
                    raise
                log.info("token %s not seen yet by %s; initializing it again", ref.serial,
                         self.path)
        raise AssertionError("unreachable")  # pragma: no cover

    def _find_token(self, ref: TokenRef) -> tuple[TokenInfo, Any]:
        try:
            slots = self.lib.get_slots(token_present=True)
        except PKCS11Error as e:
            raise texts.module_failed(self.path, texts.ckr_name(e)) from e
        for slot in slots:
            try:
                token = slot.get_token()
            except PKCS11Error:
                continue
            info = _info(self.path, slot, token)
            if (info.serial == ref.serial) if ref.serial else (info.label == ref.label):
                return info, token
        raise texts.token_gone(ref.describe(), self.path)

    def close(self) -> None:
        """``C_Finalize``: every session of this process on the module ends."""
        with self._lock:
            _modules.pop(self.path, None)
            if self._pid == os.getpid():
                pkcs11.unload(self.path)
            else:
                _inherited.append(self._lib)


def _info(module: str, slot: Any, token: Any) -> TokenInfo:
    serial = token.serial
    if isinstance(serial, bytes):
        serial = serial.decode("ascii", "replace")
    return TokenInfo(module=module, slot_id=slot.slot_id,
                     slot_description=slot.slot_description.strip(),
                     label=token.label.strip(), serial=str(serial).strip(),
                     manufacturer=token.manufacturer_id.strip(), model=token.model.strip(),
                     flags=int(token.flags))


_modules: dict[str, Module] = {}
_modules_lock = threading.Lock()
# Objects inherited from a parent process that must never be collected here: python-pkcs11
# would call C_Finalize on the module when they go.
_inherited: list[Any] = []


def open_module(path: str | os.PathLike) -> Module:
    """The module at ``path``, loaded and initialized once per process.

    Raises :class:`TokenModuleError`: the file is missing, is not a PKCS#11
    library (no ``C_GetFunctionList``), or does not load or start.
    """
    path = os.fsdecode(path)
    with _modules_lock:
        module = _modules.get(path)
        if module is not None:
            return module
        module = Module(path, _load(path))
        _modules[path] = module
        return module


def loaded_module(path: str | os.PathLike) -> Module | None:
    """The module at ``path`` if this process loaded it, else None (nothing is loaded)."""
    with _modules_lock:
        return _modules.get(os.fsdecode(path))


def _load(path: str) -> Any:
    if not os.path.exists(path):
        raise texts.module_missing(path)
    if os.path.isdir(path):
        raise texts.not_a_module(path, _("it is a folder"))
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as e:
        raise texts.module_failed(path, e.strerror or type(e).__name__) from e
    if not head.startswith(_LIBRARY_MAGIC):
        raise texts.not_a_module(path, _("it is not a program library"))
    try:
        lib = pkcs11.lib(path)
    except PKCS11Error as e:
        if _lacks_function_list(path, e):
            raise texts.not_a_module(path, _("it has no C_GetFunctionList")) from e
        raise texts.module_failed(path, texts.ckr_name(e)) from e
    log.info("loaded PKCS#11 module %s (%s, %s)", path, lib.manufacturer_id.strip(),
             lib.library_description.strip())
    return lib


def _lacks_function_list(path: str, error: Exception) -> bool:
    """Whether the library loads but has no ``C_GetFunctionList`` (not PKCS#11)."""
    if "C_GetFunctionList" in str(error):
        return True
    try:
        library = ctypes.CDLL(path)
    except OSError:
        return False  # it does not load at all: another kind of failure
    return not hasattr(library, "C_GetFunctionList")


def _initialize_in_child(path: str, stale: Any) -> Any:
    """The module initialized in a forked child, never reusing the parent's state.

    Some modules (OpenSC) notice the fork and re-initialize themselves in
    ``C_Initialize``; others (SoftHSM) answer ``CKR_CRYPTOKI_ALREADY_INITIALIZED``
    and must first be finalized (their copy of the parent's state, in this
    process only).  The parent's objects are kept alive here: python-pkcs11
    finalizes a module when its object is collected.
    """
    _inherited.append(stale)
    loaded: dict[str, Any] = pkcs11._loaded
    loaded.pop(path, None)
    try:
        return pkcs11.lib(path)
    except PKCS11Error as e:
        log.debug("PKCS#11 module %s in a forked child: %s; finalizing the inherited state",
                  path, e)
    try:
        stale.reinitialize()
    except PKCS11Error as e:
        raise texts.module_failed(path, texts.ckr_name(e)) from e
    loaded[path] = stale
    return stale


def list_slots(path: str | os.PathLike) -> list[SlotInfo]:
    """Every slot of the module at ``path`` with its token (None when empty)."""
    return open_module(path).slots()
