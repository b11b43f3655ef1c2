"""The resume journal: what is already archived, safe against a kill at any instant.

``<out>/.smime-archiver/journal.jsonl`` holds one JSON line per message, appended in
report order and flushed to disk (``fsync``, once for each batch of messages ready
together) before the messages' files are renamed to their final names.  So at any
instant:

- a message whose line is complete may still lack its files (killed between the journal
  and the rename): :meth:`Journal.reusable` checks that they exist, else it is done again
  under the same names;
- a file under its final name always belongs to a complete line: nothing half-written
  counts as done (files are written under temporary names in ``.smime-archiver/tmp-*``);
- a line cut off by the kill is dropped when the journal is opened again.

Messages are keyed by source (the path as given), locator and the SHA-256 of their bytes,
so a changed message is archived again.  ``report.json``/``report.csv`` are rebuilt from
the journal at the end of every run, in this run's order.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from smime_archiver.archive.layout import NameReserver, stem_of
from smime_archiver.archive.safefs import (
    FILE_MODE,
    is_link,
    make_dirs,
    open_file,
    remove_tree,
)
from smime_archiver.errors import OutputError
from smime_archiver.i18n import _
from smime_archiver.outcome import MessageOutcome

log = logging.getLogger(__name__)

STATE_DIR = ".smime-archiver"
JOURNAL_NAME = "journal.jsonl"
JOURNAL_VERSION = 1

Key = bytes  # 16 bytes standing for (source, locator, SHA-256): small for big runs
_EML, _ATTACHMENTS = 1, 2  # flags kept beside each line's offset


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_key(source: str, locator: str, sha256: str) -> Key:
    text = "\0".join((source, locator, sha256))
    return hashlib.blake2b(text.encode("utf-8", "surrogateescape"), digest_size=16).digest()


def key_of(record: MessageOutcome) -> Key:
    return make_key(record.source, record.locator, record.sha256)


def _flags(made: dict[str, bool]) -> int:
    return (_EML if made.get("eml") else 0) | (_ATTACHMENTS if made.get("attachments") else 0)


class Journal:
    """Append-only record of every finished message (see the module docstring)."""

    def __init__(self, out_dir: Path, *, resume: bool):
        self.out_dir = out_dir
        self.state_dir = out_dir / STATE_DIR
        self.path = self.state_dir / JOURNAL_NAME
        self._index: dict[Key, int] = {}  # line offset * 4 + flags
        self._unwritten = False  # lines appended but still in the write buffer
        self.owned: set[str] = set()  # NameReserver keys of the stems the journal names
        try:  # neither the state folder nor the journal may be a link (see .safefs)
            make_dirs(out_dir, STATE_DIR)
            if resume and os.path.lexists(self.path):
                self._load()
            fresh = 0 if resume else os.O_TRUNC
            self._out = os.fdopen(open_file(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND
                                            | fresh), "ab")  # kept open for the job
            if hasattr(os, "fchmod"):  # also a journal of an older version (was 0644)
                with contextlib.suppress(OSError):
                    os.fchmod(self._out.fileno(), FILE_MODE)
            self._in = os.fdopen(open_file(self.path, os.O_RDONLY), "rb")
        except OSError as e:
            raise _journal_error(self.path, e) from e

    def _load(self) -> None:
        offset = good_end = 0
        with os.fdopen(open_file(self.path, os.O_RDWR), "r+b") as f:
            for line in f:
                here = offset
                offset += len(line)
                if not line.endswith(b"\n"):
                    break  # cut off by a kill: dropped (truncated below)
                good_end = offset
                try:
                    entry = json.loads(line)
                    record = entry["record"]
                    key = make_key(record["source"], record.get("locator") or "",
                                   record["sha256"])
                except (ValueError, KeyError, TypeError):
                    log.warning("skipping a damaged line in %s at byte %d", self.path, here)
                    continue
                self._index[key] = here * 4 + _flags(entry.get("made") or {})
                if record.get("pdf"):
                    self.owned.add(NameReserver.key(*stem_of(record["pdf"])))
            if good_end < offset:
                f.truncate(good_end)
        log.info("resume journal %s: %d messages", self.path, len(self._index))

    def __len__(self) -> int:
        return len(self._index)

    def get(self, key: Key) -> MessageOutcome | None:
        found = self._index.get(key)
        if found is None:
            return None
        self._write_out()
        self._in.seek(found >> 2)
        return MessageOutcome.from_json(json.loads(self._in.readline())["record"])

    def reusable(self, key: Key, *, eml: bool, attachments: bool) -> MessageOutcome | None:
        """The journal's record when the message is archived with every file this run makes."""
        found = self._index.get(key)
        if found is None:
            return None
        if (eml and not found & _EML) or (attachments and not found & _ATTACHMENTS):
            return None
        record = self.get(key)
        if record is None or not record.archived:
            return None
        if not all(regular_file_inside(self.out_dir, p) for p in record.outputs()):
            return None
        return record

    def append(self, record: MessageOutcome, *, made: dict[str, bool],
               key: Key | None = None) -> None:
        """Add a line (to the OS, not yet to the disk: :meth:`sync` before any rename)."""
        line = json.dumps({"v": JOURNAL_VERSION, "made": made, "record": record.to_json()},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        try:
            offset = self._out.tell()  # the end: the file is opened for appending
            self._out.write(line)  # buffered: written out by sync() or before a read
            self._unwritten = True
        except OSError as e:
            raise _journal_error(self.path, e) from e
        self._index[key if key is not None else key_of(record)] = offset * 4 + _flags(made)

    def _write_out(self) -> None:
        if self._unwritten:
            try:
                self._out.flush()
            except OSError as e:
                raise _journal_error(self.path, e) from e
            self._unwritten = False

    def sync(self) -> None:
        """Every line appended so far is on the disk (one fsync for a batch of messages)."""
        self._write_out()
        try:
            os.fsync(self._out.fileno())
        except OSError as e:
            raise _journal_error(self.path, e) from e

    def close(self) -> None:
        for fh in (self._out, self._in):
            with contextlib.suppress(OSError):
                fh.close()


def _journal_error(path: Path, e: OSError) -> OutputError:
    return OutputError(_("Could not write the resume journal {file}: {reason}. Check free "
                         "disk space and permissions.").format(file=path,
                                                               reason=e.strerror or e),
                       source=str(path))


def regular_file_inside(root: Path, rel: str) -> bool:
    """Whether ``root/rel`` is a regular file reached through no link (a file swapped for
    a link, or found through one, is not taken as ours)."""
    path = root
    parts = [p for p in rel.split("/") if p]
    for part in parts[:-1]:
        path = path / part
        if is_link(path):
            return False
    try:
        return stat.S_ISREG(os.lstat(path / parts[-1]).st_mode) if parts else False
    except OSError:
        return False


def new_tmp_dir(state_dir: Path) -> Path:
    """A fresh folder for this run's temporary files; earlier runs' ``tmp-*`` folders are
    removed (the output lock says no other run is using them), never through a link."""
    try:
        with os.scandir(state_dir) as entries:
            old = [Path(e.path) for e in entries if e.name.startswith("tmp-")]
        for folder in old:
            remove_tree(folder)  # a link there: OutputError, nothing removed
        return Path(tempfile.mkdtemp(prefix="tmp-", dir=state_dir))
    except OSError as e:
        raise _journal_error(state_dir, e) from e


def remove_partials(out_dir: Path) -> int:
    """Remove the ``.partial-*.tmp`` files an interrupted report write left at the top of
    the output folder (regular files of that name only, which only we make); how many."""
    removed = 0
    try:
        with os.scandir(out_dir) as entries:
            found = [e for e in entries
                     if e.name.startswith(".partial-") and e.name.endswith(".tmp")]
    except OSError:
        return 0
    for entry in found:
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed += 1
    return removed


def made_flags(eml: bool, attachments: bool) -> dict[str, Any]:
    return {"eml": eml, "attachments": attachments}
