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

Outlook items that are not mail (appointments, contacts, ...) come as messages made
for them (:mod:`.items`; ``RawMail.kind`` says what they were).  Hidden Outlook system
data (free/busy, views, rules) is no message: with ``skipped=True`` each such item
comes as a :class:`~smime_archiver.model.SkippedItem`, to be counted; else it is left out.

Modules: :mod:`.sniff` (what a file is), :mod:`.dispatch` (one file),
:mod:`.walk` (folders), :mod:`.mbox`, :mod:`.emlx` with :mod:`.apple_parts`,
:mod:`.single`, :mod:`.msg` / :mod:`.pst` with :mod:`.mapi` and :mod:`.rtf`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Literal, overload

from smime_archiver.i18n import _
from smime_archiver.mailbox.dispatch import read_file
from smime_archiver.mailbox.walk import is_maildir, walk_folder
from smime_archiver.model import RawMail, SkippedItem, SourceProblem
from smime_archiver.texts import describe_locator  # the words live with the other texts

log = logging.getLogger(__name__)

__all__ = ["container_of", "describe_locator", "iter_messages"]


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
                                        ).format(file=path))
        elif not os.path.exists(path):
            yield SourceProblem(path, _("{file} does not exist. Check the name and the folder."
                                        ).format(file=path))
        else:
            yield from read_file(path, claimed=True, cancel=cancel)


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


def container_of(item: RawMail | SourceProblem) -> str:
    """The mailbox a message belongs to, for counting messages per container.

    The source itself for an mbox or .pst; the Maildir for a Maildir file
    (``.../Inbox`` for ``.../Inbox/cur/123:2,S``); the ``.mbox`` folder for an
    Apple Mail ``.emlx``; the folder holding it for an ``.eml``/``.msg``.
    """
    source = item.source
    if item.locator or os.path.isdir(source):
        return source
    parent = os.path.dirname(source)
    if os.path.basename(parent) in ("cur", "new") and is_maildir(os.path.dirname(parent)):
        return os.path.dirname(parent)
    if source.endswith(".emlx"):
        probe = parent
        while probe and os.path.dirname(probe) != probe:
            if probe.endswith(".mbox"):
                return probe
            probe = os.path.dirname(probe)
        return parent
    if isinstance(item, SourceProblem):
        return source  # the file that could not be read is its own container
    return parent or source
