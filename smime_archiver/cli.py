"""Command-line face: parses arguments into a job spec and calls the core.

Exit codes: 0 every message archived; 3 some messages could not be decrypted or
rendered (all listed in the report); 2 usage errors; 1 fatal errors (key files
were given but none of them could be loaded, output not writable).  ``export``
without ``--key`` is no error: plain and signed mail is archived, encrypted mail
is listed as ``no_key``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from smime_archiver import __version__, i18n
from smime_archiver.errors import ArchiverError, KeyFileError, OutputError, UsageError
from smime_archiver.i18n import _, ngettext
from smime_archiver.model import KeyDescription, Status
from smime_archiver.outcome import JobSummary, MessageOutcome
from smime_archiver.render.status import status_label

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3
EXIT_CANCELLED = 130

PASSWORD_ENV = "SMIME_ARCHIVER_PASSWORD"
PROMPT_ATTEMPTS = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits with 2 itself; keep the text translated
        self.print_usage(sys.stderr)
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="smime-archiver",
        description=_("Decrypt old S/MIME e-mail (NemID Sikker e-mail) and archive every "
                      "message as PDF."),
    )
    parser.add_argument("--version", action="version", version=f"smime-archiver {__version__}",
                        help=_("show the program's version number and exit"))
    parser.add_argument("--lang", choices=i18n.SUPPORTED,
                        help=_("language of the program's texts and of the reports' "
                               "explanations (default: from the system)"))
    parser.add_argument("-v", "--verbose", action="store_true",
                        help=_("show each message and technical details"))
    parser.add_argument("-q", "--quiet", action="store_true", help=_("only show errors"))
    parser.add_argument("--log", metavar="FILE",
                        help=_("also write a log of the run to FILE (never passwords or "
                               "message texts)"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    export = sub.add_parser("export", help=_("decrypt mailboxes and write one PDF per message"))
    _add_key_options(export)
    export.add_argument("--out", "-o", required=True, metavar="DIR",
                        help=_("output folder for the PDFs, report.json and report.csv"))
    _add_jobs_option(export)
    export.add_argument("--resume", action="store_true",
                        help=_("continue an interrupted export into the same output folder: "
                               "messages already archived there are skipped"))
    export.add_argument("--eml", action="store_true",
                        help=_("also write each decrypted message as an .eml file"))
    export.add_argument("--attachments", action="store_true",
                        help=_("also write each message's attachments into a folder beside "
                               "its PDF"))
    export.add_argument("--dedupe", action="store_true",
                        help=_("archive a message found in several mailboxes (same "
                               "Message-ID and content) only once; the report points the "
                               "copies at the first one"))
    _add_output_options(export)
    export.add_argument("inputs", nargs="+", metavar="INPUT",
                        help=_("mbox files, Maildir folders, folders of messages, message "
                               "files"))

    inspect = sub.add_parser("inspect", help=_("list messages and their encryption without "
                                               "writing PDFs"))
    _add_key_options(inspect)
    _add_jobs_option(inspect)
    inspect.add_argument("--json", action="store_true", help=_("machine-readable output"))
    _add_output_options(inspect)
    inspect.add_argument("inputs", nargs="+", metavar="INPUT",
                         help=_("mbox files, Maildir folders, folders of messages, message "
                                "files"))

    keys = sub.add_parser("keys", help=_("show what is inside key files"))
    keys.add_argument("files", nargs="+", metavar="FILE",
                      help=_("key files to show (.p12/.pfx, PEM or DER key, certificate)"))
    keys.add_argument("--password-file", metavar="FILE",
                      help=_("a file with one password per line, each tried on each key "
                             "file"))
    keys.add_argument("--json", action="store_true", help=_("machine-readable output"))

    demo = sub.add_parser("demo", help=_("make a throw-away key file and mailbox and export "
                                         "them"))
    demo.add_argument("--out", "-o", default="demo-output", metavar="DIR",
                      help=_("where to put the demo files (default: ./demo-output)"))
    return parser


def _add_key_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--key", "-k", action="append", default=[], metavar="FILE",
                        help=_("a key file (.p12/.pfx, PEM or DER key, certificate); repeat "
                               "for several"))
    parser.add_argument("--password-file", metavar="FILE",
                        help=_("a file with one password per line, each tried on each key "
                               "file"))


def _add_jobs_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jobs", "-j", type=_positive_int, default=None, metavar="N",
                        help=_("worker processes (default: the number of CPUs, {n} here)"
                               ).format(n=max(1, os.cpu_count() or 1)))
    parser.add_argument("--start-method", choices=("fork", "spawn", "forkserver"),
                        help=_("how worker processes are started (default: fork on Linux, "
                               "spawn elsewhere)"))


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: the same options before the command name are not overwritten by defaults
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help=_("show each message and technical details"))
    parser.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help=_("only show errors"))
    parser.add_argument("--log", metavar="FILE", default=argparse.SUPPRESS,
                        help=_("also write a log of the run to FILE (never passwords or "
                               "message texts)"))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(_("{value} is not a whole number").format(
            value=text)) from e
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be 1 or more"))
    return value


# --- passwords ------------------------------------------------------------------------------


def read_password_file(path: str) -> list[str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = Path(path).read_text(encoding="cp1252")
    except OSError as e:
        raise UsageError(_("The password file {file} cannot be read: {reason}.").format(
            file=path, reason=e.strerror or e)) from e
    return [line.rstrip("\r\n") for line in text.splitlines() if line.rstrip("\r\n")]


def make_password_source(password_file: str | None, *, interactive: bool | None = None):
    """Candidates for each key file: $SMIME_ARCHIVER_PASSWORD, the file's lines, then prompts."""
    from_env = os.environ.get(PASSWORD_ENV)
    from_file = read_password_file(password_file) if password_file else []
    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()

    def source(key_file: str) -> Iterator[str]:
        if from_env is not None:
            yield from_env
        yield from from_file
        if not interactive:
            return
        name = Path(key_file).name
        for attempt in range(1, PROMPT_ATTEMPTS + 1):
            if attempt == 1:
                prompt = _("Password for key file {file}: ").format(file=name)
            else:
                prompt = _("Wrong password. Password for {file} (attempt {n} of {total}): "
                           ).format(file=name, n=attempt, total=PROMPT_ATTEMPTS)
            try:
                yield getpass.getpass(prompt)
            except (EOFError, KeyboardInterrupt):
                return

    return source


