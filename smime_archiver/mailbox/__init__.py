"""Find and stream every message in whatever the user exported.

:func:`iter_messages` is the one entry point: give it files and folders (an
mbox, a Maildir, a folder of ``.eml``, a Thunderbird profile, an Apple Mail
folder, Outlook ``.msg``/``.pst`` files, bare ``.p7m`` blobs) and it yields each
message as a :class:`~smime_archiver.model.RawMail`, and each thing that cannot
be read as a :class:`~smime_archiver.model.SourceProblem`, one at a time and in
a deterministic order.  It never raises for bad input.

Locators (``RawMail.locator``), stable across runs for the same input:

- mbox: ``"#<index>@<byte offset of the From line>"``;
- Outlook .pst/.ost: ``"<folder path>#<position in that folder>"``;
- one-message files (.eml, Maildir files, .emlx, .msg, .p7m): ``""``.

Each item also names its mailbox (``RawMail.container``, ``SourceProblem.container``),
as its reader knows it: the mbox or .pst file, the Maildir, the Apple Mail ``.mbox``
folder, the folder of an ``.eml``/``.msg``.  :func:`read_one` reads one message again
by its source and locator (an mbox message straight from its byte offset).

Outlook items that are not mail (appointments, contacts, ...) come as messages made
for them (:mod:`.items`; ``RawMail.kind`` says what they were).  Hidden Outlook system
data (free/busy, views, rules) is no message: with ``skipped=True`` each such item
comes as a :class:`~smime_archiver.model.SkippedItem`, to be counted; else it is left out.

Modules: :mod:`.sniff` (what a file is; CMS by :mod:`smime_archiver.crypto.cms.sniff`),
:mod:`.dispatch` (one file, and its container),
:mod:`.walk` (folders), :mod:`.mbox`, :mod:`.emlx` with :mod:`.apple_parts`,
:mod:`.single`, :mod:`.msg` / :mod:`.pst` with :mod:`.items` (what an Outlook item
becomes), :mod:`.mapi` (mail from MAPI properties) and :mod:`.rtf`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Literal, overload

from smime_archiver.i18n import _
from smime_archiver.mailbox import mbox
from smime_archiver.mailbox.dispatch import container_for, read_file
from smime_archiver.mailbox.walk import maildir_of, walk_folder
from smime_archiver.model import RawMail, SkippedItem, SourceProblem
from smime_archiver.texts import describe_locator  # the words live with the other texts

log = logging.getLogger(__name__)

__all__ = ["container_of", "describe_locator", "iter_messages", "read_one"]


@overload
def iter_messages(inputs: Sequence[str | os.PathLike[str]], *,
                  cancel: threading.Event | None = None, skipped: Literal[False] = False
                  ) -> Iterator[RawMail | SourceProblem]: ...
@overload
def iter_messages(inputs: Sequence[str | os.PathLike[str]], *,
                  cancel: threading.Event | None = None, skipped: Literal[True]
                  ) -> Iterator[RawMail | SourceProblem | SkippedItem]: ...
def iter_messages(
    inputs: Sequence[str | os.PathLike[str]], *, cancel: threading.Event | None = None,
    skipped: bool = False,
) -> Iterator[RawMail | SourceProblem | SkippedItem]:
    """Yield every message in ``inputs`` (files and folders), one at a time.

    A file named here is read whatever its extension (its content decides); a
    folder is searched recursively.  An input given twice, or lying inside
    another input folder, is read once.  When ``cancel`` is set the iteration
    stops before the next message.  Yields :class:`RawMail` and
    :class:`SourceProblem`; with ``skipped`` also :class:`SkippedItem`.
    """
    for found in _iter_all(inputs, cancel):
        if skipped or not isinstance(found, SkippedItem):
            yield found


def _iter_all(inputs: Sequence[str | os.PathLike[str]], cancel: threading.Event | None
              ) -> Iterator[RawMail | SourceProblem | SkippedItem]:
    for path in _distinct_inputs(inputs):
        if cancel is not None and cancel.is_set():
            return
        if os.path.isdir(path):
            yield from walk_folder(path, cancel=cancel)
        elif os.path.lexists(path) and not os.path.exists(path):
            yield SourceProblem(path, _("{file} is a link to something that does not exist."
                                        ).format(file=path), container=_own(path))
        elif not os.path.exists(path):
            yield SourceProblem(path, _("{file} does not exist. Check the name and the folder."
                                        ).format(file=path), container=_own(path))
        else:
            yield from read_file(path, claimed=True, cancel=cancel, maildir=maildir_of(path))


def _own(path: str) -> str:
    """The container of a problem with a file named on its own: its Maildir, or itself."""
    return maildir_of(path) or path


def _distinct_inputs(inputs: Sequence[str | os.PathLike[str]]) -> list[str]:
    paths = [os.fspath(p) for p in inputs]
    real = [os.path.realpath(p) for p in paths]
    folders = [r for r, p in zip(real, paths, strict=False) if os.path.isdir(p)]
    kept: list[str] = []
    seen: set[str] = set()
    for path, r in zip(paths, real, strict=False):
        if r in seen:
            continue
        inside = [f for f in folders if f != r and r.startswith(f.rstrip(os.sep) + os.sep)]
        if inside and os.path.exists(path):
            log.info("%s lies inside another input folder; read once", path)
            continue
        seen.add(r)
        kept.append(path)
    return kept


def read_one(source: str, locator: str = "", *, index: int | None = None,
             cancel: threading.Event | None = None) -> RawMail | None:
    """The message at ``locator`` in the file ``source``, read again; ``None`` if not there.

    ``source``, ``locator`` (and ``index``, when given) as in the :class:`RawMail` first
    read; the result has the same ``container``.  An mbox message is read from its byte
    offset; in other multi-message files the file is read up to the message.
    """
    maildir = maildir_of(source)
    if mbox.is_mbox_locator(locator):
        found = mbox.read_mbox_message(source, locator)
        if isinstance(found, RawMail) and (index is None or found.index == index):
            return dataclasses.replace(found, container=container_for(found, maildir))
    for item in read_file(source, claimed=True, cancel=cancel, maildir=maildir):
        if isinstance(item, RawMail) and item.locator == locator \
                and (index is None or item.index == index):
            return item
    return None


def container_of(item: RawMail | SourceProblem) -> str:
    """The mailbox a message belongs to, for counting messages per container.

    ``item.container`` as its reader set it.  For an item made some other way (by
    hand, in a test) it is derived from ``item.source`` as the readers would: the
    source itself for an mbox or .pst; the Maildir for a Maildir file (``.../Inbox``
    for ``.../Inbox/cur/123:2,S``); the ``.mbox`` folder for an Apple Mail ``.emlx``;
    the folder holding it for an ``.eml``/``.msg``.
    """
    if item.container:
        return item.container
    if not item.locator and os.path.isdir(item.source):
        return item.source
    return container_for(item, maildir_of(item.source))
