"""Walk folders for mail: plain trees, Maildir/Maildir++, Thunderbird and Apple Mail data.

Order is deterministic: the entries of each folder are taken in sorted name
order, a subfolder where its name sorts (so ``Inbox`` comes before
``Inbox.sbd/``).  Symbolic links to folders are not followed (no loops, no
message found twice); symbolic links to files are read.

- **Maildir** (a folder with ``cur/`` and ``new/``): the files of ``cur/`` then
  ``new/`` (``tmp/`` holds deliveries in progress and is skipped), then its
  other subfolders, such as Maildir++'s ``.Sendt``.
- **Thunderbird profile** (``prefs.js`` beside ``Mail/``, ``ImapMail/`` or
  ``News/``): only those folders, plus account folders that ``prefs.js`` places
  outside the profile.  Extension-less files there are mbox folders; ``.msf``
  index files are skipped; an empty file is an empty folder.
- **Apple Mail** (``V*/``, ``*.mbox`` folders): ``.emlx`` files are read and the
  ``Attachments`` folder beside ``Messages`` is not walked as mail (its files are
  the stored parts of ``.partial.emlx`` messages).  An exported ``X.mbox``
  bundle's ``mbox`` file is an ordinary mbox.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Iterator

from smime_archiver.i18n import _
from smime_archiver.mailbox.dispatch import Item, read_file
from smime_archiver.mailbox.sniff import MAIL_EXTENSIONS
from smime_archiver.model import SourceProblem

log = logging.getLogger(__name__)

_SKIP_SUFFIXES = (".msf",)
_PROFILE_MAIL_DIRS = ("Mail", "ImapMail", "News")
_PREF_DIRECTORY = re.compile(
    r'user_pref\("mail\.server\.[^"]+\.directory",\s*"((?:[^"\\]|\\.)*)"\);'
)


def walk_folder(root: str, *, cancel: threading.Event | None = None) -> Iterator[Item]:
    """Yield every message found under the folder ``root``."""
    roots = profile_mail_folders(root)
    if roots is None:
        yield from _walk(root, cancel)
        return
    log.info("Thunderbird profile %s: reading %s", root, ", ".join(roots))
    for folder in roots:
        if _cancelled(cancel):
            return
        yield from _walk(folder, cancel)


def profile_mail_folders(folder: str) -> list[str] | None:
    """The mail folders of a Thunderbird profile, or ``None`` if ``folder`` is not one."""
    prefs = os.path.join(folder, "prefs.js")
    inside = [os.path.join(folder, name) for name in _PROFILE_MAIL_DIRS
              if os.path.isdir(os.path.join(folder, name))]
    if not os.path.isfile(prefs) or not inside:
        return None
    extra: list[str] = []
    try:
        with open(prefs, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError as e:
        log.warning("cannot read %s: %s", prefs, e)
        text = ""
    real_profile = os.path.realpath(folder)
    for m in _PREF_DIRECTORY.finditer(text):
        directory = _js_string(m.group(1))
        if not os.path.isdir(directory):
            continue
        real = os.path.realpath(directory)
        if real == real_profile or real.startswith(real_profile + os.sep):
            continue
        if real not in (os.path.realpath(p) for p in extra):
            extra.append(directory)
    return inside + sorted(extra)


def _js_string(body: str) -> str:
    """The value of a prefs.js string literal's body (its escapes are JSON's)."""
    try:
        value = json.loads(f'"{body}"')
    except ValueError:
        return body
    return value if isinstance(value, str) else body


def is_maildir(folder: str) -> bool:
    """Whether ``folder`` is a Maildir: it holds ``cur/`` and ``new/``."""
    return os.path.isdir(os.path.join(folder, "cur")) and os.path.isdir(
        os.path.join(folder, "new"))


def maildir_of(path: str) -> str | None:
    """The Maildir a message file named on its own lies in (``.../Inbox`` for
    ``.../Inbox/cur/123:2,S``), or ``None``."""
    parent = os.path.dirname(path)
    if os.path.basename(parent) in ("cur", "new") and is_maildir(os.path.dirname(parent)):
        return os.path.dirname(parent)
    return None


def _cancelled(cancel: threading.Event | None) -> bool:
    return cancel is not None and cancel.is_set()


def _entries(folder: str) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as it:
        return sorted(it, key=lambda e: e.name)


def _walk(folder: str, cancel: threading.Event | None) -> Iterator[Item]:
    try:
        entries = _entries(folder)
    except OSError as e:
        yield SourceProblem(folder, _("The folder {folder} could not be read ({error}); the "
                                      "mail in it, if any, was not archived.").format(
                                          folder=folder, error=e.strerror or e),
                            container=folder)
        return
    names = {e.name for e in entries}
    maildir = "cur" in names and "new" in names and is_maildir(folder)
    if maildir:
        for sub in ("cur", "new"):
            yield from _maildir_messages(folder, sub, cancel)
    apple_data = "Messages" in names  # Apple Mail: Attachments/ beside Messages/ is no mail
    for entry in entries:
        if _cancelled(cancel):
            return
        path = os.path.join(folder, entry.name)
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_dir = False
        if is_dir:
            if maildir and entry.name in ("cur", "new", "tmp"):
                continue
            if apple_data and entry.name == "Attachments":
                continue
            yield from _walk(path, cancel)
        elif entry.is_symlink() and os.path.isdir(path):
            log.info("not following the link to a folder %s", path)
        else:
            yield from _walk_file(path, entry, names, cancel)


def _walk_file(path: str, entry: os.DirEntry[str], siblings: set[str],
               cancel: threading.Event | None) -> Iterator[Item]:
    name = entry.name
    if name.endswith(_SKIP_SUFFIXES) or name.startswith("._"):  # .msf, AppleDouble
        return
    ext = os.path.splitext(name)[1].lower()
    claimed = ext in MAIL_EXTENSIONS
    try:
        empty = entry.stat().st_size == 0
    except OSError:
        empty = False
    if empty and (not claimed or name + ".msf" in siblings):
        return  # an empty Thunderbird folder, or an empty file that never claimed to be mail
    yield from read_file(path, claimed=claimed, cancel=cancel)


def _maildir_messages(maildir: str, sub: str, cancel: threading.Event | None
                      ) -> Iterator[Item]:
    folder = os.path.join(maildir, sub)
    try:  # names only: a Maildir folder may hold 100 000 files, sorted in memory
        with os.scandir(folder) as it:
            names = sorted(e.name for e in it if not e.name.startswith(".") and e.is_file())
    except OSError as e:
        yield SourceProblem(folder, _("The Maildir folder {folder} could not be read ({error})."
                                      ).format(folder=folder, error=e.strerror or e),
                            container=folder)
        return
    for name in names:
        if _cancelled(cancel):
            return
        yield from read_file(os.path.join(folder, name), claimed=True, cancel=cancel,
                             maildir=maildir)
