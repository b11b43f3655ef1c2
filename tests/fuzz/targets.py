"""The fuzz targets and their oracle: any exception other than our own error types is a bug.

Each target takes bytes, runs one stage of the pipeline on them and raises
:class:`Finding` when the stage breaks its contract:

- ``keyfile``: :func:`load_key_file` may raise :class:`KeyFileError` (wrong password,
  damaged, unusable), nothing else;
- ``cms``: :func:`load_content_info` may raise :class:`MessageError`; what it returns is
  then opened the way the unwrapper does (decrypt, verify, decompress) under the same rule;
- ``unwrap``: :func:`unwrap_message` never raises, and its catch-all for unexpected
  errors must not fire (a log record with the traceback says it did); the outcome, when
  archivable, is parsed and rendered to PDF like in an export;
- ``mime``: :func:`parse_message` never raises (tolerant by design); the view is rendered;
- ``mailbox``: the bytes as an mbox, ``.eml``, ``.emlx``, ``.msg``, Maildir file and bare
  ``.p7m``: :func:`iter_messages` never raises and its per-file catch-all must not fire;
- ``html``: :func:`html_flowables` never raises, and the flowables lay out on pages.

Besides exceptions the harness measures time: a single input that takes longer than
:data:`SLOW_SECONDS` is reported by the driver (a hang is a finding too).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from smime_archiver.errors import ArchiverError, KeyFileError, MessageError
from smime_archiver.model import ARCHIVED_STATUSES, RawMail, SourceProblem

SLOW_SECONDS = 10.0
PASSWORD = "Blåbær-æøå-2009"


class Finding(AssertionError):
    """A target broke its contract; the message holds the traceback."""


class _Unexpected(logging.Handler):
    """Collects records that carry an exception a catch-all swallowed."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[0] is not None:
            if not issubclass(record.exc_info[0], ArchiverError) and not _damage_in_parser(
                    record.exc_info[2]):
                self.records.append(record)


# Third-party parsers of whole container formats raise whatever they like on a damaged
# file; the reader that calls them reports the file as damaged (by design).  An error
# raised in our own code, or in the standard library called by it, is never excused.
THIRD_PARTY_PARSERS = ("/olefile/", "/pypff", "/PIL/")


def _damage_in_parser(tb) -> bool:
    frames = traceback.extract_tb(tb)
    return any(any(p in f.filename for p in THIRD_PARTY_PARSERS) for f in frames)


@contextlib.contextmanager
def catch_all_watch(allow: tuple[str, ...] = ()) -> Iterator[None]:
    """Raise :class:`Finding` if a catch-all in the core logged an unexpected exception.

    ``allow``: logger names whose exception records are a designed fallback (the
    renderer's second and third layout attempts), not a swallowed bug.
    """
    handler = _Unexpected()
    logger = logging.getLogger("smime_archiver")
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
    bad = [r for r in handler.records if r.name not in allow]
    if bad:
        record = bad[0]
        text = "".join(traceback.format_exception(*record.exc_info))  # type: ignore[misc]
        raise Finding(f"a catch-all swallowed an unexpected error ({record.name}: "
                      f"{record.getMessage()}):\n{text}")


@contextlib.contextmanager
def only(*allowed: type[BaseException]) -> Iterator[None]:
    """Raise :class:`Finding` for any exception that is not one of ``allowed``."""
    try:
        yield
    except allowed:
        pass
    except RecursionError as e:
        raise Finding(f"RecursionError: {traceback.format_exc(limit=-12)}") from e
    except Exception as e:
        raise Finding(f"{type(e).__name__}: {e}\n{traceback.format_exc()}") from e


