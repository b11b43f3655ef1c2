"""The user-facing errors of key-file loading, worded in one place.

Every message names the file and says what to do.  Passwords never appear in
them; the ``detail`` texts come from our own parsers, never from the password.
"""

from __future__ import annotations

from smime_archiver.errors import (
    DamagedKeyFileError,
    KeyFileError,
    UnusableKeyError,
    WrongPasswordError,
)
from smime_archiver.i18n import _


def wrong_password(source: str, typed_count: int, *, what: str | None = None) -> WrongPasswordError:
    """No candidate opened ``source``; ``what`` names a part when the file itself opened."""
    if what is not None:
        text = _(
            "The password opened {file}, but its {part} is protected by a different password "
            "that none of the given passwords fits. Enter that password and try again."
        ).format(file=source, part=what)
    elif typed_count == 0:
        text = _(
            "{file} is protected by a password. Enter the password of this key file and try "
            "again."
        ).format(file=source)
    else:
        text = _(
            "None of the given passwords opens {file}. Check the password (it is the one chosen "
            "when the key was exported or backed up) and try again."
        ).format(file=source)
    return WrongPasswordError(text, source=source)


def damaged(source: str, detail: str) -> DamagedKeyFileError:
    return DamagedKeyFileError(
        _(
            "{file} is damaged or truncated ({detail}). Use another copy of the key file, for "
            "example from a backup."
        ).format(file=source, detail=detail),
        source=source,
    )


def not_a_key_file(source: str) -> DamagedKeyFileError:
    return DamagedKeyFileError(
        _(
            "{file} is not a key file this program can read. Choose a PKCS#12 file (.p12 or "
            ".pfx) or a PEM/DER private key."
        ).format(file=source),
        source=source,
    )


def unsupported(source: str, oid: str, name: str | None = None) -> KeyFileError:
    return KeyFileError(
        _(
            "{file} is protected with an algorithm this program does not support ({name}, OID "
            "{oid}). Export the key again with another program (for example as PKCS#12 with "
            "AES-256) and try again."
        ).format(file=source, name=name if name and name != oid else _("unknown"), oid=oid),
        source=source,
    )


def unusable(source: str, key_types: list[str]) -> UnusableKeyError:
    return UnusableKeyError(
        _(
            "{file} holds only keys that can sign but cannot decrypt mail ({types}). Use the key "
            "file with your encryption key (RSA or EC)."
        ).format(file=source, types=", ".join(key_types)),
        source=source,
    )


def unreadable(source: str, reason: str) -> KeyFileError:
    return KeyFileError(
        _("{file} cannot be read ({reason}). Check that the file exists and that you may read it.")
        .format(file=source, reason=reason),
        source=source,
    )


def unusable_warning(source: str, key_type: str) -> str:
    return _(
        "{file} holds a key of a kind that can sign but cannot decrypt mail ({type}), so it is "
        "not used."
    ).format(file=source, type=key_type)
