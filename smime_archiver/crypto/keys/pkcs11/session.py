"""Logging in to a token with a PIN, and one session per token and process.

A wrong PIN burns one of the token's few tries, so :func:`login` tries each PIN
the user gave exactly once, in order, and never a variant of it (no NFC/NFD
spellings, no "empty PIN" guess).  The PIN that worked stays in memory with the
:class:`TokenSession` (never logged, pickled or written), because a forked child
and a session that was lost (the token re-inserted) must log in again.

:meth:`TokenSession.run` gives an operation the session of *this* process: in a
forked child it first initializes the module and logs in afresh, never touching
the parent's session.  When the session is lost it reconnects once; if the
token is gone it raises :class:`TokenRemovedError`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import pkcs11
from pkcs11 import PKCS11Error

from smime_archiver.crypto.keys.pkcs11 import texts
from smime_archiver.crypto.keys.pkcs11.module import (
    SETTLE_PAUSE,
    SETTLE_TRIES,
    Module,
    TokenInfo,
    TokenRef,
    loaded_module,
    open_module,
)
from smime_archiver.errors import (
    NoTokenError,
    PinLockedError,
    TokenError,
    TokenModuleError,
    WrongPinError,
)
from smime_archiver.i18n import _

log = logging.getLogger(__name__)

T = TypeVar("T")

# Return codes that mean the session (or the whole token) is gone, not that the operation
# was wrong: reconnect once, then report the token as removed.
LOST = (pkcs11.DeviceRemoved, pkcs11.SessionHandleInvalid, pkcs11.SessionClosed,
        pkcs11.TokenNotPresent, pkcs11.DeviceError, pkcs11.UserNotLoggedIn,
        pkcs11.ObjectHandleInvalid, pkcs11.KeyHandleInvalid)


@dataclass
class PinRequest:
    """What a PIN source is asked: for which token, and how the last PIN fared.

    The same object is updated between the PINs a source yields, so a prompt
    (a generator) can say why it asks again and how many tries are left.
    """

    token: TokenInfo
    tried: int = 0
    last_error: WrongPinError | None = None


PinSource = Callable[[PinRequest], Iterable[str]]


def fixed_pins(*pins: str) -> PinSource:
    """A PIN source that offers ``pins`` (e.g. from ``--pin-file``) to every token."""
    return lambda _request: iter(pins)


class TokenSession:
    """A logged-in session on one token, for this process; use :func:`login` or :func:`reopen`."""

    def __init__(self, module: Module, info: TokenInfo, session: Any, pin: str | None):
        self.module = module
        self.info = info
        self.ref = info.ref
        self._session = session
        self._pin = pin
        self._pid = os.getpid()
        self._epoch = module.epoch
        self._lock = threading.RLock()
        self._dead: TokenError | None = None
        self.generation = 0  # bumped whenever the session (and so every handle) is new

    def __repr__(self) -> str:  # never the PIN
        return f"TokenSession({self.ref.label!r}, {self.ref.serial!r})"

    def __reduce__(self):
        raise TypeError("a token session is never pickled; send its TokenRef and the PIN")

    def describe(self) -> str:
        return self.info.describe()

    def run(self, operation: Callable[[Any], T]) -> T:
        """``operation(session)`` with this process's session; reconnects once when lost."""
        with self._lock:
            session = self._current()
            try:
                return operation(session)
            except LOST as e:
                log.info("token %s: session lost (%s); reconnecting", self.ref.serial,
                         texts.ckr_name(e))
                first = e
            session = self._reconnect(first)
            try:
                return operation(session)
            except LOST as e:
                raise texts.removed(self.describe(), self.module.path, texts.ckr_name(e)) from e

    def ensure_present(self) -> None:
        """Raise :class:`TokenRemovedError` unless the token is in its slot now.

        Called before a search: python-pkcs11 reports a search that the token refused
        (pulled out) once more, as an ignored exception, when it cleans up.
        """
        try:
            self.module.token(self.ref)
        except (NoTokenError, TokenModuleError) as e:
            raise texts.removed(self.describe(), self.module.path, "CKR_TOKEN_NOT_PRESENT") from e

    def _current(self) -> Any:
        if self._dead is not None:
            raise self._dead
        if self._pid != os.getpid() or self._epoch != self.module.epoch:
            # a forked child (the parent's session is not ours: C_Initialize and log in
            # here), or the module was initialized again since
            self._session = None
            self._open(settle=True)
        return self._session

    def _reconnect(self, cause: Exception) -> Any:
        try:
            return self._open()
        except (NoTokenError, TokenModuleError) as e:
            raise texts.removed(self.describe(), self.module.path, texts.ckr_name(cause)) from e

    def _open(self, *, settle: bool = False) -> Any:
        try:
            info, session = _settled_login(self.module, self.ref, self._pin, settle)
        except (WrongPinError, PinLockedError) as e:
            self._dead = e  # never try the same PIN again
            raise
        except LOST as e:
            raise texts.removed(self.describe(), self.module.path, texts.ckr_name(e)) from e
        self._session = session
        self._pid = os.getpid()
        self._epoch = self.module.epoch
        self.generation += 1
        self.info = info
        return session

    def close(self) -> None:
        """Log out and close the session (in the process that opened it)."""
        with self._lock:
            _sessions.pop(self.ref, None)
            session, self._session = self._session, None
            self._dead = texts.failed(self.describe(), self.module.path, _("session closed"))
            if session is not None and self._pid == os.getpid():
                try:
                    session.close()
                except PKCS11Error as e:
                    log.debug("closing the session on %s: %s", self.ref.serial, e)


