"""``export``: decrypt mailboxes into PDFs, and the account printed at the end."""

from __future__ import annotations

import threading
from pathlib import Path

from smime_archiver.cli.console import (
    EXIT_FATAL,
    EXIT_INCOMPLETE,
    EXIT_OK,
    Console,
    StopSignals,
    check_inputs,
)
from smime_archiver.cli.passwords import load_keys, no_keys
from smime_archiver.i18n import _, ngettext
from smime_archiver.model import Status
from smime_archiver.outcome import JobSummary, MessageOutcome
from smime_archiver.termsafe import field
from smime_archiver.texts import status_label


def cmd_export(args, console: Console) -> int:
    from smime_archiver.job import JobObserver, JobProgress, JobSpec, run_job
    from smime_archiver.parallel import default_jobs
    from smime_archiver.progress import Progress

    check_inputs(args.inputs)
    if args.key:
        keys, _errors = load_keys(args.key, args.password_file, console)
        if not len(keys):
            # Key files were given to decrypt with: an export that decrypts nothing is not
            # what was asked for, so stop before writing anything.
            console.err(_("No key could be loaded from the key files given, so nothing would "
                          "be decrypted. Check the key files and passwords above; to archive "
                          "only the mail that is not encrypted, run without --key."))
            return EXIT_FATAL
    else:
        keys = no_keys()
        console.out(_("No key file given (--key): mail that is not encrypted is archived; "
                      "each encrypted message is listed in the report with the certificate it "
                      "was encrypted to."))
    progress = Progress(quiet=console.quiet)

    class Observer(JobObserver):
        def message_done(self, record: MessageOutcome, done: int) -> None:
            if console.quiet:
                return
            where = field(record.source) + (f" {field(record.locator)}" if record.locator
                                            else "")
            label = status_label(record.status)
            if record.archived:
                if console.verbose:
                    progress.line(f"[{done}] {label}: {where} -> {field(record.pdf)}")
            else:
                progress.line(f"[{done}] {label}: {where}: {field(record.detail)}")

        def job_progress(self, p: JobProgress) -> None:
            progress.update(p)

    spec = JobSpec(
        inputs=tuple(args.inputs),
        out_dir=Path(args.out),
        key_files=tuple(d.to_json() for d in keys.descriptions()),
        jobs=args.jobs or default_jobs(),
        resume=args.resume,
        write_eml=args.eml,
        write_attachments=args.attachments,
        dedupe=args.dedupe,
        start_method=args.start_method,
        keep_records=False,
    )
    cancel = threading.Event()
    with StopSignals(cancel) as stop:
        try:
            result = run_job(spec, keys, Observer(), cancel)
        finally:
            progress.close()
    print_summary(result, Path(args.out), console)
    if result.cancelled:
        console.err(_("Cancelled. Run the same command with --resume to continue."))
        return stop.exit_code
    return EXIT_OK if result.complete else EXIT_INCOMPLETE


def print_summary(result, out_dir: Path, console: Console) -> None:
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
            console.out(f"  {field(box)}: {parts}")
    if s.keys_used:
        console.out(_("Key files and the messages each opened:"))
        for entry in s.keys_used:
            console.out(_("  {file}: {n}").format(file=field(entry.key_file),
                                                  n=entry.messages))
    missing = s.missing_keys
    if missing:
        console.out(_("Messages encrypted to certificates you did not give a key for (add the "
                      "key files from that time):"))
        for entry in missing:
            console.out(f"  {field(entry.recipient.describe())}: {entry.messages}")
            if entry.explanation:
                console.out(f"    {entry.explanation}")
    console.out(_("Report: {path}").format(path=result.report_path))


def _print_outlook_items(s: JobSummary, console: Console) -> None:
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