class Harness:
    """Runs the targets; holds the key store and a scratch folder for file-based targets."""

    def __init__(self, keystore, workdir: Path | None = None, *, render: bool = True):
        self.keystore = keystore
        self.render = render
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="smime-fuzz-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.targets: dict[str, Callable[[bytes], None]] = {
            "keyfile": self.keyfile, "cms": self.cms, "unwrap": self.unwrap,
            "mime": self.mime, "mailbox": self.mailbox, "html": self.html,
        }

    def run(self, target: str, data: bytes) -> None:
        self.targets[target](data)

    # --- key files -------------------------------------------------------------------------

    def keyfile(self, data: bytes) -> None:
        from smime_archiver.crypto.keys.keyfiles import load_key_file

        path = self.workdir / "key.bin"
        path.write_bytes(data)
        with catch_all_watch(), only(KeyFileError):
            result = load_key_file(path, [PASSWORD, "forkert"])
            for entry in result.entries:
                if entry.private_key is None:
                    raise Finding("a key entry without a private key")

    # --- CMS -------------------------------------------------------------------------------

    def cms(self, data: bytes) -> None:
        from smime_archiver.crypto.cms import envelope
        from smime_archiver.crypto.cms.compressed import decompress_compressed
        from smime_archiver.crypto.cms.signed import verify_signed_data

        with catch_all_watch(), only(MessageError):
            ci = envelope.load_content_info(data)
            name = ci["content_type"].native
            if name in (envelope.ENVELOPED, envelope.AUTH_ENVELOPED):
                envelope.decrypt_enveloped(ci, self.keystore)
            elif name == "signed_data":
                verify_signed_data(ci, b"detached content" if not _has_content(ci) else None)
            elif name == "compressed_data":
                decompress_compressed(ci)

    # --- unwrap + MIME + render ------------------------------------------------------------

    def unwrap(self, data: bytes) -> None:
        from smime_archiver.crypto.cms.layers import unwrap_message

        with catch_all_watch(), only():
            result = unwrap_message(data, self.keystore)
            if not isinstance(result.message, bytes):
                raise Finding("unwrap_message returned no bytes")
        if result.status in ARCHIVED_STATUSES or result.problems:
            self._view_and_render(result.message, result)

    def mime(self, data: bytes) -> None:
        from smime_archiver.model import Status, UnwrapResult

        # every other input is drawn as if its parts 1 and 2 had been encrypted on their own
        # (framed, ruled blocks; alternatives all shown), the others as they are
        sealed = ("1", "2") if len(data) % 2 else ()
        self._view_and_render(data, UnwrapResult(data, Status.PLAIN, "fuzz"), sealed)

    def _view_and_render(self, message: bytes, result, sealed: tuple[str, ...] = ()) -> None:
        from smime_archiver.mime.message import parse_message
        from smime_archiver.render.pdf import render_pdf
        from smime_archiver.work import encrypted_parts

        with catch_all_watch(allow=("smime_archiver.render.pdf",)), only():
            view = parse_message(message, encrypted_parts=[*encrypted_parts(result), *sealed])
            if self.render:
                pdf = render_pdf(view, result, RawMail("fuzz.eml", message))
                if not pdf.startswith(b"%PDF"):
                    raise Finding("render_pdf returned something that is not a PDF")

    # --- mailbox readers -------------------------------------------------------------------

    def mailbox(self, data: bytes) -> None:
        from smime_archiver.mailbox import iter_messages

        box = self.workdir / "box"
        shutil.rmtree(box, ignore_errors=True)
        (box / "Maildir" / "cur").mkdir(parents=True)
        (box / "Maildir" / "new").mkdir()
        (box / "Maildir" / "tmp").mkdir()
        names = ("Inbox.mbox", "besked.eml", "1.emlx", "brev.msg", "smime.p7m",
                 "Maildir/cur/1700000000.M1P1.host:2,S")
        for name in names:
            (box / name).write_bytes(data)
        with catch_all_watch(), only():
            inputs = [str(box / n) for n in names[:5]] + [str(box / "Maildir")]
            for item in iter_messages(inputs):
                if not isinstance(item, RawMail | SourceProblem):
                    raise Finding(f"iter_messages yielded {type(item).__name__}")
                if isinstance(item, SourceProblem) and not item.detail:
                    raise Finding("a SourceProblem without a reason")

    # --- HTML ------------------------------------------------------------------------------

    def html(self, data: bytes) -> None:
        from reportlab.platypus import SimpleDocTemplate

        from smime_archiver.render.fonts import register_fonts
        from smime_archiver.render.html import html_flowables
        from smime_archiver.render.styles import BOTTOM, FRAME_WIDTH, MARGIN, PAGE

        register_fonts()
        text = data.decode("utf-8", "replace")
        with catch_all_watch(), only():
            flowables, _ctx = html_flowables(text, (), FRAME_WIDTH)
            if not self.render:
                return
            import io

            doc = SimpleDocTemplate(io.BytesIO(), pagesize=PAGE, leftMargin=MARGIN,
                                    rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=BOTTOM)
            try:
                doc.build(flowables)
            except Exception as e:  # the simple layout is the renderer's fallback: must work
                from reportlab.platypus.doctemplate import LayoutError

                if not isinstance(e, LayoutError):
                    raise
                simple, _ctx = html_flowables(text, (), FRAME_WIDTH, simple=True)
                SimpleDocTemplate(io.BytesIO(), pagesize=PAGE).build(simple)

    def close(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def _has_content(ci) -> bool:
    from smime_archiver.crypto.cms.signed import has_content

    try:
        return has_content(ci)
    except (ValueError, TypeError, KeyError):
        return False


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def environment_ready() -> None:
    """Fonts registered once, so the first execution is not counted as slow."""
    from smime_archiver.render.fonts import register_fonts

    register_fonts()
    os.environ.setdefault("SMIME_ARCHIVER_LANG", "en")
