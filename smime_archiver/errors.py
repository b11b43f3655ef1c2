"""One exception tree for the whole core, rooted at :class:`ArchiverError`.

Every message is a complete sentence for the user (already translated through
:func:`smime_archiver.i18n._`); ``source`` names the file and ``locator`` the
message inside it, when known.  The CLI and the GUI map this tree to exit codes
and dialogs in one place each.

Cancelling is no error: a cancelled job returns normally (``JobResult.cancelled``).  A
message whose PDF cannot be made is no exception either: :mod:`smime_archiver.work`
catches what the renderer raises and makes it that message's ``error`` outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from smime_archiver.model import RecipientRef


class ArchiverError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(self, message: str, *, source: str | None = None, locator: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.locator = locator

    def __str__(self) -> str:
        return self.message


class UsageError(ArchiverError):
    """The user asked for something impossible (bad arguments, missing files)."""


class OutputError(ArchiverError):
    """The output folder cannot be written.  Fatal for a job."""


# --- key files -------------------------------------------------------------


class KeyFileError(ArchiverError):
    """A key file could not be used."""


class WrongPasswordError(KeyFileError):
    """The key file is intact (its integrity check ran) but no password fitted."""


class DamagedKeyFileError(KeyFileError):
    """The bytes are not a key file we understand, or are damaged."""


class UnusableKeyError(KeyFileError):
    """The key file loaded but holds a key type that cannot decrypt mail (DSA, DH).

    A warning for that file, never the end of a run.
    """


# --- hardware tokens (PKCS#11) ----------------------------------------------


class TokenError(KeyFileError):
    """A hardware token (USB key or smart card) or its PKCS#11 module could not be used.

    ``source`` names the module (or the token) so the user knows which one.
    """


class TokenModuleError(TokenError):
    """The PKCS#11 module is missing, is not a PKCS#11 library, or does not start."""


class NoTokenError(TokenError):
    """No token is inserted in any slot of the module (or the slot asked for is empty)."""


class WrongPinError(TokenError):
    """The token refused the PIN(s) given; ``final_try``/``count_low`` as the token said."""

    def __init__(self, message: str, *, final_try: bool = False, count_low: bool = False,
                 **kw: str | None):
        super().__init__(message, **kw)
        self.final_try = final_try
        self.count_low = count_low


class PinLockedError(TokenError):
    """The token's user PIN is locked (too many wrong tries)."""


class TokenRemovedError(TokenError):
    """The token was removed, or stopped answering, while it was in use."""


class TokenMechanismError(TokenError):
    """The token does not offer the mechanism (or its parameters) an operation needs."""

    def __init__(self, message: str, *, mechanism: str, **kw: str | None):
        super().__init__(message, **kw)
        self.mechanism = mechanism


# --- messages --------------------------------------------------------------


class MessageError(ArchiverError):
    """One message could not be processed; becomes that message's outcome."""

    status = "error"


class MalformedMessageError(MessageError):
    """The message or its CMS structure is damaged, truncated or garbled."""

    status = "corrupt"


class UnsupportedAlgorithmError(MessageError):
    """An algorithm we do not implement; names the OID."""

    status = "unsupported"

    def __init__(self, message: str, *, oid: str, name: str | None = None, **kw: str | None):
        super().__init__(message, **kw)
        self.oid = oid
        self.name = name


class NoMatchingKeyError(MessageError):
    """None of the loaded keys opens the message; names the recipients it saw."""

    status = "no_key"

    def __init__(
        self, message: str, *, recipients: Sequence[RecipientRef] = (), **kw: str | None
    ):
        super().__init__(message, **kw)
        self.recipients = tuple(recipients)


class KeyUnavailableError(MessageError):
    """A key that may open the message could not be used (its token was removed mid-run)."""

    status = "error"


class LimitExceededError(MessageError):
    """A safety limit (nesting depth, size) was hit while unwrapping a message."""

    status = "corrupt"