# --- output helpers ---------------------------------------------------------------------------


class _Console:
    def __init__(self, quiet: bool, verbose: bool):
        self.quiet = quiet
        self.verbose = verbose

    def out(self, text: str = "") -> None:
        if not self.quiet:
            print(text)

    def detail(self, text: str) -> None:
        if self.verbose and not self.quiet:
            print(text)

    def err(self, text: str) -> None:
        print(text, file=sys.stderr)


def _load_keys(files: Sequence[str], password_file: str | None, console: _Console):
    """Load the key files; returns the key store, the errors and how workers reload them."""
    from smime_archiver.crypto.keys.keyfiles import load_key_files

    for f in files:
        if not Path(f).exists():
            raise UsageError(_("Key file {file} does not exist.").format(file=f))
    from smime_archiver.parallel import RecordingPasswords  # heavy: keep --version quick

    recorder = RecordingPasswords(make_password_source(password_file))
    keystore, errors = load_key_files(
        list(files), recorder,
        on_warning=lambda text: console.err(_("Warning: {text}").format(text=text)),
    )
    for error in errors:
        console.err(_("Key file problem: {text}").format(text=error.message))
    return keystore, errors, recorder.reload(files)


def format_key(desc: KeyDescription) -> list[str]:
    lines = [_("  Key: {type}, {bits} bit").format(type=desc.key_type, bits=desc.key_size)]
    if desc.subject:
        lines.append(_("    Subject:  {value}").format(value=desc.subject))
        lines.append(_("    Issuer:   {value}").format(value=desc.issuer))
        lines.append(_("    Serial:   {dec} (hex {hex})").format(dec=desc.serial,
                                                                 hex=f"{desc.serial:x}"))
        if desc.not_before and desc.not_after:
            from datetime import datetime, timezone

            expired = desc.not_after < datetime.now(timezone.utc)
            lines.append(_("    Valid:    {start} to {end}").format(
                start=desc.not_before.date().isoformat(), end=desc.not_after.date().isoformat())
                + (_(" (expired; old keys still decrypt old mail)") if expired else ""))
        if desc.email:
            lines.append(_("    E-mail:   {value}").format(value=desc.email))
    else:
        lines.append(_("    (no certificate found for this key; it is still tried on every "
                       "message)"))
    if desc.ski:
        lines.append(_("    Key ID:   {value}").format(value=desc.ski))
    return lines


# --- commands ---------------------------------------------------------------------------------


def cmd_keys(args, console: _Console) -> int:
    keystore, errors, _reload = _load_keys(args.files, args.password_file, console)
    if args.json:
        print(json.dumps({
            "keys": [d.to_json() for d in keystore.descriptions()],
            "errors": [{"source": e.source, "detail": e.message} for e in errors],
        }, ensure_ascii=False, indent=2))
    else:
        by_file: dict[str, list[KeyDescription]] = {}
        for desc in keystore.descriptions():
            by_file.setdefault(desc.source, []).append(desc)
        for source, descs in by_file.items():
            console.out(source)
            for desc in descs:
                for line in format_key(desc):
                    console.out(line)
    if not len(keystore):
        return EXIT_FATAL
    return EXIT_INCOMPLETE if errors else EXIT_OK


