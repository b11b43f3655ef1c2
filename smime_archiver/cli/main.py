"""Command-line face: parses arguments into a job spec and calls the core.

Exit codes: 0 every message archived; 3 some messages could not be decrypted or
rendered (all listed in the report); 2 usage errors; 1 fatal errors (key files
were given but none of them could be loaded, output not writable); 4 ``verify``
found a PDF missing or changed; 130 stopped by Ctrl-C, 143 by SIGTERM.  ``export``
without ``--key`` is no error: plain and signed mail is archived, encrypted mail
is listed as ``no_key``.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys
from collections.abc import Sequence
from pathlib import Path

from smime_archiver import i18n
from smime_archiver.archive.safefs import private_file
from smime_archiver.cli.console import (
    EXIT_CANCELLED,
    EXIT_FATAL,
    EXIT_USAGE,
    Console,
    Stopped,
    safe_tracebacks,
    terminate_as_interrupt,
)
from smime_archiver.cli.export import cmd_export
from smime_archiver.cli.inspect import cmd_inspect
from smime_archiver.cli.keys import cmd_keys
from smime_archiver.cli.parser import build_parser
from smime_archiver.cli.verify import cmd_verify
from smime_archiver.errors import ArchiverError, KeyFileError, OutputError, UsageError
from smime_archiver.hardening import protect_process
from smime_archiver.i18n import _, ngettext
from smime_archiver.termsafe import SafeFormatter, shown

log = logging.getLogger(__name__)


def cmd_demo(args, console: Console) -> int:
    from smime_archiver.demo import run_demo

    return run_demo(Path(args.out), console.out)


def _setup_logging(verbose: bool, log_file: str | None) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO if log_file else logging.WARNING)
    console_handler = logging.StreamHandler()
    console_handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console_handler.setFormatter(SafeFormatter("%(levelname)s %(name)s: %(message)s"))
    handlers: list[logging.Handler] = [console_handler]
    if log_file:
        try:
            private_file(log_file)  # the policy of everything the export writes: 0600
            file_handler = logging.FileHandler(log_file, encoding="utf-8")
        except OSError as e:
            raise UsageError(_("The log file {file} cannot be written: {reason}.").format(
                file=log_file, reason=e.strerror or e)) from e
        file_handler.setFormatter(SafeFormatter(
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
    terminate_as_interrupt()
    safe_tracebacks()
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
        print(shown(_("Error: {text}").format(text=e.message)), file=sys.stderr)
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
        print(shown(_("Error: {text}").format(text=e.message)), file=sys.stderr)
        return EXIT_USAGE
    console = Console(args.quiet, args.verbose)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    commands = {"export": cmd_export, "inspect": cmd_inspect, "keys": cmd_keys,
                "demo": cmd_demo, "verify": cmd_verify}
    if args.command in ("export", "inspect", "keys", "demo"):
        protect_process()  # before a password is read or a key loaded: no core dumps
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
        if args.verbose:  # the traceback through the log's formatter: escaped like the rest
            log.error("traceback", exc_info=True)
        return EXIT_FATAL
    except Stopped as e:
        console.err(_("Cancelled."))
        return e.exit_code
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
