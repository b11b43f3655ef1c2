"""The command line: every command and option, with translated help texts."""

from __future__ import annotations

import argparse
import os
import sys

from smime_archiver import __version__, i18n
from smime_archiver.errors import UsageError
from smime_archiver.i18n import _


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

    verify = sub.add_parser("verify", help=_("re-check an archive: every PDF in its report "
                                             "is there, is PDF/A-3b and holds the original "
                                             "unchanged (exit 4 if not)"))
    verify.add_argument("out", metavar="OUT", help=_("the output folder of an export"))
    _add_output_options(verify)

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
