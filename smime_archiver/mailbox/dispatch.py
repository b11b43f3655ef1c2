"""Read one file as whatever its content says it is.

``claimed`` files (named on the command line, inside a Maildir, or with a mail
extension such as ``.eml``) always give a result: messages, or a
:class:`SourceProblem` saying why not.  Unclaimed files met while walking a
folder (``prefs.js``, ``.sqlite``, pictures) are left alone unless their
content is mail.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Iterator

from smime_archiver.i18n import _
from smime_archiver.mailbox import emlx, mbox, msg, pst, single
from smime_archiver.mailbox.sniff import HEAD_SIZE, MAIL_KINDS, Kind, read_head, sniff
from smime_archiver.model import RawMail, SkippedItem, SourceProblem

log = logging.getLogger(__name__)

Item = RawMail | SourceProblem | SkippedItem  # SkippedItem: hidden Outlook data


def read_file(
    path: str, *, claimed: bool, cancel: threading.Event | None = None,
    maildir: str | None = None,
) -> Iterator[Item]:
    """Yield the messages in the file at ``path`` (or why there are none).

    Each message and problem has its ``container`` set (:func:`container_for`);
    ``maildir``: the Maildir folder the file lies in, when it is a Maildir message.
    """
    for item in _read_file(path, claimed=claimed, cancel=cancel):
        if isinstance(item, SkippedItem) or item.container:
            yield item
        else:
            yield dataclasses.replace(item, container=container_for(item, maildir))


def container_for(item: RawMail | SourceProblem, maildir: str | None = None) -> str:
    """The mailbox ``item`` belongs to, from what its reader knows (no file system look).

    The source itself for an mbox or .pst (a message there has a locator) and for a file
    that could not be read; ``maildir`` for a Maildir file; the ``.mbox`` folder for an
    Apple Mail ``.emlx``; the folder holding it for an ``.eml``/``.msg``.
    """
    source = item.source
    if item.locator:
        return source
    if maildir:
        return maildir
    parent = os.path.dirname(source)
    if source.endswith(".emlx"):
        probe = parent
        while probe and os.path.dirname(probe) != probe:
            if probe.endswith(".mbox"):
                return probe
            probe = os.path.dirname(probe)
        return parent
    if isinstance(item, SourceProblem):
        return source
    return parent or source


def _read_file(
    path: str, *, claimed: bool, cancel: threading.Event | None = None
) -> Iterator[Item]:
    try:
        head = read_head(path)
    except OSError as e:
        yield SourceProblem(path, _unreadable(path, e))
        return
    kind = sniff(head)
    if not claimed and kind not in MAIL_KINDS:
        log.debug("not mail, left alone: %s (%s)", path, kind)
        return
    log.debug("%s: %s", path, kind)
    try:
        if kind is Kind.MBOX:
            yield from mbox.iter_mbox(path, cancel=cancel)
        elif kind is Kind.PST:
            yield from pst.iter_pst(path, cancel=cancel)
        elif kind is Kind.OLE:
            yield from msg.read_msg_file(path, claimed=claimed)
        elif kind in MAIL_KINDS:
            data = head if len(head) < HEAD_SIZE else single.read_whole(path)
            yield _read_one(path, kind, data)
        else:
            yield SourceProblem(path, not_mail_detail(path, kind))
    except single.TooLarge:
        yield SourceProblem(path, single.too_large_detail(path))
    except OSError as e:
        yield SourceProblem(path, _unreadable(path, e))
    except Exception as e:  # a reader bug must not end the whole export: report it
        log.warning("unexpected error reading %s", path, exc_info=True)
        yield SourceProblem(path, _(
            "The file {file} could not be read because of an unexpected error ({error}). "
            "Please report it; the other files were read.").format(
                file=path, error=type(e).__name__))


def _read_one(path: str, kind: Kind, data: bytes) -> Item:
    if kind is Kind.EMLX:
        return emlx.read_emlx(path, data)
    if kind is Kind.MESSAGE:
        return single.read_message_file(path, data)
    return single.read_cms_file(path, data, kind)


def _unreadable(path: str, error: OSError) -> str:
    return _("The file {file} could not be read ({error}). Check that it exists and that "
             "you may read it.").format(file=path, error=error.strerror or error)


def not_mail_detail(path: str, kind: Kind) -> str:
    """Why a file that was meant to be mail is not, in the user's words."""
    ext = os.path.splitext(path)[1].lower()
    if kind is Kind.EMPTY:
        return _("The file {file} is empty (0 bytes), so it holds no message.").format(file=path)
    if kind is Kind.ZIP:
        return _("The file {file} is a ZIP archive, not a mailbox. Unpack it and give the "
                 "unpacked folder instead.").format(file=path)
    if kind is Kind.GZIP:
        return _("The file {file} is gzip-compressed. Uncompress it and give the uncompressed "
                 "file instead.").format(file=path)
    if ext == ".msg":
        return _("The file {file} is named .msg but is not an Outlook message: Outlook .msg "
                 "files are compound files, and this one is not (nor any other mail "
                 "format).").format(file=path)
    if ext in (".pst", ".ost"):
        return _("The file {file} is named {ext} but is not an Outlook data file: it does not "
                 "start with the PST signature.").format(file=path, ext=ext)
    if kind is Kind.TEXT:
        return _("The file {file} is not an e-mail message or mailbox: it is text, but it "
                 "starts neither with mail headers nor with an mbox \"From \" line.").format(
                     file=path)
    return _("The file {file} is not an e-mail message or mailbox: it holds binary data "
             "that matches no supported format (mbox, .eml, .emlx, Outlook .msg/.pst, S/MIME "
             ".p7m).").format(file=path)
