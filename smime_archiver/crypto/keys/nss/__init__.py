"""Keys kept by Thunderbird and Firefox: their NSS key databases, read by our own code.

No NSS library is needed at run time: ``key4.db``/``cert9.db`` are read with
:mod:`sqlite3`, ``key3.db``/``cert8.db`` with a small Berkeley DB hash-file
reader (:mod:`.hashdb`), and the encrypted items with ``cryptography``.

* :func:`load_nss_database` -- every private key of a profile folder, with its
  certificates, as a :class:`~smime_archiver.crypto.keys.keyfiles.KeyFileResult`.
* :func:`is_nss_database` / :func:`database_folder` -- does a path name one?
* :func:`find_profiles` -- the Thunderbird/Firefox profiles of a user.
* :func:`summarize_nss_database` -- which certificates have a key there, and
  whether a primary password is set, without asking for it.
"""

from smime_archiver.crypto.keys.nss.database import (
    database_folder,
    is_nss_database,
    load_nss_database,
)
from smime_archiver.crypto.keys.nss.profiles import Profile, find_profiles
from smime_archiver.crypto.keys.nss.summary import ProfileSummary, summarize_nss_database

__all__ = [
    "Profile",
    "ProfileSummary",
    "database_folder",
    "find_profiles",
    "is_nss_database",
    "load_nss_database",
    "summarize_nss_database",
]
