"""Where each message's files go: a folder per mailbox that mirrors the input, and names.

**Folders.**  Each input named on the command line becomes a folder of the output named
after it, and the mailboxes found inside keep their relative place:

- a folder input ``/share/Kunder`` holding ``anna/Inbox.mbox`` and the Maildir ``bo/Mail``
  gives ``Kunder/anna/Inbox/`` and ``Kunder/bo/Mail/``;
- a mailbox file input (mbox, .pst) ``Indbakke.mbox`` gives ``Indbakke/``, and a .pst's own
  folders nest below it (``Outlook/Indbakke/``);
- a one-message file input (``besked.eml``, ``smime.p7m``) goes to the top of the output.

Mail suffixes are dropped from folder names (``Inbox.mbox`` -> ``Inbox``; Thunderbird's
``Inbox.sbd`` -> ``Inbox``, so subfolders nest inside their parent), and every component is
made safe by the one sanitizer of :mod:`.names` (at most 60 bytes).

**Names.**  ``YYYY-MM-DD_HHMM_<sender>_<subject>`` (see :func:`.names.pdf_basename`),
with ``.pdf``, ``.eml`` and ``_attachments/`` sharing one stem.  A stem already taken in
the same folder (compared case-insensitively, as on Windows and macOS) gets ``_2``, ``_3``,
... in report order, so the same input always gives the same names.  Files already in the
output folder are never overwritten, except those the resume journal says are ours, and a
folder that is a link (or a junction) is refused (:class:`OutputError`): nothing is written
through a link we did not make (see :mod:`.safefs`).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from pathlib import Path

from smime_archiver.archive.names import safe_component
from smime_archiver.archive.safefs import is_link, link_error
from smime_archiver.mailbox import container_of
from smime_archiver.model import RawMail, SourceProblem

FOLDER_COMPONENT_BYTES = 60
_MAIL_SUFFIXES = (".mbox", ".mbx", ".sbd", ".pst", ".ost", ".mbs", ".maildir")
ATTACHMENTS_SUFFIX = "_attachments"


def _component(name: str) -> str:
    lowered = name.lower()
    for suffix in _MAIL_SUFFIXES:
        if lowered.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return safe_component(name, max_bytes=FOLDER_COMPONENT_BYTES)


class OutputLayout:
    """Maps each message to its output folder (a relative POSIX path; "" is the top)."""

    def __init__(self, inputs: Sequence[str]):
        self._roots = sorted((os.path.normpath(os.fspath(p)) for p in inputs),
                             key=len, reverse=True)

    def _root_of(self, path: str) -> str | None:
        norm = os.path.normpath(path)
        for root in self._roots:
            if norm == root or norm.startswith(root.rstrip(os.sep) + os.sep):
                return root
        return None

    def folder_for(self, item: RawMail | SourceProblem) -> str:
        source = os.path.normpath(item.source)
        container = os.path.normpath(container_of(item))
        inner: list[str] = []
        if item.locator and not item.locator.startswith("#"):  # .pst: "<folder path>#n"
            folder_path = item.locator.rpartition("#")[0]
            inner = [p for p in folder_path.replace("\\", "/").split("/") if p]
        root = self._root_of(source)
        parts: list[str]
        if root is None:  # found outside every input (a profile's external account folder)
            parts = [os.path.basename(container)]
        elif os.path.isdir(root):
            rel = os.path.relpath(container, root)
            parts = [os.path.basename(root)] + ([] if rel == "." else rel.split(os.sep))
            if rel.startswith(".."):
                parts = [os.path.basename(container)]
        elif container == source:  # a mailbox file given directly
            parts = [os.path.basename(root)]
        else:  # a one-message file given directly
            parts = []
        return "/".join(_component(p) for p in (*parts, *inner) if p)


class NameReserver:
    """Deterministic, collision-free stems per folder (see the module docstring)."""

    def __init__(self, out_dir: Path, owned: set[str] | None = None):
        self.out_dir = out_dir
        self._taken: set[str] = set()
        self._owned = owned if owned is not None else set()
        self._inside: set[str] = set()  # folders checked to lie inside the output folder
        self._seen: set[str] = set()  # folders looked at on the disk
        self._fresh: set[str] = set()  # ... that did not exist then: no file there is older

    @staticmethod
    def key(folder: str, stem: str) -> str:
        return posixpath.join(folder, stem).casefold()

    def release(self, folder: str, stem: str) -> None:
        """Forget that the journal owns ``stem`` (its message is being done again)."""
        self._owned.discard(self.key(folder, stem))

    def claim(self, folder: str, stem: str) -> None:
        """Mark a stem as used by a message taken over from the journal."""
        self._taken.add(self.key(folder, stem))

    def _busy(self, folder: str, stem: str) -> bool:
        key = self.key(folder, stem)
        if key in self._taken or key in self._owned:
            return True
        if folder in self._fresh:
            return False
        base = self.out_dir / folder if folder else self.out_dir
        if folder not in self._seen:
            self._seen.add(folder)
            if not os.path.lexists(base):  # made by this job: it holds only what _taken lists
                self._fresh.add(folder)
                return False
        return any(os.path.lexists(base / (stem + suffix))
                   for suffix in (".pdf", ".eml", ATTACHMENTS_SUFFIX))

    def check_inside(self, folder: str) -> None:
        """Raise :class:`OutputError` if a folder on the way to ``folder`` (relative) is a
        link (or a junction) someone left there: nothing is ever written through one."""
        if folder in self._inside:
            return
        probe = self.out_dir
        for part in folder.split("/") if folder else []:
            probe = probe / part
            if not os.path.lexists(probe):
                break  # made by us, as a real folder
            if is_link(probe):
                raise link_error(probe)
        self._inside.add(folder)

    def reserve(self, folder: str, base: str, prefer: str | None = None) -> str:
        """A stem for ``base`` in ``folder`` that nothing else uses; remembered.

        ``prefer``: the stem the journal gave this message in an earlier, interrupted run
        (its files are ours to overwrite), used when no message of this run took it.
        Raises :class:`OutputError` when a folder on the way is a link.
        """
        self.check_inside(folder)
        if prefer is not None:
            self.release(folder, prefer)
            if self.key(folder, prefer) not in self._taken:
                self._taken.add(self.key(folder, prefer))
                return prefer
        stem = base
        n = 2
        while self._busy(folder, stem):
            stem = f"{base}_{n}"
            n += 1
        self._taken.add(self.key(folder, stem))
        return stem


def stem_of(relative: str) -> tuple[str, str]:
    """``("folder", "stem")`` of a recorded ``folder/stem.pdf`` path."""
    folder, _sep, name = relative.rpartition("/")
    stem = name[:-4] if name.lower().endswith((".pdf", ".eml")) else name
    return folder, stem
