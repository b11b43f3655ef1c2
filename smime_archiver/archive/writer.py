"""The batch writer: commits a job's outcomes into the output folder, in report order.

For each message the job hands over (:meth:`ArchiveWriter.stage`) the writer chooses the
final names (:class:`~.layout.NameReserver`) and appends the journal line; the files stay
under their temporary names.  :meth:`ArchiveWriter.flush` then makes a batch durable and
visible: the batch's files on the disk (one ``syncfs``, or each file where that is
refused; nothing when the workers synced each file), the journal on the disk (one
``fsync``), and only then the renames to the final names.  So a kill or a power cut at
any instant never leaves a journal line for a file that is not whole, nor a file under
its final name that no journal line names (see :mod:`.journal`).  At the end
:meth:`ArchiveWriter.finish` writes ``report.json`` and ``report.csv`` from the journal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Generic, TypeVar

from smime_archiver.archive.durable import (
    UNSUPPORTED,
    batch_sync_available,
    sync_files,
    sync_filesystem,
)
from smime_archiver.archive.journal import (
    STATE_DIR,
    Journal,
    Key,
    made_flags,
    new_tmp_dir,
    remove_partials,
)
from smime_archiver.archive.layout import ATTACHMENTS_SUFFIX, NameReserver, stem_of
from smime_archiver.archive.lock import OutputLock
from smime_archiver.archive.report import write_reports
from smime_archiver.archive.safefs import DIR_MODE, make_dirs, remove_tree, replace_into
from smime_archiver.errors import OutputError
from smime_archiver.i18n import _
from smime_archiver.outcome import JobSummary, MessageOutcome
from smime_archiver.work import Outcome, cannot_write_text

log = logging.getLogger(__name__)

T = TypeVar("T")


def check_writable(out_dir: Path) -> None:
    """Create ``out_dir`` and check that files can be made in it (:class:`OutputError`)."""
    try:
        out_dir.mkdir(DIR_MODE, parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out_dir, prefix=".probe-", delete=True)
        probe.close()
    except OSError as e:
        raise OutputError(
            _("The output folder {folder} cannot be written: {reason}. Choose another "
              "folder or check its permissions.").format(folder=out_dir,
                                                        reason=e.strerror or e),
            source=str(out_dir),
        ) from e


@dataclasses.dataclass
class _Staged(Generic[T]):
    token: T  # what the job gets back when the message is committed
    outcome: MessageOutcome
    renames: list[tuple[str, str]]  # (temporary path, final path relative to the folder)


class ArchiveWriter(Generic[T]):
    """Writes one output folder: names, journal, durable renames, reports."""

    def __init__(self, out_dir: str | os.PathLike, *, resume: bool = False, eml: bool = False,
                 attachments: bool = False):
        self.out_dir = Path(out_dir)
        check_writable(self.out_dir)
        self.lock = _lock(self.out_dir)  # before anything in the folder is touched
        try:
            self.journal = Journal(self.out_dir, resume=resume)
            self.names = NameReserver(self.out_dir, owned=set(self.journal.owned))
            if remove_partials(self.out_dir):  # what an earlier run left half-written
                log.info("removed half-written files of an earlier run in %s", self.out_dir)
            self.tmp_dir = new_tmp_dir(self.journal.state_dir)
        except BaseException:
            self.lock.release()
            raise
        # where syncfs is there, the workers need not sync each file: flush() does, at once
        self.sync_each = not batch_sync_available()
        self._made = made_flags(eml, attachments)
        self._eml, self._attachments = eml, attachments
        self._whole_fs_sync = True  # until the file system refuses syncfs
        self._batch: list[_Staged[T]] = []
        self._order: list[Key] = []

    # --- what earlier runs did -------------------------------------------------------------

    def reusable(self, key: Key) -> MessageOutcome | None:
        """The journal's outcome when an earlier run archived the message with every file
        this run makes (so it is taken over, not done again)."""
        return self.journal.reusable(key, eml=self._eml, attachments=self._attachments)

    def earlier(self, key: Key) -> MessageOutcome | None:
        """What the journal says of a message (done in this run or an earlier one)."""
        return self.journal.get(key)

    # --- committing, in report order -------------------------------------------------------

    def take_over(self, token: T, outcome: MessageOutcome, key: Key) -> None:
        """A message an earlier run archived: its names stay taken, nothing is written."""
        if outcome.pdf and not outcome.duplicate_of:
            self.names.claim(*stem_of(outcome.pdf))
        self._order.append(key)
        self._batch.append(_Staged(token, outcome, []))

    def stage(self, token: T, outcome: MessageOutcome, key: Key, *, files: Outcome | None,
              folder: str, prefer: str | None = None) -> MessageOutcome:
        """Name the message's files (``files``: under temporary names) and journal it; the
        renames wait for :meth:`flush`.  Returns the outcome with its final names."""
        renames: list[tuple[str, str]] = []
        if files is not None and files.base is not None:
            stem = self.names.reserve(folder, files.base, prefer=prefer)
            prefix = f"{folder}/{stem}" if folder else stem
            pdf = eml = None
            if files.pdf_tmp:
                pdf = prefix + ".pdf"
                renames.append((files.pdf_tmp, pdf))
            if files.eml_tmp:
                eml = prefix + ".eml"
                renames.append((files.eml_tmp, eml))
            extracted = []
            for name, tmp in files.attachments:
                rel = f"{prefix}{ATTACHMENTS_SUFFIX}/{name}"
                extracted.append(rel)
                renames.append((tmp, rel))
            outcome = dataclasses.replace(outcome, pdf=pdf, eml=eml,
                                          attachments=(*outcome.attachments, *extracted))
        self.journal.append(outcome, made=self._made, key=key)
        self._order.append(key)
        self._batch.append(_Staged(token, outcome, renames))
        return outcome

    def pending(self) -> int:
        """Messages staged since the last :meth:`flush`."""
        return len(self._batch)

    def flush(self, committed: Callable[[T, MessageOutcome], None]) -> None:
        """Files to disk, journal to disk (one fsync), then each message's renames, after
        which ``committed(token, outcome)`` is called for it, in order.  Raises
        :class:`OutputError` when the disk refuses."""
        batch, self._batch = self._batch, []
        if not batch:
            return
        self._sync_files([tmp for staged in batch for tmp, _rel in staged.renames])
        self.journal.sync()
        for staged in batch:
            for tmp, rel in staged.renames:
                self._rename(tmp, rel)
            committed(staged.token, staged.outcome)

    def _rename(self, tmp: str, rel: str) -> None:
        target = self.out_dir / rel
        try:
            replace_into(tmp, self.out_dir, rel)  # never through a link (OutputError)
        except OSError as e:
            raise OutputError(
                _("Could not write {file}: {reason}. Check free disk space and "
                  "permissions, then run the export again with --resume.").format(
                      file=target, reason=e.strerror or e), source=str(target)) from e

    def _sync_files(self, files: list[str]) -> None:
        """The batch's files on the disk before the journal says they are done (when the
        workers did not sync each one): one syncfs, or each file where that is refused."""
        if self.sync_each or not files:
            return
        try:
            if self._whole_fs_sync:
                try:
                    sync_filesystem(str(self.tmp_dir))
                    return
                except OSError as e:
                    if e.errno not in UNSUPPORTED:
                        raise
                    log.info("the output file system refuses syncfs (%s): syncing each file",
                             e.strerror)
                    self._whole_fs_sync = False
            sync_files(files)
        except OSError as e:
            for tmp in files:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            raise OutputError(cannot_write_text(e), source=str(self.out_dir)) from e

    # --- the end ---------------------------------------------------------------------------

    def outcomes(self) -> Iterator[MessageOutcome]:
        """This run's outcomes in report order, read back from the journal."""
        for key in self._order:
            outcome = self.journal.get(key)
            if outcome is not None:
                yield outcome

    def finish(self, summary: JobSummary, *, key_files: list[dict], started: dt.datetime,
               cancelled: bool) -> Path:
        """Write ``report.json`` and ``report.csv``; returns the JSON report's path."""
        return write_reports(self.out_dir, self.outcomes(), summary, key_files=key_files,
                             started=started, finished=dt.datetime.now(dt.timezone.utc),
                             cancelled=cancelled)

    def close(self) -> None:
        """Remove the temporary files, close the journal and let other exports into the
        folder (also after a failure)."""
        try:
            remove_tree(self.tmp_dir)
        except (OSError, OutputError) as e:  # the next run removes it (or says why not)
            log.warning("could not remove %s: %s", self.tmp_dir, e)
        self.journal.close()
        self.lock.release()


def _lock(out_dir: Path) -> OutputLock:
    """The output folder's lock (:class:`OutputError` when another export holds it)."""
    try:
        state_dir = make_dirs(out_dir, STATE_DIR)
    except OSError as e:
        raise OutputError(_("Could not write {file}: {reason}. Check free disk space and "
                            "permissions.").format(file=out_dir / STATE_DIR,
                                                   reason=e.strerror or e),
                          source=str(out_dir)) from e
    return OutputLock(state_dir, out_dir)
