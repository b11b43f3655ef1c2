"""``verify``: re-check an archive (every PDF there, PDF/A-3b, the embedded original
unchanged); exit 4 when anything is missing or changed."""

from __future__ import annotations

from pathlib import Path

from smime_archiver.cli.console import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED, Console
from smime_archiver.i18n import _, ngettext
from smime_archiver.termsafe import field


def cmd_verify(args, console: Console) -> int:
    from smime_archiver.archive.verify import verify_archive

    out = Path(args.out)
    if not out.is_dir():
        console.err(_("Error: {text}").format(text=_("{folder} is not a folder.").format(
            folder=out)))
        return EXIT_USAGE
    result = verify_archive(out)
    findings = result.findings or []
    for finding in findings:
        console.err(_("{file}: {problem}").format(file=field(finding.file),
                                                  problem=finding.problem))
    if result.unrecorded:
        console.out(ngettext(
            "{n} PDF was made before the report recorded the embedded message's SHA-256: "
            "it was checked except for that.",
            "{n} PDFs were made before the report recorded the embedded message's SHA-256: "
            "they were checked except for that.", result.unrecorded).format(
                n=result.unrecorded))
    if findings:
        console.err(ngettext("{n} problem found in {checked} PDFs of {dir}.",
                             "{n} problems found in {checked} PDFs of {dir}.",
                             len(findings)).format(n=len(findings), checked=result.checked,
                                                   dir=out))
        return EXIT_VERIFY_FAILED
    console.out(ngettext("{checked} PDF checked in {dir}: present, PDF/A-3b, original "
                         "unchanged.",
                         "{checked} PDFs checked in {dir}: all present, PDF/A-3b, originals "
                         "unchanged.", result.checked).format(checked=result.checked, dir=out))
    return EXIT_OK