def _check_inputs(inputs: Sequence[str]) -> None:
    for path in inputs:
        if not Path(path).exists():
            raise UsageError(_("Input {path} does not exist.").format(path=path))


def _interruptible(cancel: threading.Event):
    """Ctrl-C sets ``cancel`` (the job stops after the messages under way); twice stops."""

    def handler(signum, frame):
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread
        return None
    return previous


def cmd_export(args, console: _Console) -> int:
    from smime_archiver.job import JobObserver, JobProgress, JobSpec, run_job
    from smime_archiver.parallel import default_jobs
    from smime_archiver.progress import Progress

    _check_inputs(args.inputs)
    if args.key:
        keystore, _errors, key_reload = _load_keys(args.key, args.password_file, console)
        if not len(keystore):
            # Key files were given to decrypt with: an export that decrypts nothing is not
            # what was asked for, so stop before writing anything.
            console.err(_("No key could be loaded from the key files given, so nothing would "
                          "be decrypted. Check the key files and passwords above; to archive "
                          "only the mail that is not encrypted, run without --key."))
            return EXIT_FATAL
    else:
        from smime_archiver.crypto.keys.keystore import KeyStore

        keystore, key_reload = KeyStore(), None
        console.out(_("No key file given (--key): mail that is not encrypted is archived; "
                      "each encrypted message is listed in the report with the certificate it "
                      "was encrypted to."))
    progress = Progress(quiet=console.quiet)

    class Observer(JobObserver):
        def message_done(self, record: MessageOutcome, done: int) -> None:
            if console.quiet:
                return
            where = record.source + (f" {record.locator}" if record.locator else "")
            label = status_label(record.status)
            if record.archived:
                if console.verbose:
                    progress.line(f"[{done}] {label}: {where} -> {record.pdf}")
            else:
                progress.line(f"[{done}] {label}: {where}: {record.detail}")

        def job_progress(self, p: JobProgress) -> None:
            progress.update(p)

    spec = JobSpec(
        inputs=tuple(args.inputs),
        out_dir=Path(args.out),
        key_files=tuple(d.to_json() for d in keystore.descriptions()),
        jobs=args.jobs or default_jobs(),
        resume=args.resume,
        write_eml=args.eml,
        write_attachments=args.attachments,
        dedupe=args.dedupe,
        start_method=args.start_method,
        keep_records=False,
    )
    cancel = threading.Event()
    previous = _interruptible(cancel)
    try:
        result = run_job(spec, keystore, Observer(), cancel, key_reload=key_reload)
    finally:
        progress.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    print_summary(result, Path(args.out), console)
    if result.cancelled:
        console.err(_("Cancelled. Run the same command with --resume to continue."))
        return EXIT_CANCELLED
    return EXIT_OK if result.complete else EXIT_INCOMPLETE


def print_summary(result, out_dir: Path, console: _Console) -> None:
    """The account at the end of an export: counts, mailboxes, keys, missing certificates."""
    s = result.summary
    total = result.total
    console.out(ngettext("Archived {n} of {total} message into {dir}.",
                         "Archived {n} of {total} messages into {dir}.", total).format(
        n=result.archived, total=total, dir=out_dir))
    if result.resumed:
        console.out(_("{n} of them were already archived by an earlier run.").format(
            n=result.resumed))
    for status in Status:
        count = result.count(status)
        if count:
            console.out(f"  {status_label(status)}: {count}")
    if s.duplicates:
        console.out(_("Copies of the same message archived once: {n}").format(
            n=s.duplicates))
    _print_outlook_items(s, console)
    per_mailbox = s.per_mailbox
    if len(per_mailbox) > 1 or console.verbose:
        console.out(_("Per mailbox:"))
        for box, counts in per_mailbox.items():
            parts = ", ".join(f"{k.value} {v}" for k, v in sorted(counts.items()))
            console.out(f"  {box}: {parts}")
    if s.keys_used:
        console.out(_("Key files and the messages each opened:"))
        for entry in s.keys_used:
            console.out(_("  {file}: {n}").format(file=entry.key_file, n=entry.messages))
    missing = s.missing_keys
    if missing:
        console.out(_("Messages encrypted to certificates you did not give a key for (add the "
                      "key files from that time):"))
        for entry in missing:
            console.out(f"  {entry.recipient.describe()}: {entry.messages}")
    console.out(_("Report: {path}").format(path=result.report_path))


