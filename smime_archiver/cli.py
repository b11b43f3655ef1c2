"""Command-line face: parses arguments into a job spec and calls the core.

Exit codes: 0 every message archived; 3 some messages could not be decrypted or
rendered (all listed in the report); 2 usage errors; 1 fatal errors (no key
could be loaded, output not writable).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from smime_archiver import __version__, i18n
from smime_archiver.archive import MessageRecord
from smime_archiver.errors import ArchiverError, KeyFileError, OutputError, UsageError
from smime_archiver.i18n import _, ngettext
from smime_archiver.model import KeyDescription, Status

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
    parser.add_argument("--version", action="version", version=f"smime-archiver {__version__}")
    parser.add_argument("--lang", choices=i18n.SUPPORTED,
                        help=_("language of messages and reports (default: from the system)"))
    parser.add_argument("-v", "--verbose", action="store_true",
                        help=_("show each message and technical details"))
    parser.add_argument("-q", "--quiet", action="store_true", help=_("only show errors"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    export = sub.add_parser("export", help=_("decrypt mailboxes and write one PDF per message"))
    export.add_argument("--key", "-k", action="append", default=[], metavar="FILE",
                        help=_("a key file (.p12/.pfx, PEM or DER key, certificate); repeat "
                               "for several"))
    export.add_argument("--password-file", metavar="FILE",
                        help=_("a file with one password per line, each tried on each key "
                               "file"))
    export.add_argument("--out", "-o", required=True, metavar="DIR",
                        help=_("output folder for the PDFs and report.json"))
    export.add_argument("inputs", nargs="+", metavar="INPUT",
                        help=_("mbox files, Maildir folders, folders of messages, message "
                               "files"))

    keys = sub.add_parser("keys", help=_("show what is inside key files"))
    keys.add_argument("files", nargs="+", metavar="FILE")
    keys.add_argument("--password-file", metavar="FILE")
    keys.add_argument("--json", action="store_true", help=_("machine-readable output"))

    demo = sub.add_parser("demo", help=_("make a throw-away key file and mailbox and export "
                                         "them"))
    demo.add_argument("--out", "-o", default="demo-output", metavar="DIR",
                      help=_("where to put the demo files (default: ./demo-output)"))
    return parser


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
    from smime_archiver.crypto.keyfiles import load_key_files

    for f in files:
        if not Path(f).exists():
            raise UsageError(_("Key file {file} does not exist.").format(file=f))
    keystore, errors = load_key_files(
        list(files), make_password_source(password_file),
        on_warning=lambda text: console.err(_("Warning: {text}").format(text=text)),
    )
    for error in errors:
        console.err(_("Key file problem: {text}").format(text=error.message))
    return keystore, errors


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
    keystore, errors = _load_keys(args.files, args.password_file, console)
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


def cmd_export(args, console: _Console) -> int:
    from smime_archiver.job import JobObserver, JobSpec, run_job

    if not args.key:
        raise UsageError(_("Give at least one key file with --key FILE."))
    for path in args.inputs:
        if not Path(path).exists():
            raise UsageError(_("Input {path} does not exist.").format(path=path))
    keystore, _errors = _load_keys(args.key, args.password_file, console)
    if not len(keystore):
        console.err(_("No key could be loaded, so nothing can be decrypted. Check the key files "
                      "and passwords above."))
        return EXIT_FATAL

    class Progress(JobObserver):
        def message_done(self, record: MessageRecord, done: int) -> None:
            where = record.source + (f" {record.locator}" if record.locator else "")
            if record.archived:
                console.detail(f"[{done}] {record.status.value}: {where} -> {record.pdf}")
            else:
                console.out(f"[{done}] {record.status.value}: {where}: {record.detail}")

    spec = JobSpec(
        inputs=tuple(args.inputs),
        out_dir=Path(args.out),
        key_files=tuple(d.to_json() for d in keystore.descriptions()),
    )
    result = run_job(spec, keystore, Progress())
    _print_summary(result, Path(args.out), console)
    if result.cancelled:
        return EXIT_CANCELLED
    return EXIT_OK if result.complete else EXIT_INCOMPLETE


def _print_summary(result, out_dir: Path, console: _Console) -> None:
    total = len(result.records)
    archived = sum(1 for r in result.records if r.archived)
    console.out(ngettext("Archived {n} of {total} message into {dir}.",
                         "Archived {n} of {total} messages into {dir}.", total).format(
        n=archived, total=total, dir=out_dir))
    for status in Status:
        count = result.count(status)
        if count:
            console.out(f"  {status.value}: {count}")
    missing: dict[str, int] = {}
    for r in result.records:
        if r.status is Status.NO_KEY:
            for ref in r.recipients:
                missing[ref.describe()] = missing.get(ref.describe(), 0) + 1
    if missing:
        console.out(_("Messages encrypted to certificates you did not give a key for (add the "
                      "key files from that time):"))
        for ref, count in missing.items():
            console.out(f"  {ref}: {count}")
    console.out(_("Report: {path}").format(path=result.report_path))


def cmd_demo(args, console: _Console) -> int:
    from smime_archiver.demo import run_demo

    return run_demo(Path(args.out), console.out)


def main(argv: Sequence[str] | None = None) -> int:
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
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    console = _Console(args.quiet, args.verbose)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    commands = {"export": cmd_export, "keys": cmd_keys, "demo": cmd_demo}
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
    for i, arg in enumerate(argv):
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
    return None
