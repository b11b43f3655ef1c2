"""The user-facing texts of reading Thunderbird/Firefox key databases, worded in one place.

Each names the profile folder (and the database file when it matters) and
says what to do.  No password ever appears in them.
"""

from __future__ import annotations

from smime_archiver.errors import DamagedKeyFileError, KeyFileError, WrongPasswordError
from smime_archiver.i18n import _, ngettext


def no_database(folder: str) -> KeyFileError:
    return KeyFileError(
        _(
            "{folder} holds no Thunderbird/Firefox key database (key4.db or key3.db). Choose "
            "the profile folder itself (the one that holds key4.db or key3.db), or a key file."
        ).format(folder=folder),
        source=folder,
    )


def wrong_password(folder: str, typed_count: int) -> WrongPasswordError:
    if typed_count == 0:
        text = _(
            "The Thunderbird/Firefox profile {folder} is protected by a primary password "
            "(formerly called master password). Enter it and try again."
        ).format(folder=folder)
    else:
        text = ngettext(
            "The password given is not the primary password of the Thunderbird/Firefox "
            "profile {folder}. Enter the primary password (formerly called master password) "
            "that Thunderbird or Firefox asks for, and try again.",
            "None of the {count} passwords given is the primary password of the "
            "Thunderbird/Firefox profile {folder}. Enter the primary password (formerly called "
            "master password) that Thunderbird or Firefox asks for, and try again.",
            typed_count,
        ).format(folder=folder, count=typed_count)
    return WrongPasswordError(text, source=folder)


def damaged(folder: str, database: str, detail: str) -> DamagedKeyFileError:
    return DamagedKeyFileError(
        _(
            "The key database {database} in {folder} is damaged or truncated ({detail}). Use a "
            "backup copy of the profile folder, or the key file the key was once imported from."
        ).format(database=database, folder=folder, detail=detail),
        source=folder,
    )


def locked(folder: str, database: str) -> KeyFileError:
    return KeyFileError(
        _(
            "The key database {database} in {folder} is in use by another program (Thunderbird "
            "or Firefox may be changing it right now). Close Thunderbird and Firefox and try "
            "again."
        ).format(database=database, folder=folder),
        source=folder,
    )


def unreadable(folder: str, database: str, reason: str) -> KeyFileError:
    return KeyFileError(
        _(
            "The key database {database} in {folder} cannot be read ({reason}). Check that "
            "the folder exists and that you may read it."
        ).format(database=database, folder=folder, reason=reason),
        source=folder,
    )


def unsupported(folder: str, database: str, name: str) -> KeyFileError:
    return KeyFileError(
        _(
            "The key database {database} in {folder} protects its keys with an algorithm this "
            "program does not support ({name}). Export the key from Thunderbird or Firefox as a "
            "key file (.p12) and use that."
        ).format(database=database, folder=folder, name=name),
        source=folder,
    )


def no_private_keys(folder: str, certificates: int) -> str:
    if certificates == 0:
        return _(
            "The Thunderbird/Firefox profile {folder} holds no keys and no certificates."
        ).format(folder=folder)
    return ngettext(
        "The Thunderbird/Firefox profile {folder} holds {count} certificate but no private "
        "key, so it cannot open mail. The key may be in another profile or in a key file.",
        "The Thunderbird/Firefox profile {folder} holds {count} certificates but no private "
        "key, so it cannot open mail. The key may be in another profile or in a key file.",
        certificates,
    ).format(folder=folder, count=certificates)


def damaged_key(folder: str, database: str, label: str | None) -> str:
    if label:
        return _(
            "The key \u201c{name}\u201d in {database} in {folder} is damaged and was left "
            "out. The other keys are still used."
        ).format(name=label, database=database, folder=folder)
    return _(
        "A key in {database} in {folder} is damaged and was left out. The other keys are "
        "still used."
    ).format(database=database, folder=folder)


def unsupported_curve(folder: str, name: str) -> str:
    return _(
        "A key in the Thunderbird/Firefox profile {folder} uses an elliptic curve this program "
        "does not support ({name}); it was left out."
    ).format(folder=folder, name=name)


def other_database_failed(folder: str, database: str, reason: str) -> str:
    return _(
        "The keys in {database} in {folder} could not be used: {reason} The keys of the "
        "profile's other key database are used."
    ).format(database=database, folder=folder, reason=reason)