def _print_outlook_items(s: JobSummary, console: _Console) -> None:
    """Outlook items that are not mail (archived as what they are) and hidden ones."""
    from smime_archiver.mailbox.items import kind_label

    if s.kinds:
        console.out(_("Outlook items that are not e-mail, each archived as a page of its "
                      "details:"))
        for kind, count in sorted(s.kinds.items()):
            console.out(f"  {kind_label(kind)}: {count}")
    hidden = s.hidden_items_skipped.total
    if hidden:
        console.out(ngettext(
            "{n} hidden Outlook system item skipped (free/busy data, views, rules or "
            "settings: not a message).",
            "{n} hidden Outlook system items skipped (free/busy data, views, rules or "
            "settings: not messages).", hidden).format(n=hidden))


def cmd_inspect(args, console: _Console) -> int:
    from smime_archiver.crypto.keys.keystore import KeyStore
    from smime_archiver.inspect import describe, format_text, inspect_inputs
    from smime_archiver.parallel import default_jobs

    _check_inputs(args.inputs)
    if args.key:
        keystore, _errors, key_reload = _load_keys(args.key, args.password_file, console)
    else:
        keystore, key_reload = KeyStore(), None
    cancel = threading.Event()
    previous = _interruptible(cancel)
    count = 0
    try:
        if args.json:
            print("[", end="")
        for record in inspect_inputs(args.inputs, keystore, jobs=args.jobs or default_jobs(),
                                     start_method=args.start_method, key_reload=key_reload,
                                     cancel=cancel):
            if args.json:
                text = json.dumps(describe(record), ensure_ascii=False, indent=2)
                print(("\n" if count == 0 else ",\n") + text, end="")
            else:
                for line in format_text(record):
                    print(line)
            count += 1
        if args.json:
            print("\n]" if count else "]")
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    if cancel.is_set():
        return EXIT_CANCELLED
    return EXIT_OK


def cmd_demo(args, console: _Console) -> int:
    from smime_archiver.demo import run_demo

    return run_demo(Path(args.out), console.out)


def _setup_logging(verbose: bool, log_file: str | None) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO if log_file else logging.WARNING)
    console_handler = logging.StreamHandler()
    console_handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console_handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [console_handler]
    if log_file:
        try:
            file_handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as e:
            raise UsageError(_("The log file {file} cannot be written: {reason}.").format(
                file=log_file, reason=e.strerror or e)) from e
        file_handler.setFormatter(logging.Formatter(
            "%(asctime)s %(processName)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(file_handler)
    for old in list(root.handlers):
        if getattr(old, "_smime_archiver", False):
            root.removeHandler(old)
            old.close()
    for handler in handlers:
        handler._smime_archiver = True  # type: ignore[attr-defined]
        root.addHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # a frozen (PyInstaller) worker process starts here
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    argv = list(sys.argv[1:] if argv is None else argv)
    i18n.set_language(_early_lang(argv))
    # argparse looks its texts up through module-level gettext names: route them to ours.
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        print(_("Error: {text}").format(text=e.message), file=sys.stderr)
        return EXIT_USAGE
    if args.lang:
        i18n.set_language(args.lang)
    for name in ("verbose", "quiet"):
        if not hasattr(args, name):
            setattr(args, name, False)
    if not hasattr(args, "log"):
        args.log = None
    try:
        _setup_logging(args.verbose, args.log)
    except UsageError as e:
        print(_("Error: {text}").format(text=e.message), file=sys.stderr)
        return EXIT_USAGE
    console = _Console(args.quiet, args.verbose)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    commands = {"export": cmd_export, "inspect": cmd_inspect, "keys": cmd_keys,
                "demo": cmd_demo}
    try:
        return commands[args.command](args, console)
    except UsageError as e:
        console.err(_("Error: {text}").format(text=e.message))
        return EXIT_USAGE
    except (OutputError, KeyFileError) as e:
        console.err(_("Error: {text}").format(text=e.message))
        return EXIT_FATAL
    except ArchiverError as e:
        console.err(_("Error: {text}").format(text=e.message))
        if args.verbose:
            raise
        return EXIT_FATAL
    except KeyboardInterrupt:
        console.err(_("Cancelled."))
        return EXIT_CANCELLED


def _early_lang(argv: list[str]) -> str | None:
    """The ``--lang`` value, if it names a supported language (else the environment decides)."""
    for i, arg in enumerate(argv):
        value = None
        if arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        elif arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        if value is not None:
            return value if value in i18n.SUPPORTED else None
    return None
