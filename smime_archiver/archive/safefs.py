"""The output folder is ours alone: nothing written, renamed or deleted follows a link.

Someone who can write into a shared archive folder can leave a symbolic link (on Windows
also a junction or another reparse point) where the program will write: the state folder
``.smime-archiver``, its journal, a mailbox folder, an ``_attachments`` folder.  Every
write of the export goes through this module, which never follows such a link:

- folders are made and entered one component at a time; on POSIX each is opened with
  ``O_NOFOLLOW | O_DIRECTORY`` relative to the one before (``dir_fd``), so a link swapped
  in between the check and the use is refused too, and files are renamed into the opened
  folder (``dst_dir_fd``).  Where ``dir_fd`` is not offered (Windows) each component is
  checked with ``lstat`` (``S_ISLNK``, or ``FILE_ATTRIBUTE_REPARSE_POINT`` with a tag
  that names another place) before use;
- files are opened with ``O_NOFOLLOW`` where the system has it (else checked first);
- folders are removed only after ``lstat`` says they are real folders, with the
  standard library's ``rmtree`` where it is safe against links (``dir_fd`` based) and
  with a walk that never enters a link elsewhere.

A link found where one of our files or folders should be stops the export with an
:class:`~smime_archiver.errors.OutputError` that names it.  The output folder itself
(``--out``) is the user's choice and may be a link.

**Permissions.**  Everything the export makes is for its owner only: files ``0600``
(:data:`FILE_MODE`), folders ``0700`` (:data:`DIR_MODE`), whatever the umask.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
from pathlib import Path

from smime_archiver.errors import OutputError
from smime_archiver.i18n import _

FILE_MODE = 0o600
DIR_MODE = 0o700
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_REPARSE_POINT = getattr(stat, "FILE_ATTRIBUTE_REPARSE_POINT", 0x400)
_NAME_SURROGATE = 0x20000000  # IsReparseTagNameSurrogate
# POSIX: folders entered by descriptor, renames into an open folder
DIR_FD = bool(_NOFOLLOW and _DIRECTORY and os.open in os.supports_dir_fd
              and os.mkdir in os.supports_dir_fd and os.rename in os.supports_dir_fd)


def _is_link_stat(st: os.stat_result) -> bool:
    if stat.S_ISLNK(st.st_mode):
        return True
    if not getattr(st, "st_file_attributes", 0) & _REPARSE_POINT:
        return False
    # Windows: a reparse point that names another place (symbolic link, junction, WSL
    # link: the "name surrogate" bit of its tag) is a link; OneDrive's placeholders and
    # other tags without it are files of their own.  No tag known: taken as a link.
    tag = getattr(st, "st_reparse_tag", 0)
    return not tag or bool(tag & _NAME_SURROGATE)


def is_link(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a symbolic link, a junction or another reparse point."""
    try:
        return _is_link_stat(os.lstat(path))
    except (FileNotFoundError, NotADirectoryError):
        return False


def link_error(path: str | os.PathLike) -> OutputError:
    return OutputError(
        _("{path} is a link to another place; smime-archiver only writes into folders it "
          "made itself. Remove the link or choose another output folder.").format(path=path),
        source=str(path))


def _parts(rel: str) -> list[str]:
    return [p for p in rel.replace("\\", "/").split("/") if p]


def make_dirs(root: Path, rel: str = "") -> Path:
    """``root/rel``, its missing folders made (``0700``), none of them a link; its path.

    Raises :class:`OutputError` for a link, ``OSError`` when a folder cannot be made.
    """
    if DIR_FD:
        os.close(open_dir(root, rel))
        return root.joinpath(*_parts(rel))
    path = root
    for part in _parts(rel):
        path = path / part
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, DIR_MODE)
        st = os.lstat(path)
        if _is_link_stat(st):
            raise link_error(path)
        if not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    return path


def open_dir(root: Path, rel: str) -> int:
    """A descriptor of the folder ``root/rel`` (POSIX), entered one component at a time
    without following a link; missing folders are made (``0700``)."""
    fd = os.open(root, os.O_RDONLY | _DIRECTORY)
    try:
        path = root
        for part in _parts(rel):
            path = path / part
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, DIR_MODE, dir_fd=fd)
            try:
                inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
            except OSError as e:
                if e.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK) and is_link(path):
                    raise link_error(path) from e
                raise
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def replace_into(tmp: str, root: Path, rel: str) -> Path:
    """Rename the file ``tmp`` to ``root/rel``, its folders made, nothing through a link.

    A link already at ``rel`` itself is replaced, never followed (a rename does not follow
    its target's final component).  Raises :class:`OutputError` or ``OSError``.
    """
    folder, _sep, name = rel.replace("\\", "/").rpartition("/")
    target = root.joinpath(*_parts(rel))
    if DIR_FD:
        fd = open_dir(root, folder)
        try:
            os.replace(tmp, name, dst_dir_fd=fd)
        finally:
            os.close(fd)
        return target
    make_dirs(root, folder)
    os.replace(tmp, target)
    return target


def open_file(path: Path, flags: int, mode: int = FILE_MODE) -> int:
    """``os.open`` that refuses a link at ``path`` (:class:`OutputError`); new files get
    ``mode``.  The folder holding ``path`` must have been checked (:func:`make_dirs`)."""
    if not _NOFOLLOW and is_link(path):
        raise link_error(path)
    try:
        return os.open(path, flags | _NOFOLLOW | getattr(os, "O_BINARY", 0), mode)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.EMLINK) and is_link(path):
            raise link_error(path) from e
        raise


def private_file(path: str | os.PathLike) -> None:
    """Make sure the file ``path`` exists and, when it is a regular file, that only its
    owner may read it (``0600``); for files others open (the ``--log`` file, which the
    user names: it may be a link such as ``/dev/stderr``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    try:
        if hasattr(os, "fchmod") and stat.S_ISREG(os.fstat(fd).st_mode):
            with contextlib.suppress(OSError):  # a file of another owner, a FAT disk
                os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


def remove_tree(path: Path) -> None:
    """Remove the folder ``path`` (one we made) and what is in it, never through a link.

    Raises :class:`OutputError` when ``path`` itself is a link (nothing is removed),
    ``OSError`` when something cannot be removed.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if _is_link_stat(st):
        raise link_error(path)
    if not stat.S_ISDIR(st.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    if shutil.rmtree.avoids_symlink_attacks:
        shutil.rmtree(path)
    else:  # pragma: no cover - Windows, macOS: our own walk
        _walk_remove(path)


def _walk_remove(path: Path) -> None:
    with os.scandir(path) as entries:
        for entry in list(entries):
            st = entry.stat(follow_symlinks=False)
            if _is_link_stat(st):  # the link itself goes, never what it leads to
                if os.name == "nt" and entry.is_dir():
                    os.rmdir(entry.path)  # a junction or directory link on Windows
                else:
                    os.unlink(entry.path)
            elif stat.S_ISDIR(st.st_mode):
                _walk_remove(Path(entry.path))
            else:
                os.unlink(entry.path)
    os.rmdir(path)
