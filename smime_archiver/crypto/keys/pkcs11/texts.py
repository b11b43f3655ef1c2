"""The user-facing errors of hardware tokens, worded in one place.

Every message names the module or the token and says what to do.  A PIN never
appears in them; details come from the PKCS#11 return code (``CKR_...``), never
from what the user typed.
"""

from __future__ import annotations

import re

from smime_archiver.errors import (
    NoTokenError,
    PinLockedError,
    TokenError,
    TokenMechanismError,
    TokenModuleError,
    TokenRemovedError,
    WrongPinError,
)
from smime_archiver.i18n import _

_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def ckr_name(error: BaseException) -> str:
    """``CKR_DEVICE_REMOVED`` for python-pkcs11's ``DeviceRemoved``; else its own text."""
    name = type(error).__name__
    if name != "PKCS11Error":
        return "CKR_" + _WORD.sub("_", name).upper()
    return str(error) or name


def token_name(label: str, serial: str) -> str:
    """How a token is named in every message: its label and serial number."""
    if not serial:
        return _('"{label}"').format(label=label)
    return _('"{label}" (serial number {serial})').format(label=label, serial=serial)


def module_missing(module: str) -> TokenModuleError:
    return TokenModuleError(
        _("The PKCS#11 module {module} does not exist. Install the software that came with the "
          "token (for example SafeNet Authentication Client or OpenSC), or give the path of "
          "its PKCS#11 library.").format(module=module),
        source=module,
    )


def not_a_module(module: str, detail: str) -> TokenModuleError:
    return TokenModuleError(
        _("{module} is not a PKCS#11 library ({detail}). Give the token's PKCS#11 library, for "
          "example eTPKCS11.dll for SafeNet or opensc-pkcs11.dll for OpenSC.")
        .format(module=module, detail=detail),
        source=module,
    )


def module_failed(module: str, detail: str) -> TokenModuleError:
    return TokenModuleError(
        _("The PKCS#11 module {module} could not be started ({detail}). Check that the token "
          "software is installed completely and is the 64-bit version, then try again.")
        .format(module=module, detail=detail),
        source=module,
    )


def no_token(module: str) -> NoTokenError:
    return NoTokenError(
        _("No token is inserted: {module} finds no USB key or smart card. Insert the token "
          "(and connect the card reader, if it has one) and try again.").format(module=module),
        source=module,
    )


def token_gone(token: str, module: str) -> NoTokenError:
    return NoTokenError(
        _("The token {token} is not inserted (the module {module} does not find it). Insert "
          "it and try again.").format(token=token, module=module),
        source=module,
    )


def wrong_pin(token: str, module: str, *, final_try: bool, count_low: bool,
              tried: int) -> WrongPinError:
    if tried == 0:
        text = _("The token {token} needs its PIN. Enter the PIN and try again.").format(
            token=token)
    elif final_try:
        text = _("The token {token} did not accept the PIN. Only one try is left before the "
                 "token locks: check the PIN carefully before you try again.").format(token=token)
    elif count_low:
        text = _("The token {token} did not accept the PIN. Few tries are left before the "
                 "token locks: check the PIN before you try again.").format(token=token)
    else:
        text = _("The token {token} did not accept the PIN. Check the PIN and try again; "
                 "the token locks after a number of wrong tries.").format(token=token)
    return WrongPinError(text, final_try=final_try, count_low=count_low, source=module)


def pin_format(token: str, module: str) -> WrongPinError:
    return WrongPinError(
        _("The token {token} does not accept a PIN of this length or with these characters. "
          "Check the PIN and try again.").format(token=token),
        source=module,
    )


def pin_locked(token: str, module: str) -> PinLockedError:
    return PinLockedError(
        _("The PIN of the token {token} is locked after too many wrong tries. It cannot be "
          "used until it is unlocked with its PUK code or by whoever issued the token.")
        .format(token=token),
        source=module,
    )


def removed(token: str, module: str, detail: str) -> TokenRemovedError:
    return TokenRemovedError(
        _("The token {token} was removed or stopped answering while it was in use ({detail}). "
          "Insert it again and continue the export; messages already archived are kept.")
        .format(token=token, detail=detail),
        source=module,
    )


def mechanism(token: str, module: str, name: str, detail: str) -> TokenMechanismError:
    return TokenMechanismError(
        _("The token {token} cannot decrypt with {mechanism} ({detail}), which this message "
          "needs. Use the key file of the same certificate if you have it, or open the message "
          "in the mail program that received it.")
        .format(token=token, mechanism=name, detail=detail),
        mechanism=name,
        source=module,
    )


def failed(token: str, module: str, detail: str) -> TokenError:
    return TokenError(
        _("The token {token} reported an error ({detail}). Remove it, insert it again and try "
          "again.").format(token=token, detail=detail),
        source=module,
    )


def key_without_public(key: str, token: str) -> str:
    return _("The key {key} on the token {token} has neither a certificate nor a public key, so "
             "it cannot be matched to messages and is not used.").format(key=key, token=token)


def key_unusable(key: str, token: str, kind: str) -> str:
    return _("The key {key} on the token {token} is of a kind that cannot decrypt mail ({kind}), "
             "so it is not used.").format(key=key, token=token, kind=kind)