def _open_logged_in(token: Any, info: TokenInfo, pin: str | None) -> Any:
    """A session on ``token`` logged in with ``pin`` (one try); raises our errors."""
    module = info.module
    if not info.login_required:
        return token.open()
    if info.pin_locked:
        raise texts.pin_locked(info.describe(), module)
    user_pin: Any = pin
    if pin is None:
        if not info.protected_authentication_path:
            raise texts.wrong_pin(info.describe(), module, final_try=info.pin_final_try,
                                  count_low=info.pin_count_low, tried=0)
        user_pin = pkcs11.PROTECTED_AUTH  # typed on the reader's keypad
    try:
        return token.open(user_pin=user_pin)
    except pkcs11.UserAlreadyLoggedIn:
        return token.open()  # this process is logged in already (login is per application)
    except pkcs11.PinLocked as e:
        raise texts.pin_locked(info.describe(), module) from e
    except (pkcs11.PinLenRange, pkcs11.PinInvalid) as e:
        raise texts.pin_format(info.describe(), module) from e
    except pkcs11.PinIncorrect as e:
        raise _after_wrong_pin(info) from e
    except pkcs11.PinExpired as e:
        raise texts.failed(info.describe(), module, texts.ckr_name(e)) from e
    except LOST:
        raise
    except PKCS11Error as e:
        raise texts.failed(info.describe(), module, texts.ckr_name(e)) from e


def _after_wrong_pin(info: TokenInfo) -> TokenError:
    """The error for a refused PIN, with the token's word on the tries that are left."""
    try:
        fresh, _token = open_module(info.module).token(info.ref)
    except TokenError:
        fresh = info
    if fresh.pin_locked:
        return texts.pin_locked(fresh.describe(), info.module)
    return texts.wrong_pin(fresh.describe(), info.module, final_try=fresh.pin_final_try,
                           count_low=fresh.pin_count_low, tried=1)


_sessions: dict[TokenRef, TokenSession] = {}
_sessions_lock = threading.Lock()


def login(info: TokenInfo, pins: PinSource) -> TokenSession:
    """Log in to the token ``info`` with the PINs ``pins`` gives, each tried once.

    A token this process is already logged in to is not asked again.  Raises
    :class:`WrongPinError` (no PIN fitted, or none was given), :class:`PinLockedError`,
    :class:`NoTokenError`, :class:`TokenRemovedError` or :class:`TokenError`.
    """
    with _sessions_lock:
        known = _sessions.get(info.ref)
        if known is not None and known._dead is None and known._pid == os.getpid():
            return known
    module = open_module(info.module)
    fresh, token = module.token(info.ref)
    if not fresh.login_required:
        return _remember(TokenSession(module, fresh, _open_logged_in(token, fresh, None), None))
    if fresh.pin_locked:
        raise texts.pin_locked(fresh.describe(), module.path)
    request = PinRequest(fresh)
    tried: set[str] = set()
    for pin in pins(request):
        if not isinstance(pin, str):
            raise TypeError("a PIN source must yield str")
        if pin in tried:
            continue  # the same wrong PIN again would only burn a try
        tried.add(pin)
        try:
            session = _open_logged_in(token, request.token, pin)
        except LOST as e:
            raise texts.token_gone(fresh.describe(), module.path) from e
        except WrongPinError as e:
            request.tried += 1
            request.last_error = e
            fresh, token = module.token(info.ref)
            request.token = fresh
            continue
        log.info("logged in to token %s", fresh.serial)
        return _remember(TokenSession(module, request.token, session, pin))
    if request.last_error is not None:
        raise request.last_error
    if fresh.protected_authentication_path:
        session = _open_logged_in(token, fresh, None)
        return _remember(TokenSession(module, fresh, session, None))
    raise texts.wrong_pin(fresh.describe(), module.path, final_try=fresh.pin_final_try,
                          count_low=fresh.pin_count_low, tried=0)


def reopen(ref: TokenRef, pin: str | None) -> TokenSession:
    """The token ``ref`` in this process (a worker), logged in with ``pin`` in one try."""
    with _sessions_lock:
        known = _sessions.get(ref)
        if known is not None and known._dead is None:
            return known  # the same process, or a fork: run() re-initializes the latter
    module = open_module(ref.module)
    info, session = _settled_login(module, ref, pin, True)
    return _remember(TokenSession(module, info, session, pin))


def _settled_login(module: Module, ref: TokenRef, pin: str | None,
                   settle: bool) -> tuple[TokenInfo, Any]:
    """Find the token and log in with a PIN that worked before (in the parent).

    ``settle`` (a process starting to use the token): a login that fails for no reason
    the token names (``CKR_GENERAL_ERROR``: SoftHSM reading its files while another
    process writes them) is tried again after the module is initialized afresh.  A PIN the
    token refuses is never tried again.
    """
    tries = SETTLE_TRIES if settle else 1
    for attempt in range(tries):
        info, token = module.token(ref, settle=settle)
        try:
            return info, _open_logged_in(token, info, pin)
        except TokenError as e:
            if type(e) is not TokenError or attempt == tries - 1:
                raise
            log.info("token %s: login failed (%s); initializing the module again",
                     ref.serial, type(e.__cause__).__name__)
        time.sleep(SETTLE_PAUSE)
        module.reinitialize()
    raise AssertionError("unreachable")  # pragma: no cover


def _remember(session: TokenSession) -> TokenSession:
    with _sessions_lock:
        _sessions[session.ref] = session
    return session


def close_module(path: str | os.PathLike) -> None:
    """End every session of this process on the module at ``path``, then ``C_Finalize`` it.

    The next :func:`open_module` initializes it afresh (and sees tokens inserted since).
    """
    path = os.fsdecode(path)
    with _sessions_lock:
        mine = [s for s in _sessions.values() if s.module.path == path]
    for session in mine:
        session.close()
    module = loaded_module(path)
    if module is not None:
        module.close()
